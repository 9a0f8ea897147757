/* SPDX-License-Identifier: Apache-2.0 */
/* it_badclient: a hostile site client. Sends malformed, oversized and
 * out-of-round messages to a running coordinator and checks that each gets
 * a clear error status and that the coordinator keeps serving.
 * Usage: it_badclient HOST:PORT CA CERT KEY
 *        it_badclient --secagg HOST:PORT CA CERT KEY OTHER_CERT DATASET
 * The --secagg mode (it_badclient_sa.c, it_badclient_sa_attack.c) joins a
 * secure-aggregation round as a selected site and attacks each phase; see
 * it_security.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <sodium.h>

#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_rpc.h"
#include "fl_sa_context.h"
#include "fl_secagg.h"
#include "it_badclient.h"

int fails;

void expect(const char *what, int got_code, int want_code, const char *detail)
{
	if (got_code == want_code) {
		printf("ok: %s (status %d: %s)\n", what, got_code, detail);
	} else {
		printf("FAIL: %s: status %d (%s), expected %d\n", what, got_code, detail, want_code);
		fails++;
	}
}

static int good_poll(fl_rpc_channel *ch, fl_rpc_status *st)
{
	fl_msg_poll_req req;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len, rlen;
	int r;

	memset(&req, 0, sizeof(req));
	snprintf(req.agent_version, sizeof(req.agent_version), "it-badclient");
	if ((r = fl_codec_encode_poll_req(&req, &buf, &len)) != 0)
		return r;
	r = fl_rpc_unary(ch, FL_RPC_AGENT_POLL, buf, len, 5000, &resp, &rlen, st);
	free(buf);
	free(resp);
	return r;
}

void raw_unary(fl_rpc_channel *ch, const char *method, const uint8_t *b,
	       size_t n, fl_rpc_status *st)
{
	uint8_t *resp = NULL;
	size_t rlen;

	memset(st, 0, sizeof(*st));
	fl_rpc_unary(ch, method, b, n, 5000, &resp, &rlen, st);
	free(resp);
}

int main(int argc, char **argv)
{
	fl_rpc_tls tls;
	fl_rpc_channel *ch = NULL;
	fl_rpc_status st;
	static const uint8_t garbage[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02 };
	uint8_t *big;
	size_t bign = 3u * 1024u * 1024u;

	if (argc > 1 && strcmp(argv[1], "--secagg") == 0)
		return it_sa_main(argc - 1, argv + 1);
	if (argc != 5) {
		fprintf(stderr, "usage: it_badclient HOST:PORT CA CERT KEY\n");
		return 2;
	}
	fl_rpc_global_init();
	tls.ca_file = argv[2];
	tls.cert_file = argv[3];
	tls.key_file = argv[4];
	if (fl_rpc_channel_new(argv[1], &tls, 8u * 1024u * 1024u, &ch) != 0) {
		fprintf(stderr, "cannot open channel\n");
		return 2;
	}
	memset(&st, 0, sizeof(st));
	good_poll(ch, &st);
	expect("a good poll works first", st.code, 0, st.detail);

	raw_unary(ch, FL_RPC_AGENT_POLL, garbage, sizeof(garbage), &st);
	expect("malformed protobuf is refused", st.code, 3, st.detail);

	big = calloc(1, bign);
	if (!big)
		return 2;
	memset(big, 0x41, bign);
	raw_unary(ch, FL_RPC_AGENT_POLL, big, bign, &st);
	free(big);
	printf("oversized poll: status %d (%s)\n", st.code, st.detail);
	if (st.code == 0) {
		printf("FAIL: an oversized message was accepted\n");
		fails++;
	}

	raw_unary(ch, "/fedc.v1.Agent/NoSuchMethod", garbage, sizeof(garbage), &st);
	expect("unknown method", st.code, 12, st.detail);

	raw_unary(ch, FL_RPC_CTL_LIST_JOBS, (const uint8_t *)"", 0, &st);
	expect("a site cannot use the control service", st.code, 7, st.detail);

	/* An update for a job and round that this site was never given. */
	{
		fl_rpc_stream *s = NULL;
		fl_msg_update_part part;
		uint8_t *buf = NULL;
		size_t len;
		memset(&part, 0, sizeof(part));
		part.is_header = true;
		part.header.job_id = 999;
		part.header.round = 7;
		part.header.attempt = 1;
		part.header.kind = FL_TASK_TRAIN;
		part.header.words = 10;
		memset(&st, 0, sizeof(st));
		if (fl_rpc_stream_open(ch, FL_RPC_AGENT_PUT_UPDATE, 5000, &s) == 0 &&
		    fl_codec_encode_update_part(&part, &buf, &len) == 0) {
			fl_rpc_stream_send(s, buf, len);
			fl_rpc_stream_close_send(s);
			fl_rpc_stream_finish(s, &st);
		}
		free(buf);
		fl_rpc_stream_free(s);
		printf("update for a wrong round: status %d (%s)\n", st.code, st.detail);
		if (st.code != 9 && st.code != 5 && st.code != 7) {
			printf("FAIL: wrong-round update not refused with a clear status\n");
			fails++;
		}
	}

	memset(&st, 0, sizeof(st));
	good_poll(ch, &st);
	expect("the coordinator still serves a good poll afterwards", st.code, 0, st.detail);

	fl_rpc_channel_free(ch);
	fl_rpc_global_shutdown();
	printf("%d failed\n", fails);
	return fails ? 1 : 0;
}
