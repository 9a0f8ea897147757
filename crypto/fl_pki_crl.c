/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_crl: checks a CRL received from the coordinator against the
 * consortium CA bundle before an agent uses it. */
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fl_err.h"
#include "fl_pki.h"
#include "fl_util.h"

/* The bundle's certificate whose subject is the CRL's issuer and whose key
 * verifies it: 0, or FL_E_VERIFY. */
static int crl_signed_by_bundle(X509_CRL *crl, const char *ca_pem, size_t ca_len)
{
	BIO *b = BIO_new_mem_buf(ca_pem, (int)ca_len);
	X509 *ca;
	int r = FL_E_VERIFY;

	if (!b)
		return FL_E_NOMEM;
	while (r != 0 && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		EVP_PKEY *pk = X509_get0_pubkey(ca);

		if (X509_NAME_cmp(X509_get_subject_name(ca),
				  X509_CRL_get_issuer(crl)) == 0 &&
		    pk && X509_CRL_verify(crl, pk) == 1)
			r = 0;
		X509_free(ca);
	}
	BIO_free(b);
	return r;
}

int fl_pki_crl_check(const char *ca_pem, size_t ca_len, const char *crl_pem,
		     size_t crl_len, uint64_t *number, size_t *count, char *errmsg)
{
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	BIO *b = NULL;
	uint64_t n = 0;
	int r;

	if (!ca_pem || !crl_pem || ca_len > INT32_MAX || crl_len > INT32_MAX)
		return FL_E_INVAL;
	if ((b = BIO_new_mem_buf(crl_pem, (int)crl_len)) == NULL)
		return FL_E_NOMEM;
	if ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) == NULL) {
		fl_errmsg_set(errmsg, "not a PEM certificate revocation list");
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = crl_signed_by_bundle(crl, ca_pem, ca_len)) != 0) {
		fl_errmsg_set(errmsg, "the CRL is not signed by the consortium CA");
		goto out;
	}
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) != NULL &&
	    ASN1_INTEGER_get_uint64(&n, num) != 1) {
		fl_errmsg_set(errmsg, "the CRL number is out of range");
		r = FL_E_RANGE;
		goto out;
	}
	if (number)
		*number = n;
	if (count) {
		STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);

		*count = rev ? (size_t)sk_X509_REVOKED_num(rev) : 0;
	}
	r = 0;
out:
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	BIO_free(b);
	return r;
}
