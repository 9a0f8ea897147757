/* SPDX-License-Identifier: Apache-2.0 */
/* test_rpc: the gRPC glue over loopback with mutual TLS: unary, server and
 * client streaming, foreign certificates, bad input, unknown methods,
 * cancellation and shutdown. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_rpc.h"
#include "fl_test.h"

#define M_ECHO "/test.Echo/Unary"
#define M_REF "/test.Echo/Ref"
#define M_DOWN "/test.Echo/Download"
#define M_UP "/test.Echo/Upload"
#define M_LAZY "/test.Echo/Lazy"
#define TIMEOUT_MS 20000u
#define BIG (4u * 1024u * 1024u)
#define PIECE (256u * 1024u)

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 31u + (i >> 9)) % 251u);
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Counts handler runs that saw a cancelled or broken stream. */
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static int broken_streams;

static void note_broken(void)
{
	pthread_mutex_lock(&stats_mu);
	broken_streams++;
	pthread_mutex_unlock(&stats_mu);
}

/* Unary: replies "<peer cn>|<role from the peer's certificate>|<payload>". */
static void h_echo(fl_rpc_call *c, void *ctx)
{
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, n;
	const char *cn = fl_rpc_call_peer_cn(c), *pem = fl_rpc_call_peer_pem(c);
	fl_cert_info ci;
	int r;

	(void)ctx;
	memset(&ci, 0, sizeof(ci));
	if ((r = fl_rpc_call_recv(c, &req, &len)) != 0) {
		fl_rpc_call_finish(c, r, "recv");
		return;
	}
	if (pem)
		fl_pki_cert_info(pem, strlen(pem), &ci);
	n = strlen(cn ? cn : "") + strlen(ci.role) + 2 + len;
	resp = malloc(n + 1);
	snprintf((char *)resp, n + 1, "%s|%s|", cn ? cn : "", ci.role);
	memcpy(resp + n - len, req, len);
	if ((r = fl_rpc_call_send(c, resp, n)) == 0)
		fl_rpc_call_finish(c, 0, NULL);
	free(req);
	free(resp);
}

/* Unary with a codec: JobRef{id} -> JobRef{id + 1}. */
static void h_ref(fl_rpc_call *c, void *ctx)
{
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, n = 0;
	fl_msg_job_ref ref;
	int r;

	(void)ctx;
	if ((r = fl_rpc_call_recv(c, &req, &len)) != 0 ||
	    (r = fl_codec_decode_job_ref(req, len, &ref)) != 0) {
		fl_rpc_call_finish(c, r, "bad JobRef");
		goto out;
	}
	ref.job_id++;
	if ((r = fl_codec_encode_job_ref(&ref, &resp, &n)) == 0)
		r = fl_rpc_call_send(c, resp, n);
	fl_rpc_call_finish(c, r, NULL);
out:
	free(req);
	free(resp);
}

/* Server streaming: ModelRequest{job_id = total bytes, version = piece}
 * -> ModelChunks of the pattern. */
static void h_down(fl_rpc_call *c, void *ctx)
{
	uint8_t *req = NULL, *piece = NULL, *msg = NULL;
	size_t len = 0, n = 0;
	fl_msg_model_req mr;
	int r;

	(void)ctx;
	if ((r = fl_rpc_call_recv(c, &req, &len)) != 0 ||
	    (r = fl_codec_decode_model_req(req, len, &mr)) != 0) {
		fl_rpc_call_finish(c, r, "bad ModelRequest");
		goto out;
	}
	if (mr.version == 0 || mr.version > FL_MSG_CHUNK_MAX || mr.job_id > 4 * BIG) {
		fl_rpc_call_finish(c, FL_E_RANGE, "bad sizes");
		goto out;
	}
	piece = malloc(mr.version);
	for (uint64_t off = 0; off < mr.job_id; off += mr.version) {
		fl_msg_chunk ch = { mr.job_id, off, piece, mr.version };

		if (mr.job_id - off < ch.len)
			ch.len = (size_t)(mr.job_id - off);
		for (size_t i = 0; i < ch.len; i++)
			piece[i] = pattern(off + i);
		if ((r = fl_codec_encode_chunk(&ch, &msg, &n)) != 0)
			break;
		r = fl_rpc_call_send(c, msg, n);
		free(msg);
		msg = NULL;
		if (r != 0)
			break;
	}
	/* A client that walked away shows up as a failed send or as a
	 * cancelled finish (if everything fit in transport buffers). */
	if (fl_rpc_call_finish(c, r, r ? "send failed" : NULL) != 0 || r != 0)
		note_broken();
out:
	free(req);
	free(piece);
}

/* Client streaming: UpdateChunk header then data parts -> 16 raw bytes:
 * total data bytes and FNV-1a of the data. */
static void h_up(fl_rpc_call *c, void *ctx)
{
	uint64_t total = 0, h = 1469598103934665603ULL, words = 0;
	uint8_t *msg = NULL, out[16];
	size_t len = 0;
	bool header = false;
	int r;

	(void)ctx;
	for (;;) {
		fl_msg_update_part p;

		if ((r = fl_rpc_call_recv(c, &msg, &len)) != 0)
			break;
		r = fl_codec_decode_update_part(msg, len, &p);
		free(msg);
		msg = NULL;
		if (r != 0)
			break;
		if (p.is_header != !header) {
			fl_msg_update_part_clear(&p);
			r = FL_E_STATE;
			break;
		}
		if (p.is_header) {
			header = true;
			words = p.header.words;
		} else {
			total += p.len;
			h = fnv1a(h, p.data, p.len);
		}
		fl_msg_update_part_clear(&p);
	}
	if (r == FL_E_EOF && total != words)
		r = FL_E_RANGE;
	if (r != FL_E_EOF) {
		/* a cancel shows as a broken receive, or (when the cancel's
		 * close event is not in yet) as an end before all the words */
		if (r == FL_E_NET || r == FL_E_RANGE)
			note_broken();
		fl_rpc_call_finish(c, r, "upload refused");
		return;
	}
	memcpy(out, &total, 8);
	memcpy(out + 8, &h, 8);
	if ((r = fl_rpc_call_send(c, out, sizeof(out))) == 0)
		fl_rpc_call_finish(c, 0, NULL);
}

/* Forgets to finish: the glue must answer INTERNAL. */
static void h_lazy(fl_rpc_call *c, void *ctx)
{
	(void)c;
	(void)ctx;
}

static const fl_rpc_method methods[] = {
	{ M_ECHO, h_echo }, { M_REF, h_ref }, { M_DOWN, h_down },
	{ M_UP, h_up }, { M_LAZY, h_lazy },
};

static void *server_thread(void *arg)
{
	static int rc;

	rc = fl_rpc_server_run(arg);
	return &rc;
}

static char tmpdir[] = "/tmp/fl_test_rpc_XXXXXX";

static void path(char *out, size_t cap, const char *sub, const char *file)
{
	snprintf(out, cap, "%s/%s/%s", tmpdir, sub, file);
}

typedef struct tlsfiles { char ca[512], cert[512], key[512]; fl_rpc_tls t; } tlsfiles;

static void tls_set(tlsfiles *f, const char *ca_dir, const char *who_dir,
		    const char *who)
{
	char name[128];

	path(f->ca, sizeof(f->ca), ca_dir, "ca.pem");
	snprintf(name, sizeof(name), "%s.pem", who);
	path(f->cert, sizeof(f->cert), who_dir, name);
	snprintf(name, sizeof(name), "%s.key", who);
	path(f->key, sizeof(f->key), who_dir, name);
	f->t.ca_file = f->ca;
	f->t.cert_file = f->cert;
	f->t.key_file = f->key;
}

static int unary_str(fl_rpc_channel *ch, const char *method, const char *req,
		     char **resp, fl_rpc_status *st)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int r;

	*resp = NULL;
	r = fl_rpc_unary(ch, method, (const uint8_t *)req, strlen(req),
			 TIMEOUT_MS, &b, &n, st);
	if (r == 0) {
		*resp = malloc(n + 1);
		memcpy(*resp, b, n);
		(*resp)[n] = '\0';
		free(b);
	}
	return r;
}

static void check_unary(fl_rpc_channel *ch)
{
	fl_rpc_status st;
	char *resp = NULL;

	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "hello", &resp, &st), 0);
	FL_CHECK_EQ_INT(st.code, 0);
	FL_CHECK(resp && strcmp(resp, "site1|site|hello") == 0);
	if (resp && strcmp(resp, "site1|site|hello") != 0)
		fprintf(stderr, "echo gave '%s'\n", resp);
	free(resp);
}

/* Replies of every size around the TLS record boundaries come back
 * intact, each on a fresh connection (TLS 1.3 session tickets follow the
 * handshake): with 2 KiB server records, gRPC 1.51 corrupted a reply
 * whose HTTP/2 data (message + 5 + 9 bytes) filled k records of 1,948
 * bytes exactly (the peer saw "Corruption detected", the call "Stream
 * removed"). Records of 2, 4 and 16 KiB, k = 1..4, +-3 bytes. */
static void check_sizes(const fl_rpc_tls *tls, const char *target)
{
	static const char prefix[] = "site1|site|";
	static const size_t frames[] = { 2048, 4096, 16384 };
	fl_rpc_channel *ch = NULL;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint8_t *req, *resp = NULL;
	size_t rn = 0, maxn = 4 * 16384;
	fl_rpc_status st;
	int bad = 0, calls = 0;

	if ((req = malloc(maxn)) == NULL)
		return;
	for (size_t f = 0; f < sizeof(frames) / sizeof(frames[0]); f++)
	for (size_t k = 1; k <= 4; k++)
	for (size_t d = 0; d < 7; d++) {
		/* reply = prefix + n; data = reply + 5 (gRPC) + 9 (HTTP/2) */
		size_t n = k * (frames[f] - 100) - 14 - (sizeof(prefix) - 1) + d - 3;

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			req[i] = (uint8_t)x;
		}
		calls++;
		fl_rpc_channel_free(ch);
		if (fl_rpc_channel_new(target, tls, FL_MSG_MAX_BYTES, &ch) != 0)
			break;
		if (fl_rpc_unary(ch, M_ECHO, req, n, TIMEOUT_MS, &resp, &rn, &st) != 0 ||
		    rn != n + sizeof(prefix) - 1 ||
		    memcmp(resp, prefix, sizeof(prefix) - 1) != 0 ||
		    memcmp(resp + sizeof(prefix) - 1, req, n) != 0) {
			if (bad++ < 3)
				fprintf(stderr, "echo of %zu bytes: code %d '%s'\n", n,
					st.code, st.detail);
		}
		free(resp);
		resp = NULL;
	}
	FL_CHECK_EQ_INT(calls, 84);
	FL_CHECK_EQ_INT(bad, 0);
	fl_rpc_channel_free(ch);
	free(req);
}

static void check_ref(fl_rpc_channel *ch, uint64_t id)
{
	fl_msg_job_ref ref = { id }, out = { 0 };
	uint8_t *req = NULL, *resp = NULL;
	size_t n = 0, rn = 0;
	fl_rpc_status st;

	FL_CHECK_EQ_INT(fl_codec_encode_job_ref(&ref, &req, &n), 0);
	FL_CHECK_EQ_INT(fl_rpc_unary(ch, M_REF, req, n, TIMEOUT_MS, &resp, &rn, &st), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_ref(resp, rn, &out), 0);
	FL_CHECK(out.job_id == id + 1);
	free(req);
	free(resp);
}

static void check_download(fl_rpc_channel *ch)
{
	fl_msg_model_req mr = { BIG, PIECE, false };
	fl_rpc_stream *s = NULL;
	fl_rpc_status st;
	uint8_t *req = NULL, *msg = NULL;
	size_t n = 0, len = 0;
	uint64_t got = 0;
	int chunks = 0, bad = 0, r;

	FL_CHECK_EQ_INT(fl_codec_encode_model_req(&mr, &req, &n), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_open(ch, M_DOWN, TIMEOUT_MS, &s), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_send(s, req, n), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_close_send(s), 0);
	while ((r = fl_rpc_stream_recv(s, &msg, &len)) == 0) {
		fl_msg_chunk c;

		if (fl_codec_decode_chunk(msg, len, &c) == 0) {
			if (c.offset != got || c.total_bytes != BIG || c.len != PIECE)
				bad++;
			for (size_t i = 0; i < c.len; i++)
				if (c.data[i] != pattern(c.offset + i)) {
					bad++;
					break;
				}
			got += c.len;
			fl_msg_chunk_clear(&c);
		} else {
			bad++;
		}
		chunks++;
		free(msg);
	}
	FL_CHECK_EQ_INT(r, FL_E_EOF);
	FL_CHECK_EQ_INT(fl_rpc_stream_finish(s, &st), 0);
	FL_CHECK_EQ_INT(st.code, 0);
	FL_CHECK_EQ_INT(chunks, BIG / PIECE);
	FL_CHECK_EQ_INT(got, BIG);
	FL_CHECK_EQ_INT(bad, 0);
	fl_rpc_stream_free(s);
	free(req);
}

/* Uploads BIG bytes; with cancel_after > 0, abandons the stream after that
 * many data parts instead. */
static void upload(fl_rpc_channel *ch, int cancel_after)
{
	fl_msg_update_part p;
	fl_rpc_stream *s = NULL;
	fl_rpc_status st;
	uint8_t *piece = malloc(PIECE), *msg = NULL, *resp = NULL;
	uint64_t h = 1469598103934665603ULL, total = 0, rh = 0;
	size_t n = 0, rn = 0;
	int sent = 0;

	memset(&p, 0, sizeof(p));
	p.is_header = true;
	p.header.kind = FL_TASK_TRAIN;
	p.header.encoding = FL_ENC_U32;
	p.header.words = BIG;
	FL_CHECK_EQ_INT(fl_rpc_stream_open(ch, M_UP, TIMEOUT_MS, &s), 0);
	FL_CHECK_EQ_INT(fl_codec_encode_update_part(&p, &msg, &n), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_send(s, msg, n), 0);
	free(msg);
	for (uint64_t off = 0; off < BIG; off += PIECE) {
		for (size_t i = 0; i < PIECE; i++)
			piece[i] = pattern(off + i);
		h = fnv1a(h, piece, PIECE);
		memset(&p, 0, sizeof(p));
		p.data = piece;
		p.len = PIECE;
		FL_CHECK_EQ_INT(fl_codec_encode_update_part(&p, &msg, &n), 0);
		FL_CHECK_EQ_INT(fl_rpc_stream_send(s, msg, n), 0);
		free(msg);
		if (cancel_after && ++sent == cancel_after)
			goto out;
	}
	FL_CHECK_EQ_INT(fl_rpc_stream_close_send(s), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_recv(s, &resp, &rn), 0);
	FL_CHECK_EQ_INT(rn, 16);
	if (resp && rn == 16) {
		memcpy(&total, resp, 8);
		memcpy(&rh, resp + 8, 8);
	}
	FL_CHECK_EQ_INT(total, BIG);
	FL_CHECK(rh == h);
	free(resp);
	FL_CHECK_EQ_INT(fl_rpc_stream_recv(s, &resp, &rn), FL_E_EOF);
	FL_CHECK_EQ_INT(fl_rpc_stream_finish(s, &st), 0);
out:
	fl_rpc_stream_free(s);
	free(piece);
}

static void check_refusals(fl_rpc_channel *ch)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *resp = NULL, *msg = NULL;
	size_t rn = 0, len = 0;
	fl_rpc_status st;
	fl_rpc_stream *s = NULL;
	char *sresp = NULL;

	/* Malformed bytes to a codec-decoding unary method. */
	FL_CHECK_EQ_INT(fl_rpc_unary(ch, M_REF, junk, sizeof(junk), TIMEOUT_MS,
				     &resp, &rn, &st), FL_E_INVAL);
	FL_CHECK_EQ_INT(st.code, 3);
	FL_CHECK(strstr(st.detail, "bad JobRef") != NULL);
	FL_CHECK(resp == NULL);
	check_ref(ch, 41);

	/* ...and to a server-streaming one. */
	FL_CHECK_EQ_INT(fl_rpc_stream_open(ch, M_DOWN, TIMEOUT_MS, &s), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_send(s, junk, sizeof(junk)), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_recv(s, &msg, &len), FL_E_EOF);
	FL_CHECK_EQ_INT(fl_rpc_stream_finish(s, &st), FL_E_INVAL);
	FL_CHECK_EQ_INT(st.code, 3);
	fl_rpc_stream_free(s);
	check_unary(ch);

	/* Unknown method. */
	FL_CHECK_EQ_INT(unary_str(ch, "/test.Echo/Nope", "x", &sresp, &st),
			FL_E_UNSUPPORTED);
	FL_CHECK_EQ_INT(st.code, 12);
	free(sresp);

	/* A handler that never finishes its call. */
	FL_CHECK_EQ_INT(unary_str(ch, M_LAZY, "x", &sresp, &st), FL_E_NET);
	FL_CHECK_EQ_INT(st.code, 13);
	free(sresp);
	check_unary(ch);
}

/* A message over the server's limit is refused by gRPC, not the handler. */
static void check_oversize(const tlsfiles *site1, const char *target)
{
	fl_rpc_channel *big = NULL;
	fl_rpc_status st;
	size_t n = 2u * FL_MSG_MAX_BYTES;
	uint8_t *req = calloc(1, n), *resp = NULL, *msg = NULL;
	size_t rn = 0, len = 0;
	fl_rpc_stream *s = NULL;
	int r;

	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &site1->t, 4 * n, &big), 0);
	r = fl_rpc_unary(big, M_ECHO, req, n, TIMEOUT_MS, &resp, &rn, &st);
	FL_CHECK_EQ_INT(r, FL_E_TOOBIG);
	FL_CHECK_EQ_INT(st.code, 8);
	free(resp);
	/* Mid-stream: the upload breaks, the server survives. */
	FL_CHECK_EQ_INT(fl_rpc_stream_open(big, M_UP, TIMEOUT_MS, &s), 0);
	fl_rpc_stream_send(s, req, n);
	fl_rpc_stream_recv(s, &msg, &len);
	free(msg);
	r = fl_rpc_stream_finish(s, &st);
	FL_CHECK(r != 0 && st.code != 0);
	fl_rpc_stream_free(s);
	check_unary(big);
	fl_rpc_channel_free(big);
	free(req);
}

static void check_cancel(fl_rpc_channel *ch)
{
	/* 16 MiB: more than transport buffers hold, so the handler is still
	 * sending when the client walks away */
	fl_msg_model_req mr = { 4 * BIG, PIECE, false };
	fl_rpc_stream *s = NULL;
	uint8_t *req = NULL, *msg = NULL;
	size_t n = 0, len = 0;
	int before;

	pthread_mutex_lock(&stats_mu);
	before = broken_streams;
	pthread_mutex_unlock(&stats_mu);
	FL_CHECK_EQ_INT(fl_codec_encode_model_req(&mr, &req, &n), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_open(ch, M_DOWN, TIMEOUT_MS, &s), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_send(s, req, n), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_close_send(s), 0);
	FL_CHECK_EQ_INT(fl_rpc_stream_recv(s, &msg, &len), 0);
	free(msg);
	fl_rpc_stream_free(s);   /* walks away mid-download */
	free(req);
	upload(ch, 3);           /* walks away mid-upload */
	/* Both handlers notice; wait for them (bounded). */
	for (int i = 0; i < 200; i++) {
		int now;

		pthread_mutex_lock(&stats_mu);
		now = broken_streams;
		pthread_mutex_unlock(&stats_mu);
		if (now >= before + 2)
			break;
		usleep(20000);
	}
	pthread_mutex_lock(&stats_mu);
	FL_CHECK(broken_streams >= before + 2);
	pthread_mutex_unlock(&stats_mu);
	check_unary(ch);
	check_download(ch);
}

static void check_foreign(const char *target)
{
	tlsfiles f;
	fl_rpc_channel *ch = NULL;
	fl_rpc_status st;
	char *resp = NULL;

	/* A client certificate from another CA (trusting the right CA). */
	tls_set(&f, "a", "b", "site1");
	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &f.t, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), FL_E_NET);
	FL_CHECK_EQ_INT(st.code, 14);
	FL_CHECK(resp == NULL);
	fl_rpc_channel_free(ch);
	/* A client that does not trust the server's CA. */
	tls_set(&f, "b", "a", "site1");
	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &f.t, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), FL_E_NET);
	FL_CHECK_EQ_INT(st.code, 14);
	fl_rpc_channel_free(ch);
	/* Missing files are FL_E_IO, not a crash. */
	f.t.key_file = "/nonexistent/site1.key";
	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &f.t, FL_MSG_MAX_BYTES, &ch), FL_E_IO);
}

/* Without a client certificate: refused by a server that requires one;
 * served (no peer) by one made with FL_RPC_CLIENT_CERT_OPTIONAL, which
 * still verifies a certificate that is presented. */
static void check_optional(const char *target, const tlsfiles *srv)
{
	fl_rpc_server *opt = NULL;
	fl_rpc_channel *ch = NULL;
	fl_rpc_tls nocert = { srv->ca, NULL, "" };
	fl_rpc_status st;
	tlsfiles f;
	pthread_t th;
	char t2[64], *resp = NULL;

	f.t.ca_file = srv->ca;   /* a certificate without its key */
	f.t.cert_file = srv->cert;
	f.t.key_file = "";
	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &f.t, FL_MSG_MAX_BYTES, &ch), FL_E_IO);
	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &nocert, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), FL_E_NET);
	FL_CHECK(resp == NULL);
	fl_rpc_channel_free(ch);
	FL_CHECK_EQ_INT(fl_rpc_server_new_ex("127.0.0.1:0", &srv->t, methods, 1,
					     NULL, FL_MSG_MAX_BYTES,
					     FL_RPC_CLIENT_CERT_OPTIONAL, &opt), 0);
	if (!opt)
		return;
	snprintf(t2, sizeof(t2), "127.0.0.1:%d", fl_rpc_server_port(opt));
	pthread_create(&th, NULL, server_thread, opt);
	FL_CHECK_EQ_INT(fl_rpc_channel_new(t2, &nocert, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), 0);
	FL_CHECK(resp && strcmp(resp, "||x") == 0);
	free(resp);
	resp = NULL;
	fl_rpc_channel_free(ch);
	tls_set(&f, "a", "a", "site1");
	FL_CHECK_EQ_INT(fl_rpc_channel_new(t2, &f.t, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), 0);
	FL_CHECK(resp && strcmp(resp, "site1|site|x") == 0);
	free(resp);
	resp = NULL;
	fl_rpc_channel_free(ch);
	tls_set(&f, "a", "b", "site1");   /* another CA's certificate */
	FL_CHECK_EQ_INT(fl_rpc_channel_new(t2, &f.t, FL_MSG_MAX_BYTES, &ch), 0);
	FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), FL_E_NET);
	FL_CHECK(resp == NULL);
	fl_rpc_channel_free(ch);
	fl_rpc_server_stop(opt);
	pthread_join(th, NULL);
	fl_rpc_server_free(opt);
}

int main(void)
{
	char cmd[1024], target[64];
	tlsfiles srv, site1;
	fl_rpc_server *s = NULL;
	fl_rpc_channel *ch = NULL;
	pthread_t th;
	void *ret = NULL;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(cmd, sizeof(cmd), "sh %s %s/a site1 site2 && sh %s %s/b site1",
		 FL_GEN_CERTS, tmpdir, FL_GEN_CERTS, tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	fl_rpc_global_init();

	tls_set(&srv, "a", "a", "coordinator");
	tls_set(&site1, "a", "a", "site1");
	FL_CHECK_EQ_INT(fl_rpc_server_new("127.0.0.1:0", &srv.t, methods,
					  sizeof(methods) / sizeof(methods[0]),
					  NULL, FL_MSG_MAX_BYTES, &s), 0);
	if (!s)
		return FL_TEST_DONE();
	FL_CHECK(fl_rpc_server_port(s) > 0);
	/* Bad address and unreadable PEM files are errors, not crashes. */
	{
		fl_rpc_server *bad = NULL;
		tlsfiles nokey = srv;

		FL_CHECK_EQ_INT(fl_rpc_server_new("256.0.0.1:notaport", &srv.t,
			methods, 1, NULL, FL_MSG_MAX_BYTES, &bad), FL_E_NET);
		nokey.t.key_file = "";   /* a server needs its key */
		FL_CHECK_EQ_INT(fl_rpc_server_new("127.0.0.1:0", &nokey.t,
			methods, 1, NULL, FL_MSG_MAX_BYTES, &bad), FL_E_IO);
		nokey.t.key_file = "/nonexistent.key";
		FL_CHECK_EQ_INT(fl_rpc_server_new("127.0.0.1:0", &nokey.t,
			methods, 1, NULL, FL_MSG_MAX_BYTES, &bad), FL_E_IO);
		FL_CHECK(bad == NULL);
	}
	/* A server that never runs can still be freed. */
	{
		fl_rpc_server *idle = NULL;

		FL_CHECK_EQ_INT(fl_rpc_server_new("127.0.0.1:0", &srv.t, methods,
			1, NULL, FL_MSG_MAX_BYTES, &idle), 0);
		fl_rpc_server_free(idle);
	}
	snprintf(target, sizeof(target), "127.0.0.1:%d", fl_rpc_server_port(s));
	pthread_create(&th, NULL, server_thread, s);

	FL_CHECK_EQ_INT(fl_rpc_channel_new(target, &site1.t, FL_MSG_MAX_BYTES, &ch), 0);
	check_unary(ch);
	check_sizes(&site1.t, target);
	check_ref(ch, 1);
	check_download(ch);
	upload(ch, 0);
	check_foreign(target);
	check_optional(target, &srv);
	check_refusals(ch);
	check_oversize(&site1, target);
	check_cancel(ch);

	fl_rpc_server_stop(s);
	fl_rpc_server_stop(s);   /* idempotent */
	pthread_join(th, &ret);
	FL_CHECK(ret && *(int *)ret == 0);
	fl_rpc_server_free(s);
	/* After the server is gone, calls fail cleanly. */
	{
		fl_rpc_status st;
		char *resp = NULL;

		FL_CHECK_EQ_INT(unary_str(ch, M_ECHO, "x", &resp, &st), FL_E_NET);
		FL_CHECK_EQ_INT(st.code, 14);
	}
	fl_rpc_channel_free(ch);
	fl_rpc_global_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	return FL_TEST_DONE();
}
