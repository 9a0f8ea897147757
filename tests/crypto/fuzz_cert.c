/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cert: untrusted certificates (an advert carries one) into
 * fl_pki_cert_info, fl_verifier_check and fl_verifier_new.
 *
 * Input: one mode byte, then the certificate bytes.
 *   mode bit 0: the bytes are DER; they are wrapped in PEM armour here, so
 *               the fuzzer mutates the ASN.1 itself (the APIs take PEM);
 *               otherwise the bytes are the PEM text as sent;
 *   mode bit 1: check against the verifier that also has a CRL;
 *   mode bit 2: also load the bytes as a CA bundle (fl_verifier_new).
 * The signature checked is a real one of a fixed message by a site of the
 * test CA, so a certificate that still verifies must carry that site's key.
 * Checked properties: no crash or sanitizer report; every return code is
 * one the headers document; fl_pki_cert_info's strings are terminated and
 * the fingerprint is 64 lowercase hex digits; a certificate that verifies
 * also parses in fl_pki_cert_info. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_test_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fz_msg[] = "fedc fuzz_cert: a message signed by site-1";

static struct {
	int ready;
	fl_test_ca ca;
	fl_test_site site;
	fl_verifier *ver, *ver_crl;
	uint8_t sig[FL_SIG_MAX_BYTES];
	size_t siglen;
} fz;

static void fz_die(const char *what)
{
	fprintf(stderr, "fuzz_cert: %s\n", what);
	abort();
}

/* (Re)makes both verifiers. Their caches are keyed by the PEM text, so
 * every spelling of a valid certificate (other line breaks, text after the
 * END line) adds an entry: start afresh now and then to bound memory. */
static void fz_verifiers(void)
{
	long revoked[] = { 77 };
	size_t crl_len = 0;
	char *crl = NULL;

	fl_verifier_free(fz.ver);
	fl_verifier_free(fz.ver_crl);
	fz.ver = fz.ver_crl = NULL;
	if (fl_verifier_new(fz.ca.pem, fz.ca.pem_len, NULL, 0, &fz.ver) != 0 ||
	    !(crl = fl_test_crl(&fz.ca, revoked, 1, &crl_len)))
		fz_die("verifier setup failed");
	if (fl_verifier_new(fz.ca.pem, fz.ca.pem_len, crl, crl_len, &fz.ver_crl) != 0)
		fz_die("CRL setup failed");
	free(crl);
}

static void fz_setup(void)
{
	fl_sign_key *key = NULL;

	if (sodium_init() < 0 || fl_test_ca_new("fedc fuzz CA", &fz.ca) != 0 ||
	    fl_test_site_new(&fz.ca, "site-1", 5, 0, &fz.site) != 0 ||
	    fl_sign_key_load_pem(fz.site.key_pem, fz.site.key_len, &key) != 0 ||
	    fl_sign(key, fz_msg, sizeof(fz_msg), fz.sig, &fz.siglen) != 0)
		fz_die("setup failed");
	fl_sign_key_free(key);
	fz_verifiers();
	/* the real certificate must verify, or the target tests nothing */
	if (fl_verifier_check(fz.ver, fz.site.cert_pem, fz.site.cert_len, fz_msg,
			      sizeof(fz_msg), fz.sig, fz.siglen) != 0)
		fz_die("the test site's certificate does not verify");
	fz.ready = 1;
}

/* PEM armour around der (64-column base64). Caller frees; NULL if out of
 * memory. */
static char *fz_pem_of_der(const uint8_t *der, size_t n, size_t *len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	size_t b64 = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	size_t cap = sizeof(head) + b64 + b64 / 64 + 2 + sizeof(tail);
	char *enc = malloc(b64), *pem = malloc(cap), *p;

	if (!enc || !pem) {
		free(enc);
		free(pem);
		return NULL;
	}
	sodium_bin2base64(enc, b64, der, n, sodium_base64_VARIANT_ORIGINAL);
	p = pem;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (size_t i = 0, e = strlen(enc); i < e; i += 64) {
		size_t k = e - i < 64 ? e - i : 64;

		memcpy(p, enc + i, k);
		p += k;
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	*len = (size_t)(p - pem);
	free(enc);
	return pem;
}

static void fz_check_info(const fl_cert_info *ci)
{
	if (memchr(ci->cn, 0, sizeof(ci->cn)) == NULL ||
	    memchr(ci->role, 0, sizeof(ci->role)) == NULL ||
	    memchr(ci->serial, 0, sizeof(ci->serial)) == NULL ||
	    strlen(ci->fingerprint) != 64)
		fz_die("fl_pki_cert_info: unterminated or short field");
	for (size_t i = 0; i < 64; i++)
		if (!((ci->fingerprint[i] >= '0' && ci->fingerprint[i] <= '9') ||
		      (ci->fingerprint[i] >= 'a' && ci->fingerprint[i] <= 'f')))
			fz_die("fl_pki_cert_info: fingerprint is not lowercase hex");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fl_cert_info ci;
	fl_verifier *v = NULL;
	char *pem = NULL;
	size_t len = 0;
	uint8_t mode;
	int ri, rv;

	if (!fz.ready)
		fz_setup();
	else if (fl_verifier_cached(fz.ver) + fl_verifier_cached(fz.ver_crl) > 256)
		fz_verifiers();
	if (size < 1 || size > FL_SIGN_MAX_PEM)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (mode & 1) {
		if (!(pem = fz_pem_of_der(data, size, &len)))
			return 0;
	} else {
		/* a private, exact-size copy, so ASan sees any over-read */
		if (size == 0 || !(pem = malloc(size)))
			return 0;
		memcpy(pem, data, size);
		len = size;
	}
	memset(&ci, 0, sizeof(ci));
	ri = fl_pki_cert_info(pem, len, &ci);
	if (ri == 0)
		fz_check_info(&ci);
	else if (ri != FL_E_PARSE && ri != FL_E_TOOBIG && ri != FL_E_NOMEM &&
		 ri != FL_E_INVAL)
		fz_die("fl_pki_cert_info: undocumented error");
	rv = fl_verifier_check((mode & 2) ? fz.ver_crl : fz.ver, pem, len, fz_msg,
			       sizeof(fz_msg), fz.sig, fz.siglen);
	if (rv != 0 && rv != FL_E_PARSE && rv != FL_E_AUTH && rv != FL_E_REVOKED &&
	    rv != FL_E_VERIFY && rv != FL_E_NOMEM)
		fz_die("fl_verifier_check: undocumented error");
	if (rv == 0 && ri != 0)
		fz_die("a certificate verifies but fl_pki_cert_info cannot read it");
	if (mode & 4) {
		rv = fl_verifier_new(pem, len, NULL, 0, &v);
		if (rv != 0 && rv != FL_E_PARSE && rv != FL_E_NOMEM && rv != FL_E_INVAL)
			fz_die("fl_verifier_new: undocumented error");
		if (rv == 0 && fl_verifier_check(v, fz.site.cert_pem, fz.site.cert_len,
						 fz_msg, sizeof(fz_msg), fz.sig,
						 fz.siglen) == FL_E_NOMEM)
			fz_die("fl_verifier_check: out of memory");
		fl_verifier_free(v);
	}
	free(pem);
	return 0;
}
