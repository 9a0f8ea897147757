/* SPDX-License-Identifier: Apache-2.0 */
/* fl_quant: clip, scale and stochastically round float64 vectors to uint32. */
#ifndef FL_QUANT_H
#define FL_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "fl_kx.h"

/*
 * A value x is clipped to [-clip, clip], scaled to v = x / clip * L with
 * L = 2^(bits-1) - 1, and rounded stochastically: floor(v) + 1 with
 * probability v - floor(v), so E[q] = v. The integer is stored two's
 * complement in a uint32 (mod 2^32). A sum of n such words decodes exactly
 * as long as n * L < 2^31 (fl_quant_check).
 */
typedef struct fl_quant_params {
	double clip;      /* > 0 */
	uint32_t bits;    /* 2 .. 31 */
} fl_quant_params;

/* 0 if params are valid and a sum of n vectors cannot wrap; FL_E_INVAL for
 * bad params, FL_E_RANGE if n * (2^(bits-1) - 1) >= 2^31. */
int fl_quant_check(const fl_quant_params *qp, uint32_t n);

/* Quantises x[0..m) into out[0..m). Randomness for rounding is the
 * AES-CTR keystream of seed (pass NULL to draw a fresh seed from
 * randombytes_buf). Non-finite inputs give FL_E_RANGE (out undefined).
 * FL_E_INVAL for bad params. */
int fl_quant_encode(const fl_quant_params *qp, const double *x, size_t m,
		    const uint8_t *seed, uint32_t *out);

/* Decodes a sum of n quantised vectors (mod 2^32) into doubles:
 * out[i] = (int32)sum[i] * clip / L. Errors as fl_quant_check. */
int fl_quant_decode_sum(const fl_quant_params *qp, uint32_t n,
			const uint32_t *sum, size_t m, double *out);

#endif
