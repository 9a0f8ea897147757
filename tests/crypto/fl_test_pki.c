/* SPDX-License-Identifier: Apache-2.0 */
/* fl_test_pki: throwaway in-memory CA, site certificates and CRLs for tests. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "fl_test_pki.h"

static EVP_PKEY *key_new(int ed25519)
{
	return ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
		EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static char *bio_take(BIO *b, size_t *len)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0 || !(out = malloc((size_t)n + 1)))
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	return out;
}

static char *cert_pem(X509 *x, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_X509(b, x) == 1)
		s = bio_take(b, len);
	BIO_free(b);
	return s;
}

static X509 *cert_make_at(EVP_PKEY *subj_key, const char *cn, const char *ou,
			  long serial, X509 *issuer, EVP_PKEY *issuer_key, int ca,
			  long nb_s, long na_s)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	const EVP_MD *md = EVP_PKEY_get_base_id(issuer_key) == EVP_PKEY_ED25519 ?
		NULL : EVP_sha256();

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), nb_s);
	X509_gmtime_adj(X509_getm_notAfter(x), na_s);
	X509_set_pubkey(x, subj_key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	if (ou)
		X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ext) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ca ?
				  "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (ext) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, issuer_key, md) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *cert_make(EVP_PKEY *subj_key, const char *cn, const char *ou,
		       long serial, X509 *issuer, EVP_PKEY *issuer_key, int ca)
{
	return cert_make_at(subj_key, cn, ou, serial, issuer, issuer_key, ca,
			    -3600, 86400);
}

int fl_test_ca_new(const char *cn, fl_test_ca *ca)
{
	memset(ca, 0, sizeof(*ca));
	if (!(ca->key = key_new(0)) ||
	    !(ca->cert = cert_make(ca->key, cn, NULL, 1, NULL, ca->key, 1)) ||
	    !(ca->pem = cert_pem(ca->cert, &ca->pem_len))) {
		fl_test_ca_free(ca);
		return -1;
	}
	return 0;
}

void fl_test_ca_free(fl_test_ca *ca)
{
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->pem);
	memset(ca, 0, sizeof(*ca));
}

int fl_test_site_new(fl_test_ca *ca, const char *cn, long serial, int ed25519,
		     fl_test_site *out)
{
	return fl_test_cert_new(ca, cn, "site", serial, ed25519, -3600, 86400, out);
}

int fl_test_cert_new(fl_test_ca *ca, const char *cn, const char *ou, long serial,
		     int ed25519, long not_before_s, long not_after_s,
		     fl_test_site *out)
{
	EVP_PKEY *k = key_new(ed25519);
	X509 *x = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!k || !b || !(x = cert_make_at(k, cn, ou, serial, ca->cert, ca->key, 0,
					 not_before_s, not_after_s)) ||
	    !(out->cert_pem = cert_pem(x, &out->cert_len)) ||
	    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    !(out->key_pem = bio_take(b, &out->key_len)))
		goto out;
	r = 0;
out:
	if (r != 0)
		fl_test_site_free(out);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

void fl_test_site_free(fl_test_site *s)
{
	free(s->cert_pem);
	free(s->key_pem);
	memset(s, 0, sizeof(*s));
}

char *fl_test_crl(fl_test_ca *ca, const long *serials, size_t n, size_t *len)
{
	return fl_test_crl_at(ca, serials, n, 0, 86400, len);
}

char *fl_test_crl_at(fl_test_ca *ca, const long *serials, size_t n,
		     unsigned long number, long next_s, size_t *len)
{
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_new(), *next = ASN1_TIME_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;

	if (!crl || !now || !next || !b)
		goto out;
	X509_gmtime_adj(now, next_s < 0 ? next_s - 60 : -60);
	X509_gmtime_adj(next, next_s);
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert));
	X509_CRL_set1_lastUpdate(crl, now);
	X509_CRL_set1_nextUpdate(crl, next);
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *rv = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, serials[i]);
		X509_REVOKED_set_serialNumber(rv, sn);
		X509_REVOKED_set_revocationDate(rv, now);
		X509_CRL_add0_revoked(crl, rv);
		ASN1_INTEGER_free(sn);
	}
	if (number && (!num || ASN1_INTEGER_set(num, (long)number) != 1 ||
		       X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1))
		goto out;
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509_CRL(b, crl) != 1)
		goto out;
	out = bio_take(b, len);
out:
	BIO_free(b);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	return out;
}
