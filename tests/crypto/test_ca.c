/* SPDX-License-Identifier: Apache-2.0 */
/* test_ca: the consortium CA: make, save and reload (with and without a
 * passphrase), CSRs made on the site, issuing (the CA sets name and role),
 * refusing bad CSRs, CRLs that the peer verifier honours, and rotation by
 * cross-signing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>

#include "fl_ca.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_test.h"
#include "fl_util.h"

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

/* Signs msg with key_pem and checks it with a verifier of ca (+ crl). */
static int sign_and_verify(const char *ca_pem, const char *crl_pem,
			   const char *cert_pem, const char *key_pem)
{
	static const uint8_t msg[] = "round keys";
	fl_sign_key *k = NULL;
	fl_verifier *v = NULL;
	uint8_t sig[FL_SIG_MAX_BYTES];
	size_t siglen = 0;
	int r;

	if ((r = fl_sign_key_load_pem(key_pem, strlen(key_pem), &k)) != 0 ||
	    (r = fl_sign(k, msg, sizeof(msg), sig, &siglen)) != 0 ||
	    (r = fl_verifier_new(ca_pem, strlen(ca_pem), crl_pem,
				 crl_pem ? strlen(crl_pem) : 0, &v)) != 0)
		goto out;
	r = fl_verifier_check(v, cert_pem, strlen(cert_pem), msg, sizeof(msg),
			      sig, siglen);
out:
	fl_verifier_free(v);
	fl_sign_key_free(k);
	return r;
}

/* A CSR for another key type, made with OpenSSL directly. */
static char *csr_for(EVP_PKEY *key)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *s = NULL;
	long n;

	X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"odd", -1, -1, 0);
	X509_REQ_set_pubkey(req, key);
	X509_REQ_sign(req, key, EVP_sha256());
	PEM_write_bio_X509_REQ(b, req);
	n = BIO_get_mem_data(b, &data);
	if (n > 0 && (s = malloc((size_t)n + 1)) != NULL) {
		memcpy(s, data, (size_t)n);
		s[n] = '\0';
	}
	BIO_free(b);
	X509_REQ_free(req);
	return s;
}

int main(void)
{
	fl_ca *ca = NULL, *ca2 = NULL, *back = NULL;
	char *ca_pem = NULL, *key_pem = NULL, *enc_pem = NULL, *ca2_pem = NULL;
	char *skey = NULL, *csr = NULL, *cert = NULL, *crl = NULL, *crl2 = NULL;
	char *cert2 = NULL, *cross = NULL, *bad = NULL;
	char err[FL_ERRMSG_BYTES], cn[FL_NAME_BYTES], serial[80];
	size_t len = 0, klen = 0, clen = 0;
	fl_cert_info info;
	int r;

	FL_CHECK(sodium_init() >= 0);
	/* Make, export and reload. */
	FL_CHECK_EQ_INT(fl_ca_create("test consortium CA", 30, &ca), 0);
	FL_CHECK_EQ_INT(fl_ca_cert_pem(ca, &ca_pem, &len), 0);
	FL_CHECK_EQ_INT(fl_ca_key_pem(ca, NULL, &key_pem, &klen), 0);
	FL_CHECK(strstr(key_pem, "BEGIN PRIVATE KEY") != NULL);
	FL_CHECK_EQ_INT(fl_ca_load(ca_pem, len, key_pem, klen, NULL, &back, err), 0);
	fl_ca_free(back);
	back = NULL;
	FL_CHECK_EQ_INT(fl_ca_key_pem(ca, "correct horse", &enc_pem, &klen), 0);
	FL_CHECK(strstr(enc_pem, "BEGIN ENCRYPTED PRIVATE KEY") != NULL);
	r = fl_ca_load(ca_pem, len, enc_pem, klen, NULL, &back, err);
	FL_CHECK_EQ_INT(r, FL_E_AUTH);
	FL_CHECK(strstr(err, "passphrase-protected") != NULL);
	r = fl_ca_load(ca_pem, len, enc_pem, klen, "wrong", &back, err);
	FL_CHECK_EQ_INT(r, FL_E_AUTH);
	FL_CHECK(strstr(err, "wrong passphrase") != NULL);
	FL_CHECK_EQ_INT(fl_ca_load(ca_pem, len, enc_pem, klen, "correct horse",
				   &back, err), 0);
	FL_CHECK(back != NULL);
	FL_CHECK_EQ_INT(fl_pki_cert_info(ca_pem, len, &info), 0);
	FL_CHECK(strcmp(info.cn, "test consortium CA") == 0);

	/* A key from another CA does not load with this certificate. */
	FL_CHECK_EQ_INT(fl_ca_create("other CA", 30, &ca2), 0);
	{
		char *k2 = NULL;
		size_t k2len = 0;
		fl_ca *mix = NULL;

		FL_CHECK_EQ_INT(fl_ca_key_pem(ca2, NULL, &k2, &k2len), 0);
		FL_CHECK_EQ_INT(fl_ca_load(ca_pem, len, k2, k2len, NULL, &mix, err),
				FL_E_INVAL);
		FL_CHECK(strstr(err, "does not belong") != NULL);
		sodium_memzero(k2, k2len);
		free(k2);
	}

	/* The site makes its key and CSR; the CA decides name and role. */
	FL_CHECK_EQ_INT(fl_ca_keygen_csr("whatever-the-site-says", &skey, &klen,
					 &csr, &clen), 0);
	FL_CHECK_EQ_INT(fl_ca_csr_check(csr, clen, cn, sizeof(cn), err), 0);
	FL_CHECK(strcmp(cn, "whatever-the-site-says") == 0);
	FL_CHECK(strstr(csr, "PRIVATE") == NULL);   /* the CSR has no key */
	FL_CHECK_EQ_INT(fl_ca_issue(back, csr, clen, "site7", FL_ROLE_SITE, 0, NULL,
				    &cert, &len, serial, err), 0);
	FL_CHECK_EQ_INT(fl_pki_cert_info(cert, len, &info), 0);
	FL_CHECK(strcmp(info.cn, "site7") == 0);
	FL_CHECK(strcmp(info.role, FL_ROLE_SITE) == 0);
	FL_CHECK(strcasecmp(info.serial, serial) == 0);
	FL_CHECK(strlen(serial) == 32);
	FL_CHECK_EQ_INT(sign_and_verify(ca_pem, NULL, cert, skey), 0);

	/* Bad requests and parameters. */
	FL_CHECK_EQ_INT(fl_ca_issue(back, csr, clen, "a/b", FL_ROLE_SITE, 0, NULL,
				    &cert2, &len, NULL, err), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_ca_issue(back, csr, clen, "site8", "root", 0, NULL,
				    &cert2, &len, NULL, err), FL_E_INVAL);
	FL_CHECK(strstr(err, "bad role") != NULL);
	bad = strdup(csr);
	bad[clen / 2] = bad[clen / 2] == 'A' ? 'B' : 'A';   /* corrupt the body */
	r = fl_ca_csr_check(bad, clen, NULL, 0, err);
	FL_CHECK(r == FL_E_PARSE || r == FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_ca_csr_check("garbage", 7, NULL, 0, err), FL_E_PARSE);
	FL_CHECK(strstr(err, "not a PEM certificate request") != NULL);
	FL_CHECK_EQ_INT(fl_ca_csr_check(csr, 10, NULL, 0, err), FL_E_PARSE);
	free(bad);
	{
		EVP_PKEY *p384 = EVP_EC_gen("P-384");
		EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		char *c384 = csr_for(p384);

		FL_CHECK_EQ_INT(fl_ca_csr_check(c384, strlen(c384), NULL, 0, err),
				FL_E_UNSUPPORTED);
		FL_CHECK(strstr(err, "P-256") != NULL);
		free(c384);
		/* Ed25519 CSRs are signed without a digest. */
		{
			X509_REQ *req = X509_REQ_new();
			BIO *b = BIO_new(BIO_s_mem());
			char *data = NULL;
			long n;

			X509_REQ_set_pubkey(req, ed);
			FL_CHECK(X509_REQ_sign(req, ed, NULL) > 0);
			PEM_write_bio_X509_REQ(b, req);
			n = BIO_get_mem_data(b, &data);
			FL_CHECK_EQ_INT(fl_ca_csr_check(data, (size_t)n, NULL, 0, err), 0);
			BIO_free(b);
			X509_REQ_free(req);
		}
		EVP_PKEY_free(p384);
		EVP_PKEY_free(ed);
	}

	/* Revocation: a CRL with the serial makes the verifier refuse it; a
	 * CRL with another serial does not. */
	{
		const char *rev[1] = { serial };
		const char *other[1] = { "1234abcd" };

		FL_CHECK_EQ_INT(fl_ca_crl(back, rev, 1, 2, 7, &crl, &len), 0);
		FL_CHECK(strstr(crl, "BEGIN X509 CRL") != NULL);
		FL_CHECK_EQ_INT(sign_and_verify(ca_pem, crl, cert, skey), FL_E_REVOKED);
		FL_CHECK_EQ_INT(fl_ca_crl(back, other, 1, 3, 7, &crl2, &len), 0);
		FL_CHECK_EQ_INT(sign_and_verify(ca_pem, crl2, cert, skey), 0);
		/* An agent's check of a CRL from the coordinator: the CA's own
		 * passes with its number; another CA's or garbage does not. */
		{
			uint64_t num = 0;
			size_t cnt = 0;
			fl_ca *ca3 = NULL;
			char *c4 = NULL;

			FL_CHECK_EQ_INT(fl_pki_crl_check(ca_pem, strlen(ca_pem), crl,
							 strlen(crl), &num, &cnt, err), 0);
			FL_CHECK(num == 2 && cnt == 1);
			/* same name as the consortium CA: only its key differs */
			FL_CHECK_EQ_INT(fl_ca_create("test consortium CA", 30, &ca3), 0);
			if (ca3 && fl_ca_crl(ca3, rev, 1, 99, 7, &c4, &len) == 0) {
				FL_CHECK_EQ_INT(fl_pki_crl_check(ca_pem, strlen(ca_pem), c4,
								 strlen(c4), &num, NULL,
								 err), FL_E_VERIFY);
				FL_CHECK(strstr(err, "not signed by the consortium CA") != NULL);
			}
			FL_CHECK_EQ_INT(fl_pki_crl_check(ca_pem, strlen(ca_pem), "garbage",
							 7, &num, NULL, err), FL_E_PARSE);
			free(c4);
			fl_ca_free(ca3);
		}
		{
			const char *badser[1] = { "xyz" };
			char *c3 = NULL;

			FL_CHECK_EQ_INT(fl_ca_crl(back, badser, 1, 4, 7, &c3, &len),
					FL_E_INVAL);
			free(c3);
		}
	}

	/* Rotation: a site certificate from the new CA verifies against the
	 * old CA through the cross-certificate, and not without it. */
	FL_CHECK_EQ_INT(fl_ca_cert_pem(ca2, &ca2_pem, &len), 0);
	FL_CHECK_EQ_INT(fl_ca_cross_sign(back, ca2_pem, len, 30, &cross, &len), 0);
	FL_CHECK_EQ_INT(fl_ca_issue(ca2, csr, clen, "site7", FL_ROLE_SITE, 0, NULL,
				    &cert2, &len, NULL, err), 0);
	{
		X509 *old_ca = pem_cert(ca_pem), *leaf = pem_cert(cert2);
		X509 *xc = pem_cert(cross);
		X509_STORE *st = X509_STORE_new();
		STACK_OF(X509) *chain = sk_X509_new_null();
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();

		X509_STORE_add_cert(st, old_ca);
		X509_STORE_CTX_init(ctx, st, leaf, chain);
		FL_CHECK(X509_verify_cert(ctx) != 1);
		X509_STORE_CTX_cleanup(ctx);
		sk_X509_push(chain, xc);
		X509_STORE_CTX_init(ctx, st, leaf, chain);
		FL_CHECK_EQ_INT(X509_verify_cert(ctx), 1);
		X509_STORE_CTX_free(ctx);
		sk_X509_free(chain);
		X509_STORE_free(st);
		X509_free(old_ca);
		X509_free(leaf);
		X509_free(xc);
	}
	/* A bundle of old + new CA also verifies (the simple transition). */
	{
		size_t bl = strlen(ca_pem) + strlen(ca2_pem) + 1;
		char *bundle = malloc(bl);

		snprintf(bundle, bl, "%s%s", ca_pem, ca2_pem);
		FL_CHECK_EQ_INT(sign_and_verify(bundle, NULL, cert2, skey), 0);
		FL_CHECK_EQ_INT(sign_and_verify(ca_pem, NULL, cert2, skey), FL_E_AUTH);
		free(bundle);
	}

	sodium_memzero(skey, strlen(skey));
	sodium_memzero(key_pem, strlen(key_pem));
	free(skey);
	free(key_pem);
	free(enc_pem);
	free(ca_pem);
	free(ca2_pem);
	free(csr);
	free(cert);
	free(cert2);
	free(cross);
	free(crl);
	free(crl2);
	fl_ca_free(ca);
	fl_ca_free(ca2);
	fl_ca_free(back);
	return FL_TEST_DONE();
}
