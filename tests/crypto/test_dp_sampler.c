/* SPDX-License-Identifier: Apache-2.0 */
/* test_dp_sampler: the exact discrete Gaussian sampler (crypto/fl_dgauss.c).
 * - chi-square tests of 10^6 samples against the exact probabilities
 *   exp(-x^2 / 2S) / Z for several S, at significance 10^-6, and the same
 *   samples against a 5% wider variance, which must be rejected (the test
 *   can tell distributions apart);
 * - the sum of n sites' samples has variance n S (the distributed noise);
 * - fl_dgauss_add_u32 adds the same samples modulo 2^32;
 * - out-of-range variances are refused.
 * The random bytes come from a seeded ChaCha20 stream, so a run is
 * reproducible; the agent's sampler uses randombytes_buf. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_dgauss.h"
#include "fl_err.h"
#include "fl_test.h"

typedef struct {
	uint8_t key[crypto_stream_chacha20_KEYBYTES];
	uint64_t counter;
} seeded_rng;

static void seeded_bytes(void *ctx, uint8_t *buf, size_t len)
{
	seeded_rng *r = ctx;
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = { 0 };

	memcpy(nonce, &r->counter, sizeof(r->counter));
	r->counter++;
	crypto_stream_chacha20(buf, len, nonce, r->key);
}

static void seeded_init(seeded_rng *r, uint8_t seed)
{
	memset(r, 0, sizeof(*r));
	r->key[0] = seed;
	r->key[1] = 0x5a;
}

/* The chi-square statistic of counts (index x + off for x in
 * [-off, off]) against N_Z(0, s), with the tails merged into bins of
 * expected count >= 5. *df gets the degrees of freedom. */
static double chi_square(const long *counts, long off, long n, double s,
			 int *df)
{
	double z = 0, chi = 0, e = 0, o = 0, last_e = 0, last_o = 0;
	long x;
	int bins = 0;

	for (x = -off; x <= off; x++)
		z += exp(-(double)x * (double)x / (2.0 * s));
	/* bins from left to right, each closed once its expected count
	 * reaches 5; a thin remainder at the right joins the last bin */
	for (x = -off; x <= off; x++) {
		e += (double)n * exp(-(double)x * (double)x / (2.0 * s)) / z;
		o += (double)counts[x + off];
		if (e >= 5.0) {
			if (bins > 0)
				chi += (last_o - last_e) * (last_o - last_e) / last_e;
			last_e = e;
			last_o = o;
			bins++;
			e = o = 0;
		}
	}
	last_e += e;
	last_o += o;
	chi += (last_o - last_e) * (last_o - last_e) / last_e;
	*df = bins - 1;
	return chi;
}

/* The chi-square value that a statistic with df degrees of freedom
 * exceeds with probability 10^-6 (Wilson-Hilferty; z = 4.753). */
static double chi_crit(int df)
{
	double k = df, a = 2.0 / (9.0 * k), z = 4.753;

	return k * pow(1.0 - a + z * sqrt(a), 3.0);
}

static void test_chi_square(uint64_t s, uint8_t seed)
{
	const long n = 1000000;
	long off = (long)(12.0 * sqrt((double)s)) + 10, i, outside = 0;
	long *counts = calloc((size_t)(2 * off + 1), sizeof(long));
	double chi, chi_wide, sum = 0, sq = 0;
	seeded_rng rng;
	fl_dgauss g;
	int df, df_wide;

	FL_CHECK(counts != NULL);
	if (counts == NULL)
		return;
	seeded_init(&rng, seed);
	FL_CHECK_EQ_INT(fl_dgauss_init(&g, s, seeded_bytes, &rng), 0);
	for (i = 0; i < n; i++) {
		int64_t x = fl_dgauss_sample(&g);

		sum += (double)x;
		sq += (double)x * (double)x;
		if (x < -off || x > off)
			outside++;
		else
			counts[x + off]++;
	}
	fl_dgauss_clear(&g);
	chi = chi_square(counts, off, n, (double)s, &df);
	chi_wide = chi_square(counts, off, n, 1.05 * (double)s, &df_wide);
	printf("S = %llu: mean %.4f, variance %.3f; chi-square %.1f on %d df "
	       "(reject above %.1f); against 1.05 S: %.1f on %d df\n",
	       (unsigned long long)s, sum / n, sq / n - (sum / n) * (sum / n),
	       chi, df, chi_crit(df), chi_wide, df_wide);
	FL_CHECK_EQ_INT(outside, 0);
	FL_CHECK(df >= 4);
	FL_CHECK(chi < chi_crit(df));
	FL_CHECK(chi_wide > chi_crit(df_wide));
	free(counts);
}

/* n sites each add N_Z(0, s): the sum's variance is n s. */
static void test_sum_variance(uint32_t sites, uint64_t s)
{
	const long n = 200000;
	double sum = 0, sq = 0, mean, var, want = (double)sites * (double)s;
	fl_dgauss g[16];
	seeded_rng rng[16];
	uint32_t k;
	long i;

	for (k = 0; k < sites; k++) {
		seeded_init(&rng[k], (uint8_t)(100 + k));
		FL_CHECK_EQ_INT(fl_dgauss_init(&g[k], s, seeded_bytes, &rng[k]), 0);
	}
	for (i = 0; i < n; i++) {
		int64_t x = 0;

		for (k = 0; k < sites; k++)
			x += fl_dgauss_sample(&g[k]);
		sum += (double)x;
		sq += (double)x * (double)x;
	}
	mean = sum / n;
	var = sq / n - mean * mean;
	/* standard errors: sqrt(v / n) for the mean, v sqrt(2 / n) for the
	 * variance; 5 of them */
	printf("%u sites of S = %llu: sum's mean %.3f, variance %.2f (target %.0f, "
	       "+-%.2f)\n", sites, (unsigned long long)s, mean, var, want,
	       5 * want * sqrt(2.0 / n));
	FL_CHECK(fabs(mean) < 5 * sqrt(want / n));
	FL_CHECK(fabs(var - want) < 5 * want * sqrt(2.0 / n));
	for (k = 0; k < sites; k++)
		fl_dgauss_clear(&g[k]);
}

static void test_add_u32(void)
{
	uint32_t w[1000];
	int64_t want[1000];
	seeded_rng r1, r2;
	fl_dgauss a, b;
	int neg = 0, same = 1;
	size_t i;

	seeded_init(&r1, 7);
	seeded_init(&r2, 7);
	FL_CHECK_EQ_INT(fl_dgauss_init(&a, 50, seeded_bytes, &r1), 0);
	FL_CHECK_EQ_INT(fl_dgauss_init(&b, 50, seeded_bytes, &r2), 0);
	for (i = 0; i < 1000; i++) {
		w[i] = (uint32_t)(i * 2654435761u);
		want[i] = fl_dgauss_sample(&b);
	}
	fl_dgauss_add_u32(&a, w, 1000);
	for (i = 0; i < 1000; i++) {
		int32_t d = (int32_t)(w[i] - (uint32_t)(i * 2654435761u));

		same &= d == want[i];
		neg += d < 0;
	}
	FL_CHECK(same);
	FL_CHECK(neg > 300 && neg < 700);
	fl_dgauss_clear(&a);
	fl_dgauss_clear(&b);
}

static void test_range(void)
{
	fl_dgauss g;

	FL_CHECK_EQ_INT(fl_dgauss_init(&g, 0, NULL, NULL), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dgauss_init(&g, FL_DGAUSS_MAX_VAR + 1, NULL, NULL),
			FL_E_RANGE);
	/* the largest variance, from randombytes_buf: samples of the right
	 * size (|x| < 12 sigma = 12 * 2^20) */
	FL_CHECK_EQ_INT(fl_dgauss_init(&g, FL_DGAUSS_MAX_VAR, NULL, NULL), 0);
	for (int i = 0; i < 1000; i++) {
		int64_t x = fl_dgauss_sample(&g);

		FL_CHECK(x > -12 * (1 << 20) && x < 12 * (1 << 20));
	}
	fl_dgauss_clear(&g);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_chi_square(1, 1);
	test_chi_square(2, 2);
	test_chi_square(30, 3);
	test_chi_square(5000, 4);
	test_sum_variance(10, 100);
	test_add_u32();
	test_range();
	return FL_TEST_DONE();
}
