/* SPDX-License-Identifier: Apache-2.0 */
/* fl_kx: X25519 key agreement and HKDF-SHA256 with a round-bound context. */
#ifndef FL_KX_H
#define FL_KX_H

#include <stddef.h>
#include <stdint.h>

#define FL_KX_PUBLIC_BYTES 32
#define FL_KX_SECRET_BYTES 32
#define FL_SEED_BYTES 32

/* Fresh X25519 keypair from randombytes_buf. Cannot fail. */
void fl_kx_keypair(uint8_t pk[static FL_KX_PUBLIC_BYTES],
		   uint8_t sk[static FL_KX_SECRET_BYTES]);

/* Public key of a secret key (used to check a reconstructed secret). */
void fl_kx_public(const uint8_t sk[static FL_KX_SECRET_BYTES],
		  uint8_t pk[static FL_KX_PUBLIC_BYTES]);

/* Raw X25519: shared = sk * peer_pk. FL_E_CRYPTO if the result is all zero
 * (small-order peer key); shared is then zeroed. */
int fl_kx_agree(const uint8_t sk[static FL_KX_SECRET_BYTES],
		const uint8_t peer_pk[static FL_KX_PUBLIC_BYTES],
		uint8_t shared[static FL_KX_PUBLIC_BYTES]);

/* HKDF-SHA256 (RFC 5869): extract with salt (may be NULL/0 -> zero salt),
 * expand with info into out (outlen <= 255*32). FL_E_INVAL on bad sizes. */
int fl_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt,
		   size_t saltlen, const uint8_t *ikm, size_t ikmlen,
		   const uint8_t *info, size_t infolen);

/* The context that binds a derived key to one pair of clients in one round
 * attempt. Client ids are put in increasing order, so both ends agree. */
typedef struct fl_kx_ctx {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
} fl_kx_ctx;

/* Agreement + HKDF: out = HKDF(salt="fedc-secagg-v1", ikm=X25519(sk, peer_pk),
 * info=label || job(8 LE) || round(4 LE) || attempt(4 LE) || min(id)(4 LE) ||
 * max(id)(4 LE)). label is a short NUL-terminated purpose string such as
 * "mask" or "enc". Errors: FL_E_CRYPTO (all-zero agreement), FL_E_INVAL. The
 * intermediate shared secret is wiped. */
int fl_kx_derive(const uint8_t sk[static FL_KX_SECRET_BYTES],
		 const uint8_t peer_pk[static FL_KX_PUBLIC_BYTES],
		 const char *label, const fl_kx_ctx *ctx, uint32_t id_a,
		 uint32_t id_b, uint8_t out[static FL_SEED_BYTES]);

#endif
