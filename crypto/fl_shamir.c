/* SPDX-License-Identifier: Apache-2.0 */
/* fl_shamir: t-of-n Shamir secret sharing of 32-byte secrets over GF(2^127-1). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_shamir.h"

__extension__ typedef unsigned __int128 u128;

#define P_MASK ((((u128)1) << 127) - 1)

static const size_t chunk_len[FL_SHAMIR_CHUNKS] = { 11, 11, 10 };
static const size_t chunk_off[FL_SHAMIR_CHUNKS] = { 0, 11, 22 };

static u128 fe_red(u128 x)
{
	u128 r = (x & P_MASK) + (x >> 127);

	return r >= P_MASK ? r - P_MASK : r;
}

static u128 fe_add(u128 a, u128 b)
{
	return fe_red(a + b);
}

static u128 fe_sub(u128 a, u128 b)
{
	return fe_red(a + (P_MASK - b));
}

static u128 fe_mul(u128 a, u128 b)
{
	uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
	uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
	u128 p00 = (u128)a0 * b0, p11 = (u128)a1 * b1;
	u128 mid = (u128)a0 * b1 + (u128)a1 * b0;   /* < 2^128 since a1,b1 < 2^63 */
	u128 r;

	/* 2^127 = 1 (mod p), so 2^128 = 2 */
	r = fe_red(p00);
	r = fe_add(r, fe_red(p11 << 1));
	r = fe_add(r, fe_red((mid >> 64) << 1));
	r = fe_add(r, fe_red(mid << 64));
	return r;
}

static u128 fe_inv(u128 a)
{
	u128 r = 1, e = P_MASK - 2;

	while (e) {
		if (e & 1)
			r = fe_mul(r, a);
		a = fe_mul(a, a);
		e >>= 1;
	}
	return r;
}

static u128 fe_load(const uint8_t *p, size_t n)
{
	u128 v = 0;

	for (size_t i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static void fe_store(uint8_t *p, size_t n, u128 v)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static u128 fe_draw(void)
{
	uint8_t b[16];
	u128 v;

	do {
		randombytes_buf(b, sizeof(b));
		b[15] &= 0x7f;
		v = fe_load(b, 16);
	} while (v == P_MASK);
	sodium_memzero(b, sizeof(b));
	return v;
}

static int check_xs(const uint32_t *xs, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t xi = *(const uint32_t *)((const uint8_t *)xs + i * stride);

		if (xi == 0)
			return FL_E_INVAL;
		for (size_t j = 0; j < i; j++)
			if (xi == *(const uint32_t *)((const uint8_t *)xs + j * stride))
				return FL_E_INVAL;
	}
	return 0;
}

int fl_shamir_split(const uint8_t secret[static FL_SHAMIR_SECRET_BYTES],
		    uint32_t t, const uint32_t *xs, size_t n, fl_shamir_share *out)
{
	u128 *coef = NULL;
	int r;

	if (!xs || !out || t == 0 || t > n || n > FL_SHAMIR_MAX_SHARES)
		return FL_E_INVAL;
	if ((r = check_xs(xs, n, sizeof(uint32_t))) != 0)
		return r;
	if (!(coef = sodium_malloc((size_t)t * sizeof(u128))))
		return FL_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		out[i].x = xs[i];
	for (size_t c = 0; c < FL_SHAMIR_CHUNKS; c++) {
		coef[0] = fe_load(secret + chunk_off[c], chunk_len[c]);
		for (uint32_t j = 1; j < t; j++)
			coef[j] = fe_draw();
		for (size_t i = 0; i < n; i++) {
			u128 x = xs[i], y = 0;

			for (uint32_t j = t; j-- > 0;)   /* Horner */
				y = fe_add(fe_mul(y, x), coef[j]);
			fe_store(out[i].y + 16 * c, 16, y);
		}
	}
	sodium_free(coef);   /* wipes */
	return 0;
}

int fl_shamir_combine(const fl_shamir_share *shares, size_t count,
		      uint8_t secret[static FL_SHAMIR_SECRET_BYTES])
{
	u128 acc[FL_SHAMIR_CHUNKS] = { 0 };
	uint8_t tmp[FL_SHAMIR_SECRET_BYTES];
	int r = 0;

	if (!shares || count == 0 || count > FL_SHAMIR_MAX_SHARES)
		return FL_E_INVAL;
	if ((r = check_xs(&shares[0].x, count, sizeof(fl_shamir_share))) != 0)
		return r;
	for (size_t i = 0; i < count; i++)
		for (size_t c = 0; c < FL_SHAMIR_CHUNKS; c++)
			if (fe_load(shares[i].y + 16 * c, 16) >= P_MASK)
				return FL_E_PARSE;
	for (size_t i = 0; i < count; i++) {
		u128 num = 1, den = 1, lam;

		/* lambda_i = prod_{j != i} x_j / (x_j - x_i) */
		for (size_t j = 0; j < count; j++) {
			if (j == i)
				continue;
			num = fe_mul(num, shares[j].x);
			den = fe_mul(den, fe_sub(shares[j].x, shares[i].x));
		}
		lam = fe_mul(num, fe_inv(den));
		for (size_t c = 0; c < FL_SHAMIR_CHUNKS; c++)
			acc[c] = fe_add(acc[c], fe_mul(lam,
				fe_load(shares[i].y + 16 * c, 16)));
	}
	for (size_t c = 0; c < FL_SHAMIR_CHUNKS; c++) {
		if (acc[c] >> (8 * chunk_len[c])) {
			r = FL_E_VERIFY;
			goto out;
		}
		fe_store(tmp + chunk_off[c], chunk_len[c], acc[c]);
	}
	memcpy(secret, tmp, sizeof(tmp));
out:
	sodium_memzero(acc, sizeof(acc));
	sodium_memzero(tmp, sizeof(tmp));
	return r;
}

int fl_shamir_share_check(const fl_shamir_share *s)
{
	if (!s || s->x == 0)
		return FL_E_PARSE;
	for (size_t c = 0; c < FL_SHAMIR_CHUNKS; c++)
		if (fe_load(s->y + 16 * c, 16) >= P_MASK)
			return FL_E_PARSE;
	return 0;
}
