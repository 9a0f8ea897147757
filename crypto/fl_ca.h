/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fl_ca: the consortium certificate authority on OpenSSL: make a CA, keep
 * its key (optionally passphrase-protected), make a site's key and CSR on
 * the site, issue certificates from CSRs (the CA decides name and role, not
 * the CSR), publish CRLs, and cross-sign a new CA for rotation.
 *
 * Certificates issued here: subject O=fedc consortium, OU=<role>, CN=<name>;
 * random 128-bit serial; ECDSA P-256 with SHA-256; basicConstraints CA:FALSE,
 * keyUsage digitalSignature, extendedKeyUsage clientAuth (plus serverAuth
 * for the coordinator role), subject/authority key identifiers, and the
 * given subjectAltName. Keys are ECDSA P-256 (CSRs may also carry Ed25519).
 * All PEM outputs are malloc'd, NUL-terminated, owned by the caller; private
 * key PEMs must be wiped (sodium_memzero) before free.
 */
#ifndef FL_CA_H
#define FL_CA_H

#include <stddef.h>
#include <stdint.h>

#define FL_CA_MAX_PEM (64u * 1024u)
#define FL_CA_DEFAULT_DAYS 3650u      /* the CA itself */
#define FL_CA_LEAF_DAYS 397u          /* issued certificates */
#define FL_CA_ORG "fedc consortium"

typedef struct fl_ca fl_ca;   /* a CA certificate with its private key */

/* Makes a new CA: P-256 key and self-signed certificate (CN=name,
 * O=FL_CA_ORG, CA:TRUE pathlen 1, keyCertSign + cRLSign), valid for days.
 * *out owned by caller (fl_ca_free). FL_E_INVAL, FL_E_CRYPTO, FL_E_NOMEM. */
int fl_ca_create(const char *name, uint32_t days, fl_ca **out);
/* Loads a CA from its certificate and key PEM. passphrase may be NULL for
 * an unencrypted key (an encrypted key then fails; there is never a
 * prompt). Errors with the reason in errmsg (may be NULL): FL_E_PARSE,
 * FL_E_AUTH (wrong passphrase), FL_E_INVAL (key does not match the
 * certificate, or the certificate is not a CA). */
int fl_ca_load(const char *cert_pem, size_t cert_len, const char *key_pem,
	       size_t key_len, const char *passphrase, fl_ca **out, char *errmsg);
/* The CA certificate as PEM, and its private key as PKCS#8 PEM, encrypted
 * with AES-256-CBC under passphrase if it is not NULL. */
int fl_ca_cert_pem(const fl_ca *ca, char **pem, size_t *len);
int fl_ca_key_pem(const fl_ca *ca, const char *passphrase, char **pem,
		  size_t *len);
void fl_ca_free(fl_ca *ca);
/* The CA's signing key, shared (fl_sign_key_free it; the CA keeps its own
 * reference). FL_E_UNSUPPORTED, FL_E_NOMEM. */
struct fl_sign_key;
int fl_ca_sign_key(const fl_ca *ca, struct fl_sign_key **out);

/* On the site: a new P-256 key and a CSR for it with subject CN=cn (wipe
 * the key PEM when done: fl_wipe_free). */
int fl_ca_keygen_csr(const char *cn, char **key_pem, size_t *key_len,
		     char **csr_pem, size_t *csr_len);

/* Checks an untrusted CSR: it parses, its self-signature verifies, and its
 * key is ECDSA P-256 or Ed25519. cn (may be NULL) receives its subject CN
 * (or "") up to cn_cap bytes. FL_E_PARSE, FL_E_VERIFY, FL_E_UNSUPPORTED,
 * FL_E_TOOBIG, with the reason in errmsg. */
int fl_ca_csr_check(const char *csr_pem, size_t csr_len, char *cn,
		    size_t cn_cap, char *errmsg);

/* Issues a certificate for the CSR's public key, for name and role
 * (site, admin, viewer or coordinator), valid for days (0 = default). The
 * CSR's own subject is ignored. san: e.g. "DNS:localhost,IP:127.0.0.1", or
 * NULL. serial_hex (may be NULL, >= 33 bytes) receives the serial. */
int fl_ca_issue(fl_ca *ca, const char *csr_pem, size_t csr_len,
		const char *name, const char *role, uint32_t days,
		const char *san, char **cert_pem, size_t *cert_len,
		char *serial_hex, char *errmsg);

/* A CRL listing the given serials (lowercase or uppercase hex), numbered
 * crl_number, next update in next_days. */
int fl_ca_crl(fl_ca *ca, const char *const *serials_hex, size_t n,
	      uint64_t crl_number, uint32_t next_days, char **crl_pem,
	      size_t *len);

/* Rotation: a certificate for the new CA's subject and key, issued by ca
 * (the old one), so that peers that trust only the old CA accept chains
 * through the new one during a transition. */
int fl_ca_cross_sign(fl_ca *ca, const char *new_ca_pem, size_t new_len,
		     uint32_t days, char **cert_pem, size_t *len);

#endif
