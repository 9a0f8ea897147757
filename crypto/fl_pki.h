/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki: X.509 helpers on OpenSSL: who a certificate names, and its role. */
#ifndef FL_PKI_H
#define FL_PKI_H

#include <stddef.h>
#include <stdint.h>
#include "fl_util.h"

/* Roles are carried in the certificate subject's OU. */
#define FL_ROLE_SITE "site"
#define FL_ROLE_ADMIN "admin"
#define FL_ROLE_VIEWER "viewer"
#define FL_ROLE_COORDINATOR "coordinator"

/* A serial number in hex with its NUL (fl_cert_info.serial). */
#define FL_PKI_SERIAL_BYTES 66

typedef struct fl_cert_info {
	char cn[FL_NAME_BYTES];       /* subject CN */
	char role[16];                /* subject OU, "" if none */
	char fingerprint[65];         /* SHA-256 of the DER, lowercase hex */
	char serial[FL_PKI_SERIAL_BYTES]; /* hex */
	int64_t not_after_ms;
} fl_cert_info;

/* Parses the first certificate of a PEM text (len bytes). Errors:
 * FL_E_PARSE (not a certificate), FL_E_TOOBIG (CN/OU too long). */
int fl_pki_cert_info(const char *pem, size_t len, fl_cert_info *out);
/* The same of a parsed certificate (an X509 *). FL_E_PARSE, FL_E_TOOBIG. */
int fl_pki_x509_info(const void *x509, fl_cert_info *out);
/* Checks an untrusted CRL (PEM): it parses, and its issuer is a
 * certificate of the CA bundle whose key verifies its signature. *number
 * (may be NULL) receives its CRL number (0 if absent), *count (may be NULL)
 * how many certificates it revokes. FL_E_PARSE, FL_E_VERIFY (not signed by
 * the bundle), FL_E_RANGE, with the reason in errmsg. */
int fl_pki_crl_check(const char *ca_pem, size_t ca_len, const char *crl_pem,
		     size_t crl_len, uint64_t *number, size_t *count, char *errmsg);
/* Checks that the first certificate of cert_pem chains to the CA bundle
 * ca_pem and is in its validity period (no CRL). 0, FL_E_PARSE (either
 * does not parse), FL_E_AUTH (not issued by the bundle, or expired),
 * FL_E_NOMEM. */
int fl_pki_cert_issued_by(const char *ca_pem, size_t ca_len, const char *cert_pem,
			  size_t cert_len);

/* What a CRL says about itself (times in ms since the epoch, UTC). */
typedef struct fl_crl_info {
	uint64_t number;          /* CRL number, 0 if absent */
	size_t count;             /* revoked certificates */
	int64_t this_update_ms;
	int64_t next_update_ms;   /* 0 if the CRL has no nextUpdate */
} fl_crl_info;

/* fl_pki_crl_check, filling *info (may be NULL) with the CRL's number,
 * size and update times. Same errors. */
int fl_pki_crl_check_info(const char *ca_pem, size_t ca_len, const char *crl_pem,
			  size_t crl_len, fl_crl_info *info, char *errmsg);
/* The revoked serials of a CRL (PEM, not checked here: check it first), as
 * hex as in fl_cert_info.serial (uppercase), sorted for bsearch with strcmp.
 * *serials malloc'd (caller frees; NULL when *n is 0). FL_E_PARSE,
 * FL_E_TOOBIG (a serial over 64 hex digits), FL_E_NOMEM. */
int fl_pki_crl_serials(const char *crl_pem, size_t crl_len,
		       char (**serials)[FL_PKI_SERIAL_BYTES], size_t *n);

/* fl_pki_pkhash.c: SHA-256 of the DER SubjectPublicKeyInfo of the first
 * certificate in pem (len bytes). FL_E_PARSE. */
#define FL_PKHASH_BYTES 32u
int fl_pki_cert_pkhash(const char *pem, size_t len,
		       uint8_t out[static FL_PKHASH_BYTES]);
/* The same of a parsed certificate (an X509 *). FL_E_PARSE. */
int fl_pki_x509_pkhash(const void *x509, uint8_t out[static FL_PKHASH_BYTES]);

#endif
