/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_secagg_refuse: hand-made hostile encodings of the
 * secure-aggregation messages and of Task's SaParams are refused, and so
 * are out-of-range messages on encode (round trips: test_codec_secagg). */
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
#include "test_wbuf.h"

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

int main(void)
{
	check_advert_refusals();
	check_list_refusals();
	check_task_refusals();
	check_encode_refusals();
	return FL_TEST_DONE();
}
