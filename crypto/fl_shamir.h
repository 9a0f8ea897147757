/* SPDX-License-Identifier: Apache-2.0 */
/* fl_shamir: t-of-n Shamir secret sharing of 32-byte secrets over GF(2^127-1). */
#ifndef FL_SHAMIR_H
#define FL_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

/*
 * A 32-byte secret is cut into three chunks of 11, 11 and 10 bytes; each
 * chunk, read little-endian, is an element of GF(p), p = 2^127 - 1, and is
 * shared with its own random polynomial of degree t - 1 (coefficients from
 * randombytes_buf, rejection-sampled below p). A share is the x coordinate
 * (non-zero, the recipient's client id) and three 16-byte little-endian
 * field elements. Reconstruction interpolates at 0 and checks that each
 * chunk fits its byte length, which catches most inconsistent share sets.
 */
#define FL_SHAMIR_SECRET_BYTES 32
#define FL_SHAMIR_CHUNKS 3
#define FL_SHAMIR_SHARE_BYTES (16 * FL_SHAMIR_CHUNKS)
#define FL_SHAMIR_MAX_SHARES 4096u

typedef struct fl_shamir_share {
	uint32_t x;
	uint8_t y[FL_SHAMIR_SHARE_BYTES];
} fl_shamir_share;

/* Splits secret into n shares at the points xs[0..n) (distinct, non-zero),
 * any t of which reconstruct it. out has n entries. Errors: FL_E_INVAL
 * (t == 0, t > n, n > FL_SHAMIR_MAX_SHARES, zero or duplicate x). The
 * polynomial coefficients are wiped. */
int fl_shamir_split(const uint8_t secret[static FL_SHAMIR_SECRET_BYTES],
		    uint32_t t, const uint32_t *xs, size_t n, fl_shamir_share *out);

/* Reconstructs the secret by Lagrange interpolation at 0 from count shares
 * (count >= t gives the secret; fewer gives garbage or an error). Errors:
 * FL_E_INVAL (count == 0, zero or duplicate x), FL_E_PARSE (a y value not
 * below p), FL_E_VERIFY (result is not a well-formed secret). The secret is
 * written only on success. */
int fl_shamir_combine(const fl_shamir_share *shares, size_t count,
		      uint8_t secret[static FL_SHAMIR_SECRET_BYTES]);

/* 0 if each y element of the share is below p and x != 0, else FL_E_PARSE. */
int fl_shamir_share_check(const fl_shamir_share *s);

#endif
