/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_secagg: round trips and refusals of the secure-aggregation
 * messages and of Task's SaParams. With "--write-corpus DIR" it also writes
 * seed files for fuzz_codec. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"
#include "test_wbuf.h"

/* ---- decoder wrappers: decode, clear, return the code ---- */
#define DEC(name, type, clear) \
	static int dec_##name(const uint8_t *b, size_t n) \
	{ \
		type o; \
		int r; \
		memset(&o, 0, sizeof(o)); \
		r = fl_codec_decode_##name(b, n, &o); \
		if (r == 0) \
			clear; \
		return r; \
	}
DEC(sa_hdr, fl_secagg_hdr, (void)o)
DEC(sa_advert, fl_secagg_advert, fl_secagg_advert_clear(&o))
DEC(sa_keylist, fl_secagg_keylist, fl_secagg_keylist_clear(&o))
DEC(sa_shares, fl_secagg_shares, fl_secagg_shares_clear(&o))
DEC(sa_csig, fl_secagg_csig, (void)o)
DEC(sa_unmask_req, fl_secagg_unmask_req, fl_secagg_unmask_req_clear(&o))
DEC(sa_unmask_resp, fl_secagg_unmask_resp, fl_secagg_unmask_resp_clear(&o))
DEC(sa_ack, int, (void)o)
DEC(task, fl_msg_task, fl_msg_task_clear(&o))

/* A seed file for the fuzz corpus: the name picks the decoder. */
typedef struct seed {
	const char *name;
	int (*dec)(const uint8_t *b, size_t n);
	uint8_t *buf;
	size_t len;
} seed;
enum { NSEEDS = 9 };
static seed seeds[NSEEDS];
static size_t nseeds;

#define keep_seed(name, b, n) keep_seed_(#name, dec_##name, (b), (n))
static void keep_seed_(const char *name, int (*dec)(const uint8_t *, size_t),
		       const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c || nseeds == NSEEDS)
		abort();
	memcpy(c, b, n);
	FL_CHECK_EQ_INT(dec(c, n), 0);
	seeds[nseeds++] = (seed){ name, dec, c, n };
}

typedef int (*dec_fn)(const uint8_t *b, size_t n);

/* Oversize, garbage, bad framing and truncation are refused; the valid
 * encoding (b, n) itself decodes. */
static void check_common(const char *name, dec_fn dec, const uint8_t *b,
			 size_t n)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t badwire[] = { 0x0f, 0x01 };   /* wire type 7 */
	static const uint8_t overlen[] = { 0x1a, 0x7f, 'a' };
	uint8_t *big = calloc(1, FL_MSG_MAX_BYTES + 1);
	int r;

	FL_CHECK_EQ_INT(dec(big, FL_MSG_MAX_BYTES + 1), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(dec(garbage, sizeof(garbage)), FL_E_PARSE);
	FL_CHECK_EQ_INT(dec(badwire, sizeof(badwire)), FL_E_PARSE);
	FL_CHECK_EQ_INT(dec(overlen, sizeof(overlen)), FL_E_PARSE);
	if (n > 0) {
		r = dec(b, n - 1);
		if (r != FL_E_PARSE)
			fprintf(stderr, "%s: truncated gave %d\n", name, r);
		FL_CHECK_EQ_INT(r, FL_E_PARSE);
		r = dec(b, n / 2);
		FL_CHECK(r == FL_E_PARSE || r == FL_E_RANGE);
	}
	FL_CHECK_EQ_INT(dec(b, n), 0);
	free(big);
}

/* ---- filled examples ---- */
static const fl_secagg_hdr HDR = { 0x0102030405060708ULL, 17, 3 };

static bool hdr_eq(const fl_secagg_hdr *a, const fl_secagg_hdr *b)
{
	return a->job_id == b->job_id && a->round == b->round &&
	       a->attempt == b->attempt;
}

static void fill_bytes(uint8_t *p, size_t n, uint32_t salt)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + salt * 7u + 1u) ^ (salt >> 3));
}

/* A PEM-looking certificate of pem_len characters (malloc'd, not
 * NUL-terminated, as fl_secagg_client makes them). */
static char *fake_pem(size_t pem_len, uint32_t salt)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	char *p = malloc(pem_len);
	size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;

	if (!p || pem_len < hl + tl + 1)
		abort();
	memcpy(p, head, hl);
	for (size_t i = hl; i < pem_len - tl; i++)
		p[i] = (i - hl) % 65 == 64 ? '\n' : b64[(i * 7 + salt) % 64];
	memcpy(p + pem_len - tl, tail, tl);
	return p;
}

static void fill_advert(fl_secagg_advert *a, uint32_t client, size_t pem)
{
	memset(a, 0, sizeof(*a));
	a->hdr = HDR;
	a->client = client;
	fill_bytes(a->c_pk, sizeof(a->c_pk), client);
	fill_bytes(a->s_pk, sizeof(a->s_pk), client + 1000);
	a->sig_len = 70 + client % 3;   /* DER ECDSA P-256 sizes */
	fill_bytes(a->sig, a->sig_len, client + 2000);
	a->cert_pem = fake_pem(pem, client);
	a->cert_len = pem;
}

static bool advert_eq(const fl_secagg_advert *a, const fl_secagg_advert *b)
{
	return hdr_eq(&a->hdr, &b->hdr) && a->client == b->client &&
	       !memcmp(a->c_pk, b->c_pk, sizeof(a->c_pk)) &&
	       !memcmp(a->s_pk, b->s_pk, sizeof(a->s_pk)) &&
	       a->sig_len == b->sig_len &&
	       !memcmp(a->sig, b->sig, a->sig_len) &&
	       a->cert_len == b->cert_len && b->cert_pem &&
	       !memcmp(a->cert_pem, b->cert_pem, a->cert_len) &&
	       b->cert_pem[b->cert_len] == '\0';
}

static void make_keylist(fl_secagg_keylist *k, uint32_t n, size_t pem)
{
	k->hdr = HDR;
	k->count = n;
	k->adverts = calloc(n, sizeof(*k->adverts));
	for (uint32_t i = 0; i < n; i++)
		fill_advert(&k->adverts[i], i + 1, pem);
}

static void make_shares(fl_secagg_shares *s, uint32_t n)
{
	s->hdr = HDR;
	s->client = 42;
	s->count = n;
	s->items = calloc(n, sizeof(*s->items));
	for (uint32_t i = 0; i < n; i++) {
		s->items[i].sender = 42;
		s->items[i].recipient = i + 1 + (i >= 41);
		fill_bytes(s->items[i].ct, sizeof(s->items[i].ct), i);
	}
}

static void make_unmask_req(fl_secagg_unmask_req *q, uint32_t nsurv,
			    uint32_t ndrop, uint32_t ncsigs)
{
	memset(q, 0, sizeof(*q));
	q->hdr = HDR;
	q->nsurvivors = nsurv;
	q->survivors = calloc(nsurv ? nsurv : 1, sizeof(uint32_t));
	q->ndropped = ndrop;
	q->dropped = calloc(ndrop ? ndrop : 1, sizeof(uint32_t));
	q->ncsigs = ncsigs;
	q->csigs = calloc(ncsigs ? ncsigs : 1, sizeof(*q->csigs));
	for (uint32_t i = 0; i < nsurv; i++)
		q->survivors[i] = 2 * i + 1;
	for (uint32_t i = 0; i < ndrop; i++)
		q->dropped[i] = 2 * i + 2;
	for (uint32_t i = 0; i < ncsigs; i++) {
		q->csigs[i].hdr = HDR;
		q->csigs[i].client = 2 * i + 1;
		q->csigs[i].sig_len = i % 2 ? FL_SIG_MAX_BYTES : 71;
		fill_bytes(q->csigs[i].sig, q->csigs[i].sig_len, i);
	}
}

static void make_unmask_resp(fl_secagg_unmask_resp *u, uint32_t n)
{
	u->hdr = HDR;
	u->client = 5;
	u->count = n;
	u->entries = calloc(n, sizeof(*u->entries));
	for (uint32_t i = 0; i < n; i++) {
		u->entries[i].owner = i + 1;
		u->entries[i].kind = i % 10 ? FL_SECAGG_SHARE_B : FL_SECAGG_SHARE_SK;
		fill_bytes(u->entries[i].y, sizeof(u->entries[i].y), i + 77);
	}
}

/* ---- round trips ---- */
static void rt_hdr_ack(void)
{
	fl_secagg_hdr o;
	uint8_t *b = NULL;
	size_t n = 0;
	int ack = 7;

	FL_CHECK_EQ_INT(fl_codec_encode_sa_hdr(&HDR, &b, &n), 0);
	memset(&o, 0x5a, sizeof(o));
	FL_CHECK_EQ_INT(fl_codec_decode_sa_hdr(b, n, &o), 0);
	FL_CHECK(hdr_eq(&o, &HDR));
	check_common("sa_hdr", dec_sa_hdr, b, n);
	keep_seed(sa_hdr, b, n);
	free(b);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_ack(NULL, &b, &n), 0);
	FL_CHECK_EQ_INT(n, 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_ack(b, n, &ack), 0);
	FL_CHECK_EQ_INT(ack, 0);
	check_common("sa_ack", dec_sa_ack, b, n);
	keep_seed(sa_ack, b, n);
	free(b);
}

static void rt_advert(void)
{
	fl_secagg_advert a, o;
	uint8_t *b = NULL, *b2 = NULL;
	size_t n = 0, n2 = 0;

	fill_advert(&a, 7, 712);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_advert(b, n, &o), 0);
	FL_CHECK(advert_eq(&a, &o));
	FL_CHECK(o.cert_pem != a.cert_pem);
	check_common("sa_advert", dec_sa_advert, b, n);
	/* A cert_len that counts a C string's NUL sends the same bytes. */
	a.cert_pem = realloc(a.cert_pem, a.cert_len + 1);
	a.cert_pem[a.cert_len++] = '\0';
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b2, &n2), 0);
	FL_CHECK(n2 == n && !memcmp(b, b2, n));
	free(b);
	free(b2);
	fl_secagg_advert_clear(&o);
	FL_CHECK(o.cert_pem == NULL && o.cert_len == 0);
	fl_secagg_advert_clear(&a);
	/* The largest legal certificate, and the smallest seed. */
	fill_advert(&a, 3, FL_CODEC_SA_MAX_CERT);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_advert(b, n, &o), 0);
	FL_CHECK(advert_eq(&a, &o));
	fl_secagg_advert_clear(&o);
	fl_secagg_advert_clear(&a);
	free(b);
	fill_advert(&a, 2, 60);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), 0);
	keep_seed(sa_advert, b, n);
	fl_secagg_advert_clear(&a);
	free(b);
}

static void rt_keylist(void)
{
	fl_secagg_keylist k, o;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&k, 0, sizeof(k));
	make_keylist(&k, 100, 700);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_keylist(&k, &b, &n), 0);
	FL_CHECK(n > 100 * 700);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_keylist(b, n, &o), 0);
	FL_CHECK(hdr_eq(&o.hdr, &k.hdr));
	FL_CHECK_EQ_INT(o.count, 100);
	for (uint32_t i = 0; i < k.count && i < o.count; i++)
		FL_CHECK(advert_eq(&k.adverts[i], &o.adverts[i]));
	check_common("sa_keylist", dec_sa_keylist, b, n);
	fl_secagg_keylist_clear(&o);
	FL_CHECK(o.adverts == NULL && o.count == 0);
	fl_secagg_keylist_clear(&k);
	free(b);
	/* An empty list. */
	k.hdr = HDR;
	FL_CHECK_EQ_INT(fl_codec_encode_sa_keylist(&k, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_keylist(b, n, &o), 0);
	FL_CHECK(o.count == 0 && o.adverts == NULL && hdr_eq(&o.hdr, &HDR));
	free(b);
	make_keylist(&k, 2, 60);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_keylist(&k, &b, &n), 0);
	keep_seed(sa_keylist, b, n);
	fl_secagg_keylist_clear(&k);
	free(b);
}

static void rt_shares(void)
{
	fl_secagg_shares s, o;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&s, 0, sizeof(s));
	make_shares(&s, 99);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_shares(&s, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_shares(b, n, &o), 0);
	FL_CHECK(hdr_eq(&o.hdr, &s.hdr) && o.client == 42);
	FL_CHECK_EQ_INT(o.count, 99);
	for (uint32_t i = 0; i < s.count && i < o.count; i++)
		FL_CHECK(o.items[i].sender == s.items[i].sender &&
			 o.items[i].recipient == s.items[i].recipient &&
			 !memcmp(o.items[i].ct, s.items[i].ct,
				 FL_SECAGG_SHARE_CT_BYTES));
	check_common("sa_shares", dec_sa_shares, b, n);
	fl_secagg_shares_clear(&o);
	fl_secagg_shares_clear(&s);
	free(b);
	/* 1000 items is the cap, and fits in one message. */
	make_shares(&s, FL_CODEC_SA_MAX_CLIENTS);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_shares(&s, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_shares(b, n, &o), 0);
	FL_CHECK_EQ_INT(o.count, FL_CODEC_SA_MAX_CLIENTS);
	fl_secagg_shares_clear(&o);
	fl_secagg_shares_clear(&s);
	free(b);
	make_shares(&s, 3);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_shares(&s, &b, &n), 0);
	keep_seed(sa_shares, b, n);
	fl_secagg_shares_clear(&s);
	free(b);
}

static void rt_csig_req(void)
{
	fl_secagg_unmask_req q, o;
	fl_secagg_csig c, co;
	uint8_t *b = NULL;
	size_t n = 0;

	make_unmask_req(&q, 90, 9, 90);
	c = q.csigs[1];
	FL_CHECK_EQ_INT(fl_codec_encode_sa_csig(&c, &b, &n), 0);
	memset(&co, 0, sizeof(co));
	FL_CHECK_EQ_INT(fl_codec_decode_sa_csig(b, n, &co), 0);
	FL_CHECK(hdr_eq(&co.hdr, &c.hdr) && co.client == c.client &&
		 co.sig_len == FL_SIG_MAX_BYTES &&
		 !memcmp(co.sig, c.sig, co.sig_len));
	check_common("sa_csig", dec_sa_csig, b, n);
	keep_seed(sa_csig, b, n);
	free(b);

	FL_CHECK_EQ_INT(fl_codec_encode_sa_unmask_req(&q, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_unmask_req(b, n, &o), 0);
	FL_CHECK(hdr_eq(&o.hdr, &q.hdr));
	FL_CHECK(o.nsurvivors == 90 && o.ndropped == 9 && o.ncsigs == 90);
	FL_CHECK(o.survivors && !memcmp(o.survivors, q.survivors, 90 * 4));
	FL_CHECK(o.dropped && !memcmp(o.dropped, q.dropped, 9 * 4));
	for (uint32_t i = 0; i < 90 && i < o.ncsigs; i++)
		FL_CHECK(o.csigs[i].client == q.csigs[i].client &&
			 o.csigs[i].sig_len == q.csigs[i].sig_len &&
			 !memcmp(o.csigs[i].sig, q.csigs[i].sig,
				 q.csigs[i].sig_len) &&
			 hdr_eq(&o.csigs[i].hdr, &HDR));
	check_common("sa_unmask_req", dec_sa_unmask_req, b, n);
	fl_secagg_unmask_req_clear(&o);
	fl_secagg_unmask_req_clear(&q);
	free(b);
	/* Before the consistency phase: no signatures, nobody dropped. */
	make_unmask_req(&q, 4, 0, 0);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_unmask_req(&q, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_unmask_req(b, n, &o), 0);
	FL_CHECK(o.nsurvivors == 4 && o.ndropped == 0 && o.dropped == NULL &&
		 o.ncsigs == 0 && o.csigs == NULL && o.survivors[3] == 7);
	keep_seed(sa_unmask_req, b, n);
	fl_secagg_unmask_req_clear(&o);
	fl_secagg_unmask_req_clear(&q);
	free(b);
}

static void rt_unmask_resp(void)
{
	fl_secagg_unmask_resp u, o;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&u, 0, sizeof(u));
	make_unmask_resp(&u, 99);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_unmask_resp(&u, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_sa_unmask_resp(b, n, &o), 0);
	FL_CHECK(hdr_eq(&o.hdr, &u.hdr) && o.client == 5 && o.count == 99);
	for (uint32_t i = 0; i < u.count && i < o.count; i++)
		FL_CHECK(o.entries[i].owner == u.entries[i].owner &&
			 o.entries[i].kind == u.entries[i].kind &&
			 !memcmp(o.entries[i].y, u.entries[i].y,
				 FL_SHAMIR_SHARE_BYTES));
	check_common("sa_unmask_resp", dec_sa_unmask_resp, b, n);
	fl_secagg_unmask_resp_clear(&o);
	fl_secagg_unmask_resp_clear(&u);
	free(b);
	make_unmask_resp(&u, 3);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_unmask_resp(&u, &b, &n), 0);
	keep_seed(sa_unmask_resp, b, n);
	fl_secagg_unmask_resp_clear(&u);
	free(b);
}

static fl_msg_sa_params good_params(void)
{
	fl_msg_sa_params p;

	memset(&p, 0, sizeof(p));
	p.client_id = 3;
	p.n = 10;
	p.k = 8;
	p.t = 5;
	p.words = 123457;
	fill_bytes(p.round_seed, sizeof(p.round_seed), 99);
	p.consistency = true;
	p.clip = 4.5;
	p.bits = 20;
	p.nreal = 5000;
	p.weight_scale = 58000.0;
	return p;
}

static const char *const good_names[10] = { "s1", "s2", "s3", "s4", "s5",
	"s6", "s7", "s8", "s9", "s10" };

static void rt_task_sa(void)
{
	fl_msg_task in, o;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&in, 0, sizeof(in));
	in.job_id = 11;
	in.round = 4;
	in.attempt = 2;
	in.kind = FL_TASK_TRAIN;
	in.spec = "[job]\nname = sa\n";
	in.deadline_ms = 5000;
	in.poll_ms = 200;
	in.sa = good_params();
	in.sa.names = (char **)good_names;
	for (int ph = FL_SA_ADVERTISE; ph <= FL_SA_UNMASK; ph++) {
		in.phase = (enum fl_sa_phase)ph;
		FL_CHECK_EQ_INT(fl_codec_encode_task(&in, &b, &n), 0);
		memset(&o, 0, sizeof(o));
		FL_CHECK_EQ_INT(fl_codec_decode_task(b, n, &o), 0);
		FL_CHECK_EQ_INT(o.phase, ph);
		FL_CHECK(o.job_id == 11 && o.round == 4 && o.attempt == 2 &&
			 o.kind == FL_TASK_TRAIN && o.spec &&
			 !strcmp(o.spec, in.spec));
		FL_CHECK(o.sa.client_id == 3 && o.sa.n == 10 && o.sa.k == 8 &&
			 o.sa.t == 5 && o.sa.words == 123457 &&
			 o.sa.consistency && o.sa.clip == 4.5 &&
			 o.sa.bits == 20 && o.sa.nreal == 5000 &&
			 o.sa.weight_scale == 58000.0 &&
			 !memcmp(o.sa.round_seed, in.sa.round_seed,
				 FL_MSG_SEED_BYTES));
		FL_CHECK(o.sa.names && !strcmp(o.sa.names[0], "s1") &&
			 !strcmp(o.sa.names[9], "s10"));
		fl_msg_task_clear(&o);
		if (ph == FL_SA_SHARE) {
			check_common("task_sa", dec_task, b, n);
			keep_seed_("task_sa", dec_task, b, n);
		}
		free(b);
	}
	/* SA_OFF: the parameters are not sent and decode as zeros. */
	in.phase = FL_SA_OFF;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&in, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_task(b, n, &o), 0);
	FL_CHECK(o.phase == FL_SA_OFF && o.sa.n == 0 && o.sa.words == 0);
	fl_msg_task_clear(&o);
	free(b);
}

/* ---- hand-made refusals ---- */

/* Decodes w (then emptied) and expects err. */
#define EXPECT(decoder, w, err) do { \
	FL_CHECK_EQ_INT(dec_##decoder((w)->b, (w)->n), (err)); \
	w_reset(w); \
} while (0)

/* An SaAdvert body with the given key, signature and cert lengths. */
static void w_advert(wbuf *w, size_t cpk, size_t spk, size_t sig, size_t cert)
{
	wbuf h = { NULL, 0, 0 };

	w_uint(&h, 1, 9);
	w_sub(w, 1, &h);
	w_uint(w, 2, 4);
	w_fill(w, 3, 0xc1, cpk);
	w_fill(w, 4, 0x51, spk);
	w_fill(w, 5, 0x99, sig);
	w_fill(w, 6, 'P', cert);
}

static void check_advert_refusals(void)
{
	wbuf w = { NULL, 0, 0 }, sub = { NULL, 0, 0 };
	fl_secagg_advert a;

	w_advert(&w, 32, 32, FL_SIG_MAX_BYTES, FL_CODEC_SA_MAX_CERT);
	EXPECT(sa_advert, &w, 0);
	w_advert(&w, 31, 32, 64, 700);
	EXPECT(sa_advert, &w, FL_E_RANGE);
	w_advert(&w, 32, 33, 64, 700);
	EXPECT(sa_advert, &w, FL_E_RANGE);
	w_advert(&w, 0, 32, 64, 700);   /* a missing key */
	EXPECT(sa_advert, &w, FL_E_RANGE);
	w_advert(&w, 32, 32, FL_SIG_MAX_BYTES + 1, 700);
	EXPECT(sa_advert, &w, FL_E_RANGE);
	w_advert(&w, 32, 32, 64, FL_CODEC_SA_MAX_CERT + 1);
	EXPECT(sa_advert, &w, FL_E_TOOBIG);
	/* The same refusals inside a key list, after a good entry. */
	w_advert(&sub, 32, 32, 64, 700);
	w_sub(&w, 2, &sub);
	w_advert(&sub, 32, 32, 64, FL_CODEC_SA_MAX_CERT + 1);
	w_sub(&w, 2, &sub);
	EXPECT(sa_keylist, &w, FL_E_TOOBIG);
	w_advert(&sub, 32, 32, 64, 700);
	w_sub(&w, 2, &sub);
	w_advert(&sub, 32, 16, 64, 700);
	w_sub(&w, 2, &sub);
	EXPECT(sa_keylist, &w, FL_E_RANGE);
	w_advert(&sub, 32, 32, 200, 700);
	w_sub(&w, 2, &sub);
	EXPECT(sa_keylist, &w, FL_E_RANGE);
	/* A NUL inside the certificate string. */
	w_fill(&w, 3, 1, 32);
	w_fill(&w, 4, 1, 32);
	w_bytes(&w, 6, "-----BEGIN\0CERT", 15);
	EXPECT(sa_advert, &w, FL_E_PARSE);
	/* *out is untouched by a refusal. */
	w_advert(&w, 32, 31, 64, 10);
	memset(&a, 0x3c, sizeof(a));
	FL_CHECK_EQ_INT(fl_codec_decode_sa_advert(w.b, w.n, &a), FL_E_RANGE);
	FL_CHECK(a.client == 0x3c3c3c3c && a.cert_len == 0x3c3c3c3c3c3c3c3cULL);
	w_reset(&w);
}

static void check_list_refusals(void)
{
	wbuf w = { NULL, 0, 0 }, sub = { NULL, 0, 0 };
	fl_secagg_shares s;
	unsigned i;

	/* Wrong ciphertext lengths, first and later entries. */
	w_uint(&sub, 1, 1);
	w_fill(&sub, 3, 7, FL_SECAGG_SHARE_CT_BYTES - 1);
	w_sub(&w, 3, &sub);
	EXPECT(sa_shares, &w, FL_E_RANGE);
	w_fill(&sub, 3, 7, FL_SECAGG_SHARE_CT_BYTES);
	w_sub(&w, 3, &sub);
	w_fill(&sub, 3, 7, FL_SECAGG_SHARE_CT_BYTES + 1);
	w_sub(&w, 3, &sub);
	EXPECT(sa_shares, &w, FL_E_RANGE);
	w_bytes(&w, 3, "", 0);   /* an entry with no ciphertext */
	EXPECT(sa_shares, &w, FL_E_RANGE);
	/* ...and untouched output. */
	w_fill(&sub, 3, 7, 5);
	w_sub(&w, 3, &sub);
	memset(&s, 0x3c, sizeof(s));
	FL_CHECK_EQ_INT(fl_codec_decode_sa_shares(w.b, w.n, &s), FL_E_RANGE);
	FL_CHECK(s.count == 0x3c3c3c3c && s.client == 0x3c3c3c3c);
	w_reset(&w);

	/* Wrong share lengths in an unmask response. */
	w_uint(&sub, 1, 2);
	w_uint(&sub, 2, 1);
	w_fill(&sub, 3, 9, FL_SHAMIR_SHARE_BYTES);
	w_sub(&w, 3, &sub);
	EXPECT(sa_unmask_resp, &w, 0);
	w_fill(&sub, 3, 9, FL_SHAMIR_SHARE_BYTES);
	w_sub(&w, 3, &sub);
	w_fill(&sub, 3, 9, FL_SHAMIR_SHARE_BYTES - 1);
	w_sub(&w, 3, &sub);
	EXPECT(sa_unmask_resp, &w, FL_E_RANGE);
	w_fill(&sub, 3, 9, FL_SHAMIR_SHARE_BYTES + 16);
	w_sub(&w, 3, &sub);
	EXPECT(sa_unmask_resp, &w, FL_E_RANGE);

	/* Oversize signatures, alone and inside an unmask request. */
	w_fill(&w, 3, 1, FL_SIG_MAX_BYTES + 1);
	EXPECT(sa_csig, &w, FL_E_RANGE);
	w_fill(&w, 3, 1, FL_SIG_MAX_BYTES);
	EXPECT(sa_csig, &w, 0);
	w_uint(&w, 2, 1);
	w_fill(&sub, 3, 1, FL_SIG_MAX_BYTES);
	w_sub(&w, 4, &sub);
	w_fill(&sub, 3, 1, FL_SIG_MAX_BYTES + 40);
	w_sub(&w, 4, &sub);
	EXPECT(sa_unmask_req, &w, FL_E_RANGE);

	/* Too many entries: FL_CODEC_SA_MAX_CLIENTS pass, one more does not. */
	for (i = 0; i < FL_CODEC_SA_MAX_CLIENTS; i++)
		w_uint(&w, 2, i + 1);   /* unpacked repeated survivor ids */
	FL_CHECK_EQ_INT(dec_sa_unmask_req(w.b, w.n), 0);
	w_uint(&w, 2, 5000);
	FL_CHECK_EQ_INT(dec_sa_unmask_req(w.b, w.n), FL_E_TOOBIG);
	w_reset(&w);
	for (i = 0; i <= FL_CODEC_SA_MAX_CLIENTS; i++)
		w_varint(&sub, i + 1);   /* packed dropped ids */
	w_sub(&w, 3, &sub);
	EXPECT(sa_unmask_req, &w, FL_E_TOOBIG);
	for (i = 0; i <= FL_CODEC_SA_MAX_CLIENTS; i++)
		w_bytes(&w, 4, "", 0);
	EXPECT(sa_unmask_req, &w, FL_E_TOOBIG);
	for (i = 0; i <= FL_CODEC_SA_MAX_CLIENTS; i++)
		w_bytes(&w, 2, "", 0);
	FL_CHECK_EQ_INT(dec_sa_keylist(w.b, w.n), FL_E_TOOBIG);
	w_reset(&w);
	for (i = 0; i <= FL_CODEC_SA_MAX_CLIENTS; i++)
		w_bytes(&w, 3, "", 0);
	FL_CHECK_EQ_INT(dec_sa_shares(w.b, w.n), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(dec_sa_unmask_resp(w.b, w.n), FL_E_TOOBIG);
	w_reset(&w);
}

/* A PollReply whose Task has the given phase and SaParams body. */
static void w_task(wbuf *w, uint64_t phase, wbuf *params)
{
	wbuf t = { NULL, 0, 0 };

	w_uint(&t, 1, 5);
	w_uint(&t, 4, 2);
	w_uint(&t, 9, phase);
	if (params)
		w_sub(&t, 10, params);
	w_sub(w, 1, &t);
}

/* A good SaParams body with one field overridden (field 0: none). */
static void w_params(wbuf *p, unsigned field, uint64_t v, double d)
{
	static const unsigned ints[] = { 1, 2, 3, 4, 5, 9, 10 };
	static const uint64_t vals[] = { 2, 5, 2, 3, 1000, 16, 100 };
	bool seed_done = false;

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		w_uint(p, ints[i], ints[i] == field ? v : vals[i]);
	if (field == 6) {
		w_fill(p, 6, 0xab, (size_t)v);
		seed_done = true;
	}
	if (!seed_done)
		w_fill(p, 6, 0xab, FL_MSG_SEED_BYTES);
	w_f64(p, 8, field == 8 ? d : 2.0);
	w_f64(p, 11, field == 11 ? d : 1.0);
	/* the participants' names: one per client (field 2, n) */
	for (uint64_t i = 0; i < (field == 2 ? v : vals[1]) && i < 1001; i++) {
		char name[24];

		snprintf(name, sizeof(name), "site-%llu", (unsigned long long)i);
		w_str(p, 14, name);
	}
}

static void check_task_refusals(void)
{
	static const struct { unsigned field; uint64_t v; } bad[] = {
		{ 2, 1 }, { 2, 1001 }, { 1, 0 }, { 1, 6 }, { 4, 5 }, { 4, 9 },
		{ 3, 0 }, { 3, 4 }, { 9, 1 }, { 9, 32 }, { 5, 0 }, { 10, 1001 },
		{ 6, 31 }, { 6, 33 }, { 6, 1 },
	};
	wbuf w = { NULL, 0, 0 }, p = { NULL, 0, 0 };
	fl_msg_task t, o;
	uint8_t *b = NULL;
	size_t n = 0;

	w_params(&p, 0, 0, 0);
	w_task(&w, FL_SA_INPUT, &p);
	EXPECT(task, &w, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w_params(&p, bad[i].field, bad[i].v, 0);
		w_task(&w, FL_SA_ADVERTISE, &p);
		if (dec_task(w.b, w.n) != FL_E_RANGE)
			fprintf(stderr, "SaParams field %u = %llu accepted\n",
				bad[i].field, (unsigned long long)bad[i].v);
		EXPECT(task, &w, FL_E_RANGE);
	}
	/* Limits that are legal: n = 1000, k = n - 1, t = k, nreal = words,
	 * bits 2 and 31, an empty seed. */
	w_params(&p, 2, 1000, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	w_params(&p, 3, 3, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	w_params(&p, 10, 1000, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	w_params(&p, 9, 31, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	w_params(&p, 9, 2, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	w_params(&p, 6, 0, 0);
	w_task(&w, FL_SA_SHARE, &p);
	EXPECT(task, &w, 0);
	/* Non-finite clip or weight scale, in any phase. */
	w_params(&p, 8, 0, NAN);
	w_task(&w, FL_SA_UNMASK, &p);
	EXPECT(task, &w, FL_E_RANGE);
	w_params(&p, 11, 0, INFINITY);
	w_task(&w, FL_SA_OFF, &p);
	EXPECT(task, &w, FL_E_RANGE);
	/* Unknown phases; a phase without parameters. */
	w_params(&p, 0, 0, 0);
	w_task(&w, 6, &p);
	EXPECT(task, &w, FL_E_RANGE);
	w_params(&p, 0, 0, 0);
	w_task(&w, 0xffffffffu, &p);
	EXPECT(task, &w, FL_E_RANGE);
	w_task(&w, FL_SA_CONSISTENCY, NULL);
	EXPECT(task, &w, FL_E_RANGE);
	/* A bad seed length leaves *out alone and leaks no spec. */
	w_params(&p, 6, 16, 0);
	w_task(&w, FL_SA_INPUT, &p);
	memset(&o, 0x3c, sizeof(o));
	FL_CHECK_EQ_INT(fl_codec_decode_task(w.b, w.n, &o), FL_E_RANGE);
	FL_CHECK(o.job_id == 0x3c3c3c3c3c3c3c3cULL && o.sa.n == 0x3c3c3c3c);
	w_reset(&w);

	/* The encoder refuses what the decoder would. */
	memset(&t, 0, sizeof(t));
	t.kind = FL_TASK_STATS;
	t.sa = good_params();
	t.phase = (enum fl_sa_phase)6;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), FL_E_RANGE);
	t.phase = FL_SA_SHARE;
	t.sa.t = 0;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), FL_E_RANGE);
	t.sa = good_params();
	t.sa.clip = NAN;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), FL_E_RANGE);
	FL_CHECK(b == NULL);
}

static void check_encode_refusals(void)
{
	fl_secagg_advert a;
	fl_secagg_keylist k;
	fl_secagg_shares s;
	fl_secagg_unmask_req q;
	fl_secagg_csig c;
	uint8_t *b = NULL;
	size_t n = 0;

	fill_advert(&a, 1, 300);
	a.sig_len = FL_SIG_MAX_BYTES + 1;
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), FL_E_RANGE);
	a.sig_len = 64;
	a.cert_pem[100] = '\0';
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), FL_E_INVAL);
	fl_secagg_advert_clear(&a);
	fill_advert(&a, 1, FL_CODEC_SA_MAX_CERT + 1);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_advert(&a, &b, &n), FL_E_TOOBIG);
	k.hdr = HDR;
	k.count = 1;
	k.adverts = &a;
	FL_CHECK_EQ_INT(fl_codec_encode_sa_keylist(&k, &b, &n), FL_E_TOOBIG);
	fl_secagg_advert_clear(&a);
	memset(&s, 0, sizeof(s));
	make_shares(&s, FL_CODEC_SA_MAX_CLIENTS + 1);
	FL_CHECK_EQ_INT(fl_codec_encode_sa_shares(&s, &b, &n), FL_E_TOOBIG);
	fl_secagg_shares_clear(&s);
	make_unmask_req(&q, 3, 1, 2);
	q.csigs[1].sig_len = FL_SIG_MAX_BYTES + 1;
	FL_CHECK_EQ_INT(fl_codec_encode_sa_unmask_req(&q, &b, &n), FL_E_RANGE);
	c = q.csigs[1];
	FL_CHECK_EQ_INT(fl_codec_encode_sa_csig(&c, &b, &n), FL_E_RANGE);
	fl_secagg_unmask_req_clear(&q);
	FL_CHECK(b == NULL);
}

/* Every one-bit flip and every truncation of every seed: the decoder
 * answers 0 or an FL_E_* code (ASan/LSan catch crashes and leaks). */
static void check_mutations(void)
{
	for (size_t i = 0; i < nseeds; i++) {
		uint8_t *c = malloc(seeds[i].len ? seeds[i].len : 1);
		size_t len = seeds[i].len;
		int bad = 0;

		memcpy(c, seeds[i].buf, len);
		for (size_t pos = 0; pos < len; pos++) {
			for (int bit = 0; bit < 8; bit++) {
				int r;

				c[pos] ^= (uint8_t)(1u << bit);
				r = seeds[i].dec(c, len);
				c[pos] ^= (uint8_t)(1u << bit);
				bad += r > 0 || r <= FL_E_LAST_;
			}
			bad += seeds[i].dec(c, pos) > 0;
		}
		FL_CHECK_EQ_INT(bad, 0);
		free(c);
	}
}

static int write_corpus(const char *dir)
{
	for (size_t i = 0; i < nseeds; i++) {
		char path[1024];
		FILE *f;

		if (seeds[i].len > 4096)
			return 1;   /* seeds must stay small */
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		if ((f = fopen(path, "wb")) == NULL)
			return 1;
		fputc((int)fuzz_codec_id(seeds[i].name), f);
		fwrite(seeds[i].buf, 1, seeds[i].len, f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	rt_hdr_ack();
	rt_advert();
	rt_keylist();
	rt_shares();
	rt_csig_req();
	rt_unmask_resp();
	rt_task_sa();
	check_advert_refusals();
	check_list_refusals();
	check_task_refusals();
	check_encode_refusals();
	FL_CHECK_EQ_INT(nseeds, NSEEDS);
	check_mutations();
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		rc = write_corpus(argv[2]);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i].buf);
	return rc ? rc : FL_TEST_DONE();
}
