/* SPDX-License-Identifier: Apache-2.0 */
/* test_dp_privacy_vec: a site's update under distributed DP
 * (crypto/fl_dp_vec.c).
 * - the decoded sum of n sites' encoded updates (no noise) equals the sum
 *   of their clipped updates within the rounding error;
 * - an update longer than the clip comes back with norm c;
 * - every rounded vector's norm is within the sensitivity bound B;
 * - with noise, the decoded sum of n zero updates has per-coordinate
 *   variance n S gamma^2 (rotation keeps variance), and its mean is 0;
 * - n_max sites of norm-c vectors, all alike (the worst case for the
 *   modulus), decode without wrapping;
 * - bad arguments are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>

#include "fl_dp.h"
#include "fl_dp_vec.h"
#include "fl_err.h"
#include "fl_test.h"

static double gauss(void)
{
	double u = (randombytes_uniform(1u << 30) + 1.0) / (double)(1u << 30);
	double v = randombytes_uniform(1u << 30) / (double)(1u << 30);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static void test_sum(void)
{
	const uint32_t n = 5, m = 300;
	uint8_t seed[FL_DP_SEED_BYTES] = { 1, 2, 3 };
	fl_dp_vec_params p;
	double x[5][300], want[300] = { 0 }, got[300], err = 0, bound;
	uint32_t *w, *sum;
	int clipped, nclipped = 0;

	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1.0, 1.0, 3, n, m, seed, &p), 0);
	FL_CHECK_EQ_INT(p.pdim, 512);
	bound = fl_dp_vec_l2_bound(&p);
	w = calloc(p.pdim, sizeof(*w));
	sum = calloc(p.pdim, sizeof(*sum));
	for (uint32_t s = 0; s < n; s++) {
		double norm = 0, k;

		for (uint32_t i = 0; i < m; i++) {
			x[s][i] = gauss() * (s == 0 ? 0.5 : 0.03);
			norm += x[s][i] * x[s][i];
		}
		norm = sqrt(norm);
		k = norm > 1.0 ? 1.0 / norm : 1.0;
		for (uint32_t i = 0; i < m; i++)
			want[i] += x[s][i] * k;
		FL_CHECK_EQ_INT(fl_dp_vec_encode(&p, x[s], w, &clipped), 0);
		nclipped += clipped;
		{
			double sq = 0;

			for (uint32_t i = 0; i < p.pdim; i++) {
				double v = (double)(int32_t)w[i];

				sq += v * v;
				sum[i] += w[i];
			}
			FL_CHECK(sqrt(sq) <= bound);
		}
	}
	FL_CHECK_EQ_INT(nclipped, 1);   /* site 0's norm is about 8.7 */
	FL_CHECK_EQ_INT(fl_dp_vec_decode_sum(&p, sum, got), 0);
	for (uint32_t i = 0; i < m; i++)
		err = fmax(err, fabs(got[i] - want[i]));
	/* rounding: each word is off by < 1 step, n sites, rotated back */
	printf("sum of %u sites, m %u (d %u): gamma %.3g, S %llu, B %.1f steps; "
	       "largest error %.3g (%.2f steps)\n", n, m, p.pdim, p.gamma,
	       (unsigned long long)p.var, bound, err, err / p.gamma);
	FL_CHECK(err < n * 6 * p.gamma);
	free(w);
	free(sum);
}

static void test_noise_variance(void)
{
	const uint32_t n = 4, m = 4096;
	uint8_t seed[FL_DP_SEED_BYTES] = { 9 };
	fl_dp_vec_params p;
	double *zero = calloc(m, sizeof(double)), *got = calloc(m, sizeof(double));
	uint32_t *w = NULL, *sum = NULL;
	double mean = 0, var = 0, want, sigma;

	/* sigma = z c = 2; each of the 4 sites adds sigma^2 / 4 */
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1.0, 2.0, n, n, m, seed, &p), 0);
	w = calloc(p.pdim, sizeof(*w));
	sum = calloc(p.pdim, sizeof(*sum));
	for (uint32_t s = 0; s < n; s++) {
		FL_CHECK_EQ_INT(fl_dp_vec_encode(&p, zero, w, NULL), 0);
		FL_CHECK_EQ_INT(fl_dp_vec_add_noise(&p, w), 0);
		for (uint32_t i = 0; i < p.pdim; i++)
			sum[i] += w[i];
	}
	FL_CHECK_EQ_INT(fl_dp_vec_decode_sum(&p, sum, got), 0);
	for (uint32_t i = 0; i < m; i++)
		mean += got[i];
	mean /= m;
	for (uint32_t i = 0; i < m; i++)
		var += (got[i] - mean) * (got[i] - mean);
	var /= m - 1;
	want = (double)n * (double)p.var * p.gamma * p.gamma;
	sigma = sqrt(want);
	printf("noise of %u sites: variance %.4f (target n S gamma^2 = %.4f, "
	       "sigma^2 = 4), mean %.4f\n", n, var, want, mean);
	FL_CHECK(fabs(var - want) < 5 * want * sqrt(2.0 / m));
	FL_CHECK(want >= 4.0 && want < 4.0 * 1.001);
	FL_CHECK(fabs(mean) < 5 * sigma / sqrt((double)m));
	free(zero);
	free(got);
	free(w);
	free(sum);
}

/* n_max alike vectors of norm c concentrated on one coordinate: the
 * rotation spreads them, and the sum must not wrap. */
static void test_no_wrap(void)
{
	const uint32_t n = 200, m = 64;
	uint8_t seed[FL_DP_SEED_BYTES] = { 7 };
	fl_dp_vec_params p;
	double x[64] = { 0 }, got[64];
	uint32_t w[64], sum[64] = { 0 };

	x[5] = 3.0;   /* clipped to 1 */
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1.0, 0.5, 10, n, m, seed, &p), 0);
	for (uint32_t s = 0; s < n; s++) {
		FL_CHECK_EQ_INT(fl_dp_vec_encode(&p, x, w, NULL), 0);
		FL_CHECK_EQ_INT(fl_dp_vec_add_noise(&p, w), 0);
		for (uint32_t i = 0; i < p.pdim; i++)
			sum[i] += w[i];
	}
	FL_CHECK_EQ_INT(fl_dp_vec_decode_sum(&p, sum, got), 0);
	/* noise: sigma = 0.5 * sqrt(200 / 10) = 2.24 per coordinate */
	printf("%u alike sites: coordinate 5 sums to %.2f (200 +- noise 2.2)\n",
	       n, got[5]);
	FL_CHECK(fabs(got[5] - 200.0) < 15.0);
	FL_CHECK(fabs(got[0]) < 15.0);
}

static void test_bad(void)
{
	uint8_t seed[FL_DP_SEED_BYTES] = { 0 };
	fl_dp_vec_params p;
	double x[2] = { NAN, 1 };
	uint32_t w[2];

	FL_CHECK_EQ_INT(fl_dp_vec_params_make(0, 1, 1, 1, 10, seed, &p), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1, 0, 1, 1, 10, seed, &p), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1, 1, 3, 2, 10, seed, &p), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1, 1, 1, 1, 0, seed, &p), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1, 1, 1, 1, 2, seed, &p), 0);
	FL_CHECK_EQ_INT(fl_dp_vec_encode(&p, x, w, NULL), FL_E_RANGE);
}

/* The sensitivity and noise feed the accountant: a round's rho with the
 * bound B, d words and n_min sites, against the central Gaussian's
 * (c / sigma)^2 / 2: B is a little above c / gamma. */
static void test_accounting(void)
{
	uint8_t seed[FL_DP_SEED_BYTES] = { 0 };
	fl_dp_vec_params p;
	fl_ddg_round r;
	double rho;

	FL_CHECK_EQ_INT(fl_dp_vec_params_make(1.0, 1.0, 10, 20, 100000, seed, &p), 0);
	r = (fl_ddg_round){ .l2 = fl_dp_vec_l2_bound(&p), .dim = p.pdim,
			    .n = 10, .var = p.var };
	rho = fl_ddg_rho(&r);
	printf("noise multiplier 1, 10 of 20 sites, m 100000: rho %.4f per round "
	       "(central Gaussian: 0.5)\n", rho);
	FL_CHECK(rho >= 0.5 && rho < 0.5 * 1.01);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_sum();
	test_noise_variance();
	test_no_wrap();
	test_bad();
	test_accounting();
	return FL_TEST_DONE();
}
