/* SPDX-License-Identifier: Apache-2.0 */
/* it_mkcrl: a CA-signed CRL with a chosen number and nextUpdate, for the
 * R10 tests (a CRL past its nextUpdate, or one that expires in minutes).
 * usage: it_mkcrl CA.pem CA.key NUMBER NEXT_SECONDS [SERIAL_HEX...] > crl.pem
 * NEXT_SECONDS may be negative (already expired). Test tool only. */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void *load(const char *path, int key)
{
	FILE *f = fopen(path, "r");
	void *p;

	if (!f)
		return NULL;
	p = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) :
		(void *)PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return p;
}

static int add_serial(X509_CRL *crl, const char *hex, const ASN1_TIME *when)
{
	X509_REVOKED *rv = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	int ok = rv && BN_hex2bn(&bn, hex) > 0 &&
		(sn = BN_to_ASN1_INTEGER(bn, NULL)) != NULL &&
		X509_REVOKED_set_serialNumber(rv, sn) == 1 &&
		X509_REVOKED_set_revocationDate(rv, (ASN1_TIME *)when) == 1 &&
		X509_CRL_add0_revoked(crl, rv) == 1;

	if (!ok)
		X509_REVOKED_free(rv);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	X509 *ca = NULL;
	EVP_PKEY *key = NULL;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_new(), *next = ASN1_TIME_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	long secs;
	int rc = 1;

	if (argc < 5) {
		fprintf(stderr, "usage: it_mkcrl CA.pem CA.key NUMBER NEXT_SECONDS "
			"[SERIAL_HEX...]\n");
		return 2;
	}
	secs = strtol(argv[4], NULL, 10);
	if (!(ca = load(argv[1], 0)) || !(key = load(argv[2], 1)) || !crl || !last ||
	    !next || !num) {
		fprintf(stderr, "it_mkcrl: cannot read %s / %s\n", argv[1], argv[2]);
		goto out;
	}
	X509_gmtime_adj(last, secs < 0 ? secs - 3600 : -60);
	X509_gmtime_adj(next, secs);
	if (X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, last) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, next) != 1 ||
	    ASN1_INTEGER_set(num, strtol(argv[3], NULL, 10)) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
		goto out;
	for (int i = 5; i < argc; i++)
		if (add_serial(crl, argv[i], last) != 0)
			goto out;
	if (X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, key, EVP_sha256()) <= 0 ||
	    PEM_write_X509_CRL(stdout, crl) != 1)
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "it_mkcrl: cannot make the CRL\n");
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	EVP_PKEY_free(key);
	X509_free(ca);
	return rc;
}
