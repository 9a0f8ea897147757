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
#include <openssl/err.h>
#include "fl_err.h"
#include "fl_pki_int.h"
#include "fl_sign.h"

struct fl_sign_key {
	EVP_PKEY *pkey;
};

/* A certificate whose chain checked, with its validity period: a cache hit
 * is re-checked against the clock, so a certificate that expires while the
 * verifier lives is refused from then on. facts are read from the same
 * parse, so a certificate is parsed once per verifier. */
typedef struct verifier_entry {
	uint8_t fp[crypto_hash_sha256_BYTES];   /* of the PEM text */
	EVP_PKEY *pub;
	EVP_PKEY_CTX *ec;   /* ECDSA keys: verify context, set up at first use */
	time_t not_before, not_after;
	fl_cert_facts facts;
} verifier_entry;

/* cache holds ncache entries in the order they were checked (a handle is
 * an index); slot is an open-addressing index of them by fp (entry + 1,
 * 0 for an empty slot), nslot a power of two over twice ncache. */
struct fl_verifier {
	X509_STORE *store;
	verifier_entry *cache;
	size_t ncache, capcache;
	uint32_t *slot;
	size_t nslot;
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
	X509_CRL *crl = NULL;
	int r;

	if (!ca_pem || !out || ca_len == 0 || ca_len > FL_SIGN_MAX_PEM ||
	    (crl_pem && (crl_len == 0 || crl_len > FL_SIGN_MAX_PEM)))
		return FL_E_INVAL;
	if (!(v = calloc(1, sizeof(*v))) || !(v->store = X509_STORE_new())) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_pki_store_add_pem(v->store, ca_pem, ca_len)) != 0)
		goto out;
	if (crl_pem) {
		if ((r = fl_pki_pem_crl(crl_pem, crl_len, &crl)) != 0)
			goto out;
		if (X509_STORE_add_crl(v->store, crl) != 1) {
			r = FL_E_PARSE;
			goto out;
		}
		X509_STORE_set_flags(v->store, X509_V_FLAG_CRL_CHECK);
	}
	*out = v;
	v = NULL;
out:
	X509_CRL_free(crl);
	fl_verifier_free(v);
	return r;
}

void fl_verifier_free(fl_verifier *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->ncache; i++) {
		EVP_PKEY_CTX_free(v->cache[i].ec);
		EVP_PKEY_free(v->cache[i].pub);
	}
	free(v->cache);
	free(v->slot);
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

static void facts_fill(X509 *cert, fl_cert_facts *f)
{
	f->info_err = fl_pki_x509_info(cert, &f->info);
	f->pkhash_err = fl_pki_x509_pkhash(cert, f->pkhash);
}

int fl_cert_facts_read(const char *pem, size_t len, fl_cert_facts *f)
{
	X509 *cert = NULL;
	int r;

	if (!pem || !f || len == 0 || len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	memset(f, 0, sizeof(*f));
	if ((r = fl_pki_pem_x509(pem, len, &cert)) == 0)
		facts_fill(cert, f);
	ERR_clear_error();
	X509_free(cert);
	return r;
}

/* Chain check of one certificate; on success *pub is its (new) public key
 * and e's validity period is set. */
static int verify_chain(fl_verifier *v, const char *pem, size_t len, EVP_PKEY **pub,
			verifier_entry *e)
{
	X509_STORE_CTX *sctx = NULL;
	X509 *cert = NULL;
	int r, err;

	if ((r = fl_pki_pem_x509(pem, len, &cert)) != 0)
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
	facts_fill(cert, &e->facts);
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
	return r;
}

static size_t slot_of(const fl_verifier *v, const uint8_t *fp)
{
	uint64_t h;

	memcpy(&h, fp, sizeof(h));   /* a SHA-256: already uniform */
	return (size_t)h & (v->nslot - 1);
}

/* The index of the entry with fingerprint fp, or v->ncache if none. */
static size_t cache_find(const fl_verifier *v, const uint8_t *fp)
{
	if (v->nslot == 0)
		return v->ncache;
	for (size_t s = slot_of(v, fp); v->slot[s] != 0; s = (s + 1) & (v->nslot - 1))
		if (memcmp(v->cache[v->slot[s] - 1].fp, fp,
			   crypto_hash_sha256_BYTES) == 0)
			return v->slot[s] - 1;
	return v->ncache;
}

/* Room for one more entry in cache and slot. FL_E_NOMEM. */
static int cache_grow(fl_verifier *v)
{
	if (v->ncache == v->capcache) {
		size_t cap = v->capcache ? 2 * v->capcache : 16;
		verifier_entry *e = realloc(v->cache, cap * sizeof(*e));

		if (!e)
			return FL_E_NOMEM;
		v->cache = e;
		v->capcache = cap;
	}
	if (2 * (v->ncache + 1) > v->nslot) {
		size_t ns = v->nslot ? 2 * v->nslot : 64;
		uint32_t *sl = calloc(ns, sizeof(*sl));

		if (!sl || v->ncache >= UINT32_MAX) {
			free(sl);
			return FL_E_NOMEM;
		}
		free(v->slot);
		v->slot = sl;
		v->nslot = ns;
		for (size_t i = 0; i < v->ncache; i++) {
			size_t s = slot_of(v, v->cache[i].fp);

			while (v->slot[s] != 0)
				s = (s + 1) & (v->nslot - 1);
			v->slot[s] = (uint32_t)(i + 1);
		}
	}
	return 0;
}

/* The chain and CRL do not change for this verifier, but time moves on:
 * expired (or not yet valid) certificates are refused as a fresh check
 * would. */
static int entry_current(const verifier_entry *e)
{
	time_t now = time(NULL);

	return now < e->not_before || now > e->not_after ? FL_E_AUTH : 0;
}

int fl_verifier_cert(fl_verifier *v, const char *cert_pem, size_t cert_len,
		     size_t *cert, fl_cert_facts *facts)
{
	uint8_t fp[crypto_hash_sha256_BYTES];
	verifier_entry *e;
	EVP_PKEY *pub = NULL;
	size_t i;
	int r;

	if (!v || !cert_pem)
		return FL_E_INVAL;
	if (cert_len == 0 || cert_len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	crypto_hash_sha256(fp, (const unsigned char *)cert_pem, cert_len);
	if ((i = cache_find(v, fp)) == v->ncache) {
		if ((r = cache_grow(v)) != 0)
			return r;
		e = &v->cache[v->ncache];
		memset(e, 0, sizeof(*e));
		if ((r = verify_chain(v, cert_pem, cert_len, &pub, e)) != 0)
			return r;
		memcpy(e->fp, fp, sizeof(fp));
		e->pub = pub;
		for (size_t s = slot_of(v, fp);; s = (s + 1) & (v->nslot - 1))
			if (v->slot[s] == 0) {
				v->slot[s] = (uint32_t)(v->ncache + 1);
				break;
			}
		v->ncache++;
	}
	if ((r = entry_current(&v->cache[i])) != 0)
		return r;
	if (cert)
		*cert = i;
	if (facts)
		*facts = v->cache[i].facts;
	return 0;
}

/* ECDSA with SHA-256 as EVP_DigestVerify does it, with the key's verify
 * context fetched once and kept (EVP_PKEY_verify may be called again on
 * it): SHA-256 of msg, then the DER signature over the digest. */
static int verify_ecdsa(verifier_entry *e, const uint8_t *msg, size_t msglen,
			const uint8_t *sig, size_t siglen)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	if (!e->ec) {
		if (!(e->ec = EVP_PKEY_CTX_new(e->pub, NULL)))
			return FL_E_NOMEM;
		if (EVP_PKEY_verify_init(e->ec) != 1) {
			EVP_PKEY_CTX_free(e->ec);
			e->ec = NULL;
			ERR_clear_error();
			return FL_E_CRYPTO;
		}
	}
	crypto_hash_sha256(h, msg, msglen);
	if (EVP_PKEY_verify(e->ec, sig, siglen, h, sizeof(h)) == 1)
		return 0;
	ERR_clear_error();
	return FL_E_VERIFY;
}

int fl_verifier_check_cert(fl_verifier *v, size_t cert, const uint8_t *msg,
			   size_t msglen, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pub;   /* borrowed from the cache */
	int r;

	if (!v || !msg || !sig || cert >= v->ncache)
		return FL_E_INVAL;
	if (siglen == 0 || siglen > FL_SIG_MAX_BYTES)
		return FL_E_VERIFY;
	if ((r = entry_current(&v->cache[cert])) != 0)
		return r;
	pub = v->cache[cert].pub;
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC &&
	    (r = verify_ecdsa(&v->cache[cert], msg, msglen, sig, siglen)) != FL_E_CRYPTO)
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

int fl_verifier_check(fl_verifier *v, const char *cert_pem, size_t cert_len,
		      const uint8_t *msg, size_t msglen, const uint8_t *sig,
		      size_t siglen)
{
	size_t cert;
	int r;

	if (!v || !cert_pem || !msg || !sig)
		return FL_E_INVAL;
	if (cert_len == 0 || cert_len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	if (siglen == 0 || siglen > FL_SIG_MAX_BYTES)
		return FL_E_VERIFY;
	if ((r = fl_verifier_cert(v, cert_pem, cert_len, &cert, NULL)) != 0)
		return r;
	return fl_verifier_check_cert(v, cert, msg, msglen, sig, siglen);
}
