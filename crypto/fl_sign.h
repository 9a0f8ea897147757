/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sign: sign round keys with the site key; verify peers against CA + CRL. */
#ifndef FL_SIGN_H
#define FL_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "fl_pki.h"

/* ECDSA P-256 DER signatures are at most 72 bytes, Ed25519 ones 64. */
#define FL_SIG_MAX_BYTES 80
#define FL_SIGN_MAX_PEM (64u * 1024u)

typedef struct fl_sign_key fl_sign_key;
typedef struct fl_verifier fl_verifier;

/* Loads a PEM private key (ECDSA P-256 or Ed25519; unencrypted). The caller
 * owns *out and frees it with fl_sign_key_free. Errors: FL_E_PARSE (not a
 * key), FL_E_UNSUPPORTED (other algorithm), FL_E_NOMEM. */
int fl_sign_key_load_pem(const char *pem, size_t len, fl_sign_key **out);
void fl_sign_key_free(fl_sign_key *key);
/* A signing key sharing evp_pkey (an EVP_PKEY *, reference taken; the
 * caller keeps its own). FL_E_UNSUPPORTED, FL_E_NOMEM. */
int fl_sign_key_from_pkey(void *evp_pkey, fl_sign_key **out);

/* Signs msg: ECDSA with SHA-256 (DER) or pure Ed25519. sig must hold
 * FL_SIG_MAX_BYTES; *siglen gets the length. FL_E_CRYPTO on failure. */
int fl_sign(fl_sign_key *key, const uint8_t *msg, size_t msglen,
	    uint8_t sig[static FL_SIG_MAX_BYTES], size_t *siglen);

/* A verifier trusts the CA certificate(s) in ca_pem and, if crl_pem is not
 * NULL, checks certificates against that CRL (a CRL is then required for
 * the CA). Successful chain checks are cached by the SHA-256 of the
 * certificate PEM for the verifier's lifetime, with the certificate's
 * validity period, which every cache hit checks against the clock again:
 * make a new verifier when the CRL changes. Not thread-safe. Caller owns *out (fl_verifier_free).
 * Errors: FL_E_PARSE (CA or CRL does not parse), FL_E_NOMEM. */
int fl_verifier_new(const char *ca_pem, size_t ca_len, const char *crl_pem,
		    size_t crl_len, fl_verifier **out);
void fl_verifier_free(fl_verifier *v);

/* Checks that cert_pem chains to the CA, is in its validity period and not
 * revoked, then that sig is its key's signature of msg. Errors: FL_E_PARSE
 * (certificate does not parse), FL_E_AUTH (not issued by the CA, expired),
 * FL_E_REVOKED (on the CRL), FL_E_VERIFY (bad signature), FL_E_NOMEM. */
int fl_verifier_check(fl_verifier *v, const char *cert_pem, size_t cert_len,
		      const uint8_t *msg, size_t msglen, const uint8_t *sig,
		      size_t siglen);

/* What a certificate that passed the chain check says, read once when it
 * was first checked and kept in the verifier's cache with it. */
typedef struct fl_cert_facts {
	int info_err;            /* fl_pki_cert_info's result; info valid if 0 */
	fl_cert_info info;
	int pkhash_err;          /* fl_pki_cert_pkhash's result; pkhash valid if 0 */
	uint8_t pkhash[32];      /* SHA-256 of the DER SubjectPublicKeyInfo */
} fl_cert_facts;

/* What the first certificate of pem (len bytes) says, with one parse and
 * no chain check. 0 if it parses (then see f->info_err, f->pkhash_err),
 * FL_E_PARSE, FL_E_NOMEM. */
int fl_cert_facts_read(const char *pem, size_t len, fl_cert_facts *f);

/* The chain check of fl_verifier_check (same cache, same errors) without a
 * signature. *cert (may be NULL) gets a handle to the checked certificate
 * for fl_verifier_check_cert, valid for this verifier's lifetime, and
 * *facts (may be NULL) a copy of what the certificate says. The cache is
 * keyed by the SHA-256 of the whole PEM text: another text, even of a
 * certificate with the same name or key, is checked afresh. */
int fl_verifier_cert(fl_verifier *v, const char *cert_pem, size_t cert_len,
		     size_t *cert, fl_cert_facts *facts);

/* fl_verifier_check against a certificate that fl_verifier_cert of this
 * verifier returned: its validity period is checked against the clock
 * again, then sig. FL_E_INVAL (not a handle of v), FL_E_AUTH (expired),
 * FL_E_VERIFY, FL_E_NOMEM. */
int fl_verifier_check_cert(fl_verifier *v, size_t cert, const uint8_t *msg,
			   size_t msglen, const uint8_t *sig, size_t siglen);

/* Number of certificates whose chain check is cached (for tests). */
size_t fl_verifier_cached(const fl_verifier *v);

#endif
