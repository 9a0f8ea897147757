/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_pkhash: the SHA-256 of a certificate's public key (DER
 * SubjectPublicKeyInfo), the key hash that member lists and signatures pin. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_pki_int.h"
#include "fl_sign.h"

int fl_pki_x509_pkhash(const void *x509, uint8_t out[static FL_PKHASH_BYTES])
{
	unsigned char *der = NULL;
	int dlen;

	if (!x509 || (dlen = i2d_PUBKEY(X509_get0_pubkey(x509), &der)) <= 0) {
		ERR_clear_error();
		return FL_E_PARSE;
	}
	crypto_hash_sha256(out, der, (unsigned long long)dlen);
	OPENSSL_free(der);
	return 0;
}

int fl_pki_cert_pkhash(const char *pem, size_t len,
		       uint8_t out[static FL_PKHASH_BYTES])
{
	X509 *x = NULL;
	int r = FL_E_PARSE;

	if (!pem || len == 0 || len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	if (fl_pki_pem_x509(pem, len, &x) == 0)
		r = fl_pki_x509_pkhash(x, out);
	X509_free(x);
	return r;
}
