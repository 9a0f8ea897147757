/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sign: sign round keys with the site key; verify peers against CA + CRL. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>
#include "fl_err.h"
#include <openssl/err.h>
#include "fl_sign.h"

struct fl_sign_key {
	EVP_PKEY *pkey;
};

/* A certificate whose chain checked, with its validity period: a cache hit
 * is re-checked against the clock, so a certificate that expires while the
 * verifier lives is refused from then on. */
typedef struct verifier_entry {
	uint8_t fp[crypto_hash_sha256_BYTES];
	EVP_PKEY *pub;
	time_t not_before, not_after;
} verifier_entry;

struct fl_verifier {
	X509_STORE *store;
	verifier_entry *cache;
	size_t ncache, capcache;
};

static int key_supported(EVP_PKEY *pkey)
{
	int id = EVP_PKEY_get_base_id(pkey);

	if (id == EVP_PKEY_ED25519)
		return 1;
	return id == EVP_PKEY_EC && EVP_PKEY_get_bits(pkey) == 256;
}

int fl_sign_key_from_pkey(void *evp_pkey, fl_sign_key **out)
{
	EVP_PKEY *pkey = evp_pkey;
	fl_sign_key *k;

	if (!pkey || !out)
		return FL_E_INVAL;
	if (!key_supported(pkey))
		return FL_E_UNSUPPORTED;
	if (!(k = calloc(1, sizeof(*k))) || EVP_PKEY_up_ref(pkey) != 1) {
		free(k);
		return FL_E_NOMEM;
	}
	k->pkey = pkey;
	*out = k;
	return 0;
}

int fl_sign_key_load_pem(const char *pem, size_t len, fl_sign_key **out)
{
	fl_sign_key *k = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int r;

	if (!pem || !out || len == 0 || len > FL_SIGN_MAX_PEM)
		return FL_E_INVAL;
	if (!(bio = BIO_new_mem_buf(pem, (int)len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (!(pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
		r = FL_E_PARSE;
		goto out;
	}
	if (!key_supported(pkey)) {
		r = FL_E_UNSUPPORTED;
		goto out;
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		r = FL_E_NOMEM;
		goto out;
	}
	k->pkey = pkey;
	pkey = NULL;
	*out = k;
	r = 0;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return r;
}

void fl_sign_key_free(fl_sign_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

static const EVP_MD *sig_md(EVP_PKEY *pkey)
{
	return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

int fl_sign(fl_sign_key *key, const uint8_t *msg, size_t msglen,
	    uint8_t sig[static FL_SIG_MAX_BYTES], size_t *siglen)
{
	EVP_MD_CTX *md = NULL;
	size_t n = FL_SIG_MAX_BYTES;
	int r = FL_E_CRYPTO;

	if (!key || !msg || !siglen)
		return FL_E_INVAL;
	if (!(md = EVP_MD_CTX_new()))
		return FL_E_NOMEM;
	if (EVP_DigestSignInit(md, NULL, sig_md(key->pkey), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(md, sig, &n, msg, msglen) != 1)
		goto out;
	*siglen = n;
	r = 0;
out:
	EVP_MD_CTX_free(md);
	return r;
}

int fl_verifier_new(const char *ca_pem, size_t ca_len, const char *crl_pem,
		    size_t crl_len, fl_verifier **out)
{
	fl_verifier *v = NULL;
	BIO *bio = NULL;
	X509 *ca = NULL;
	X509_CRL *crl = NULL;
	int r = FL_E_PARSE, nca = 0;

	if (!ca_pem || !out || ca_len == 0 || ca_len > FL_SIGN_MAX_PEM ||
	    (crl_pem && (crl_len == 0 || crl_len > FL_SIGN_MAX_PEM)))
		return FL_E_INVAL;
	if (!(v = calloc(1, sizeof(*v))) || !(v->store = X509_STORE_new()) ||
	    !(bio = BIO_new_mem_buf(ca_pem, (int)ca_len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(v->store, ca) != 1)
			goto out;
		X509_free(ca);
		ca = NULL;
		nca++;
	}
	if (nca == 0)
		goto out;
	if (crl_pem) {
		BIO_free(bio);
		if (!(bio = BIO_new_mem_buf(crl_pem, (int)crl_len))) {
			r = FL_E_NOMEM;
			goto out;
		}
		if (!(crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) ||
		    X509_STORE_add_crl(v->store, crl) != 1)
			goto out;
		X509_STORE_set_flags(v->store, X509_V_FLAG_CRL_CHECK);
	}
	*out = v;
	v = NULL;
	r = 0;
out:
	X509_free(ca);
	X509_CRL_free(crl);
	BIO_free(bio);
	fl_verifier_free(v);
	return r;
}

void fl_verifier_free(fl_verifier *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ncache; i++)
		EVP_PKEY_free(v->cache[i].pub);
	free(v->cache);
	X509_STORE_free(v->store);
	free(v);
}

size_t fl_verifier_cached(const fl_verifier *v)
{
	return v ? v->ncache : 0;
}

/* The certificate's validity period as time_t. FL_E_AUTH if unreadable. */
static int cert_validity(const X509 *cert, time_t *nb, time_t *na)
{
	const ASN1_TIME *t[2] = { X509_get0_notBefore(cert), X509_get0_notAfter(cert) };
	time_t *out[2] = { nb, na };
	struct tm tm;

	for (int i = 0; i < 2; i++) {
		memset(&tm, 0, sizeof(tm));
		if (!t[i] || ASN1_TIME_to_tm(t[i], &tm) != 1)
			return FL_E_AUTH;
		*out[i] = timegm(&tm);
	}
	return 0;
}

/* Chain check of one certificate; on success *pub is its (new) public key
 * and e's validity period is set. */
static int verify_chain(fl_verifier *v, const char *pem, size_t len, EVP_PKEY **pub,
			verifier_entry *e)
{
	X509_STORE_CTX *sctx = NULL;
	X509 *cert = NULL;
	BIO *bio = NULL;
	int r = FL_E_PARSE, err;

	if (!(bio = BIO_new_mem_buf(pem, (int)len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (!(cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		goto out;
	if (!(sctx = X509_STORE_CTX_new()) ||
	    X509_STORE_CTX_init(sctx, v->store, cert, NULL) != 1) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (X509_verify_cert(sctx) != 1) {
		err = X509_STORE_CTX_get_error(sctx);
		r = err == X509_V_ERR_CERT_REVOKED ? FL_E_REVOKED : FL_E_AUTH;
		goto out;
	}
	if ((r = cert_validity(cert, &e->not_before, &e->not_after)) != 0)
		goto out;
	if (!(*pub = X509_get_pubkey(cert)) || !key_supported(*pub)) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
		r = FL_E_AUTH;
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		ERR_clear_error();
	X509_STORE_CTX_free(sctx);
	X509_free(cert);
	BIO_free(bio);
	return r;
}

static int cache_lookup(fl_verifier *v, const char *pem, size_t len,
			EVP_PKEY **pub)
{
	uint8_t fp[crypto_hash_sha256_BYTES];
	verifier_entry *e;
	int r;

	crypto_hash_sha256(fp, (const unsigned char *)pem, len);
	for (size_t i = 0; i < v->ncache; i++) {
		if (memcmp(v->cache[i].fp, fp, sizeof(fp)) == 0) {
			time_t now = time(NULL);

			/* The chain and CRL do not change for this verifier,
			 * but time moves on: expired (or not yet valid)
			 * certificates are refused as a fresh check would. */
			if (now < v->cache[i].not_before || now > v->cache[i].not_after)
				return FL_E_AUTH;
			*pub = v->cache[i].pub;
			return 0;
		}
	}
	if (v->ncache == v->capcache) {
		size_t cap = v->capcache ? 2 * v->capcache : 16;

		if (!(e = realloc(v->cache, cap * sizeof(*e))))
			return FL_E_NOMEM;
		v->cache = e;
		v->capcache = cap;
	}
	e = &v->cache[v->ncache];
	if ((r = verify_chain(v, pem, len, pub, e)) != 0)
		return r;
	memcpy(e->fp, fp, sizeof(fp));
	e->pub = *pub;
	v->ncache++;
	return 0;
}

int fl_verifier_check(fl_verifier *v, const char *cert_pem, size_t cert_len,
		      const uint8_t *msg, size_t msglen, const uint8_t *sig,
		      size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pub = NULL;   /* borrowed from the cache */
	int r;

	if (!v || !cert_pem || !msg || !sig)
		return FL_E_INVAL;
	if (cert_len == 0 || cert_len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	if (siglen == 0 || siglen > FL_SIG_MAX_BYTES)
		return FL_E_VERIFY;
	if ((r = cache_lookup(v, cert_pem, cert_len, &pub)) != 0)
		return r;
	if (!(md = EVP_MD_CTX_new()))
		return FL_E_NOMEM;
	r = FL_E_VERIFY;
	if (EVP_DigestVerifyInit(md, NULL, sig_md(pub), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1)
		r = 0;
	else
		ERR_clear_error();
	EVP_MD_CTX_free(md);
	return r;
}
