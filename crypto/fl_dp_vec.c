/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_vec: clip, rotate, round and noise a site's update for distributed
 * DP; decode the sum (see fl_dp_vec.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_dgauss.h"
#include "fl_dp_vec.h"
#include "fl_err.h"
#include "fl_kx.h"
#include "fl_prg.h"

/* Rounding retries: each fails with probability at most exp(-1/2). */
#define DPV_TRIES 64
/* Standard deviations of headroom in the words' range. */
#define DPV_SIGMAS 9.0

static uint32_t dpv_pow2(uint32_t m)
{
	uint32_t d = 1;

	while (d < m)
		d <<= 1;
	return d;
}

int fl_dp_vec_params_make(double l2_clip, double noise_mult, uint32_t n_min,
			  uint32_t n_max, uint32_t dim,
			  const uint8_t seed[FL_DP_SEED_BYTES],
			  fl_dp_vec_params *out)
{
	double sigma_site, g_noise, g_range, range, s;
	fl_dp_vec_params p;

	if (out == NULL || seed == NULL || !(l2_clip > 0) || !isfinite(l2_clip) ||
	    !(noise_mult > 0) || !isfinite(noise_mult) || n_min == 0 ||
	    n_max < n_min || dim == 0 || dim > FL_DP_VEC_MAX_DIM)
		return FL_E_RANGE;
	memset(&p, 0, sizeof(p));
	p.l2_clip = l2_clip;
	p.dim = dim;
	p.pdim = dpv_pow2(dim);
	memcpy(p.seed, seed, FL_DP_SEED_BYTES);
	/* each site's share of sigma = noise_mult * c, for n_min sites */
	sigma_site = noise_mult * l2_clip / sqrt((double)n_min);
	/* the sampler's largest sigma is 2^20 steps */
	g_noise = sigma_site / (double)((1u << 20) - 1);
	/* a rotated coordinate of a norm-c vector is sub-Gaussian with
	 * variance c^2 / d; n_max of them, their noise and rounding must stay
	 * below 2^31 steps */
	range = (double)n_max * l2_clip * DPV_SIGMAS / sqrt((double)p.pdim) +
		DPV_SIGMAS * sqrt((double)n_max) * sigma_site;
	g_range = range / (double)(((uint32_t)1 << 31) - 2u * n_max - 1u);
	p.gamma = fmax(g_noise, g_range);
	s = ceil((sigma_site / p.gamma) * (sigma_site / p.gamma));
	p.var = s < 1 ? 1 : (uint64_t)s;
	if (p.var > FL_DGAUSS_MAX_VAR)
		p.var = FL_DGAUSS_MAX_VAR;
	*out = p;
	return 0;
}

double fl_dp_vec_l2_bound(const fl_dp_vec_params *p)
{
	double a = p->l2_clip / p->gamma, d = (double)p->pdim;
	/* sqrt(2 ln(1/beta)) = 1 for beta = exp(-1/2) */
	return sqrt(a * a + d / 4.0 + (a + sqrt(d) / 2.0));
}

/* The public signs: bit i of the AES-CTR keystream of the round's seed. */
static int dpv_signs(const fl_dp_vec_params *p, uint8_t **bits)
{
	size_t n = ((size_t)p->pdim + 7) / 8;

	if ((*bits = malloc(n)) == NULL)
		return FL_E_NOMEM;
	return fl_prg_keystream(p->seed, *bits, n);
}

static void dpv_flip(double *v, const uint8_t *bits, uint32_t d)
{
	uint32_t i;

	for (i = 0; i < d; i++)
		if ((bits[i / 8] >> (i % 8)) & 1)
			v[i] = -v[i];
}

/* In place: v = H v / sqrt(d), the orthonormal Walsh-Hadamard transform
 * (its own inverse). */
static void dpv_fwht(double *v, uint32_t d)
{
	double k = 1.0 / sqrt((double)d);
	uint32_t h, i, j;

	for (h = 1; h < d; h <<= 1)
		for (i = 0; i < d; i += h << 1)
			for (j = i; j < i + h; j++) {
				double a = v[j], b = v[j + h];

				v[j] = a + b;
				v[j + h] = a - b;
			}
	for (i = 0; i < d; i++)
		v[i] *= k;
}

/* Random rounding of z[0..d) into words, retried until the norm is at
 * most bound. The rounding's randomness is an AES-CTR keystream of a fresh
 * secret seed. */
static int dpv_round(const double *z, uint32_t d, double bound,
		     uint32_t *words)
{
	uint8_t seed[FL_SEED_BYTES];
	uint64_t *u = malloc((size_t)d * sizeof(*u));
	int r = FL_E_RANGE, t;
	uint32_t i;

	if (u == NULL)
		return FL_E_NOMEM;
	for (t = 0; t < DPV_TRIES && r == FL_E_RANGE; t++) {
		double sq = 0;

		randombytes_buf(seed, sizeof(seed));
		if ((r = fl_prg_keystream(seed, (uint8_t *)u, (size_t)d * 8)) != 0)
			break;
		for (i = 0; i < d; i++) {
			double f = floor(z[i]), frac = z[i] - f;
			/* 53 random bits: P[round up] = frac exactly for the
			 * doubles frac can be */
			double q = (double)(u[i] >> 11) * 0x1p-53;
			int64_t v = (int64_t)f + (q < frac);

			words[i] = (uint32_t)(uint64_t)v;
			sq += (double)v * (double)v;
		}
		r = sqrt(sq) <= bound ? 0 : FL_E_RANGE;
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(u, (size_t)d * sizeof(*u));
	free(u);
	return r;
}

int fl_dp_vec_encode(const fl_dp_vec_params *p, const double *x,
		     uint32_t *words, int *clipped)
{
	double *z = NULL, norm = 0, k;
	uint8_t *bits = NULL;
	uint32_t i;
	int r;

	if (p == NULL || x == NULL || words == NULL)
		return FL_E_INVAL;
	for (i = 0; i < p->dim; i++) {
		if (!isfinite(x[i]))
			return FL_E_RANGE;
		norm += x[i] * x[i];
	}
	norm = sqrt(norm);
	if ((z = calloc(p->pdim, sizeof(*z))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = dpv_signs(p, &bits)) != 0)
		goto out;
	k = norm > p->l2_clip ? p->l2_clip / norm : 1.0;
	if (clipped != NULL)
		*clipped = norm > p->l2_clip;
	for (i = 0; i < p->dim; i++)
		z[i] = x[i] * k;
	dpv_flip(z, bits, p->pdim);
	dpv_fwht(z, p->pdim);
	for (i = 0; i < p->pdim; i++)
		z[i] /= p->gamma;
	r = dpv_round(z, p->pdim, fl_dp_vec_l2_bound(p), words);
out:
	if (z != NULL)
		sodium_memzero(z, (size_t)p->pdim * sizeof(*z));
	free(z);
	free(bits);
	return r;
}

int fl_dp_vec_add_noise(const fl_dp_vec_params *p, uint32_t *words)
{
	fl_dgauss g;
	int r;

	if (p == NULL || words == NULL)
		return FL_E_INVAL;
	if ((r = fl_dgauss_init(&g, p->var, NULL, NULL)) != 0)
		return r;
	fl_dgauss_add_u32(&g, words, p->pdim);
	fl_dgauss_clear(&g);
	return 0;
}

int fl_dp_vec_decode_sum(const fl_dp_vec_params *p, const uint32_t *sum,
			 double *out)
{
	uint8_t *bits = NULL;
	double *z;
	uint32_t i;
	int r;

	if (p == NULL || sum == NULL || out == NULL)
		return FL_E_INVAL;
	if ((z = malloc((size_t)p->pdim * sizeof(*z))) == NULL)
		return FL_E_NOMEM;
	if ((r = dpv_signs(p, &bits)) != 0)
		goto out;
	for (i = 0; i < p->pdim; i++)
		z[i] = (double)(int32_t)sum[i] * p->gamma;
	dpv_fwht(z, p->pdim);
	dpv_flip(z, bits, p->pdim);
	memcpy(out, z, (size_t)p->dim * sizeof(*out));
out:
	free(z);
	free(bits);
	return r;
}
