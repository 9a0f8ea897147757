/* SPDX-License-Identifier: Apache-2.0 */
/* agent_renew: renews the site's certificate before it expires, without
 * operator work: checked at start and about hourly between round attempts;
 * a new key and CSR are made here, Agent/Renew certifies them, the pair is
 * swapped on disk and the TLS channel and signing key are reloaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_ca.h"
#include "fl_codec_enroll.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"
#include "fl_util.h"
#include "fl_wipe.h"

#define RENEW_CHECK_MS (3600 * 1000)
#define RENEW_RETRY_MS (10 * 60 * 1000)

static X509 *cert_parse(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static int64_t asn1_ms(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm) * 1000;
}

/* True if the key (PEM) belongs to the certificate (PEM). */
static bool pair_ok(const char *cert, size_t clen, const char *key, size_t klen)
{
	X509 *x = cert_parse(cert, clen);
	BIO *b = BIO_new_mem_buf(key, (int)klen);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	bool ok = x && k && X509_check_private_key(x, k) == 1;

	EVP_PKEY_free(k);
	BIO_free(b);
	X509_free(x);
	return ok;
}

/* The swap writes key.new and cert.new, then renames the key, then the
 * certificate. A crash between the renames leaves the new key beside
 * cert.new: finish the swap at start. */
void agent_renew_init(fl_agent *a)
{
	char path[FL_PATH_BYTES + 8];
	char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;

	a->renew_days = a->cfg.renew_days ? a->cfg.renew_days :
		FL_CA_DEFAULT_RENEW_DAYS;
	a->renew_next_ms = 0;
	snprintf(path, sizeof(path), "%s.new", a->cfg.tls.cert);
	if (access(path, F_OK) != 0)
		return;
	if (fl_file_read(path, FL_SIGN_MAX_PEM, &cert, &clen) == 0 &&
	    fl_file_read(a->cfg.tls.key, FL_SIGN_MAX_PEM, &key, &klen) == 0 &&
	    pair_ok(cert, clen, key, klen) && rename(path, a->cfg.tls.cert) == 0)
		fl_warn("finished an interrupted certificate renewal (%s)",
			a->cfg.tls.cert);
	else
		unlink(path);
	fl_wipe_free(key, klen);
	free(cert);
}

/* Asks for a new certificate and swaps key and certificate on disk. */
static int renew(fl_agent *a, const char *cn)
{
	fl_msg_enroll_req req;
	fl_msg_enroll_reply rep;
	fl_rpc_status st;
	fl_cert_info ci;
	char kpath[FL_PATH_BYTES + 8], cpath[FL_PATH_BYTES + 8];
	char *key = NULL, *csr = NULL;
	uint8_t *buf = NULL, *resp = NULL;
	size_t klen = 0, clen = 0, len = 0, rlen = 0;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	memset(&st, 0, sizeof(st));
	if ((r = fl_ca_keygen_csr(cn, &key, &klen, &csr, &clen)) != 0) {
		fl_error("renewal: cannot make a key: %s", fl_strerror(r));
		goto out;
	}
	req.csr_pem = csr;
	if ((r = fl_codec_encode_enroll_req(&req, &buf, &len)) != 0)
		goto out;
	if ((r = fl_rpc_unary(a->ch, FL_RPC_AGENT_RENEW, buf, len,
			      AGENT_MIN_CALL_TIMEOUT_MS, &resp, &rlen, &st)) != 0) {
		fl_warn("renewal refused or failed: %s (status %d); retrying later",
			st.detail, st.code);
		goto out;
	}
	if ((r = fl_codec_decode_enroll_reply(resp, rlen, &rep)) != 0 ||
	    (r = fl_pki_cert_info(rep.cert_pem, strlen(rep.cert_pem), &ci)) != 0 ||
	    strcmp(ci.cn, cn) != 0 ||
	    !pair_ok(rep.cert_pem, strlen(rep.cert_pem), key, klen)) {
		fl_error("renewal: the coordinator's reply is not a certificate for "
			 "'%s' and the new key", cn);
		r = r ? r : FL_E_VERIFY;
		goto out;
	}
	snprintf(kpath, sizeof(kpath), "%s.new", a->cfg.tls.key);
	snprintf(cpath, sizeof(cpath), "%s.new", a->cfg.tls.cert);
	if ((r = fl_file_write(kpath, key, klen, 0600)) != 0 ||
	    (r = fl_file_write(cpath, rep.cert_pem, strlen(rep.cert_pem), 0644)) != 0) {
		fl_error("renewal: cannot write the new key or certificate: %s",
			 fl_strerror(r));
		unlink(kpath);
		unlink(cpath);
		goto out;
	}
	/* key first; agent_renew_init finishes a swap cut short here */
	if (rename(kpath, a->cfg.tls.key) != 0 || rename(cpath, a->cfg.tls.cert) != 0) {
		fl_error("renewal: cannot put the new key and certificate in place");
		r = FL_E_IO;
		goto out;
	}
	if (a->cfg.renew_days == 0 && rep.renew_days >= 1 && rep.renew_days <= 365)
		a->renew_days = rep.renew_days;   /* the site's own setting wins */
	fl_info("renewed the site certificate: serial %s, valid until %lld ms",
		rep.serial, (long long)rep.not_after_ms);
	r = 0;
out:
	fl_wipe_free(key, klen);
	free(csr);
	free(buf);
	free(resp);
	fl_msg_enroll_reply_clear(&rep);
	return r;
}

int agent_renew_maybe(fl_agent *a)
{
	int64_t now = fl_time_ms(), nb, na, left;
	fl_cert_info ci;
	X509 *x;
	bool forced;
	int r;

	if (a->sa.c != NULL)   /* never in the middle of a round attempt */
		return 0;
	forced = agent_testhook_renew_take(AGENT_TESTHOOK(a));   /* test builds only */
	if (!forced && now < a->renew_next_ms)
		return 0;
	a->renew_next_ms = now + RENEW_CHECK_MS;
	if (!a->cert_pem || (x = cert_parse(a->cert_pem, a->cert_len)) == NULL)
		return 0;
	nb = asn1_ms(X509_get0_notBefore(x));
	na = asn1_ms(X509_get0_notAfter(x));
	X509_free(x);
	left = na - now;
	/* fewer than renew_days left, and fewer than a third of the lifetime
	 * (no renewal loop with short-lived certificates) */
	if (!forced && !(left < (int64_t)a->renew_days * 86400000 &&
			       left < (na - nb) / 3))
		return 0;
	if (fl_pki_cert_info(a->cert_pem, a->cert_len, &ci) != 0)
		return 0;
	fl_info("renewing the site certificate (%lld h left)",
		(long long)(left / 3600000));
	if ((r = renew(a, ci.cn)) != 0) {
		a->renew_next_ms = now + RENEW_RETRY_MS;
		return r;
	}
	/* reload between rounds: signing key, certificate, channel */
	agent_keys_free(a);
	if ((r = agent_keys_load(a)) != 0 || (r = agent_channel_open(a)) != 0) {
		fl_error("cannot load the renewed key and certificate: %s",
			 fl_strerror(r));
		return r;
	}
	return 0;
}
