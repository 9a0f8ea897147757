/* SPDX-License-Identifier: Apache-2.0 */
/* Known-answer tests for fl_prg, fl_kx (HKDF, X25519), fl_aead and fl_shamir.
 * Expected values were computed independently by tests/crypto/kat_gen.py
 * (python3 `cryptography` package and plain Python integers). */
#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include "fl_aead.h"
#include "fl_err.h"
#include "fl_kx.h"
#include "fl_prg.h"
#include "fl_shamir.h"
#include "fl_test.h"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	size_t bin = 0;

	FL_CHECK(sodium_hex2bin(out, n, h, strlen(h), NULL, &bin, NULL) == 0);
	FL_CHECK_EQ_INT(bin, n);
}

static void test_prg(void)
{
	/* kat_gen.py 1: AES-128-CTR, key 00..0f, zero counter, words LE */
	static const uint32_t w0[8] = { 0x373ba1c6, 0x825b8f87, 0x62814f6f,
		0x79d8c8a1, 0x95134673, 0x1eb4c095, 0xe3bd7b49, 0x0a2df465 };
	static const uint32_t w4097[4] = { 0xee9c70e7, 0xcffcd40e, 0x59d9efee,
		0xd51d362e };
	uint8_t seed[FL_SEED_BYTES], ks[32];
	uint32_t v[8], big[5000], chunk[4];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	FL_CHECK_EQ_INT(fl_prg_keystream(seed, ks, sizeof(ks)), 0);
	for (int i = 0; i < 8; i++) {
		uint32_t w = (uint32_t)ks[4 * i] | (uint32_t)ks[4 * i + 1] << 8 |
			(uint32_t)ks[4 * i + 2] << 16 | (uint32_t)ks[4 * i + 3] << 24;
		FL_CHECK_EQ_INT(w, w0[i]);
	}
	/* fused add on top of a known vector, and subtract back */
	for (uint32_t i = 0; i < 8; i++)
		v[i] = 1000 * i;
	FL_CHECK_EQ_INT(fl_prg_expand_add(seed, v, 8, 1), 0);
	for (uint32_t i = 0; i < 8; i++)
		FL_CHECK_EQ_INT(v[i], (uint32_t)(w0[i] + 1000 * i));
	FL_CHECK_EQ_INT(fl_prg_expand_add(seed, v, 8, -1), 0);
	for (uint32_t i = 0; i < 8; i++)
		FL_CHECK_EQ_INT(v[i], 1000 * i);
	/* long vector crosses the 4096-word block; seek to an unaligned offset */
	memset(big, 0, sizeof(big));
	FL_CHECK_EQ_INT(fl_prg_expand_add(seed, big, 5000, 1), 0);
	for (int i = 0; i < 4; i++)
		FL_CHECK_EQ_INT(big[4097 + i], w4097[i]);
	memset(chunk, 0, sizeof(chunk));
	FL_CHECK_EQ_INT(fl_prg_expand_add_at(seed, 4097, chunk, 4, 1), 0);
	for (int i = 0; i < 4; i++)
		FL_CHECK_EQ_INT(chunk[i], w4097[i]);
	FL_CHECK_EQ_INT(fl_prg_expand_add(seed, big, 5000, 0), FL_E_INVAL);
}

static void test_hkdf_kx(void)
{
	uint8_t ikm[22], salt[13], info[10], okm[42], exp[42];
	uint8_t a_sk[32], b_pk[32], shared[32], exp_sh[32], out[32], exp_d[32];
	uint8_t zero_pk[32] = { 0 };
	fl_kx_ctx ctx = { 7, 3, 2 };

	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (int i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	/* RFC 5869 test case 1 (also checked by kat_gen.py) */
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	      "34007208d5b887185865", exp, sizeof(exp));
	FL_CHECK_EQ_INT(fl_hkdf_sha256(okm, sizeof(okm), salt, sizeof(salt), ikm,
				       sizeof(ikm), info, sizeof(info)), 0);
	FL_CHECK(memcmp(okm, exp, sizeof(exp)) == 0);

	/* RFC 7748 6.1 keys; derive as in kat_gen.py 3 */
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_sk, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pk, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", exp_sh, 32);
	unhex("62e48dc37279a2a5332056442c92699c6ff60e184ff6570338d43c711833e183", exp_d, 32);
	FL_CHECK_EQ_INT(fl_kx_agree(a_sk, b_pk, shared), 0);
	FL_CHECK(memcmp(shared, exp_sh, 32) == 0);
	FL_CHECK_EQ_INT(fl_kx_derive(a_sk, b_pk, "fedc-mask", &ctx, 5, 9, out), 0);
	FL_CHECK(memcmp(out, exp_d, 32) == 0);
	/* ids are ordered: (9, 5) gives the same key; another attempt does not */
	FL_CHECK_EQ_INT(fl_kx_derive(a_sk, b_pk, "fedc-mask", &ctx, 9, 5, out), 0);
	FL_CHECK(memcmp(out, exp_d, 32) == 0);
	ctx.attempt = 3;
	FL_CHECK_EQ_INT(fl_kx_derive(a_sk, b_pk, "fedc-mask", &ctx, 5, 9, out), 0);
	FL_CHECK(memcmp(out, exp_d, 32) != 0);
	/* all-zero (small-order) public key is refused */
	FL_CHECK_EQ_INT(fl_kx_agree(a_sk, zero_pk, shared), FL_E_CRYPTO);
	FL_CHECK(sodium_is_zero(shared, 32));
	FL_CHECK_EQ_INT(fl_kx_derive(a_sk, zero_pk, "x", &ctx, 1, 2, out), FL_E_CRYPTO);
}

static void test_aead(void)
{
	uint8_t key[32], ct[24 + 20 + 16], pt[20], ct2[20 + FL_AEAD_OVERHEAD];
	fl_aead_ad ad = { 3, 8, 7, 3, 2, { 0 } };

	for (int i = 0; i < 32; i++) {
		key[i] = (uint8_t)(0x80 + i);
		ad.digest[i] = (uint8_t)(0xd0 + i);   /* the key-list digest */
	}
	/* kat_gen.py 4: HChaCha20 + ChaCha20-Poly1305 in Python */
	unhex("404142434445464748494a4b4c4d4e4f5051525354555657976917977b839c3b"
	      "897757a39acff43b46220a1a117871e7d1ed407a3166002d2a9b0c9f", ct, sizeof(ct));
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct, sizeof(ct), pt), 0);
	FL_CHECK(memcmp(pt, "fedc share plaintext", 20) == 0);
	/* wrong associated data (swapped sender/recipient), tampered tag */
	ad.sender = 8;
	ad.recipient = 3;
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct, sizeof(ct), pt), FL_E_VERIFY);
	ad.sender = 3;
	ad.recipient = 8;
	ct[sizeof(ct) - 1] ^= 1;
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct, sizeof(ct), pt), FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct, 10, pt), FL_E_PARSE);
	/* round trip with a random nonce; another round fails */
	FL_CHECK_EQ_INT(fl_aead_seal(key, &ad, (const uint8_t *)"fedc share plaintext",
				     20, ct2), 0);
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct2, sizeof(ct2), pt), 0);
	FL_CHECK(memcmp(pt, "fedc share plaintext", 20) == 0);
	ad.round = 4;
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct2, sizeof(ct2), pt), FL_E_VERIFY);
	/* another key list (R2: both ends must have seen the same one) */
	ad.round = 3;
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct2, sizeof(ct2), pt), 0);
	ad.digest[31] ^= 1;
	FL_CHECK_EQ_INT(fl_aead_open(key, &ad, ct2, sizeof(ct2), pt), FL_E_VERIFY);
}

static void test_shamir_kat(void)
{
	/* kat_gen.py 5: degree-2 polynomials (t = 3) evaluated at 2, 5, 11 */
	static const char *ys[3] = {
		"ae94649c3c35b55041bc700000000000fb407303317603382f207c000000000048ed816a25b7511f1d84030000000000",
		"00092a61de96269083c67c0000000000f5bfda9963667e077de9890000000000ea768bd2e835d67e760c130000000000",
		"a22e1fc454d3401dacbcb3000000000079ba47084cd1fc481dc7c800000000005046704c43cfb8748ed1590000000000",
	};
	static const uint32_t xs[3] = { 2, 5, 11 };
	fl_shamir_share sh[3];
	uint8_t secret[32], exp[32];

	for (int i = 0; i < 3; i++) {
		sh[i].x = xs[i];
		unhex(ys[i], sh[i].y, sizeof(sh[i].y));
	}
	for (int i = 0; i < 32; i++)
		exp[i] = (uint8_t)(100 + i);
	FL_CHECK_EQ_INT(fl_shamir_combine(sh, 3, secret), 0);
	FL_CHECK(memcmp(secret, exp, 32) == 0);
	/* two shares of a degree-2 polynomial do not give the secret */
	memset(secret, 0, sizeof(secret));
	FL_CHECK(fl_shamir_combine(sh, 2, secret) != 0 || memcmp(secret, exp, 32) != 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_prg();
	test_hkdf_kx();
	test_aead();
	test_shamir_kat();
	return FL_TEST_DONE();
}
