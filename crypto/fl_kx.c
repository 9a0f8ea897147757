/* SPDX-License-Identifier: Apache-2.0 */
/* fl_kx: X25519 key agreement and HKDF-SHA256 with a round-bound context. */
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_kx.h"

#define FL_KX_SALT "fedc-secagg-v1"
#define FL_KX_LABEL_MAX 32

void fl_kx_keypair(uint8_t pk[static FL_KX_PUBLIC_BYTES],
		   uint8_t sk[static FL_KX_SECRET_BYTES])
{
	randombytes_buf(sk, FL_KX_SECRET_BYTES);
	crypto_scalarmult_base(pk, sk);
}

void fl_kx_public(const uint8_t sk[static FL_KX_SECRET_BYTES],
		  uint8_t pk[static FL_KX_PUBLIC_BYTES])
{
	crypto_scalarmult_base(pk, sk);
}

int fl_kx_agree(const uint8_t sk[static FL_KX_SECRET_BYTES],
		const uint8_t peer_pk[static FL_KX_PUBLIC_BYTES],
		uint8_t shared[static FL_KX_PUBLIC_BYTES])
{
	/* libsodium already returns -1 for an all-zero result; check again
	 * so the rule does not depend on the library version. */
	if (crypto_scalarmult(shared, sk, peer_pk) != 0 ||
	    sodium_is_zero(shared, FL_KX_PUBLIC_BYTES)) {
		sodium_memzero(shared, FL_KX_PUBLIC_BYTES);
		return FL_E_CRYPTO;
	}
	return 0;
}

int fl_hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt,
		   size_t saltlen, const uint8_t *ikm, size_t ikmlen,
		   const uint8_t *info, size_t infolen)
{
	uint8_t prk[crypto_auth_hmacsha256_BYTES];
	uint8_t t[crypto_auth_hmacsha256_BYTES];
	uint8_t zero_salt[crypto_auth_hmacsha256_BYTES] = { 0 };
	crypto_auth_hmacsha256_state st;
	size_t done = 0, n;
	uint8_t ctr = 0;

	if (!out || outlen == 0 || outlen > 255u * sizeof(t) ||
	    (!ikm && ikmlen) || (!info && infolen))
		return FL_E_INVAL;
	if (!salt || saltlen == 0) {
		salt = zero_salt;
		saltlen = sizeof(zero_salt);
	}
	crypto_auth_hmacsha256_init(&st, salt, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	while (done < outlen) {
		ctr++;
		crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
		if (ctr > 1)
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		crypto_auth_hmacsha256_update(&st, info, infolen);
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		n = outlen - done < sizeof(t) ? outlen - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int fl_kx_derive(const uint8_t sk[static FL_KX_SECRET_BYTES],
		 const uint8_t peer_pk[static FL_KX_PUBLIC_BYTES],
		 const char *label, const fl_kx_ctx *ctx, uint32_t id_a,
		 uint32_t id_b, uint8_t out[static FL_SEED_BYTES])
{
	uint8_t shared[FL_KX_PUBLIC_BYTES];
	uint8_t info[FL_KX_LABEL_MAX + 24];
	size_t ll;
	int r;

	if (!label || !ctx || (ll = strlen(label)) > FL_KX_LABEL_MAX)
		return FL_E_INVAL;
	if ((r = fl_kx_agree(sk, peer_pk, shared)) != 0)
		goto out;
	memcpy(info, label, ll);
	put_le(info + ll, ctx->job_id, 8);
	put_le(info + ll + 8, ctx->round, 4);
	put_le(info + ll + 12, ctx->attempt, 4);
	put_le(info + ll + 16, id_a < id_b ? id_a : id_b, 4);
	put_le(info + ll + 20, id_a < id_b ? id_b : id_a, 4);
	r = fl_hkdf_sha256(out, FL_SEED_BYTES, (const uint8_t *)FL_KX_SALT,
			   sizeof(FL_KX_SALT) - 1, shared, sizeof(shared), info,
			   ll + 24);
out:
	sodium_memzero(shared, sizeof(shared));
	return r;
}
