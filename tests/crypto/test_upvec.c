/* SPDX-License-Identifier: Apache-2.0 */
/* test_upvec: encoded update vectors sum and decode to the plain sum. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_test.h"
#include "fl_upvec.h"

#define NREAL 1000
#define NWIDE 40
#define NCLI 37

/* R8: the bound per site, the refusal at encode, and a crafted wrapped
 * aggregate refused at decode. The adversary: two sites that ignore their
 * bound and encode 4.5e12 each without it. */
static void test_wrap_adversary(void)
{
	fl_upvec_layout l = { 0, 2, { 1.0, 20 } };
	double v[2] = { 10, 4.5e12 }, out[2];
	uint32_t a[6], sum[6];
	size_t bad = 99;
	int i;

	FL_CHECK(fl_upvec_wide_bound(10) > 8.79e11 && fl_upvec_wide_bound(10) < 8.8e11);
	FL_CHECK(fl_upvec_wide_bound(1) == FL_UPVEC_WIDE_MAX);
	FL_CHECK(fl_upvec_wide_bound(0) == 0);
	FL_CHECK(2 * fl_upvec_wide_bound(2) <= 8796093022208.0);   /* 2^43 */
	FL_CHECK_EQ_INT(fl_upvec_encode_bounded(&l, 2, v, a, &bad), FL_E_WRAP);
	FL_CHECK_EQ_INT(bad, 1);
	FL_CHECK_EQ_INT(fl_upvec_encode_bounded(&l, 1, v, a, NULL), 0);
	FL_CHECK_EQ_INT(fl_upvec_encode_bounded(&l, 0, v, a, NULL), FL_E_INVAL);
	/* The unbounded encoding takes it; the sum of two wraps. */
	FL_CHECK_EQ_INT(fl_upvec_encode(&l, v, a), 0);
	for (i = 0; i < 6; i++)
		sum[i] = 2 * a[i];
	FL_CHECK_EQ_INT(fl_upvec_decode_sum(&l, 2, sum, out), 0);
	FL_CHECK(out[1] < -8.5e12);   /* the silent wrap of the review */
	/* 2 of 3 sites can reach only 2 x 2.9e12: refused. */
	bad = 99;
	FL_CHECK_EQ_INT(fl_upvec_decode_sum_bounded(&l, 3, 2, sum, out, &bad), FL_E_WRAP);
	FL_CHECK_EQ_INT(bad, 1);
	FL_CHECK_EQ_INT(fl_upvec_decode_sum_bounded(&l, 3, 4, sum, out, NULL),
			FL_E_INVAL);
	/* Within the bound, the bounded decode gives the plain sum. */
	v[1] = 1e12;
	FL_CHECK_EQ_INT(fl_upvec_encode_bounded(&l, 3, v, a, NULL), 0);
	for (i = 0; i < 6; i++)
		sum[i] = 2 * a[i];
	FL_CHECK_EQ_INT(fl_upvec_decode_sum_bounded(&l, 3, 2, sum, out, NULL), 0);
	FL_CHECK(out[0] == 20 && out[1] == 2e12);
}

int main(void)
{
	fl_upvec_layout l = { NREAL, NWIDE, { 2.0, 20 } };
	size_t words = fl_upvec_words(&l);
	uint32_t *enc = calloc(words, 4), *sum = calloc(words, 4);
	double *x = calloc(NREAL + NWIDE, 8), *plain = calloc(NREAL + NWIDE, 8);
	double *dec = calloc(NREAL + NWIDE, 8);
	double maxerr = 0;

	if (sodium_init() < 0 || !enc || !sum || !x || !plain || !dec)
		return 1;
	FL_CHECK_EQ_INT(words, NREAL + 3 * NWIDE);
	FL_CHECK_EQ_INT(fl_upvec_check(&l, NCLI), 0);
	FL_CHECK(fl_upvec_check(&l, 5000) != 0);
	for (int c = 0; c < NCLI; c++) {
		for (int i = 0; i < NREAL + NWIDE; i++) {
			double u = (double)randombytes_uniform(1000000) / 1e6;
			if (i < NREAL)
				x[i] = (u - 0.5) * 3.0;   /* some beyond the clip */
			else if (i % 3 == 0)
				x[i] = (double)randombytes_uniform(60000);       /* counts */
			else
				x[i] = (u - 0.3) * 1e9;  /* large signed sums */
			plain[i] += i < NREAL ? (x[i] > 2 ? 2 : x[i] < -2 ? -2 : x[i]) : x[i];
		}
		FL_CHECK_EQ_INT(fl_upvec_encode(&l, x, enc), 0);
		for (size_t w = 0; w < words; w++)
			sum[w] += enc[w];
	}
	FL_CHECK_EQ_INT(fl_upvec_decode_sum(&l, NCLI, sum, dec), 0);
	for (int i = 0; i < NREAL; i++) {
		double e = dec[i] - plain[i];
		if (e < 0)
			e = -e;
		if (e > maxerr)
			maxerr = e;
	}
	/* Stochastic rounding: each client adds at most one step of error. */
	FL_CHECK(maxerr <= NCLI * 2.0 / ((1 << 19) - 1));
	for (int i = NREAL; i < NREAL + NWIDE; i++)
		FL_CHECK_NEAR(dec[i], plain[i], NCLI * 1.0 / 65536.0);
	/* Counts are integers: exact. */
	FL_CHECK(dec[NREAL + 3 - (NREAL % 3)] == plain[NREAL + 3 - (NREAL % 3)]);
	x[NREAL] = 1e13;
	FL_CHECK_EQ_INT(fl_upvec_encode(&l, x, enc), FL_E_RANGE);
	x[NREAL] = NAN;
	FL_CHECK_EQ_INT(fl_upvec_encode(&l, x, enc), FL_E_RANGE);
	free(enc); free(sum); free(x); free(plain); free(dec);
	test_wrap_adversary();
	return FL_TEST_DONE();
}
