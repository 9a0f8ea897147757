/* SPDX-License-Identifier: Apache-2.0 */
/* fl_aead: XChaCha20-Poly1305 bound to sender, recipient and round attempt. */
#include <string.h>
#include <sodium.h>
#include "fl_aead.h"
#include "fl_err.h"

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void fl_aead_ad_encode(const fl_aead_ad *ad, uint8_t out[static FL_AEAD_AD_BYTES])
{
	put_le(out, ad->sender, 4);
	put_le(out + 4, ad->recipient, 4);
	put_le(out + 8, ad->job_id, 8);
	put_le(out + 16, ad->round, 4);
	put_le(out + 20, ad->attempt, 4);
	memcpy(out + 24, ad->digest, FL_AEAD_DIGEST_BYTES);
}

int fl_aead_seal(const uint8_t key[static FL_AEAD_KEY_BYTES],
		 const fl_aead_ad *ad, const uint8_t *pt, size_t ptlen,
		 uint8_t *out)
{
	uint8_t adb[FL_AEAD_AD_BYTES];

	if (!ad || !out || (!pt && ptlen))
		return FL_E_INVAL;
	fl_aead_ad_encode(ad, adb);
	randombytes_buf(out, FL_AEAD_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + FL_AEAD_NONCE_BYTES,
		NULL, pt, ptlen, adb, sizeof(adb), NULL, out, key);
	return 0;
}

int fl_aead_open(const uint8_t key[static FL_AEAD_KEY_BYTES],
		 const fl_aead_ad *ad, const uint8_t *ct, size_t ctlen,
		 uint8_t *pt)
{
	uint8_t adb[FL_AEAD_AD_BYTES];

	if (!ad || !ct || !pt)
		return FL_E_INVAL;
	if (ctlen < FL_AEAD_OVERHEAD)
		return FL_E_PARSE;
	fl_aead_ad_encode(ad, adb);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
		ct + FL_AEAD_NONCE_BYTES, ctlen - FL_AEAD_NONCE_BYTES, adb,
		sizeof(adb), ct, key) != 0) {
		sodium_memzero(pt, ctlen - FL_AEAD_OVERHEAD);
		return FL_E_VERIFY;
	}
	return 0;
}
