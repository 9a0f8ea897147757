/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-bench dp: a site's extra cost for distributed DP noise. Times, over
 * the same m words and in the same run: the exact discrete Gaussian noise
 * (fl_dgauss_add_u32, random bytes from randombytes_buf), one pairwise mask
 * (fl_prg_expand_add, AES-128-CTR fused into the words) and the raw
 * keystream (fl_prg_keystream), the primitive's floor, and the update's
 * clipping, randomised Hadamard rotation and conditional rounding
 * (fl_dp_vec_encode, into the padded length d = 2^k >= M). One JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bench.h"
#include "fl_dgauss.h"
#include "fl_dp_vec.h"
#include "fl_dp.h"
#include "fl_prg.h"

void bench_dp_help(void)
{
	printf("usage: fedc-bench dp [--length M] [--var S] [--reps R]\n\n"
	       "  The extra client cost of distributed DP: M words of exact discrete\n"
	       "  Gaussian noise of variance S (default 10^6, sigma 1000) beside one\n"
	       "  M-word pairwise mask and the raw AES-CTR keystream, each the median\n"
	       "  of R runs (default 5), in CPU time of the thread (not inflated when\n"
	       "  other processes share the cores). M defaults to 100000.\n"
	       "  JSON: length, var, noise_ms, mask_ms, keystream_ms, rotate_ms\n"
	       "  (clip + rotation + rounding of an M-value update), padded,\n"
	       "  noise_per_mask (noise_ms / mask_ms), rotate_per_mask, ns_per_sample.\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int bench_dp(int argc, char **argv)
{
	unsigned long long m = 100000, var = 1000000;
	uint8_t seed[FL_SEED_BYTES];
	double noise[64], mask[64], ks[64], rot[64], *x = NULL;
	uint32_t *w = NULL, *rw = NULL;
	fl_dp_vec_params dp;
	int reps = 5, i, rc = 1;
	fl_dgauss g;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			bench_dp_help();
			return 0;
		}
		if (i + 1 < argc && strcmp(argv[i], "--length") == 0)
			m = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--var") == 0)
			var = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0)
			reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "fedc-bench dp: unknown option '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
	}
	if (m == 0 || m > 100000000ull || reps < 1 || reps > 64 ||
	    var < 1 || var > FL_DGAUSS_MAX_VAR) {
		fprintf(stderr, "fedc-bench dp: --length 1..10^8, --reps 1..64, "
			"--var 1..2^40\n");
		return 2;
	}
	if (sodium_init() < 0 || (w = calloc((size_t)m, sizeof(*w))) == NULL)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	if (m > FL_DP_VEC_MAX_DIM ||
	    fl_dp_vec_params_make(1.0, 1.0, 1, 10, (uint32_t)m, seed, &dp) != 0 ||
	    (x = malloc((size_t)m * sizeof(*x))) == NULL ||
	    (rw = malloc((size_t)dp.pdim * sizeof(*rw))) == NULL)
		goto out;
	for (i = 0; i < (int)m && (unsigned long long)i < m; i++)
		x[i] = (double)randombytes_uniform(2000001) * 1e-6 - 1.0;
	for (i = 0; i < reps; i++) {
		int64_t t0;

		if (fl_dgauss_init(&g, var, NULL, NULL) != 0)
			goto out;
		t0 = bench_cpu_ns();
		fl_dgauss_add_u32(&g, w, (size_t)m);
		noise[i] = (double)(bench_cpu_ns() - t0) / 1e6;
		fl_dgauss_clear(&g);
		t0 = bench_cpu_ns();
		if (fl_prg_expand_add(seed, w, (size_t)m, 1) != 0)
			goto out;
		mask[i] = (double)(bench_cpu_ns() - t0) / 1e6;
		t0 = bench_cpu_ns();
		if (fl_prg_keystream(seed, (uint8_t *)w, (size_t)m * 4) != 0)
			goto out;
		ks[i] = (double)(bench_cpu_ns() - t0) / 1e6;
		t0 = bench_cpu_ns();
		if (fl_dp_vec_encode(&dp, x, rw, NULL) != 0)
			goto out;
		rot[i] = (double)(bench_cpu_ns() - t0) / 1e6;
		fprintf(stderr, "dp: rep %d: noise %.2f ms, mask %.2f ms, keystream "
			"%.2f ms, rotate %.2f ms\n", i + 1, noise[i], mask[i], ks[i],
			rot[i]);
	}
	{
		double n = median(noise, reps), mk = median(mask, reps),
		       k = median(ks, reps), ro = median(rot, reps);

		printf("{\"bench\":\"dp\",\"length\":%llu,\"var\":%llu,\"reps\":%d,"
		       "\"noise_ms\":%.3f,\"mask_ms\":%.3f,\"keystream_ms\":%.3f,"
		       "\"rotate_ms\":%.3f,\"padded\":%u,\"noise_per_mask\":%.2f,"
		       "\"rotate_per_mask\":%.2f,\"ns_per_sample\":%.1f}\n", m, var,
		       reps, n, mk, k, ro, dp.pdim, n / mk, ro / mk,
		       n * 1e6 / (double)m);
	}
	rc = 0;
out:
	free(w);
	free(rw);
	free(x);
	return rc;
}
