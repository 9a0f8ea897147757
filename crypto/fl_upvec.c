/* SPDX-License-Identifier: Apache-2.0 */
/* fl_upvec: float64 update vectors <-> words for secure aggregation. */
#include <math.h>
#include "fl_err.h"
#include "fl_upvec.h"

#define LIMB_MASK ((1u << FL_UPVEC_LIMB_BITS) - 1u)
#define WIDE_BITS (3 * FL_UPVEC_LIMB_BITS)           /* 60 */
#define WIDE_MASK ((UINT64_C(1) << WIDE_BITS) - 1u)
#define WIDE_LIMIT ((UINT64_C(1) << (WIDE_BITS - 1)) - 1u)   /* 2^59 - 1 */
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

/* The largest |v| (units of 2^-16) one of nsites sites may encode:
 * nsites of them sum to at most 2^59 - 1, which never wraps. */
static int64_t upvec_unit_bound(uint32_t nsites)
{
	int64_t b = (int64_t)(WIDE_LIMIT / nsites);
	int64_t cap = (int64_t)(FL_UPVEC_WIDE_MAX * FRAC_SCALE);

	return b < cap ? b : cap;
}

double fl_upvec_wide_bound(uint32_t nsites)
{
	if (nsites == 0 || nsites > FL_UPVEC_MAX_CLIENTS)
		return 0;
	return (double)upvec_unit_bound(nsites) / FRAC_SCALE;
}

/* nsites 0: only FL_UPVEC_WIDE_MAX (the unbounded legacy encoding). */
static int upvec_encode(const fl_upvec_layout *l, uint32_t nsites,
			const double *x, uint32_t *out, size_t *bad)
{
	int64_t lim = nsites ? upvec_unit_bound(nsites) : INT64_MAX;
	int r;

	if (!l || (!x && l->nreal + l->nwide) || !out || nsites > FL_UPVEC_MAX_CLIENTS)
		return FL_E_INVAL;
	if (l->nreal && (r = fl_quant_encode(&l->q, x, l->nreal, NULL, out)) != 0)
		return r;
	for (size_t i = 0; i < l->nwide; i++) {
		double v = x[l->nreal + i];
		int64_t s;
		uint64_t u;
		uint32_t *w = out + l->nreal + 3 * i;

		if (!isfinite(v))
			return FL_E_RANGE;
		if (fabs(v) > FL_UPVEC_WIDE_MAX && !nsites)
			return FL_E_RANGE;
		s = fabs(v) > FL_UPVEC_WIDE_MAX ? INT64_MAX : llround(v * FRAC_SCALE);
		if (s > lim || s < -lim) {
			if (bad)
				*bad = i;
			return FL_E_WRAP;
		}
		/* Two's complement in 60 bits: limbs of a sum never carry. */
		u = (uint64_t)s & WIDE_MASK;
		w[0] = (uint32_t)(u & LIMB_MASK);
		w[1] = (uint32_t)((u >> FL_UPVEC_LIMB_BITS) & LIMB_MASK);
		w[2] = (uint32_t)((u >> (2 * FL_UPVEC_LIMB_BITS)) & LIMB_MASK);
	}
	return 0;
}

int fl_upvec_encode(const fl_upvec_layout *l, const double *x, uint32_t *out)
{
	return upvec_encode(l, 0, x, out, NULL);
}

int fl_upvec_encode_bounded(const fl_upvec_layout *l, uint32_t nsites,
			    const double *x, uint32_t *out, size_t *bad)
{
	if (nsites == 0)
		return FL_E_INVAL;
	return upvec_encode(l, nsites, x, out, bad);
}

/* nsites 0: no range check (the legacy decode). */
static int upvec_decode(const fl_upvec_layout *l, uint32_t nsites, uint32_t n,
			const uint32_t *sum, double *out, size_t *bad)
{
	uint64_t lim = UINT64_MAX;
	int r;

	if (!sum || !out)
		return FL_E_INVAL;
	if ((r = fl_upvec_check(l, n)) != 0)
		return r;
	if (nsites) {
		if (n > nsites || nsites > FL_UPVEC_MAX_CLIENTS)
			return FL_E_INVAL;
		lim = (uint64_t)n * (uint64_t)upvec_unit_bound(nsites);
	}
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
		/* A sum beyond what n bounded sites can reach has wrapped or
		 * comes from a site that ignored its bound: never use it. */
		if ((s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s) > lim) {
			if (bad)
				*bad = i;
			return FL_E_WRAP;
		}
		out[l->nreal + i] = (double)s / FRAC_SCALE;
	}
	return 0;
}

int fl_upvec_decode_sum(const fl_upvec_layout *l, uint32_t n,
			const uint32_t *sum, double *out)
{
	return upvec_decode(l, 0, n, sum, out, NULL);
}

int fl_upvec_decode_sum_bounded(const fl_upvec_layout *l, uint32_t nsites,
				uint32_t n, const uint32_t *sum, double *out,
				size_t *bad)
{
	if (nsites == 0)
		return FL_E_INVAL;
	return upvec_decode(l, nsites, n, sum, out, bad);
}
