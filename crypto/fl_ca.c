/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ca: the consortium CA on OpenSSL (see fl_ca.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "fl_ca.h"
#include "fl_sign.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_pki_int.h"
#include "fl_util.h"

struct fl_ca {
	X509 *cert;
	EVP_PKEY *key;
};

/* ---- small helpers ---- */

static EVP_PKEY *ca_new_key(void)
{
	return EVP_EC_gen("P-256");
}

/* The contents of a memory BIO as a malloc'd NUL-terminated string. */
static int ca_bio_str(BIO *b, char **out, size_t *len)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	char *s;

	if (n <= 0 || !data)
		return FL_E_CRYPTO;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return FL_E_NOMEM;
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	if (len)
		*len = (size_t)n;
	return 0;
}

/* What ca_pem writes. */
typedef enum { CA_PEM_CERT, CA_PEM_CRL, CA_PEM_REQ, CA_PEM_KEY } ca_pem_kind;

/* The PEM text of obj (an X509, X509_CRL, X509_REQ or EVP_PKEY) as a
 * malloc'd string; a key as PKCS#8, encrypted with AES-256-CBC under
 * passphrase if it is not NULL. A secure-memory BIO is not available for
 * mem BIOs: the BIO is wiped before it is freed (it may hold a key). */
static int ca_pem(ca_pem_kind kind, const void *obj, const char *passphrase,
		  char **out, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;
	int ok = 0, r;

	if (b == NULL)
		return FL_E_NOMEM;
	switch (kind) {
	case CA_PEM_CERT: ok = PEM_write_bio_X509(b, obj); break;
	case CA_PEM_CRL: ok = PEM_write_bio_X509_CRL(b, obj); break;
	case CA_PEM_REQ: ok = PEM_write_bio_X509_REQ(b, obj); break;
	case CA_PEM_KEY:
		ok = PEM_write_bio_PKCS8PrivateKey(b, obj,
						   passphrase ? EVP_aes_256_cbc() : NULL,
						   passphrase,
						   passphrase ? (int)strlen(passphrase) : 0,
						   NULL, NULL);
		break;
	}
	r = ok == 1 ? ca_bio_str(b, out, len) : FL_E_CRYPTO;
	n = BIO_get_mem_data(b, &data);
	if (n > 0 && data)
		sodium_memzero(data, (size_t)n);
	BIO_free(b);
	return r;
}

static int ca_random_serial(X509 *x, char *serial_hex)
{
	unsigned char raw[16];
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int r = FL_E_CRYPTO;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return FL_E_CRYPTO;
	raw[0] &= 0x7f;   /* positive */
	raw[0] |= 0x40;   /* and a full 16 bytes long */
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	if (serial_hex) {
		size_t i;

		if ((hex = BN_bn2hex(bn)) == NULL)
			goto out;
		for (i = 0; hex[i]; i++)
			serial_hex[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ?
					       hex[i] - 'A' + 'a' : hex[i]);
		serial_hex[i] = '\0';
	}
	r = 0;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

static int ca_add_ext(X509 *subject, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, subject, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return FL_E_CRYPTO;
	ok = X509_add_ext(subject, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : FL_E_CRYPTO;
}

static int ca_set_name(X509_NAME *n, const char *ou, const char *cn)
{
	if (X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
				       (const unsigned char *)FL_CA_ORG, -1, -1, 0) != 1)
		return FL_E_CRYPTO;
	if (ou && X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
					     (const unsigned char *)ou, -1, -1, 0) != 1)
		return FL_E_CRYPTO;
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) != 1)
		return FL_E_CRYPTO;
	return 0;
}

static int ca_validity(X509 *x, uint32_t days)
{
	if (X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) == NULL)
		return FL_E_CRYPTO;
	return 0;
}

/* A name is 1..63 printable characters without '/', ',', '=' or '\\'. */
static int ca_name_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n >= FL_NAME_BYTES)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '/' || c == ',' || c == '=' ||
		    c == '\\' || c == '"')
			return 0;
	}
	return 1;
}

static int ca_role_ok(const char *role)
{
	return role && (!strcmp(role, FL_ROLE_SITE) || !strcmp(role, FL_ROLE_ADMIN) ||
			!strcmp(role, FL_ROLE_VIEWER) ||
			!strcmp(role, FL_ROLE_COORDINATOR));
}

/* ---- the CA ---- */

void fl_ca_free(fl_ca *ca)
{
	if (!ca)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca);
}

int fl_ca_create(const char *name, uint32_t days, fl_ca **out)
{
	fl_ca *ca = NULL;
	int r = FL_E_CRYPTO;

	if (!out || !ca_name_ok(name) || days == 0 || days > 36500)
		return FL_E_INVAL;
	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return FL_E_NOMEM;
	if ((ca->key = ca_new_key()) == NULL || (ca->cert = X509_new()) == NULL)
		goto out;
	if (X509_set_version(ca->cert, 2) != 1 ||
	    (r = ca_random_serial(ca->cert, NULL)) != 0 ||
	    (r = ca_set_name(X509_get_subject_name(ca->cert), NULL, name)) != 0 ||
	    X509_set_issuer_name(ca->cert, X509_get_subject_name(ca->cert)) != 1 ||
	    (r = ca_validity(ca->cert, days)) != 0 ||
	    X509_set_pubkey(ca->cert, ca->key) != 1) {
		r = r ? r : FL_E_CRYPTO;
		goto out;
	}
	if ((r = ca_add_ext(ca->cert, ca->cert, NID_basic_constraints,
			    "critical,CA:TRUE,pathlen:1")) != 0 ||
	    (r = ca_add_ext(ca->cert, ca->cert, NID_key_usage,
			    "critical,keyCertSign,cRLSign")) != 0 ||
	    (r = ca_add_ext(ca->cert, ca->cert, NID_subject_key_identifier,
			    "hash")) != 0)
		goto out;
	if (X509_sign(ca->cert, ca->key, EVP_sha256()) <= 0) {
		r = FL_E_CRYPTO;
		goto out;
	}
	*out = ca;
	ca = NULL;
	r = 0;
out:
	fl_ca_free(ca);
	return r;
}

/* Never prompts: supplies the passphrase, or fails if there is none. */
static int ca_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (!pass)
		return 0;
	n = strlen(pass);
	if (n > (size_t)size)
		return 0;
	memcpy(buf, pass, n);
	return (int)n;
}

int fl_ca_sign_key(const fl_ca *ca, struct fl_sign_key **out)
{
	if (!ca)
		return FL_E_INVAL;
	return fl_sign_key_from_pkey(ca->key, out);
}

int fl_ca_load(const char *cert_pem, size_t cert_len, const char *key_pem,
	       size_t key_len, const char *passphrase, fl_ca **out, char *errmsg)
{
	fl_ca *ca = NULL;
	BIO *b = NULL;
	int r = FL_E_PARSE;

	if (!cert_pem || !key_pem || !out || cert_len > FL_CA_MAX_PEM ||
	    key_len > FL_CA_MAX_PEM || cert_len > INT32_MAX || key_len > INT32_MAX)
		return FL_E_INVAL;
	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return FL_E_NOMEM;
	if (fl_pki_pem_x509(cert_pem, cert_len, &ca->cert) != 0) {
		fl_errmsg_set(errmsg, "the CA certificate is not a PEM certificate");
		goto out;
	}
	if ((b = BIO_new_mem_buf(key_pem, (int)key_len)) == NULL)
		goto out;
	ca->key = PEM_read_bio_PrivateKey(b, NULL, ca_pass_cb, (void *)passphrase);
	if (!ca->key) {
		int encrypted = strstr(key_pem, "ENCRYPTED") != NULL;

		fl_errmsg_set(errmsg, encrypted ? (passphrase ?
			      "wrong passphrase for the CA key" :
			      "the CA key is passphrase-protected: give the "
			      "passphrase (--passphrase-file or FEDC_CA_PASSPHRASE)") :
			      "the CA key is not a PEM private key");
		r = encrypted ? FL_E_AUTH : FL_E_PARSE;
		goto out;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		fl_errmsg_set(errmsg, "the CA key does not belong to the CA certificate");
		r = FL_E_INVAL;
		goto out;
	}
	if (X509_check_ca(ca->cert) == 0) {
		fl_errmsg_set(errmsg, "the certificate is not a CA certificate");
		r = FL_E_INVAL;
		goto out;
	}
	*out = ca;
	ca = NULL;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(b);
	fl_ca_free(ca);
	return r;
}

int fl_ca_cert_pem(const fl_ca *ca, char **pem, size_t *len)
{
	if (!ca || !pem)
		return FL_E_INVAL;
	return ca_pem(CA_PEM_CERT, ca->cert, NULL, pem, len);
}

int fl_ca_key_pem(const fl_ca *ca, const char *passphrase, char **pem,
		  size_t *len)
{
	if (!ca || !pem || (passphrase && strlen(passphrase) > INT32_MAX))
		return FL_E_INVAL;
	return ca_pem(CA_PEM_KEY, ca->key, passphrase, pem, len);
}

/* ---- keys and CSRs ---- */

int fl_ca_keygen_csr(const char *cn, char **key_pem, size_t *key_len,
		     char **csr_pem, size_t *csr_len)
{
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	int r = FL_E_CRYPTO;

	if (!ca_name_ok(cn) || !key_pem || !csr_pem)
		return FL_E_INVAL;
	*key_pem = *csr_pem = NULL;
	if ((key = ca_new_key()) == NULL || (req = X509_REQ_new()) == NULL)
		goto out;
	if (X509_REQ_set_version(req, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN",
				       MBSTRING_UTF8, (const unsigned char *)cn,
				       -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0)
		goto out;
	if ((r = ca_pem(CA_PEM_REQ, req, NULL, csr_pem, csr_len)) != 0 ||
	    (r = ca_pem(CA_PEM_KEY, key, NULL, key_pem, key_len)) != 0)
		goto out;
out:
	if (r != 0) {
		free(*csr_pem);
		*csr_pem = NULL;
	}
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return r;
}

/* Parses and checks a CSR; *out owned by caller. */
static int ca_csr_parse(const char *csr_pem, size_t csr_len, X509_REQ **out,
			char *cn, size_t cn_cap, char *errmsg)
{
	X509_REQ *req = NULL;
	EVP_PKEY *pk;
	BIO *b = NULL;
	int r = FL_E_PARSE;

	*out = NULL;
	if (!csr_pem || csr_len == 0 || csr_len > FL_CA_MAX_PEM) {
		fl_errmsg_set(errmsg, "the CSR is empty or larger than %u bytes",
			      FL_CA_MAX_PEM);
		return csr_len > FL_CA_MAX_PEM ? FL_E_TOOBIG : FL_E_PARSE;
	}
	if ((b = BIO_new_mem_buf(csr_pem, (int)csr_len)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL)) == NULL) {
		fl_errmsg_set(errmsg, "not a PEM certificate request (CSR)");
		goto out;
	}
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL) {
		fl_errmsg_set(errmsg, "the CSR has no usable public key");
		goto out;
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		char group[32] = "";
		size_t glen = 0;

		if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
						   group, sizeof(group), &glen) != 1 ||
		    strcmp(group, "prime256v1") != 0) {
			fl_errmsg_set(errmsg, "the CSR's EC key is on curve '%s'; only "
				      "P-256 (prime256v1) is accepted", group);
			r = FL_E_UNSUPPORTED;
			goto out;
		}
	} else if (!EVP_PKEY_is_a(pk, "ED25519")) {
		fl_errmsg_set(errmsg, "the CSR's key type is not accepted; use "
			      "ECDSA P-256 or Ed25519");
		r = FL_E_UNSUPPORTED;
		goto out;
	}
	if (X509_REQ_verify(req, pk) != 1) {
		fl_errmsg_set(errmsg, "the CSR's self-signature does not verify");
		r = FL_E_VERIFY;
		goto out;
	}
	if (cn && cn_cap) {
		X509_NAME *nm = X509_REQ_get_subject_name(req);
		int len = nm ? X509_NAME_get_text_by_NID(nm, NID_commonName, NULL, 0) : -1;

		cn[0] = '\0';
		if (len >= (int)cn_cap) {
			fl_errmsg_set(errmsg, "the CSR's CN is longer than %zu bytes",
				      cn_cap - 1);
			r = FL_E_TOOBIG;
			goto out;
		}
		if (len > 0)
			X509_NAME_get_text_by_NID(nm, NID_commonName, cn, (int)cn_cap);
	}
	*out = req;
	req = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	BIO_free(b);
	return r;
}

int fl_ca_csr_check(const char *csr_pem, size_t csr_len, char *cn,
		    size_t cn_cap, char *errmsg)
{
	X509_REQ *req = NULL;
	int r = ca_csr_parse(csr_pem, csr_len, &req, cn, cn_cap, errmsg);

	X509_REQ_free(req);
	return r;
}

/* ---- issuing ---- */

static int ca_issue_key(fl_ca *ca, EVP_PKEY *pub, X509_NAME *subject_or_null,
			const char *name, const char *role, uint32_t days,
			const char *san, int is_ca, char **cert_pem,
			size_t *cert_len, char *serial_hex)
{
	X509 *x = NULL;
	int r = FL_E_CRYPTO;

	if ((x = X509_new()) == NULL)
		return FL_E_NOMEM;
	if (X509_set_version(x, 2) != 1 ||
	    (r = ca_random_serial(x, serial_hex)) != 0)
		goto out;
	if (subject_or_null) {
		if (X509_set_subject_name(x, subject_or_null) != 1) {
			r = FL_E_CRYPTO;
			goto out;
		}
	} else if ((r = ca_set_name(X509_get_subject_name(x), role, name)) != 0) {
		goto out;
	}
	if (X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) != 1 ||
	    (r = ca_validity(x, days)) != 0 || X509_set_pubkey(x, pub) != 1) {
		r = r ? r : FL_E_CRYPTO;
		goto out;
	}
	if (is_ca) {
		if ((r = ca_add_ext(x, ca->cert, NID_basic_constraints,
				    "critical,CA:TRUE,pathlen:0")) != 0 ||
		    (r = ca_add_ext(x, ca->cert, NID_key_usage,
				    "critical,keyCertSign,cRLSign")) != 0)
			goto out;
	} else {
		if ((r = ca_add_ext(x, ca->cert, NID_basic_constraints,
				    "critical,CA:FALSE")) != 0 ||
		    (r = ca_add_ext(x, ca->cert, NID_key_usage,
				    "critical,digitalSignature")) != 0 ||
		    (r = ca_add_ext(x, ca->cert, NID_ext_key_usage,
				    strcmp(role, FL_ROLE_COORDINATOR) == 0 ?
				    "serverAuth,clientAuth" : "clientAuth")) != 0)
			goto out;
		if (san && *san &&
		    (r = ca_add_ext(x, ca->cert, NID_subject_alt_name, san)) != 0)
			goto out;
	}
	if ((r = ca_add_ext(x, ca->cert, NID_subject_key_identifier, "hash")) != 0 ||
	    (r = ca_add_ext(x, ca->cert, NID_authority_key_identifier,
			    "keyid:always")) != 0)
		goto out;
	if (X509_sign(x, ca->key, EVP_sha256()) <= 0) {
		r = FL_E_CRYPTO;
		goto out;
	}
	r = ca_pem(CA_PEM_CERT, x, NULL, cert_pem, cert_len);
out:
	ERR_clear_error();
	X509_free(x);
	return r;
}

int fl_ca_issue(fl_ca *ca, const char *csr_pem, size_t csr_len,
		const char *name, const char *role, uint32_t days,
		const char *san, char **cert_pem, size_t *cert_len,
		char *serial_hex, char *errmsg)
{
	X509_REQ *req = NULL;
	int r;

	if (!ca || !cert_pem)
		return FL_E_INVAL;
	*cert_pem = NULL;
	if (!ca_name_ok(name)) {
		fl_errmsg_set(errmsg, "bad name '%s': 1-%d printable characters "
			      "without / , = \\ or \"", name ? name : "",
			      FL_NAME_BYTES - 1);
		return FL_E_INVAL;
	}
	if (!ca_role_ok(role)) {
		fl_errmsg_set(errmsg, "bad role '%s': site, admin, viewer or "
			      "coordinator", role ? role : "");
		return FL_E_INVAL;
	}
	if (days > 36500) {
		fl_errmsg_set(errmsg, "a certificate may be valid for at most 36500 days");
		return FL_E_INVAL;
	}
	if ((r = ca_csr_parse(csr_pem, csr_len, &req, NULL, 0, errmsg)) != 0)
		return r;
	r = ca_issue_key(ca, X509_REQ_get0_pubkey(req), NULL, name, role,
			 days ? days : FL_CA_LEAF_DAYS, san, 0, cert_pem, cert_len,
			 serial_hex);
	if (r != 0)
		fl_errmsg_set(errmsg, "cannot issue the certificate%s: %s",
			      san ? " (check the subjectAltName)" : "", fl_strerror(r));
	X509_REQ_free(req);
	return r;
}

int fl_ca_cross_sign(fl_ca *ca, const char *new_ca_pem, size_t new_len,
		     uint32_t days, char **cert_pem, size_t *len)
{
	X509 *nca = NULL;
	int r;

	if (!ca || !new_ca_pem || !cert_pem || new_len > FL_CA_MAX_PEM)
		return FL_E_INVAL;
	*cert_pem = NULL;
	if ((r = fl_pki_pem_x509(new_ca_pem, new_len, &nca)) == 0)
		r = X509_check_ca(nca) == 0 ? FL_E_PARSE :
			ca_issue_key(ca, X509_get0_pubkey(nca),
				     X509_get_subject_name(nca), NULL, NULL,
				     days ? days : FL_CA_LEAF_DAYS, NULL, 1,
				     cert_pem, len, NULL);
	ERR_clear_error();
	X509_free(nca);
	return r;
}

/* ---- CRL ---- */

int fl_ca_crl(fl_ca *ca, const char *const *serials_hex, size_t n,
	      uint64_t crl_number, uint32_t next_days, char **crl_pem,
	      size_t *len)
{
	X509_CRL *crl = NULL;
	ASN1_TIME *now = NULL, *next = NULL;
	ASN1_INTEGER *num = NULL;
	BIGNUM *bn = NULL;
	size_t i;
	int r = FL_E_CRYPTO;

	if (!ca || !crl_pem || (n && !serials_hex) || next_days == 0)
		return FL_E_INVAL;
	*crl_pem = NULL;
	if ((crl = X509_CRL_new()) == NULL || (now = ASN1_TIME_new()) == NULL ||
	    (next = ASN1_TIME_new()) == NULL)
		goto out;
	if (X509_gmtime_adj(now, 0) == NULL ||
	    X509_time_adj_ex(next, (int)next_days, 0, NULL) == NULL ||
	    X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, now) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, next) != 1)
		goto out;
	for (i = 0; i < n; i++) {
		X509_REVOKED *rv;
		ASN1_INTEGER *sn;

		BN_free(bn);
		bn = NULL;
		if (!serials_hex[i] || BN_hex2bn(&bn, serials_hex[i]) == 0 ||
		    strlen(serials_hex[i]) > 64) {
			r = FL_E_INVAL;
			goto out;
		}
		if ((rv = X509_REVOKED_new()) == NULL)
			goto out;
		if ((sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
		    X509_REVOKED_set_serialNumber(rv, sn) != 1 ||
		    X509_REVOKED_set_revocationDate(rv, now) != 1 ||
		    X509_CRL_add0_revoked(crl, rv) != 1) {
			ASN1_INTEGER_free(sn);
			X509_REVOKED_free(rv);
			goto out;
		}
		ASN1_INTEGER_free(sn);
	}
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(num, crl_number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1 ||
	    X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0)
		goto out;
	r = ca_pem(CA_PEM_CRL, crl, NULL, crl_pem, len);
out:
	ERR_clear_error();
	BN_free(bn);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return r;
}
