/* SPDX-License-Identifier: Apache-2.0 */
/* it_badclient: a hostile site client. Sends malformed, oversized and
 * out-of-round messages to a running coordinator and checks that each gets
 * a clear error status and that the coordinator keeps serving.
 * Usage: it_badclient HOST:PORT CA CERT KEY
 *        it_badclient --secagg HOST:PORT CA CERT KEY OTHER_CERT DATASET
 * The --secagg mode (at the end of this file) joins a secure-aggregation
 * round as a selected site and attacks each phase; see it_security.sh. */
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

static int fails;
static int it_sa_main(int argc, char **argv);

static void expect(const char *what, int got_code, int want_code, const char *detail)
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

static void raw_unary(fl_rpc_channel *ch, const char *method, const uint8_t *b,
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

/* ==== --secagg: a selected site that attacks every phase of an attempt ====
 * Each hostile message must get the gRPC status named at its expect() call
 * (3 INVALID_ARGUMENT, 7 PERMISSION_DENIED, 9 FAILED_PRECONDITION) and leave
 * the attempt intact: this site also advertises and shares honestly, then
 * never uploads, so it drops out in the input phase and the honest sites'
 * round completes without it (it_security.sh checks the job). */

#define ST_INVALID 3
#define ST_DENIED 7
#define ST_PRECONDITION 9

typedef struct sa_bad {
	fl_rpc_channel *ch;
	fl_msg_task t;             /* the attempt under attack */
	fl_secagg_params p;
	fl_secagg_client *c;
	fl_secagg_advert adv;      /* our valid advert */
	fl_secagg_shares sh;       /* our valid shares */
	fl_sign_key *key;
	fl_verifier *ver;
	char *cert, *other;        /* PEM: ours, another site's */
	size_t cert_len, other_len;
	const char *dataset;
	fl_members members;        /* CA_DIR/members.txt */
	char **names;              /* the attempt's participants */
	fl_secagg_trust trust;
} sa_bad;

/* A growing byte buffer, for hand-made protobuf. */
typedef struct sa_wbuf {
	uint8_t *b;
	size_t n, cap;
} sa_wbuf;

static void sa_wb_put(sa_wbuf *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = (w->n + n) * 2 + 64;
		uint8_t *b = realloc(w->b, cap);

		if (!b) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		w->b = b;
		w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void sa_wb_varint(sa_wbuf *w, uint64_t v)
{
	uint8_t c;

	do {
		c = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		sa_wb_put(w, &c, 1);
	} while (v);
}

/* A length-delimited field (wire type 2). */
static void sa_wb_bytes(sa_wbuf *w, uint32_t field, const void *p, size_t n)
{
	sa_wb_varint(w, (uint64_t)field << 3 | 2);
	sa_wb_varint(w, n);
	if (n)
		sa_wb_put(w, p, n);
}

static char *sa_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) != NULL) {
		if (fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		} else {
			b[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return b;
}

/* Sends raw bytes (the buffer is freed) and checks the status. */
static int sa_send(sa_bad *x, const char *method, uint8_t *buf, size_t len,
		   const char *what, int want)
{
	fl_rpc_status st;

	raw_unary(x->ch, method, buf, len, &st);
	free(buf);
	expect(what, st.code, want, st.detail);
	return st.code;
}

static fl_secagg_hdr sa_hdr(const sa_bad *x)
{
	fl_secagg_hdr h = { x->t.job_id, x->t.round, x->t.attempt };

	return h;
}

static void sa_send_hdr(sa_bad *x, const char *method, const char *what, int want)
{
	fl_secagg_hdr h = sa_hdr(x);
	uint8_t *buf = NULL;
	size_t len = 0;

	if (fl_codec_encode_sa_hdr(&h, &buf, &len) != 0) {
		expect(what, -1, want, "cannot encode");
		return;
	}
	sa_send(x, method, buf, len, what, want);
}

static void sa_send_advert(sa_bad *x, const fl_secagg_advert *a, const char *what,
			   int want)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (fl_codec_encode_sa_advert(a, &buf, &len) != 0) {
		expect(what, -1, want, "cannot encode");
		return;
	}
	sa_send(x, FL_RPC_SA_ADVERTISE, buf, len, what, want);
}

static void sa_send_shares(sa_bad *x, const fl_secagg_shares *sh, const char *what,
			   int want)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (fl_codec_encode_sa_shares(sh, &buf, &len) != 0) {
		expect(what, -1, want, "cannot encode");
		return;
	}
	sa_send(x, FL_RPC_SA_PUT_SHARES, buf, len, what, want);
}

/* An upload stream: the header (unless h is NULL), then one data chunk of
 * dlen bytes if data is not NULL. */
static void sa_update(sa_bad *x, const fl_msg_update_header *h,
		      const uint8_t *data, size_t dlen, const char *what, int want)
{
	fl_rpc_stream *s = NULL;
	fl_msg_update_part part;
	fl_rpc_status st;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(&st, 0, sizeof(st));
	if (fl_rpc_stream_open(x->ch, FL_RPC_AGENT_PUT_UPDATE, 5000, &s) != 0) {
		expect(what, -1, want, "cannot open the stream");
		return;
	}
	if (h) {
		memset(&part, 0, sizeof(part));
		part.is_header = true;
		part.header = *h;
		if (fl_codec_encode_update_part(&part, &buf, &len) == 0)
			fl_rpc_stream_send(s, buf, len);
		free(buf);
		buf = NULL;
	}
	if (data) {
		memset(&part, 0, sizeof(part));
		part.data = (uint8_t *)(uintptr_t)data;
		part.len = dlen;
		if (fl_codec_encode_update_part(&part, &buf, &len) == 0)
			fl_rpc_stream_send(s, buf, len);
		free(buf);
	}
	fl_rpc_stream_close_send(s);
	fl_rpc_stream_finish(s, &st);
	fl_rpc_stream_free(s);
	expect(what, st.code, want, st.detail);
}

static fl_msg_update_header sa_upd_hdr(const sa_bad *x)
{
	fl_msg_update_header h;

	memset(&h, 0, sizeof(h));
	h.job_id = x->t.job_id;
	h.round = x->t.round;
	h.attempt = x->t.attempt;
	h.kind = x->t.kind;
	h.encoding = FL_ENC_U32;
	h.words = x->t.sa.words;
	h.has_context = true;                  /* the context our keys signed */
	memcpy(h.context, x->p.ctx, sizeof(h.context));
	return h;
}

/* Polls (with our dataset or none) into *t (caller clears). */
static int sa_poll(sa_bad *x, int with_dataset, fl_msg_task *t)
{
	fl_msg_poll_req req;
	fl_rpc_status st;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r;

	memset(&req, 0, sizeof(req));
	snprintf(req.agent_version, sizeof(req.agent_version), "it-badclient");
	if (with_dataset) {
		req.ndatasets = 1;
		snprintf(req.datasets[0], sizeof(req.datasets[0]), "%s", x->dataset);
	}
	memset(t, 0, sizeof(*t));
	if ((r = fl_codec_encode_poll_req(&req, &buf, &len)) != 0)
		return r;
	r = fl_rpc_unary(x->ch, FL_RPC_AGENT_POLL, buf, len, 5000, &resp, &rlen, &st);
	if (r == 0)
		r = fl_codec_decode_task(resp, rlen, t);
	free(buf);
	free(resp);
	return r;
}

/* Waits until the attempt under attack (any, if none yet) is in phase
 * (FL_SA_OFF: until we have no task any more). */
static int sa_wait(sa_bad *x, enum fl_sa_phase phase, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		fl_msg_task t;
		int same, r = sa_poll(x, phase == FL_SA_ADVERTISE, &t);

		same = x->t.job_id == 0 || (t.job_id == x->t.job_id &&
		       t.round == x->t.round && t.attempt == x->t.attempt);
		if (r == 0 && phase == FL_SA_OFF && t.kind == FL_TASK_NONE) {
			fl_msg_task_clear(&t);
			return 0;
		}
		/* the first attempt we attack must be a training round */
		if (x->t.job_id == 0 && t.kind != FL_TASK_TRAIN)
			same = 0;
		if (r == 0 && phase != FL_SA_OFF && t.kind != FL_TASK_NONE &&
		    same && t.phase == phase) {
			if (x->t.job_id == 0) {
				/* keep the task (spec and names: the round context) */
				x->t = t;
				memset(&t, 0, sizeof(t));   /* x->t owns it now */
			}
			fl_msg_task_clear(&t);
			return 0;
		}
		fl_msg_task_clear(&t);
		usleep(100 * 1000);
	}
	printf("FAIL: gave up waiting for phase %d\n", (int)phase);
	fails++;
	return FL_E_TIMEOUT;
}

/* Phase 1: wrong phase, wrong attempt, wrong identity, bad sizes; then the
 * valid advert and its replay. */
static void sa_attack_advertise(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_advert a;
	fl_secagg_shares sh;
	fl_secagg_csig cs;
	fl_secagg_unmask_resp ur;
	sa_wbuf w = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	static const char garbage_pem[] = "-----BEGIN CERTIFICATE-----\n"
		"MIIBxzCCAW2gAwIBAgIBBTAKBggqhkjOPQQDAjAXMRUwEwYDVQQDDAxmZWRj\n"
		"-----END CERTIFICATE-----\n";

	sa_send_hdr(x, FL_RPC_SA_GET_KEYS, "advertise phase: GetKeys before the key list", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "advertise phase: GetShares", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_UNMASK, "advertise phase: GetUnmask", ST_PRECONDITION);
	memset(&sh, 0, sizeof(sh));
	sh.hdr = sa_hdr(x);
	sh.client = x->t.sa.client_id;
	sa_send_shares(x, &sh, "advertise phase: PutShares before the key list", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "advertise phase: a masked upload", ST_PRECONDITION);
	memset(&cs, 0, sizeof(cs));
	cs.hdr = sa_hdr(x);
	cs.client = x->t.sa.client_id;
	cs.sig_len = 8;
	if (fl_codec_encode_sa_csig(&cs, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_CONSISTENCY, buf, len,
			"advertise phase: PutConsistency", ST_PRECONDITION);
	memset(&ur, 0, sizeof(ur));
	ur.hdr = sa_hdr(x);
	ur.client = x->t.sa.client_id;
	if (fl_codec_encode_sa_unmask_resp(&ur, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_UNMASK, buf, len, "advertise phase: PutUnmask",
			ST_PRECONDITION);

	if (fl_secagg_client_advertise(x->c, &x->adv) != 0) {
		expect("make a valid advert", -1, 0, "fl_secagg_client_advertise failed");
		return;
	}
	a = x->adv;   /* shallow: cert_pem stays owned by x->adv */
	a.hdr.job_id += 1000;
	sa_send_advert(x, &a, "advert for another job", ST_PRECONDITION);
	a = x->adv;
	a.hdr.round++;
	sa_send_advert(x, &a, "advert for the next round", ST_PRECONDITION);
	a = x->adv;
	a.hdr.attempt++;
	sa_send_advert(x, &a, "advert for another attempt", ST_PRECONDITION);
	a = x->adv;
	a.client = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_advert(x, &a, "advert claiming another site's client id", ST_DENIED);
	a.client = x->t.sa.n + 1;
	sa_send_advert(x, &a, "advert with a client id past n", ST_DENIED);
	a = x->adv;
	a.cert_pem = x->other;
	a.cert_len = x->other_len;
	sa_send_advert(x, &a, "advert carrying another site's certificate", ST_DENIED);
	a.cert_pem = (char *)(uintptr_t)garbage_pem;
	a.cert_len = sizeof(garbage_pem) - 1;
	sa_send_advert(x, &a, "advert with a certificate that does not parse", ST_INVALID);
	a = x->adv;
	a.sig_len = 0;
	sa_send_advert(x, &a, "advert without a signature", ST_INVALID);
	/* c_pk of 31 bytes, and a 9000-byte certificate (the later field wins) */
	a = x->adv;
	if (fl_codec_encode_sa_advert(&a, &buf, &len) == 0) {
		uint8_t pk[31] = { 0 };

		sa_wb_put(&w, buf, len);
		free(buf);
		sa_wb_bytes(&w, 3, pk, sizeof(pk));
		sa_send(x, FL_RPC_SA_ADVERTISE, w.b, w.n, "advert with a 31-byte key", ST_INVALID);
		memset(&w, 0, sizeof(w));
	}
	if (fl_codec_encode_sa_advert(&a, &buf, &len) == 0) {
		char *big = malloc(9000);

		if (big) {
			memset(big, 'A', 9000);
			sa_wb_put(&w, buf, len);
			sa_wb_bytes(&w, 6, big, 9000);
			sa_send(x, FL_RPC_SA_ADVERTISE, w.b, w.n,
				"advert with a 9000-byte certificate", ST_INVALID);
			memset(&w, 0, sizeof(w));
			free(big);
		}
		free(buf);
	}
	sa_send_advert(x, &x->adv, "the valid advert", 0);
	/* FAILED_PRECONDITION either way: a replay, or the phase has closed */
	sa_send_advert(x, &x->adv, "the same advert again (replay)", ST_PRECONDITION);
}

/* Phase 2: bad share lists, identity, replay; our valid shares in between. */
static void sa_attack_share(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_keylist kl;
	fl_secagg_shares s;
	fl_secagg_enc_share *items;
	fl_rpc_status st;
	uint8_t *resp = NULL, *buf = NULL;
	size_t rlen = 0, len = 0;
	uint32_t n;

	sa_send_advert(x, &x->adv, "share phase: Advertise after the phase closed", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "share phase: GetShares before routing", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "share phase: a masked upload", ST_PRECONDITION);
	memset(&kl, 0, sizeof(kl));
	{
		fl_secagg_hdr h = sa_hdr(x);

		if (fl_codec_encode_sa_hdr(&h, &buf, &len) == 0)
			fl_rpc_unary(x->ch, FL_RPC_SA_GET_KEYS, buf, len, 5000, &resp,
				     &rlen, &st);
		free(buf);
	}
	if (!resp || fl_codec_decode_sa_keylist(resp, rlen, &kl) != 0 ||
	    fl_secagg_client_share(x->c, &kl, &x->sh) != 0 || x->sh.count < 2) {
		expect("share phase: GetKeys and valid shares", -1, 0, "failed");
		free(resp);
		fl_secagg_keylist_clear(&kl);
		return;
	}
	free(resp);
	printf("ok: GetKeys: %u adverts; %u valid shares made\n", kl.count, x->sh.count);
	fl_secagg_keylist_clear(&kl);
	n = x->sh.count;
	if (!(items = calloc((size_t)n + 1, sizeof(*items))))
		return;
	s = x->sh;
	s.items = items;
#define SA_RESET() memcpy(items, x->sh.items, (size_t)n * sizeof(*items))
	SA_RESET();
	s.client = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_shares(x, &s, "shares claiming another site's client id", ST_DENIED);
	s.client = x->sh.client;
	s.hdr.attempt++;
	sa_send_shares(x, &s, "shares for another attempt", ST_PRECONDITION);
	s.hdr = x->sh.hdr;
	items[0].sender = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_shares(x, &s, "a share whose sender is another site", ST_INVALID);
	SA_RESET();
	items[0].recipient = x->t.sa.n + 5;
	sa_send_shares(x, &s, "a share for a recipient past n", ST_INVALID);
	items[0].recipient = 0;
	sa_send_shares(x, &s, "a share for recipient 0", ST_INVALID);
	items[0].recipient = x->t.sa.client_id;
	sa_send_shares(x, &s, "a share for ourselves", ST_INVALID);
	SA_RESET();
	items[1].recipient = items[0].recipient;
	sa_send_shares(x, &s, "two shares for one recipient", ST_INVALID);
	SA_RESET();
	items[n] = items[0];
	s.count = n + 1;
	sa_send_shares(x, &s, "more shares than neighbours (k + 1)", ST_INVALID);
	s.count = n;
	SA_RESET();
#undef SA_RESET
	free(items);
	/* 1001 items (the codec's cap is 1000), and a 10-byte ciphertext */
	if (fl_codec_encode_sa_shares(&x->sh, &buf, &len) == 0) {
		sa_wbuf w = { 0 }, it = { 0 };
		uint8_t ct[10] = { 0 };

		sa_wb_put(&w, buf, len);
		sa_wb_bytes(&it, 3, x->sh.items[0].ct, sizeof(x->sh.items[0].ct));
		for (int i = 0; i < 1001; i++)
			sa_wb_bytes(&w, 3, it.b, it.n);
		sa_send(x, FL_RPC_SA_PUT_SHARES, w.b, w.n, "1001 shares in one message",
			ST_INVALID);
		free(it.b);
		memset(&w, 0, sizeof(w));
		memset(&it, 0, sizeof(it));
		sa_wb_put(&w, buf, len);
		sa_wb_bytes(&it, 3, ct, sizeof(ct));
		sa_wb_bytes(&w, 3, it.b, it.n);
		sa_send(x, FL_RPC_SA_PUT_SHARES, w.b, w.n, "a share with a 10-byte ciphertext",
			ST_INVALID);
		free(it.b);
		free(buf);
	}
	sa_send_shares(x, &x->sh, "the valid shares", 0);
	sa_send_shares(x, &x->sh, "the same shares again (replay)", ST_PRECONDITION);
}

/* Phase 3: uploads of the wrong shape; we never send a word of the vector
 * (a partial upload would abort the attempt by design). */
static void sa_attack_input(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	uint64_t m = x->t.sa.words;
	uint8_t *words = calloc(m + 1, 4);

	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "input phase: GetShares (routed to us)", 0);
	sa_send_shares(x, &x->sh, "input phase: PutShares after the phase closed", ST_PRECONDITION);
	sa_send_advert(x, &x->adv, "input phase: Advertise", ST_PRECONDITION);
	uh.words = m + 1;
	sa_update(x, &uh, NULL, 0, "upload header: vector length != layout (m + 1)", ST_INVALID);
	uh.words = 1;
	sa_update(x, &uh, NULL, 0, "upload header: vector length 1", ST_INVALID);
	uh = sa_upd_hdr(x);
	uh.encoding = FL_ENC_F64;
	sa_update(x, &uh, NULL, 0, "upload: a plain (F64) vector", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.kind = x->t.kind == FL_TASK_TRAIN ? FL_TASK_EVAL : FL_TASK_TRAIN;
	sa_update(x, &uh, NULL, 0, "upload: the wrong task kind", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.round++;
	sa_update(x, &uh, NULL, 0, "upload: the next round", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.job_id += 1000;
	sa_update(x, &uh, NULL, 0, "upload: another job", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.context[0] ^= 1;
	sa_update(x, &uh, NULL, 0, "upload: another round context (R2)", ST_PRECONDITION);
	uh.has_context = false;
	sa_update(x, &uh, NULL, 0, "upload: no round context (R2)", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	if (words) {
		sa_update(x, &uh, words, (m + 1) * 4,
			  "upload: a chunk past m (offset + count > m)", ST_INVALID);
		sa_update(x, &uh, words, 6, "upload: a chunk of 6 bytes (not whole words)",
			  ST_INVALID);
		sa_update(x, NULL, words, 8, "upload: data before the header", ST_INVALID);
	}
	free(words);
}

/* After we were dropped from the input phase. */
static void sa_attack_dropped(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_unmask_resp ur;
	uint8_t *buf = NULL;
	size_t len = 0;

	sa_send_hdr(x, FL_RPC_SA_GET_UNMASK, "dropped: GetUnmask", ST_PRECONDITION);
	memset(&ur, 0, sizeof(ur));
	ur.hdr = sa_hdr(x);
	ur.client = x->t.sa.client_id;
	if (fl_codec_encode_sa_unmask_resp(&ur, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_UNMASK, buf, len, "dropped: PutUnmask", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "dropped: a late masked upload", ST_PRECONDITION);
	sa_send_shares(x, &x->sh, "dropped: the shares again", ST_PRECONDITION);
}

/* The member list signed by the CA, members.txt beside the CA file. */
static int sa_members(sa_bad *x, const char *ca_path, const char *ca, size_t ca_len)
{
	char path[4096], msg[FL_ERRMSG_BYTES] = "";
	const char *slash = strrchr(ca_path, '/');
	size_t len = 0;
	char *text;
	int r;

	snprintf(path, sizeof(path), "%.*smembers.txt",
		 slash ? (int)(slash - ca_path + 1) : 0, ca_path);
	if (!(text = sa_read(path, &len)))
		return FL_E_IO;
	r = fl_members_parse_verified(text, len, ca, ca_len, &x->members, msg);
	free(text);
	if (r != 0)
		fprintf(stderr, "%s: %s\n", path, msg);
	return r;
}

static int it_sa_setup(sa_bad *x, char **argv)
{
	fl_rpc_tls tls = { argv[2], argv[3], argv[4] };
	size_t n = 0;
	char *pem;
	int r;

	x->dataset = argv[6];
	if (!(x->cert = sa_read(argv[3], &x->cert_len)) ||
	    !(x->other = sa_read(argv[5], &x->other_len)) ||
	    !(pem = sa_read(argv[4], &n)))
		return FL_E_IO;
	r = fl_sign_key_load_pem(pem, n, &x->key);
	free(pem);
	if (r != 0 || !(pem = sa_read(argv[2], &n)))
		return r ? r : FL_E_IO;
	r = fl_verifier_new(pem, n, NULL, 0, &x->ver);
	if (r == 0)
		r = sa_members(x, argv[2], pem, n);
	free(pem);
	if (r != 0)
		return r;
	return fl_rpc_channel_new(argv[1], &tls, 8u * 1024u * 1024u, &x->ch);
}

static int it_sa_main(int argc, char **argv)
{
	sa_bad x;
	int r;

	if (argc != 7) {
		fprintf(stderr, "usage: it_badclient --secagg HOST:PORT CA CERT KEY "
			"OTHER_CERT DATASET\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&x, 0, sizeof(x));
	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 2;
	}
	fl_rpc_global_init();
	if ((r = it_sa_setup(&x, argv)) != 0) {
		fprintf(stderr, "setup failed: %s\n", fl_strerror(r));
		return 2;
	}
	{
		/* a poll listing 40 datasets (the cap is 32), and a 300-byte name */
		sa_wbuf w = { 0 };
		char name[300];

		for (int i = 0; i < 40; i++)
			sa_wb_bytes(&w, 2, "d", 1);
		sa_send(&x, FL_RPC_AGENT_POLL, w.b, w.n, "a poll listing 40 datasets",
			ST_INVALID);
		memset(&w, 0, sizeof(w));
		memset(name, 'n', sizeof(name));
		sa_wb_bytes(&w, 2, name, sizeof(name));
		sa_send(&x, FL_RPC_AGENT_POLL, w.b, w.n, "a poll with a 300-byte dataset name",
			ST_INVALID);
	}
	printf("polling\n");
	if (sa_wait(&x, FL_SA_ADVERTISE, 180) != 0)
		goto out;
	printf("selected: job %llu round %u attempt %u, client %u of %u (t %u, k %u, "
	       "%llu words)\n", (unsigned long long)x.t.job_id, x.t.round, x.t.attempt,
	       x.t.sa.client_id, x.t.sa.n, x.t.sa.t, x.t.sa.k,
	       (unsigned long long)x.t.sa.words);
	x.p.job_id = x.t.job_id;
	x.p.round = x.t.round;
	x.p.attempt = x.t.attempt;
	x.p.n = x.t.sa.n;
	x.p.t = x.t.sa.t;
	x.p.k = x.t.sa.k;
	x.p.m = x.t.sa.words;
	memcpy(x.p.round_seed, x.t.sa.round_seed, FL_SEED_BYTES);
	x.p.consistency = x.t.sa.consistency;
	x.p.q = x.t.sa.q;
	if (fl_sa_context_digest(&x.t, x.p.ctx) != 0 ||
	    !(x.names = fl_msg_names_dup((const char *const *)x.t.sa.names, x.t.sa.n))) {
		printf("FAIL: the task carries no usable round context\n");
		fails++;
		goto out;
	}
	/* this hostile site's own policy: T = 2, c = 0 */
	x.trust.members = &x.members;
	x.trust.names = (const char *const *)x.names;
	x.trust.min_honest = 2;
	x.trust.colluders = 0;
	if ((r = fl_secagg_client_new(&x.p, x.t.sa.client_id, x.key, x.ver, x.cert,
				      x.cert_len, &x.trust, &x.c, NULL)) != 0) {
		printf("FAIL: unusable parameters: %s\n", fl_strerror(r));
		fails++;
		goto out;
	}
	sa_attack_advertise(&x);
	if (sa_wait(&x, FL_SA_SHARE, 60) != 0)
		goto out;
	sa_attack_share(&x);
	if (sa_wait(&x, FL_SA_INPUT, 60) != 0)
		goto out;
	sa_attack_input(&x);
	/* we never upload: wait until the input phase drops us */
	if (sa_wait(&x, FL_SA_OFF, 120) != 0)
		goto out;
	sa_attack_dropped(&x);
out:
	fl_secagg_advert_clear(&x.adv);
	fl_secagg_shares_clear(&x.sh);
	fl_secagg_client_free(x.c);
	fl_msg_task_clear(&x.t);
	free(x.names);
	fl_members_clear(&x.members);
	fl_sign_key_free(x.key);
	fl_verifier_free(x.ver);
	free(x.cert);
	free(x.other);
	fl_rpc_channel_free(x.ch);
	fl_rpc_global_shutdown();
	printf("%d failed\n", fails);
	return fails ? 1 : 0;
}
