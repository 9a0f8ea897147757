/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prg: AES-128-CTR mask expansion fused into uint32 vectors mod 2^32. */
#ifndef FL_PRG_H
#define FL_PRG_H

#include <stddef.h>
#include <stdint.h>
#include "fl_kx.h"

/*
 * Keystream layout: AES-128-CTR keyed by the first 16 bytes of the 32-byte
 * seed (the other 16 bytes are unused), with a 128-bit big-endian counter
 * that starts at zero. The IV is fixed because every seed is fresh (derived
 * per pair and per round attempt, or drawn per attempt) and is expanded for
 * one vector only. Word i of the mask is keystream bytes [4i, 4i+4) read
 * little-endian.
 */

/* vec[i] += sign * mask[i] (mod 2^32) for i < m, sign = +1 or -1. Errors:
 * FL_E_INVAL (bad sign or NULL), FL_E_CRYPTO (OpenSSL failure; vec may then
 * be partly updated). */
int fl_prg_expand_add(const uint8_t seed[static FL_SEED_BYTES], uint32_t *vec,
		      size_t m, int sign);

/* Same for mask words [offset, offset + m), for chunked (streamed) vectors:
 * vec[i] += sign * mask[offset + i]. */
int fl_prg_expand_add_at(const uint8_t seed[static FL_SEED_BYTES],
			 uint64_t offset, uint32_t *vec, size_t m, int sign);

/* Raw keystream bytes [0, len) into out (for benchmarks and tests). */
int fl_prg_keystream(const uint8_t seed[static FL_SEED_BYTES], uint8_t *out,
		     size_t len);

#endif
