/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dgauss: the exact discrete Gaussian sampler of Canonne, Kamath and
 * Steinke (2020), for an integer variance parameter S:
 *   Algorithm 1, Bernoulli(exp(-gamma)) for a rational gamma, from
 *     Bernoulli(n/d) draws (a uniform integer below d compared with n);
 *   Algorithm 2, the discrete Laplace with integer scale t;
 *   Algorithm 3, rejection from that Laplace with t = floor(sqrt(S)) + 1,
 *     accepting Y with probability exp(-(|Y| - S/t)^2 / (2 S)).
 * With S an integer, gamma = (|Y| t - S)^2 / (2 S t^2) is a ratio of
 * integers below 2^128 and 2^82.
 *
 * The one cut-off: a Laplace draw with |Y| t >= 2^64 + S is rejected
 * without its Bernoulli. Its acceptance probability is below exp(-2^46),
 * and the proposal reaches such |Y| (>= 2^43, with t <= 2^20 + 1) with
 * probability below exp(-2^22), so the output's distance from the exact
 * distribution is below exp(-2^22). The same holds for the Laplace draw's
 * own cap at 2^63. */
#include <string.h>
#include <sodium.h>

#include "fl_dgauss.h"
#include "fl_err.h"

__extension__ typedef unsigned __int128 dg_u128;

static void dg_randombytes(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static void dg_bytes(fl_dgauss *g, uint8_t *out, size_t n)
{
	if (g->pos + n > sizeof(g->buf)) {
		g->rng(g->rng_ctx, g->buf, sizeof(g->buf));
		g->pos = 0;
	}
	memcpy(out, g->buf + g->pos, n);
	g->pos += n;
}

static unsigned dg_bitlen(dg_u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;

	if (hi != 0)
		return 128u - (unsigned)__builtin_clzll(hi);
	return lo != 0 ? 64u - (unsigned)__builtin_clzll(lo) : 0;
}

static uint32_t dg_u32(fl_dgauss *g)
{
	uint8_t b[4];

	dg_bytes(g, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* A uniform integer in [0, n), 1 <= n <= 2^32: Lemire's multiply-shift
 * with its rejection step, so exactly uniform. */
static uint32_t dg_uniform32(fl_dgauss *g, uint64_t n)
{
	uint64_t p;
	uint32_t lo, thr;

	if (n == ((uint64_t)1 << 32))
		return dg_u32(g);
	p = (uint64_t)dg_u32(g) * n;
	lo = (uint32_t)p;
	if (lo < (uint32_t)n) {
		thr = (uint32_t)(-(uint32_t)n) % (uint32_t)n;
		while (lo < thr) {
			p = (uint64_t)dg_u32(g) * n;
			lo = (uint32_t)p;
		}
	}
	return (uint32_t)(p >> 32);
}

/* A uniform integer in [0, n), n >= 1, by rejection from the fewest bytes
 * (Lemire's method where n fits in 32 bits). */
static dg_u128 dg_uniform(fl_dgauss *g, dg_u128 n)
{
	unsigned bits;
	size_t bytes, i;
	dg_u128 mask, v;
	uint8_t b[16];

	if (n <= ((dg_u128)1 << 32))
		return dg_uniform32(g, (uint64_t)n);
	bits = dg_bitlen(n - 1);
	bytes = (bits + 7) / 8;
	mask = bits == 128 ? ~(dg_u128)0 : (((dg_u128)1 << bits) - 1);
	for (;;) {
		dg_bytes(g, b, bytes);
		for (v = 0, i = 0; i < bytes; i++)
			v = (v << 8) | b[i];
		if ((v &= mask) < n)
			return v;
	}
}

/* Bernoulli(exp(-n/d)) for 0 <= n <= d (Algorithm 1): draw A_k ~
 * Bernoulli(n / (d k)) for k = 1, 2, ... until one is 0; 1 when that k is
 * odd. k passes 2^20 with probability below 1 / (2^20)!. */
static int dg_bern_exp_small(fl_dgauss *g, dg_u128 n, dg_u128 d)
{
	uint64_t k = 1;

	while (k < ((uint64_t)1 << 20) && dg_uniform(g, d * k) < n)
		k++;
	return (int)(k & 1);
}

/* Bernoulli(exp(-n/d)) for any n >= 0: floor(n/d) Bernoulli(exp(-1))
 * draws that must all be 1, then the fractional part. */
static int dg_bern_exp(fl_dgauss *g, dg_u128 n, dg_u128 d)
{
	dg_u128 q, i;

	if (n <= d)
		return dg_bern_exp_small(g, n, d);
	q = n / d;
	for (i = 0; i < q; i++)
		if (!dg_bern_exp_small(g, 1, 1))
			return 0;
	return dg_bern_exp_small(g, n % d, d);
}

/* The discrete Laplace, P[X = x] proportional to exp(-|x| / t)
 * (Algorithm 2 with s = 1). */
static int64_t dg_laplace(fl_dgauss *g, uint64_t t)
{
	for (;;) {
		uint64_t u = (uint64_t)dg_uniform(g, t), v = 0, x;
		uint8_t sign;

		if (!dg_bern_exp_small(g, u, t))
			continue;
		while (dg_bern_exp_small(g, 1, 1))
			v++;
		if (v > ((((uint64_t)1 << 63) - 1) - u) / t)
			continue;   /* beyond 2^63: see the file comment */
		x = u + t * v;
		dg_bytes(g, &sign, 1);
		if (sign & 1) {
			if (x == 0)
				continue;
			return -(int64_t)x;
		}
		return (int64_t)x;
	}
}

int fl_dgauss_init(fl_dgauss *g, uint64_t s, fl_dgauss_rng_fn rng,
		   void *rng_ctx)
{
	uint64_t lo, hi;

	if (g == NULL || s < 1 || s > FL_DGAUSS_MAX_VAR)
		return FL_E_RANGE;
	memset(g, 0, sizeof(*g));
	g->s = s;
	/* t = floor(sqrt(s)) + 1: the largest r with r^2 <= s, by bisection
	 * (s <= 2^40, so r <= 2^20) */
	for (lo = 0, hi = ((uint64_t)1 << 20) + 1; hi - lo > 1;) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (mid * mid <= s)
			lo = mid;
		else
			hi = mid;
	}
	g->t = lo + 1;
	g->rng = rng != NULL ? rng : dg_randombytes;
	g->rng_ctx = rng_ctx;
	g->pos = sizeof(g->buf);
	return 0;
}

int64_t fl_dgauss_sample(fl_dgauss *g)
{
	const dg_u128 s = g->s, t = g->t, d = 2 * s * t * t;

	for (;;) {
		int64_t y = dg_laplace(g, g->t);
		uint64_t ay = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
		dg_u128 a = (dg_u128)ay * t, diff = a >= s ? a - s : s - a;

		if ((diff >> 64) != 0)
			continue;   /* acceptance below exp(-2^46): file comment */
		if (dg_bern_exp(g, diff * diff, d))
			return y;
	}
}

void fl_dgauss_add_u32(fl_dgauss *g, uint32_t *words, size_t m)
{
	size_t i;

	for (i = 0; i < m; i++)
		words[i] += (uint32_t)(uint64_t)fl_dgauss_sample(g);
}

void fl_dgauss_clear(fl_dgauss *g)
{
	if (g != NULL)
		sodium_memzero(g, sizeof(*g));
}
