/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_vec: a site's update under distributed DP, as in the distributed
 * discrete Gaussian paper (Kairouz, Liu and Steinke, ICML 2021):
 *   1. clip the update to L2 norm c;
 *   2. rotate it: zero-pad to d = 2^k >= m, flip signs by a public random
 *      diagonal D (from the round's seed), apply the Walsh-Hadamard
 *      transform H / sqrt(d). The norm is kept and every coordinate becomes
 *      small, so few levels are lost to the modulus;
 *   3. scale by 1/gamma and round randomly, retrying until the rounded
 *      vector's norm is at most the bound B of fl_dp_vec_l2_bound (the
 *      "conditional randomised rounding": B is the L2 sensitivity the
 *      accountant uses);
 *   4. add N_Z(0, S) to each of the d words (fl_dgauss), mod 2^32.
 * The sum of the sites' words, decoded: centred, times gamma, rotated back
 * (D H / sqrt(d)), is the sum of the clipped updates plus noise of variance
 * about (number of sites) S gamma^2 per coordinate.
 *
 * gamma is chosen (fl_dp_vec_params_make) so that the sum of up to n_max
 * sites stays inside the words' range (|x| < 2^31) with all but a
 * negligible probability, and so that S <= FL_DGAUSS_MAX_VAR. */
#ifndef FL_DP_VEC_H
#define FL_DP_VEC_H

#include <stddef.h>
#include <stdint.h>

#define FL_DP_VEC_MAX_DIM ((uint32_t)1 << 26)
#define FL_DP_SEED_BYTES 32

typedef struct fl_dp_vec_params {
	double l2_clip;     /* c, in the update's units */
	double gamma;       /* the update's units per integer step */
	uint64_t var;       /* each site's noise variance S, integer units */
	uint32_t dim;       /* m: the update's length */
	uint32_t pdim;      /* d: words sent, the power of two >= m */
	uint8_t seed[FL_DP_SEED_BYTES]; /* public: the rotation's signs */
} fl_dp_vec_params;

/* Parameters for a round in which each site's noise share is scaled to the
 * n_min sites the round may end with (its threshold), so that dropouts do
 * not lower the total below sigma = noise_mult * l2_clip; n_max sites may
 * contribute. FL_E_RANGE for out-of-range arguments. */
int fl_dp_vec_params_make(double l2_clip, double noise_mult, uint32_t n_min,
			  uint32_t n_max, uint32_t dim,
			  const uint8_t seed[FL_DP_SEED_BYTES],
			  fl_dp_vec_params *out);

/* B: the L2 norm bound of a site's rounded vector, in integer units (its
 * L2 sensitivity for fl_dp.h, with dim = pdim). */
double fl_dp_vec_l2_bound(const fl_dp_vec_params *p);

/* Steps 1-3: x[0..dim) to words[0..pdim) without noise. FL_E_RANGE for a
 * non-finite x, FL_E_NOMEM. *clipped (optional) gets 1 when x was clipped. */
int fl_dp_vec_encode(const fl_dp_vec_params *p, const double *x,
		     uint32_t *words, int *clipped);

/* Step 4: adds each site's noise share to words[0..pdim), from
 * randombytes_buf (the buffered random bytes are wiped). */
int fl_dp_vec_add_noise(const fl_dp_vec_params *p, uint32_t *words);

/* The sum of the sites' words (mod 2^32) back to out[0..dim). */
int fl_dp_vec_decode_sum(const fl_dp_vec_params *p, const uint32_t *sum,
			 double *out);

#endif
