/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_crl: checks a CRL received from the coordinator against the
 * consortium CA bundle before an agent uses it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fl_err.h"
#include "fl_pki.h"
#include "fl_pki_int.h"
#include "fl_util.h"

/* fl_pki_pem_each's step: 1 (stop) if ca is the CRL's issuer and its key
 * verifies the CRL. */
static int crl_signer(X509 *ca, void *arg)
{
	X509_CRL *crl = arg;
	EVP_PKEY *pk = X509_get0_pubkey(ca);

	return X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0 &&
	       pk && X509_CRL_verify(crl, pk) == 1;
}

/* The bundle holds the CRL's issuer and its key verifies it: 0, or
 * FL_E_VERIFY (FL_E_NOMEM, FL_E_PARSE for the bundle itself). */
static int crl_signed_by_bundle(X509_CRL *crl, const char *ca_pem, size_t ca_len)
{
	int r = fl_pki_pem_each(ca_pem, ca_len, crl_signer, crl, NULL);

	return r == 1 ? 0 : r < 0 ? r : FL_E_VERIFY;
}

/* An ASN1 time in ms since the epoch; 0 for NULL. */
static int crl_time_ms(const ASN1_TIME *t, int64_t *ms)
{
	struct tm tm;

	*ms = 0;
	if (!t)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return FL_E_PARSE;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

int fl_pki_crl_check_info(const char *ca_pem, size_t ca_len, const char *crl_pem,
			  size_t crl_len, fl_crl_info *info, char *errmsg)
{
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	STACK_OF(X509_REVOKED) *rev;
	fl_crl_info t;
	int r;

	if (!ca_pem || !crl_pem || ca_len > INT32_MAX || crl_len > INT32_MAX)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if (fl_pki_pem_crl(crl_pem, crl_len, &crl) != 0) {
		fl_errmsg_set(errmsg, "not a PEM certificate revocation list");
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = crl_signed_by_bundle(crl, ca_pem, ca_len)) != 0) {
		fl_errmsg_set(errmsg, "the CRL is not signed by the consortium CA");
		goto out;
	}
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) != NULL &&
	    ASN1_INTEGER_get_uint64(&t.number, num) != 1) {
		fl_errmsg_set(errmsg, "the CRL number is out of range");
		r = FL_E_RANGE;
		goto out;
	}
	if (crl_time_ms(X509_CRL_get0_lastUpdate(crl), &t.this_update_ms) != 0 ||
	    crl_time_ms(X509_CRL_get0_nextUpdate(crl), &t.next_update_ms) != 0) {
		fl_errmsg_set(errmsg, "the CRL's update times do not parse");
		r = FL_E_PARSE;
		goto out;
	}
	rev = X509_CRL_get_REVOKED(crl);
	t.count = rev ? (size_t)sk_X509_REVOKED_num(rev) : 0;
	if (info)
		*info = t;
	r = 0;
out:
	ERR_clear_error();
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	return r;
}

int fl_pki_crl_check(const char *ca_pem, size_t ca_len, const char *crl_pem,
		     size_t crl_len, uint64_t *number, size_t *count, char *errmsg)
{
	fl_crl_info info;
	int r;

	if ((r = fl_pki_crl_check_info(ca_pem, ca_len, crl_pem, crl_len, &info,
				       errmsg)) != 0)
		return r;
	if (number)
		*number = info.number;
	if (count)
		*count = info.count;
	return 0;
}

static int serial_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int fl_pki_crl_serials(const char *crl_pem, size_t crl_len,
		       char (**serials)[FL_PKI_SERIAL_BYTES], size_t *n)
{
	char (*list)[FL_PKI_SERIAL_BYTES] = NULL;
	STACK_OF(X509_REVOKED) *rev;
	X509_CRL *crl = NULL;
	size_t cnt = 0, i;
	int r;

	if (!crl_pem || !serials || !n || crl_len > INT32_MAX)
		return FL_E_INVAL;
	if (fl_pki_pem_crl(crl_pem, crl_len, &crl) != 0) {
		r = FL_E_PARSE;
		goto out;
	}
	rev = X509_CRL_get_REVOKED(crl);
	cnt = rev ? (size_t)sk_X509_REVOKED_num(rev) : 0;
	if (cnt && (list = calloc(cnt, sizeof(*list))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		const X509_REVOKED *x = sk_X509_REVOKED_value(rev, (int)i);

		if ((r = fl_pki_serial_hex(X509_REVOKED_get0_serialNumber(x), list[i],
					   sizeof(list[i]))) != 0)
			goto out;
	}
	if (cnt)
		qsort(list, cnt, sizeof(*list), serial_cmp);
	*serials = list;
	*n = cnt;
	list = NULL;
	r = 0;
out:
	ERR_clear_error();
	free(list);
	X509_CRL_free(crl);
	return r;
}
