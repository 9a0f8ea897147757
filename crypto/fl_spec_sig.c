/* SPDX-License-Identifier: Apache-2.0 */
/* fl_spec_sig: sign a job spec as its admin; check it as a site or coordinator. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fl_err.h"
#include "fl_spec_sig.h"
#include "fl_pki_int.h"
#include "fl_util.h"

#define SPEC_DOMAIN_LEN (sizeof(FL_SPEC_SIG_DOMAIN) - 1)

/* DOMAIN || spec, malloc'd; NULL when out of memory. */
static uint8_t *spec_msg(const char *spec, size_t len, size_t *msglen)
{
	uint8_t *m;

	if (len > SIZE_MAX - SPEC_DOMAIN_LEN ||
	    (m = malloc(SPEC_DOMAIN_LEN + len + 1)) == NULL)
		return NULL;
	memcpy(m, FL_SPEC_SIG_DOMAIN, SPEC_DOMAIN_LEN);
	if (len)
		memcpy(m + SPEC_DOMAIN_LEN, spec, len);
	*msglen = SPEC_DOMAIN_LEN + len;
	return m;
}

int fl_spec_sign(fl_sign_key *key, const char *spec, size_t len,
		 uint8_t sig[static FL_SIG_MAX_BYTES], size_t *siglen)
{
	uint8_t *m;
	size_t mlen = 0;
	int r;

	if (!key || (!spec && len) || !siglen)
		return FL_E_INVAL;
	if ((m = spec_msg(spec, len, &mlen)) == NULL)
		return FL_E_NOMEM;
	r = fl_sign(key, m, mlen, sig, siglen);
	free(m);
	return r;
}

static const char *spec_why(int r)
{
	switch (r) {
	case FL_E_PARSE: return "its certificate does not parse";
	case FL_E_AUTH: return "its certificate is not issued by the consortium "
		"CA or is expired";
	case FL_E_REVOKED: return "its certificate is revoked";
	case FL_E_VERIFY: return "the signature does not match the spec text "
		"(altered after signing?)";
	default: return fl_strerror(r);
	}
}

int fl_spec_verify(fl_verifier *v, const char *spec, size_t len,
		   const uint8_t *sig, size_t siglen, const char *cert_pem,
		   size_t cert_len, fl_cert_info *signer, char *errmsg)
{
	fl_cert_info ci;
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r;

	if (!v || (!spec && len))
		return FL_E_INVAL;
	if (!sig || siglen == 0 || !cert_pem || cert_len == 0) {
		fl_errmsg_set(errmsg, "the spec carries no signature");
		return FL_E_INVAL;
	}
	if (cert_len > FL_SPEC_CERT_MAX) {
		fl_errmsg_set(errmsg, "the signer's certificate is too large");
		return FL_E_PARSE;
	}
	if ((m = spec_msg(spec, len, &mlen)) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_verifier_check(v, cert_pem, cert_len, m, mlen, sig, siglen)) != 0) {
		fl_errmsg_set(errmsg, "%s", spec_why(r));
		goto out;
	}
	if ((r = fl_pki_cert_info(cert_pem, cert_len, &ci)) != 0) {
		fl_errmsg_set(errmsg, "%s", spec_why(FL_E_PARSE));
		goto out;
	}
	if (strcmp(ci.role, FL_ROLE_ADMIN) != 0) {
		fl_errmsg_set(errmsg, "signed by '%s' whose role is '%s', not admin",
			      ci.cn, ci.role[0] ? ci.role : "(none)");
		r = FL_E_DENIED;
		goto out;
	}
	if (signer)
		*signer = ci;
	r = 0;
out:
	free(m);
	return r;
}

int fl_spec_verify_self(const char *spec, size_t len, const uint8_t *sig,
			size_t siglen, const char *cert_pem, size_t cert_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pub;
	X509 *x = NULL;
	uint8_t *m = NULL;
	size_t mlen = 0;
	int id, r;

	if ((!spec && len) || !sig || siglen == 0 || !cert_pem || cert_len == 0)
		return FL_E_INVAL;
	if (siglen > FL_SIG_MAX_BYTES)
		return FL_E_VERIFY;
	if (cert_len > FL_SPEC_CERT_MAX || cert_len > INT32_MAX)
		return FL_E_PARSE;
	r = FL_E_NOMEM;
	if ((m = spec_msg(spec, len, &mlen)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if ((r = fl_pki_pem_x509(cert_pem, cert_len, &x)) != 0)
		goto out;
	r = FL_E_PARSE;
	if ((pub = X509_get0_pubkey(x)) == NULL)
		goto out;
	id = EVP_PKEY_get_base_id(pub);
	r = FL_E_UNSUPPORTED;
	if (id != EVP_PKEY_EC && id != EVP_PKEY_ED25519)
		goto out;
	r = FL_E_VERIFY;
	if (EVP_DigestVerifyInit(md, NULL, id == EVP_PKEY_ED25519 ? NULL :
				 EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, m, mlen) == 1)
		r = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	X509_free(x);
	free(m);
	return r;
}
