/* SPDX-License-Identifier: Apache-2.0 */
/* fl_upvec: turns an agent's float64 update vector into the uint32 words
 * that secure aggregation masks and sums, and the sum back into float64. */
#ifndef FL_UPVEC_H
#define FL_UPVEC_H

#include <stddef.h>
#include <stdint.h>
#include "fl_quant.h"

/*
 * A vector of nreal + nwide values becomes nreal + 3 * nwide words:
 * - the first nreal values (model deltas, already weighted) are clipped and
 *   stochastically quantised with q (fl_quant): one word each;
 * - the other nwide values (sample counts, loss sums, statistics, evaluation
 *   counts) are exact fixed point: v = round(x * 2^16) as a 60-bit two's
 *   complement integer, split into three 20-bit limbs, one per word. A sum
 *   of up to FL_UPVEC_MAX_CLIENTS vectors cannot carry out of a word, so the
 *   sum decodes exactly while |sum| < 2^43.
 */
#define FL_UPVEC_LIMB_BITS 20
#define FL_UPVEC_FRAC_BITS 16
#define FL_UPVEC_MAX_CLIENTS 4096u
#define FL_UPVEC_WIDE_MAX 8.0e12   /* |x| and |sum| bound for wide values */

typedef struct fl_upvec_layout {
	size_t nreal;
	size_t nwide;
	fl_quant_params q;
} fl_upvec_layout;

/* Words of an encoded vector. */
size_t fl_upvec_words(const fl_upvec_layout *l);
/* 0 if a sum of n vectors decodes exactly (fl_quant_check for the real
 * part, n <= FL_UPVEC_MAX_CLIENTS); FL_E_INVAL / FL_E_RANGE. */
int fl_upvec_check(const fl_upvec_layout *l, uint32_t n);
/* x has nreal + nwide values; out has fl_upvec_words words. FL_E_RANGE for
 * a non-finite value or a wide value beyond FL_UPVEC_WIDE_MAX. */
int fl_upvec_encode(const fl_upvec_layout *l, const double *x, uint32_t *out);
/* Decodes the sum of n encoded vectors into nreal + nwide values. */
int fl_upvec_decode_sum(const fl_upvec_layout *l, uint32_t n,
			const uint32_t *sum, double *out);

/*
 * R8, no silent wrap: a wide sum decodes exactly only while |sum| < 2^43.
 * With nsites sites in the round's context, each site may encode at most
 * fl_upvec_wide_bound(nsites) in a wide coordinate (floor((2^59 - 1) /
 * nsites) units of 2^-16, and never more than FL_UPVEC_WIDE_MAX), so that
 * nsites x bound < 2^43: about 8.8e11 for 10 sites. 0 for nsites 0 or above
 * FL_UPVEC_MAX_CLIENTS.
 */
double fl_upvec_wide_bound(uint32_t nsites);
/* fl_upvec_encode for a round of nsites sites: FL_E_WRAP if a wide value
 * is above fl_upvec_wide_bound(nsites) in magnitude (*bad, may be NULL,
 * gets its index among the nwide values); FL_E_RANGE for a value that is
 * not finite; FL_E_INVAL for nsites 0 or above FL_UPVEC_MAX_CLIENTS. */
int fl_upvec_encode_bounded(const fl_upvec_layout *l, uint32_t nsites,
			    const double *x, uint32_t *out, size_t *bad);
/* fl_upvec_decode_sum of n <= nsites vectors from a round of nsites sites:
 * FL_E_WRAP (out unusable) if a decoded wide value is beyond
 * n x fl_upvec_wide_bound(nsites) in magnitude, which no n sites that keep
 * to their bound can reach; *bad (may be NULL) gets its wide index.
 * FL_E_INVAL if n > nsites. */
int fl_upvec_decode_sum_bounded(const fl_upvec_layout *l, uint32_t nsites,
				uint32_t n, const uint32_t *sum, double *out,
				size_t *bad);

#endif
