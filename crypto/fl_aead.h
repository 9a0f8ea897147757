/* SPDX-License-Identifier: Apache-2.0 */
/* fl_aead: XChaCha20-Poly1305 bound to sender, recipient and round attempt. */
#ifndef FL_AEAD_H
#define FL_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define FL_AEAD_KEY_BYTES 32
#define FL_AEAD_NONCE_BYTES 24
#define FL_AEAD_TAG_BYTES 16
#define FL_AEAD_OVERHEAD (FL_AEAD_NONCE_BYTES + FL_AEAD_TAG_BYTES)
#define FL_AEAD_DIGEST_BYTES 32
#define FL_AEAD_AD_BYTES (24 + FL_AEAD_DIGEST_BYTES)

/* Who sends what to whom, in which round attempt, under which key list: the
 * associated data, encoded as sender(4) recipient(4) job(8) round(4)
 * attempt(4), little-endian, then digest (the key list both sides saw). */
typedef struct fl_aead_ad {
	uint32_t sender;
	uint32_t recipient;
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	uint8_t digest[FL_AEAD_DIGEST_BYTES];
} fl_aead_ad;

void fl_aead_ad_encode(const fl_aead_ad *ad, uint8_t out[static FL_AEAD_AD_BYTES]);

/* out (ptlen + FL_AEAD_OVERHEAD bytes) = random nonce || ciphertext || tag.
 * The nonce comes from randombytes_buf. FL_E_INVAL on NULL arguments. */
int fl_aead_seal(const uint8_t key[static FL_AEAD_KEY_BYTES],
		 const fl_aead_ad *ad, const uint8_t *pt, size_t ptlen,
		 uint8_t *out);

/* Opens what fl_aead_seal made: pt gets ctlen - FL_AEAD_OVERHEAD bytes.
 * FL_E_PARSE if ctlen is too short, FL_E_VERIFY if the tag, key or
 * associated data do not match (pt is then zeroed). */
int fl_aead_open(const uint8_t key[static FL_AEAD_KEY_BYTES],
		 const fl_aead_ad *ad, const uint8_t *ct, size_t ctlen,
		 uint8_t *pt);

#endif
