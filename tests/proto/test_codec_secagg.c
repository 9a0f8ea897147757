/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_secagg: round trips of the secure-aggregation messages and of
 * Task's SaParams, with garbage, truncations and bit flips of each refused
 * (hand-made refusals: test_codec_secagg_refuse). With "--write-corpus DIR"
 * it also writes seed files for fuzz_codec. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec_secagg_fix.h"
#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"
#include "test_wbuf.h"

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
	FL_CHECK_EQ_INT(nseeds, NSEEDS);
	check_mutations();
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		rc = write_corpus(argv[2]);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i].buf);
	return rc ? rc : FL_TEST_DONE();
}
