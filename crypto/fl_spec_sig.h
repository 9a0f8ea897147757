/* SPDX-License-Identifier: Apache-2.0 */
/* fl_spec_sig: a job spec signed by the admin who submitted it (SECAGG.md R2,
 * R7, R11), so that an untrusted coordinator cannot alter it. */
#ifndef FL_SPEC_SIG_H
#define FL_SPEC_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "fl_pki.h"
#include "fl_sign.h"

/* Prepended to the exact spec text bytes before signing. */
#define FL_SPEC_SIG_DOMAIN "fedc-spec-v1\n"
/* Caps of the signer's certificate PEM on the wire and in the store. */
#define FL_SPEC_CERT_MAX (16u * 1024u)

/* Signs DOMAIN || spec[0..len) with key. sig must hold FL_SIG_MAX_BYTES;
 * *siglen gets the length. FL_E_INVAL, FL_E_NOMEM, FL_E_CRYPTO. */
int fl_spec_sign(fl_sign_key *key, const char *spec, size_t len,
		 uint8_t sig[static FL_SIG_MAX_BYTES], size_t *siglen);

/*
 * Checks that sig is the signature of DOMAIN || spec by cert_pem, that
 * cert_pem chains to v's CA (validity, CRL when v has one) and that its
 * role is admin. *signer (may be NULL) describes the certificate on
 * success. Errors, with the reason in errmsg: FL_E_INVAL (no signature or
 * no certificate), FL_E_PARSE, FL_E_AUTH (not issued by the CA, expired),
 * FL_E_REVOKED, FL_E_VERIFY (the signature does not match this spec),
 * FL_E_DENIED (not an admin certificate), FL_E_NOMEM.
 */
int fl_spec_verify(fl_verifier *v, const char *spec, size_t len,
		   const uint8_t *sig, size_t siglen, const char *cert_pem,
		   size_t cert_len, fl_cert_info *signer, char *errmsg);

/* Checks only that sig is cert_pem's key's signature of DOMAIN || spec,
 * for a certificate the caller already trusts (the coordinator's TLS peer:
 * chain and CRL were checked by the handshake). FL_E_INVAL (no signature),
 * FL_E_PARSE, FL_E_UNSUPPORTED, FL_E_VERIFY, FL_E_NOMEM. */
int fl_spec_verify_self(const char *spec, size_t len, const uint8_t *sig,
			size_t siglen, const char *cert_pem, size_t cert_len);

#endif
