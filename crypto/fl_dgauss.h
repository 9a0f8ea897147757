/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dgauss: exact sampling from the discrete Gaussian N_Z(0, S) for an
 * integer variance parameter S (Canonne, Kamath and Steinke, NeurIPS 2020,
 * Algorithms 1-3): only integer arithmetic and uniform random bytes, no
 * floating point, so the output follows
 *     P[X = x] = exp(-x^2 / (2 S)) / sum_y exp(-y^2 / (2 S))
 * exactly (see fl_dgauss.c for the one cut-off, at probabilities below
 * exp(-2^22)). It is the noise of the distributed discrete Gaussian
 * mechanism (Kairouz, Liu and Steinke, ICML 2021): every site adds
 * N_Z(0, S) to each coordinate of its quantised update before masking, so
 * that only the sum carries the full noise.
 *
 * Why the discrete Gaussian and not Skellam: it has an exact sampler from
 * uniform integers with published proofs (the one here), while an exact
 * Poisson sampler for a rational mean needs more machinery; the privacy
 * of the sum of n discrete Gaussians has a closed-form bound (fl_dp.h). */
#ifndef FL_DGAUSS_H
#define FL_DGAUSS_H

#include <stddef.h>
#include <stdint.h>

/* The largest variance parameter accepted (sigma up to 2^20). */
#define FL_DGAUSS_MAX_VAR ((uint64_t)1 << 40)

/* A source of uniform random bytes: fills buf with len bytes. */
typedef void (*fl_dgauss_rng_fn)(void *ctx, uint8_t *buf, size_t len);

typedef struct fl_dgauss {
	uint64_t s;          /* variance parameter S = sigma^2 */
	uint64_t t;          /* floor(sigma) + 1: the Laplace proposal's scale */
	fl_dgauss_rng_fn rng;
	void *rng_ctx;
	uint8_t buf[4096];   /* random bytes not yet used (wiped by _clear) */
	size_t pos;
} fl_dgauss;

/* Prepares g for N_Z(0, s), 1 <= s <= FL_DGAUSS_MAX_VAR (FL_E_RANGE
 * otherwise). rng NULL means libsodium's randombytes_buf, the only source
 * the agent uses; tests pass a seeded one to be reproducible. */
int fl_dgauss_init(fl_dgauss *g, uint64_t s, fl_dgauss_rng_fn rng,
		   void *rng_ctx);

/* One sample. */
int64_t fl_dgauss_sample(fl_dgauss *g);

/* Adds an independent sample to each of the m words, modulo 2^32 (the
 * secure-aggregation word ring). */
void fl_dgauss_add_u32(fl_dgauss *g, uint32_t *words, size_t m);

/* Wipes the buffered random bytes (sodium_memzero). */
void fl_dgauss_clear(fl_dgauss *g);

#endif
