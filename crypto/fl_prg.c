/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prg: AES-128-CTR mask expansion fused into uint32 vectors mod 2^32. */
#include <string.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_prg.h"

/* Keystream is made in blocks of this many words (16 KiB: stays in L1/L2)
 * and added to the vector straight away. */
#define FL_PRG_BLOCK_WORDS 4096u

static const uint8_t fl_prg_zero[FL_PRG_BLOCK_WORDS * 4];

static int prg_open(const uint8_t seed[static FL_SEED_BYTES], uint64_t block,
		    EVP_CIPHER_CTX **out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[16] = { 0 };

	if (!ctx)
		return FL_E_NOMEM;
	for (int i = 0; i < 8; i++)
		iv[15 - i] = (uint8_t)(block >> (8 * i));
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, seed, iv) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return FL_E_CRYPTO;
	}
	*out = ctx;
	return 0;
}

static int prg_fill(EVP_CIPHER_CTX *ctx, uint8_t *buf, size_t len)
{
	int outl = 0;

	if (EVP_EncryptUpdate(ctx, buf, &outl, fl_prg_zero, (int)len) != 1 ||
	    (size_t)outl != len)
		return FL_E_CRYPTO;
	return 0;
}

/* GCC/Clang vector extension: 16-byte lanes are baseline SSE2/NEON, so the
 * adds are vectorised at -O2 too. memcpy keeps unaligned access defined. */
typedef uint32_t fl_prg_v4 __attribute__((vector_size(16)));

/* v += k, or v -= k when neg is all ones: (k ^ neg) - neg is k or -k mod
 * 2^32, two cheap lane operations, so one loop serves both signs. */
static void prg_mix(uint32_t *restrict v, const uint32_t *restrict k, size_t n,
		    uint32_t neg)
{
	fl_prg_v4 m = { neg, neg, neg, neg };
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		fl_prg_v4 a0, a1, b0, b1;

		memcpy(&a0, v + i, 16);
		memcpy(&a1, v + i + 4, 16);
		memcpy(&b0, k + i, 16);
		memcpy(&b1, k + i + 4, 16);
		a0 += (b0 ^ m) - m;
		a1 += (b1 ^ m) - m;
		memcpy(v + i, &a0, 16);
		memcpy(v + i + 4, &a1, 16);
	}
	for (; i < n; i++)
		v[i] += (k[i] ^ neg) - neg;
}

int fl_prg_expand_add_at(const uint8_t seed[static FL_SEED_BYTES],
			 uint64_t offset, uint32_t *vec, size_t m, int sign)
{
	_Alignas(64) uint32_t buf[FL_PRG_BLOCK_WORDS];
	EVP_CIPHER_CTX *ctx = NULL;
	size_t skip = (size_t)(offset % 4), done = 0;
	int r;

	if (!vec || (sign != 1 && sign != -1))
		return FL_E_INVAL;
	if (m == 0)
		return 0;
	if ((r = prg_open(seed, offset / 4, &ctx)) != 0)
		return r;
	while (done < m) {
		size_t want = m - done + skip, n;

		if (want > FL_PRG_BLOCK_WORDS)
			want = FL_PRG_BLOCK_WORDS;
		/* keystream length rounded up to whole AES blocks */
		if ((r = prg_fill(ctx, (uint8_t *)buf, (want + 3) / 4 * 16)) != 0)
			goto out;
		n = want - skip;
		prg_mix(vec + done, buf + skip, n, sign > 0 ? 0u : UINT32_MAX);
		done += n;
		skip = 0;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int fl_prg_expand_add(const uint8_t seed[static FL_SEED_BYTES], uint32_t *vec,
		      size_t m, int sign)
{
	return fl_prg_expand_add_at(seed, 0, vec, m, sign);
}

int fl_prg_keystream(const uint8_t seed[static FL_SEED_BYTES], uint8_t *out,
		     size_t len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	size_t done = 0;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((r = prg_open(seed, 0, &ctx)) != 0)
		return r;
	while (done < len) {
		size_t n = len - done < sizeof(fl_prg_zero) ? len - done :
			sizeof(fl_prg_zero);

		if ((r = prg_fill(ctx, out + done, n)) != 0)
			goto out;
		done += n;
	}
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
