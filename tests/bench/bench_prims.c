/* SPDX-License-Identifier: Apache-2.0 */
/* bench_prims: the raw cost of the primitives a secure-aggregation client
 * is made of, measured in the same run as the protocol (the floor). */
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include "bench.h"
#include "fl_kx.h"
#include "fl_pki.h"
#include "fl_sign.h"

int64_t bench_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Each figure is the best of PRIM_BATCHES batches of PRIM_REPS calls:
 * the floor, not what a busy machine happens to give. */
#define PRIM_REPS 40
#define PRIM_BATCHES 5
#define PRIM_BEST(out, body) do { \
	double best_ = -1; \
	for (int b_ = 0; b_ < PRIM_BATCHES; b_++) { \
		int64_t t0_ = bench_cpu_ns(); \
		for (int i_ = 0; i_ < PRIM_REPS; i_++) { body; } \
		double us_ = (double)(bench_cpu_ns() - t0_) / 1e3 / PRIM_REPS; \
		if (best_ < 0 || us_ < best_) \
			best_ = us_; \
	} \
	(out) = best_; \
} while (0)

/* OpenSSL's own verify with the key parsed and the context fetched once:
 * SHA-256 of msg, then EVP_PKEY_verify (ECDSA) per signature. */
static double raw_verify_us(const char *cert_pem, size_t cert_len,
			    const uint8_t *msg, size_t len, const uint8_t *sig,
			    size_t siglen)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	EVP_PKEY_CTX *pc = NULL;
	BIO *bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
	double us = -1;
	int ok = 1;

	if (pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
	    (pc = EVP_PKEY_CTX_new(pk, NULL)) && EVP_PKEY_verify_init(pc) == 1) {
		PRIM_BEST(us, crypto_hash_sha256(h, msg, len);
			  ok &= EVP_PKEY_verify(pc, sig, siglen, h, sizeof(h)) == 1);
		if (!ok)
			us = -1;
	}
	EVP_PKEY_CTX_free(pc);
	X509_free(x);
	BIO_free(bio);
	return us;
}

int bench_prims_measure(const char *ca_pem, size_t ca_len, const char *cert_pem,
			size_t cert_len, fl_sign_key *key, bench_prims *out)
{
	uint8_t msg[200], sig[FL_SIG_MAX_BYTES], a_pk[32], a_sk[32], b_pk[32],
		b_sk[32], seed[FL_SEED_BYTES];
	fl_kx_ctx kx = { 1, 1, 1 };
	fl_verifier *v = NULL;
	fl_cert_info ci;
	size_t siglen = 0;
	int64_t t0;
	int ok = 1;

	memset(out, 0, sizeof(*out));
	randombytes_buf(msg, sizeof(msg));
	PRIM_BEST(out->sign_us, ok &= fl_sign(key, msg, sizeof(msg), sig,
					      &siglen) == 0);
	if (!ok || fl_verifier_new(ca_pem, ca_len, NULL, 0, &v) != 0)
		return -1;
	t0 = bench_cpu_ns();
	ok &= fl_verifier_check(v, cert_pem, cert_len, msg, sizeof(msg), sig,
				siglen) == 0;
	out->first_check_us = (double)(bench_cpu_ns() - t0) / 1e3;
	PRIM_BEST(out->verify_us, ok &= fl_verifier_check(v, cert_pem, cert_len,
		msg, sizeof(msg), sig, siglen) == 0);
	fl_verifier_free(v);
	out->raw_verify_us = raw_verify_us(cert_pem, cert_len, msg, sizeof(msg),
					   sig, siglen);
	PRIM_BEST(out->cert_parse_us, ok &= fl_pki_cert_info(cert_pem, cert_len,
							     &ci) == 0);
	fl_kx_keypair(a_pk, a_sk);
	fl_kx_keypair(b_pk, b_sk);
	PRIM_BEST(out->kx_us, ok &= fl_kx_derive(a_sk, b_pk, "mask", &kx, 1, 2,
						 seed) == 0);
	sodium_memzero(a_sk, sizeof(a_sk));
	sodium_memzero(b_sk, sizeof(b_sk));
	sodium_memzero(seed, sizeof(seed));
	return ok && out->raw_verify_us > 0 ? 0 : -1;
}
