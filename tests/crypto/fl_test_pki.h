/* SPDX-License-Identifier: Apache-2.0 */
/* fl_test_pki: throwaway in-memory CA, site certificates and CRLs for tests. */
#ifndef FL_TEST_PKI_H
#define FL_TEST_PKI_H

#include <stddef.h>

typedef struct fl_test_ca {
	void *key;        /* EVP_PKEY * */
	void *cert;       /* X509 * */
	char *pem;        /* certificate PEM (owned) */
	size_t pem_len;
} fl_test_ca;

typedef struct fl_test_site {
	char *cert_pem;   /* owned */
	size_t cert_len;
	char *key_pem;    /* owned */
	size_t key_len;
} fl_test_site;

/* A self-signed ECDSA P-256 CA valid for a day. 0 or -1. */
int fl_test_ca_new(const char *cn, fl_test_ca *ca);
void fl_test_ca_free(fl_test_ca *ca);

/* A site certificate (OU=site) issued by ca with the given serial; the key
 * is ECDSA P-256, or Ed25519 if ed25519 != 0. 0 or -1. */
int fl_test_site_new(fl_test_ca *ca, const char *cn, long serial, int ed25519,
		     fl_test_site *out);
/* Like fl_test_site_new with subject OU ou (NULL: none) and a validity
 * period from now + not_before_s to now + not_after_s seconds. */
int fl_test_cert_new(fl_test_ca *ca, const char *cn, const char *ou, long serial,
		     int ed25519, long not_before_s, long not_after_s,
		     fl_test_site *out);
void fl_test_site_free(fl_test_site *s);

/* A CRL of ca revoking the given serials; malloc'd PEM or NULL. */
char *fl_test_crl(fl_test_ca *ca, const long *serials, size_t n, size_t *len);
/* The same with CRL number (0: no number extension) and nextUpdate at now
 * + next_s seconds (negative: already past, lastUpdate a minute before). */
char *fl_test_crl_at(fl_test_ca *ca, const long *serials, size_t n,
		     unsigned long number, long next_s, size_t *len);

#endif
