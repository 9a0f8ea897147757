/* SPDX-License-Identifier: Apache-2.0 */
/* fl_upvec: float64 update vectors <-> words for secure aggregation. */
#include <math.h>
#include "fl_err.h"
#include "fl_upvec.h"

#define LIMB_MASK ((1u << FL_UPVEC_LIMB_BITS) - 1u)
#define WIDE_BITS (3 * FL_UPVEC_LIMB_BITS)           /* 60 */
#define WIDE_MASK ((UINT64_C(1) << WIDE_BITS) - 1u)
#define FRAC_SCALE ((double)(1u << FL_UPVEC_FRAC_BITS))

size_t fl_upvec_words(const fl_upvec_layout *l)
{
	return l->nreal + 3 * l->nwide;
}

int fl_upvec_check(const fl_upvec_layout *l, uint32_t n)
{
	if (!l || n == 0 || n > FL_UPVEC_MAX_CLIENTS)
		return FL_E_INVAL;
	if (l->nreal == 0)
		return 0;
	return fl_quant_check(&l->q, n);
}

int fl_upvec_encode(const fl_upvec_layout *l, const double *x, uint32_t *out)
{
	int r;

	if (!l || (!x && l->nreal + l->nwide) || !out)
		return FL_E_INVAL;
	if (l->nreal && (r = fl_quant_encode(&l->q, x, l->nreal, NULL, out)) != 0)
		return r;
	for (size_t i = 0; i < l->nwide; i++) {
		double v = x[l->nreal + i];
		uint64_t u;
		uint32_t *w = out + l->nreal + 3 * i;

		if (!isfinite(v) || fabs(v) > FL_UPVEC_WIDE_MAX)
			return FL_E_RANGE;
		/* Two's complement in 60 bits: limbs of a sum never carry. */
		u = (uint64_t)llround(v * FRAC_SCALE) & WIDE_MASK;
		w[0] = (uint32_t)(u & LIMB_MASK);
		w[1] = (uint32_t)((u >> FL_UPVEC_LIMB_BITS) & LIMB_MASK);
		w[2] = (uint32_t)((u >> (2 * FL_UPVEC_LIMB_BITS)) & LIMB_MASK);
	}
	return 0;
}

int fl_upvec_decode_sum(const fl_upvec_layout *l, uint32_t n,
			const uint32_t *sum, double *out)
{
	int r;

	if (!sum || !out)
		return FL_E_INVAL;
	if ((r = fl_upvec_check(l, n)) != 0)
		return r;
	if (l->nreal && (r = fl_quant_decode_sum(&l->q, n, sum, l->nreal, out)) != 0)
		return r;
	for (size_t i = 0; i < l->nwide; i++) {
		const uint32_t *w = sum + l->nreal + 3 * i;
		uint64_t u = (uint64_t)w[0] + ((uint64_t)w[1] << FL_UPVEC_LIMB_BITS) +
			     ((uint64_t)w[2] << (2 * FL_UPVEC_LIMB_BITS));
		int64_t s;

		u &= WIDE_MASK;
		s = (u >> (WIDE_BITS - 1)) ? (int64_t)(u - (UINT64_C(1) << WIDE_BITS))
					  : (int64_t)u;
		out[l->nreal + i] = (double)s / FRAC_SCALE;
	}
	return 0;
}
