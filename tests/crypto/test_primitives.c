/* SPDX-License-Identifier: Apache-2.0 */
/* Property tests: Shamir (t of n), quantisation, signatures with CA + CRL. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_quant.h"
#include "fl_shamir.h"
#include "fl_sign.h"
#include "fl_test.h"
#include "fl_test_pki.h"

/* Local splitmix64 so the test does not depend on fl_common's helpers. */
typedef struct t_rng { uint64_t s; } t_rng;
static uint64_t t_next(t_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static double t_uniform(t_rng *r)
{
	return (double)(t_next(r) >> 11) * 0x1p-53;
}

static void test_shamir_props(void)
{
	enum { N = 9, T = 5 };
	uint32_t xs[N] = { 3, 17, 4, 99, 1000, 5, 6, 7, 42 };
	fl_shamir_share sh[N], pick[N];
	uint8_t secret[32], got[32];
	t_rng rng;

	rng.s = 1;
	randombytes_buf(secret, sizeof(secret));
	FL_CHECK_EQ_INT(fl_shamir_split(secret, T, xs, N, sh), 0);
	/* many random subsets of size t..n reconstruct; t-1 never does */
	for (int trial = 0; trial < 200; trial++) {
		uint32_t idx[N], cnt = T - 1 + (uint32_t)(t_next(&rng) % (N - T + 2));

		for (uint32_t i = 0; i < N; i++)
			idx[i] = i;
		for (uint32_t i = N - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(t_next(&rng) % (i + 1)), tmp = idx[i];
			idx[i] = idx[j];
			idx[j] = tmp;
		}
		for (uint32_t i = 0; i < cnt; i++)
			pick[i] = sh[idx[i]];
		memset(got, 0, sizeof(got));
		if (cnt >= T) {
			FL_CHECK_EQ_INT(fl_shamir_combine(pick, cnt, got), 0);
			FL_CHECK(memcmp(got, secret, 32) == 0);
		} else {
			FL_CHECK(fl_shamir_combine(pick, cnt, got) != 0 ||
				 memcmp(got, secret, 32) != 0);
		}
	}
	/* the all-0xff secret (largest chunks) round-trips */
	memset(secret, 0xff, sizeof(secret));
	FL_CHECK_EQ_INT(fl_shamir_split(secret, 2, xs, 3, sh), 0);
	FL_CHECK_EQ_INT(fl_shamir_combine(sh + 1, 2, got), 0);
	FL_CHECK(memcmp(got, secret, 32) == 0);
	/* refusals: duplicate x, zero x, t > n, y >= p */
	xs[1] = xs[0];
	FL_CHECK_EQ_INT(fl_shamir_split(secret, 2, xs, 3, sh), FL_E_INVAL);
	xs[1] = 0;
	FL_CHECK_EQ_INT(fl_shamir_split(secret, 2, xs, 3, sh), FL_E_INVAL);
	xs[1] = 17;
	FL_CHECK_EQ_INT(fl_shamir_split(secret, 4, xs, 3, sh), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_shamir_split(secret, 2, xs, 3, sh), 0);
	pick[0] = sh[0];
	pick[1] = sh[0];
	FL_CHECK_EQ_INT(fl_shamir_combine(pick, 2, got), FL_E_INVAL);
	pick[1] = sh[1];
	pick[1].x = 0;
	FL_CHECK_EQ_INT(fl_shamir_combine(pick, 2, got), FL_E_INVAL);
	pick[1] = sh[1];
	memset(pick[1].y, 0xff, 16);
	FL_CHECK_EQ_INT(fl_shamir_combine(pick, 2, got), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_shamir_share_check(&pick[1]), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_shamir_share_check(&sh[1]), 0);
}

static void test_quant(void)
{
	enum { M = 20000, NV = 3 };
	static double x[NV][M], dec[M];
	static uint32_t q[M], sum[M];
	fl_quant_params qp = { 2.0, 16 };
	double L = 32767.0, mean_err = 0;
	t_rng rng;

	rng.s = 7;
	FL_CHECK_EQ_INT(fl_quant_check(&qp, 65538), 0);   /* 65538 * 32767 < 2^31 */
	FL_CHECK_EQ_INT(fl_quant_check(&qp, 65539), FL_E_RANGE);
	qp.bits = 1;
	FL_CHECK_EQ_INT(fl_quant_check(&qp, 2), FL_E_INVAL);
	qp.bits = 16;
	memset(sum, 0, sizeof(sum));
	for (int v = 0; v < NV; v++) {
		for (int i = 0; i < M; i++)
			x[v][i] = 3.0 * (t_uniform(&rng) - 0.5) * 2.0;   /* some clip */
		FL_CHECK_EQ_INT(fl_quant_encode(&qp, x[v], M, NULL, q), 0);
		for (int i = 0; i < M; i++)
			sum[i] += q[i];
	}
	FL_CHECK_EQ_INT(fl_quant_decode_sum(&qp, NV, sum, M, dec), 0);
	for (int i = 0; i < M; i++) {
		double want = 0;

		for (int v = 0; v < NV; v++)
			want += fmax(-2.0, fmin(2.0, x[v][i]));
		/* each term is off by less than one step */
		FL_CHECK(fabs(dec[i] - want) < NV * 2.0 / L + 1e-12);
		mean_err += dec[i] - want;
	}
	/* stochastic rounding is unbiased: the mean error is far below a step */
	FL_CHECK(fabs(mean_err / M) < 0.05 * 2.0 / L);
	/* negative values wrap to two's complement; a fixed seed is reproducible */
	{
		double neg[2] = { -2.0, 2.0 };
		uint32_t a[2], b[2];
		uint8_t seed[32] = { 1 };

		FL_CHECK_EQ_INT(fl_quant_encode(&qp, neg, 2, seed, a), 0);
		FL_CHECK_EQ_INT(a[0], (uint32_t)-32767);
		FL_CHECK_EQ_INT(a[1], 32767);
		neg[0] = 0.123;
		FL_CHECK_EQ_INT(fl_quant_encode(&qp, neg, 2, seed, a), 0);
		FL_CHECK_EQ_INT(fl_quant_encode(&qp, neg, 2, seed, b), 0);
		FL_CHECK_EQ_INT(a[0], b[0]);
		neg[0] = NAN;
		FL_CHECK_EQ_INT(fl_quant_encode(&qp, neg, 2, seed, a), FL_E_RANGE);
	}
}

static void test_sign(void)
{
	fl_test_ca ca, other;
	fl_test_site ec, ed, rogue, revoked;
	fl_sign_key *kec = NULL, *ked = NULL, *krogue = NULL, *krev = NULL;
	fl_verifier *v = NULL, *vcrl = NULL;
	uint8_t sig[FL_SIG_MAX_BYTES], msg[100];
	size_t siglen = 0, crl_len = 0;
	long rev_serial = 13;
	char *crl;

	randombytes_buf(msg, sizeof(msg));
	FL_CHECK_EQ_INT(fl_test_ca_new("fedc test CA", &ca), 0);
	FL_CHECK_EQ_INT(fl_test_ca_new("rogue CA", &other), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&ca, "site-ec", 10, 0, &ec), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&ca, "site-ed", 11, 1, &ed), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&other, "site-rogue", 12, 0, &rogue), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&ca, "site-revoked", rev_serial, 0, &revoked), 0);
	crl = fl_test_crl(&ca, &rev_serial, 1, &crl_len);
	FL_CHECK(crl != NULL);
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(ec.key_pem, ec.key_len, &kec), 0);
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(ed.key_pem, ed.key_len, &ked), 0);
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(rogue.key_pem, rogue.key_len, &krogue), 0);
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(revoked.key_pem, revoked.key_len, &krev), 0);
	FL_CHECK_EQ_INT(fl_sign_key_load_pem("junk", 4, &krev), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_verifier_new(ca.pem, ca.pem_len, NULL, 0, &v), 0);
	FL_CHECK_EQ_INT(fl_verifier_new(ca.pem, ca.pem_len, crl, crl_len, &vcrl), 0);
	FL_CHECK_EQ_INT(fl_verifier_new("junk", 4, NULL, 0, &v), FL_E_PARSE);

	/* ECDSA P-256 and Ed25519 sign and verify */
	FL_CHECK_EQ_INT(fl_sign(kec, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, ec.cert_pem, ec.cert_len, msg,
					  sizeof(msg), sig, siglen), 0);
	/* forged: one bit of the message or signature flipped, or wrong cert */
	msg[0] ^= 1;
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, ec.cert_pem, ec.cert_len, msg,
					  sizeof(msg), sig, siglen), FL_E_VERIFY);
	msg[0] ^= 1;
	sig[siglen / 2] ^= 4;
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, ec.cert_pem, ec.cert_len, msg,
					  sizeof(msg), sig, siglen), FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_sign(ked, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(siglen, 64);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, ed.cert_pem, ed.cert_len, msg,
					  sizeof(msg), sig, siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, ec.cert_pem, ec.cert_len, msg,
					  sizeof(msg), sig, siglen), FL_E_VERIFY);
	/* another CA */
	FL_CHECK_EQ_INT(fl_sign(krogue, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, rogue.cert_pem, rogue.cert_len, msg,
					  sizeof(msg), sig, siglen), FL_E_AUTH);
	/* revoked: refused with the CRL, accepted without */
	FL_CHECK_EQ_INT(fl_sign(krev, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, revoked.cert_pem, revoked.cert_len,
					  msg, sizeof(msg), sig, siglen), FL_E_REVOKED);
	FL_CHECK_EQ_INT(fl_verifier_check(v, revoked.cert_pem, revoked.cert_len,
					  msg, sizeof(msg), sig, siglen), 0);
	/* garbage certificate; the cache keeps only good chains */
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, "nope", 4, msg, sizeof(msg), sig,
					  siglen), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_verifier_cached(vcrl), 2);
	FL_CHECK_EQ_INT(fl_verifier_check(vcrl, revoked.cert_pem, revoked.cert_len,
					  msg, sizeof(msg), sig, siglen), FL_E_REVOKED);

	fl_verifier_free(v);
	fl_verifier_free(vcrl);
	fl_sign_key_free(kec);
	fl_sign_key_free(ked);
	fl_sign_key_free(krogue);
	fl_sign_key_free(krev);
	free(crl);
	fl_test_site_free(&ec);
	fl_test_site_free(&ed);
	fl_test_site_free(&rogue);
	fl_test_site_free(&revoked);
	fl_test_ca_free(&ca);
	fl_test_ca_free(&other);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_shamir_props();
	test_quant();
	test_sign();
	return FL_TEST_DONE();
}
