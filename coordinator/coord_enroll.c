/* SPDX-License-Identifier: Apache-2.0 */
/* coord_enroll: the Enroll RPC (a site with a one-time token gets its
 * certificate from the online CA) and Control/IssueEnrollToken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_ca.h"
#include "coord_certs.h"
#include "coord_enroll.h"
#include "coord_members.h"
#include "coord_service.h"
#include "coord_testhook.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"
#include "fl_util.h"

#define TOKEN_PREFIX "fedc1."
#define TOKEN_RAND_BYTES 20
#define TOKEN_TTL_MAX_S (90u * 24u * 3600u)

static void hexify(const uint8_t *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void coord_enroll_token_hash(const char *token, char hash_hex[65])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
	hexify(h, sizeof(h), hash_hex);
}

int coord_enroll_token_make(const char *ca_pem, char token[FL_ENROLL_TOKEN_BYTES],
			    char hash_hex[65])
{
	uint8_t rnd[TOKEN_RAND_BYTES];
	char rhex[2 * TOKEN_RAND_BYTES + 1];
	fl_cert_info ci;
	int r;

	if (!ca_pem || !token || !hash_hex)
		return FL_E_INVAL;
	if ((r = fl_pki_cert_info(ca_pem, strlen(ca_pem), &ci)) != 0)
		return r;
	randombytes_buf(rnd, sizeof(rnd));
	hexify(rnd, sizeof(rnd), rhex);
	snprintf(token, FL_ENROLL_TOKEN_BYTES, TOKEN_PREFIX "%.8s.%s",
		 ci.fingerprint, rhex);
	coord_enroll_token_hash(token, hash_hex);
	sodium_memzero(rnd, sizeof(rnd));
	sodium_memzero(rhex, sizeof(rhex));
	return 0;
}

/* The site must be registered with role site and not revoked. */
static int site_ok(coord_store *st, const char *site, char *msg)
{
	coord_site_row row;
	int r;

	if ((r = coord_store_site_get(st, site, &row)) != 0) {
		fl_errmsg_set(msg, r == FL_E_NOTFOUND ? "unknown site '%s': add it "
			      "first ('fedctl site add %s')" : "cannot read site '%s'",
			      site, site);
		return r == FL_E_NOTFOUND ? FL_E_NOTFOUND : r;
	}
	if (strcmp(row.info.role, FL_ROLE_SITE) != 0) {
		fl_errmsg_set(msg, "'%s' has role %s: only sites enroll by token",
			      site, row.info.role);
		return FL_E_INVAL;
	}
	if (row.info.revoked) {
		fl_errmsg_set(msg, "site '%s' is revoked", site);
		return FL_E_DENIED;
	}
	return 0;
}

/* With the CA online, the member list follows enrollments and renewals
 * (a renewed certificate has a new key); a failure is logged, the
 * certificate stays issued. */
static void members_note(coord_service *svc, const char *site, const char *cert,
			 size_t certlen)
{
	char why[FL_ERRMSG_BYTES] = "";

	if (coord_members_add_site(svc->members, svc->ca, site, cert, certlen, why) != 0)
		fl_error("site '%s' is not on the member list: %s", site, why);
}

/* What Enroll and Renew do once a certificate (cert, certlen bytes) is
 * issued to site: the audit row (action, detail), the certificate noted,
 * the member list updated, and *rep filled (cert_pem borrows cert) and
 * encoded into *out. The encoder's result. */
static int issued_reply(coord_service *svc, const char *site, const char *action,
			const char *detail, char *cert, size_t certlen,
			const char *serial, int64_t not_after, int64_t now,
			fl_msg_enroll_reply *rep, uint8_t **out, size_t *outlen)
{
	size_t calen = 0;

	coord_store_audit(svc->st, site, action, detail, now);
	coord_certs_note_pem(svc->certs, svc->st, site, cert, now);
	members_note(svc, site, cert, certlen);
	snprintf(rep->site, sizeof(rep->site), "%s", site);
	snprintf(rep->serial, sizeof(rep->serial), "%s", serial);
	rep->cert_pem = cert;
	rep->ca_pem = (char *)coord_ca_cert_pem(svc->ca, &calen);
	rep->not_after_ms = not_after;
	rep->renew_days = coord_ca_renew_days(svc->ca);
	return fl_codec_encode_enroll_reply(rep, out, outlen);
}

static int ca_online(coord_service *svc, char *msg)
{
	if (svc->ca)
		return 0;
	fl_errmsg_set(msg, "this coordinator's CA is offline: certify the site by "
		      "hand ('fedc-agent csr' at the site, 'fedctl ca sign' by the "
		      "CA operator)");
	return FL_E_STATE;
}

void coord_enroll_enroll(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	fl_msg_enroll_req req;
	fl_msg_enroll_reply rep;
	char msg[FL_ERRMSG_BYTES] = "", hash[65], site[FL_NAME_BYTES] = "";
	char serial[80] = "", detail[200], *cert = NULL;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0, certlen = 0;
	int64_t not_after = 0, now = fl_time_ms();
	unsigned n = coord_testhook_enroll_seq();
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	/* No client certificate is needed (nor looked at): the token is the
	 * credential. The channel is TLS, authenticated by our certificate. */
	if ((r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	coord_testhook_enroll_dump("req", n, buf, len);
	if ((r = ca_online(svc, msg)) != 0)
		goto out;
	if ((r = coord_svc_bad(fl_codec_decode_enroll_req(buf, len, &req),
			       "EnrollRequest", msg)) != 0)
		goto out;
	coord_enroll_token_hash(req.token, hash);
	if ((r = coord_store_token_peek(svc->st, hash, now, site, msg)) != 0) {
		if (r == FL_E_NOTFOUND)
			r = FL_E_DENIED;
		goto out;
	}
	if ((r = site_ok(svc->st, site, msg)) != 0) {
		if (r == FL_E_NOTFOUND)
			r = FL_E_DENIED;
		goto out;
	}
	if ((r = coord_ca_issue_site(svc->ca, req.csr_pem, strlen(req.csr_pem),
				     site, &cert, &certlen, serial, &not_after,
				     msg)) != 0) {
		if (r != FL_E_NOMEM && r != FL_E_DB)
			r = FL_E_INVAL;
		goto out;
	}
	/* used only now: a bad CSR leaves the token usable; of two concurrent
	 * enrollments with one token, one wins here and the other is refused */
	if ((r = coord_store_token_use(svc->st, hash, now, site, msg)) != 0) {
		if (r == FL_E_NOTFOUND)
			r = FL_E_DENIED;
		goto out;
	}
	snprintf(detail, sizeof(detail), "serial %s not_after_ms %lld agent %.40s",
		 serial, (long long)not_after, req.agent_version);
	fl_info("site '%s' enrolled by token (certificate serial %s)", site, serial);
	if ((r = issued_reply(svc, site, "enroll", detail, cert, certlen, serial,
			      not_after, now, &rep, &out, &outlen)) != 0) {
		coord_svc_encoded(r, "the reply", msg);
		goto out;
	}
	coord_testhook_enroll_dump("reply", n, out, outlen);
	r = coord_svc_send(call, out, outlen, msg);
out:
	if (r)
		fl_warn("refused Enroll%s%s: %s", site[0] ? " for " : "", site, msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	sodium_memzero(req.token, sizeof(req.token));
	fl_msg_enroll_req_clear(&req);
	free(cert);
	free(buf);
}

int coord_ctl_issue_token(coord_unary *u)
{
	fl_msg_enroll_token_req req;
	fl_msg_enroll_token rep;
	char hash[65], detail[160];
	int64_t now = fl_time_ms();
	uint32_t ttl;
	int r;

	memset(&rep, 0, sizeof(rep));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_enroll_token_req, &req,
				    "EnrollTokenRequest")) != 0)
		goto out;
	if ((r = ca_online(u->svc, u->msg)) != 0 ||
	    (r = site_ok(u->svc->st, req.site, u->msg)) != 0)
		goto out;
	ttl = req.ttl_s ? req.ttl_s : coord_ca_token_ttl_s(u->svc->ca);
	if (ttl == 0 || ttl > TOKEN_TTL_MAX_S) {
		fl_errmsg_set(u->msg, "token lifetime %u s: use 1 s to 90 days", ttl);
		r = FL_E_RANGE;
		goto out;
	}
	if ((r = coord_svc_failed(coord_enroll_token_make(coord_ca_cert_pem(u->svc->ca,
									   NULL),
							  rep.token, hash),
				  "cannot make a token", u->msg)) != 0)
		goto out;
	snprintf(rep.site, sizeof(rep.site), "%s", req.site);
	rep.expires_ms = now + (int64_t)ttl * 1000;
	if ((r = coord_svc_failed(coord_store_token_put(u->svc->st, hash, req.site, now,
							rep.expires_ms, u->who->cn),
				  "cannot store the token", u->msg)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "site %s expires_ms %lld (token sha256 "
		 "%.16s...)", req.site, (long long)rep.expires_ms, hash);
	coord_store_audit(u->svc->st, u->who->cn, "issue enroll token", detail, now);
	fl_info("enrollment token for '%s' issued by %s (valid %u s)", req.site,
		u->who->cn, ttl);
	u->secret_out = true;   /* the token: wiped once sent */
	r = COORD_UNARY_REPLY(u, fl_codec_encode_enroll_token, &rep, "the reply");
out:
	sodium_memzero(&rep, sizeof(rep));
	return r;
}

void coord_agent_renew(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	fl_msg_enroll_req req;
	fl_msg_enroll_reply rep;
	coord_caller who;
	char msg[FL_ERRMSG_BYTES] = "", serial[80] = "", detail[160], *cert = NULL;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0, certlen = 0;
	int64_t not_after = 0, now = fl_time_ms();
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	/* mutual TLS: a registered, unrevoked site (coord_auth) */
	if ((r = coord_svc_begin(svc, call, &who, &buf, &len, msg)) != 0 ||
	    (r = ca_online(svc, msg)) != 0)
		goto out;
	if ((r = coord_svc_bad(fl_codec_decode_enroll_req(buf, len, &req),
			       "RenewRequest", msg)) != 0)
		goto out;
	if ((r = coord_ca_issue_site(svc->ca, req.csr_pem, strlen(req.csr_pem),
				     who.cn, &cert, &certlen, serial, &not_after,
				     msg)) != 0) {
		if (r != FL_E_NOMEM)
			r = FL_E_INVAL;
		goto out;
	}
	snprintf(detail, sizeof(detail), "serial %s not_after_ms %lld", serial,
		 (long long)not_after);
	fl_info("site '%s' renewed its certificate (serial %s)", who.cn, serial);
	r = issued_reply(svc, who.cn, "renew certificate", detail, cert, certlen,
			 serial, not_after, now, &rep, &out, &outlen);
	r = coord_svc_reply(call, r, out, outlen, "the reply", msg);
out:
	if (r)
		fl_warn("refused Renew from '%s': %s", who.cn, msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	fl_msg_enroll_req_clear(&req);
	free(cert);
	free(buf);
}
