/* SPDX-License-Identifier: Apache-2.0 */
/* it_badclient_sa: it_badclient --secagg, a selected site that attacks
 * every phase of an attempt: its set-up, the hand-made protobuf, the sends
 * that check each status and the waits for a phase (the attacks:
 * it_badclient_sa_attack.c). */
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

void sa_wb_put(sa_wbuf *w, const void *p, size_t n)
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

void sa_wb_varint(sa_wbuf *w, uint64_t v)
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
void sa_wb_bytes(sa_wbuf *w, uint32_t field, const void *p, size_t n)
{
	sa_wb_varint(w, (uint64_t)field << 3 | 2);
	sa_wb_varint(w, n);
	if (n)
		sa_wb_put(w, p, n);
}

/* Sends raw bytes (the buffer is freed) and checks the status. */
int sa_send(sa_bad *x, const char *method, uint8_t *buf, size_t len,
	    const char *what, int want)
{
	fl_rpc_status st;

	raw_unary(x->ch, method, buf, len, &st);
	free(buf);
	expect(what, st.code, want, st.detail);
	return st.code;
}

fl_secagg_hdr sa_hdr(const sa_bad *x)
{
	fl_secagg_hdr h = { x->t.job_id, x->t.round, x->t.attempt };

	return h;
}

void sa_send_hdr(sa_bad *x, const char *method, const char *what, int want)
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

void sa_send_advert(sa_bad *x, const fl_secagg_advert *a, const char *what,
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

void sa_send_shares(sa_bad *x, const fl_secagg_shares *sh, const char *what,
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
void sa_update(sa_bad *x, const fl_msg_update_header *h,
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

fl_msg_update_header sa_upd_hdr(const sa_bad *x)
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
int sa_poll(sa_bad *x, int with_dataset, fl_msg_task *t)
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
int sa_wait(sa_bad *x, enum fl_sa_phase phase, int seconds)
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

int it_sa_main(int argc, char **argv)
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
