/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_info: read name, role, fingerprint, serial and expiry of a PEM
 * certificate with OpenSSL. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_pki_int.h"

/* Copies one subject entry (nid) into out (cap bytes). A missing entry
 * gives "" when optional. FL_E_TOOBIG if it does not fit, FL_E_PARSE if it
 * is missing but required or holds a NUL. */
static int subject_text(X509_NAME *name, int nid, char *out, size_t cap,
			bool optional)
{
	int idx, len;
	X509_NAME_ENTRY *e;
	ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	int r = 0;

	out[0] = '\0';
	if ((idx = X509_NAME_get_index_by_NID(name, nid, -1)) < 0)
		return optional ? 0 : FL_E_PARSE;
	if ((e = X509_NAME_get_entry(name, idx)) == NULL ||
	    (data = X509_NAME_ENTRY_get_data(e)) == NULL)
		return FL_E_PARSE;
	/* X509_NAME_get_text_by_NID truncates silently; measure first. */
	if ((len = ASN1_STRING_to_UTF8(&utf8, data)) < 0)
		return FL_E_PARSE;
	if (memchr(utf8, '\0', (size_t)len) != NULL) {
		r = FL_E_PARSE;
		goto out;
	}
	if ((size_t)len >= cap) {
		r = FL_E_TOOBIG;
		goto out;
	}
	memcpy(out, utf8, (size_t)len);
	out[len] = '\0';
out:
	OPENSSL_free(utf8);
	return r;
}

static int cert_fingerprint(X509 *x, char out[static 65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return FL_E_CRYPTO;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int fl_pki_serial_hex(const ASN1_INTEGER *sn, char *out, size_t cap)
{
	BIGNUM *bn;
	char *hex = NULL;
	int r = 0;

	if ((bn = ASN1_INTEGER_to_BN(sn, NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL) {
		r = FL_E_PARSE;
		goto out;
	}
	if (strlen(hex) >= cap) {
		r = FL_E_TOOBIG;
		goto out;
	}
	memcpy(out, hex, strlen(hex) + 1);
out:
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

static int cert_not_after(X509 *x, int64_t *ms)
{
	const ASN1_TIME *t = X509_get0_notAfter(x);
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return FL_E_PARSE;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

int fl_pki_x509_info(const void *x509, fl_cert_info *out)
{
	X509 *x = (X509 *)x509;
	X509_NAME *subj;
	fl_cert_info t;
	int r;

	if (!x || !out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((subj = X509_get_subject_name(x)) == NULL)
		r = FL_E_PARSE;
	else if ((r = subject_text(subj, NID_commonName, t.cn, sizeof(t.cn),
				   false)) == 0 &&
		 (r = subject_text(subj, NID_organizationalUnitName, t.role,
				   sizeof(t.role), true)) == 0 &&
		 (r = cert_fingerprint(x, t.fingerprint)) == 0 &&
		 (r = fl_pki_serial_hex(X509_get0_serialNumber(x), t.serial,
					     sizeof(t.serial))) == 0 &&
		 (r = cert_not_after(x, &t.not_after_ms)) == 0)
		*out = t;
	ERR_clear_error();
	return r;
}

int fl_pki_cert_info(const char *pem, size_t len, fl_cert_info *out)
{
	X509 *x = NULL;
	int r;

	if (!pem || !out || len > INT32_MAX)
		return FL_E_INVAL;
	if ((r = fl_pki_pem_x509(pem, len, &x)) == 0)
		r = fl_pki_x509_info(x, out);
	/* Leave no parse errors behind for the next OpenSSL caller. */
	ERR_clear_error();
	X509_free(x);
	return r;
}

int fl_pki_cert_issued_by(const char *ca_pem, size_t ca_len, const char *cert_pem,
			  size_t cert_len)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *sctx = NULL;
	X509 *x = NULL;
	int r;

	if (!ca_pem || !cert_pem || ca_len == 0 || cert_len == 0 ||
	    ca_len > INT32_MAX || cert_len > INT32_MAX)
		return FL_E_PARSE;
	if (!(store = X509_STORE_new())) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_pki_store_add_pem(store, ca_pem, ca_len)) != 0)
		goto out;
	if (fl_pki_pem_x509(cert_pem, cert_len, &x) != 0) {
		r = FL_E_PARSE;
		goto out;
	}
	if (!(sctx = X509_STORE_CTX_new()) ||
	    X509_STORE_CTX_init(sctx, store, x, NULL) != 1) {
		r = FL_E_NOMEM;
		goto out;
	}
	r = X509_verify_cert(sctx) == 1 ? 0 : FL_E_AUTH;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sctx);
	X509_free(x);
	X509_STORE_free(store);
	return r;
}
