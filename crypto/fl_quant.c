/* SPDX-License-Identifier: Apache-2.0 */
/* fl_quant: clip, scale and stochastically round float64 vectors to uint32. */
#include <math.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_prg.h"
#include "fl_quant.h"

#define FL_QUANT_BLOCK 1024u

static int params_ok(const fl_quant_params *qp)
{
	return qp && qp->bits >= 2 && qp->bits <= 31 && isfinite(qp->clip) &&
		qp->clip > 0;
}

static double levels(const fl_quant_params *qp)
{
	return (double)((1u << (qp->bits - 1)) - 1u);
}

int fl_quant_check(const fl_quant_params *qp, uint32_t n)
{
	if (!params_ok(qp) || n == 0)
		return FL_E_INVAL;
	if ((uint64_t)n * ((1u << (qp->bits - 1)) - 1u) >= (1ull << 31))
		return FL_E_RANGE;
	return 0;
}

int fl_quant_encode(const fl_quant_params *qp, const double *x, size_t m,
		    const uint8_t *seed, uint32_t *out)
{
	uint8_t fresh[FL_SEED_BYTES];
	uint32_t rnd[FL_QUANT_BLOCK];
	double L, scale;
	int r = 0;

	if (!params_ok(qp) || (m && (!x || !out)))
		return FL_E_INVAL;
	L = levels(qp);
	scale = L / qp->clip;
	if (!seed) {
		randombytes_buf(fresh, sizeof(fresh));
		seed = fresh;
	}
	for (size_t base = 0; base < m; base += FL_QUANT_BLOCK) {
		size_t n = m - base < FL_QUANT_BLOCK ? m - base : FL_QUANT_BLOCK;

		memset(rnd, 0, n * sizeof(uint32_t));
		if ((r = fl_prg_expand_add_at(seed, base, rnd, n, 1)) != 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			double v = x[base + i], f;
			int64_t q;

			if (!isfinite(v)) {
				r = FL_E_RANGE;
				goto out;
			}
			v = v > qp->clip ? qp->clip : v < -qp->clip ? -qp->clip : v;
			v *= scale;
			f = floor(v);
			q = (int64_t)f;
			/* 32 random bits -> uniform in [0, 1) */
			if ((double)rnd[i] * 0x1p-32 < v - f)
				q++;
			if (q > (int64_t)L)
				q = (int64_t)L;
			if (q < -(int64_t)L)
				q = -(int64_t)L;
			out[base + i] = (uint32_t)q;
		}
	}
out:
	sodium_memzero(fresh, sizeof(fresh));
	sodium_memzero(rnd, sizeof(rnd));
	return r;
}

int fl_quant_decode_sum(const fl_quant_params *qp, uint32_t n,
			const uint32_t *sum, size_t m, double *out)
{
	double inv;
	int r;

	if ((r = fl_quant_check(qp, n)) != 0)
		return r;
	if (m && (!sum || !out))
		return FL_E_INVAL;
	inv = qp->clip / levels(qp);
	for (size_t i = 0; i < m; i++) {
		/* two's complement without implementation-defined casts */
		int64_t s = sum[i] >= 0x80000000u ? (int64_t)sum[i] - 0x100000000ll :
			(int64_t)sum[i];

		out[i] = (double)s * inv;
	}
	return 0;
}
