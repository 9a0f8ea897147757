/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_pem: certificates and CRLs read from PEM text, for crypto/ only. */
#include <stdint.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include "fl_err.h"
#include "fl_pki_int.h"

/* A read-only memory BIO over the len bytes of pem. */
static int pem_bio(const char *pem, size_t len, BIO **out)
{
	if (len > INT32_MAX)
		return FL_E_PARSE;
	return (*out = BIO_new_mem_buf(pem, (int)len)) ? 0 : FL_E_NOMEM;
}

/* fl_pki_pem_x509 and fl_pki_pem_crl: the same reader for two OpenSSL
 * types, each with its own typed PEM_read_bio_* function. */
#define PEM_READER(fn, type, pem_read) \
	int fn(const char *pem, size_t len, type **out) \
	{ \
		BIO *b; \
		int r; \
		*out = NULL; \
		if ((r = pem_bio(pem, len, &b)) != 0) \
			return r; \
		*out = pem_read(b, NULL, NULL, NULL); \
		BIO_free(b); \
		return *out ? 0 : FL_E_PARSE; \
	}

PEM_READER(fl_pki_pem_x509, X509, PEM_read_bio_X509)
PEM_READER(fl_pki_pem_crl, X509_CRL, PEM_read_bio_X509_CRL)

int fl_pki_pem_each(const char *pem, size_t len, fl_pki_cert_step step,
		    void *arg, size_t *nread)
{
	BIO *b;
	X509 *x;
	size_t n = 0;
	int r;

	if ((r = pem_bio(pem, len, &b)) != 0)
		return r;
	while (r == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		r = step(x, arg);
		X509_free(x);
		n++;
	}
	BIO_free(b);
	if (nread)
		*nread = n;
	return r;
}

static int store_add(X509 *x, void *store)
{
	return X509_STORE_add_cert(store, x) == 1 ? 0 : FL_E_PARSE;
}

int fl_pki_store_add_pem(X509_STORE *store, const char *pem, size_t len)
{
	size_t n = 0;
	int r = fl_pki_pem_each(pem, len, store_add, store, &n);

	return r != 0 ? r : n > 0 ? 0 : FL_E_PARSE;
}
