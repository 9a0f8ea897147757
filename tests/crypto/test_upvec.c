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
	return FL_TEST_DONE();
}
