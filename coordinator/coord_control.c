/* SPDX-License-Identifier: Apache-2.0 */
/* coord_control: handlers of the Control service (what fedctl calls). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_ledger.h"
#include "coord_certs.h"
#include "coord_dp.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"
#include "fl_spec_sig.h"
#include "fl_util.h"

/* Encodes the job's current row as the reply. */
static int coord_ctl_job_reply(coord_unary *u, uint64_t id)
{
	fl_msg_job_info info;
	int r;

	if ((r = coord_store_job_get(u->svc->st, id, &info, NULL)) != 0) {
		fl_errmsg_set(u->msg, "cannot read job %llu: %s",
			      (unsigned long long)id, fl_strerror(r));
		return r;
	}
	return COORD_UNARY_REPLY(u, fl_codec_encode_job_info, &info, "the job");
}

int coord_ctl_spec_check(const coord_caller *who, const fl_msg_job_submit *req,
			 char *msg)
{
	const char *spec = req->spec ? req->spec : "";
	fl_cert_info ci;
	int r;

	if (req->spec_sig_len == 0 || req->spec_cert == NULL) {
		fl_errmsg_set(msg, "the job spec is not signed: every site refuses "
			      "unsigned specs; submit it with a fedctl that signs it "
			      "with your operator key");
		return FL_E_INVAL;
	}
	if (fl_pki_cert_info(req->spec_cert, strlen(req->spec_cert), &ci) != 0) {
		fl_errmsg_set(msg, "the spec signer's certificate does not parse");
		return FL_E_INVAL;
	}
	if (strcmp(ci.fingerprint, who->fingerprint) != 0) {
		fl_errmsg_set(msg, "the spec is signed by '%s', not by the caller "
			      "'%s': sign it with your own operator key", ci.cn,
			      who->cn);
		return FL_E_DENIED;
	}
	if (strcmp(who->role, FL_ROLE_ADMIN) != 0) {
		fl_errmsg_set(msg, "only an admin may sign and submit a job spec");
		return FL_E_DENIED;
	}
	if ((r = fl_spec_verify_self(spec, strlen(spec), req->spec_sig,
				     req->spec_sig_len, req->spec_cert,
				     strlen(req->spec_cert))) != 0) {
		fl_errmsg_set(msg, "the spec signature does not verify with your "
			      "certificate (%s)", fl_strerror(r));
		return FL_E_DENIED;
	}
	return 0;
}

int coord_ctl_submit_job(coord_unary *u)
{
	fl_msg_job_submit req;
	coord_spec_sig sig;
	uint64_t id = 0;
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_job_submit, &req,
				    "JobSubmit")) != 0 ||
	    (r = coord_ctl_spec_check(u->who, &req, u->msg)) != 0)
		goto out;
	sig.sig = req.spec_sig;
	sig.sig_len = req.spec_sig_len;
	sig.cert_pem = req.spec_cert;
	if ((r = coord_engine_submit_signed(u->svc->eng, req.spec ? req.spec : "",
					    &sig, u->who->cn, fl_time_ms(), &id,
					    u->msg)) != 0)
		goto out;
	r = coord_ctl_job_reply(u, id);
out:
	fl_msg_job_submit_clear(&req);
	return r;
}

int coord_ctl_list_jobs(coord_unary *u)
{
	fl_msg_job_list list = { NULL, 0 };
	int empty = 0, r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_empty, &empty, "Empty")) != 0)
		return r;
	r = coord_svc_failed(coord_store_job_list(u->svc->st, &list),
			     "cannot list jobs", u->msg);
	if (r == 0)
		r = COORD_UNARY_REPLY(u, fl_codec_encode_job_list, &list,
				      "the job list");
	fl_msg_job_list_clear(&list);
	return r;
}

int coord_ctl_get_job(coord_unary *u)
{
	fl_msg_job_status st;
	fl_msg_job_ref ref;
	char *spec = NULL;
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_job_ref, &ref, "JobRef")) != 0)
		goto out;
	if ((r = coord_svc_job_get(u->svc->st, ref.job_id, &st.job, &spec,
				   u->msg)) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_store_round_list(u->svc->st, ref.job_id,
							 &st.rounds, &st.nrounds),
				  "cannot read the rounds", u->msg)) != 0)
		goto out;
	(void)coord_dp_status(spec, st.rounds, st.nrounds, &st.privacy);
	if ((r = coord_svc_failed(coord_store_decline_list(u->svc->st, ref.job_id,
							   &st.declines,
							   &st.ndeclines),
				  "cannot read the declines", u->msg)) != 0)
		goto out;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_job_status, &st, "the job status");
out:
	free(spec);
	fl_msg_job_status_clear(&st);
	return r;
}

int coord_ctl_abort_job(coord_unary *u)
{
	fl_msg_job_ref ref;
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_job_ref, &ref, "JobRef")) != 0 ||
	    (r = coord_engine_abort(u->svc->eng, ref.job_id, u->who->cn, fl_time_ms(),
				    u->msg)) != 0)
		return r;
	return coord_ctl_job_reply(u, ref.job_id);
}

void coord_ctl_get_model(fl_rpc_call *call, void *ctx)
{
	coord_svc_get_model(ctx, call, false);
}

/* [A-Za-z0-9._-]{1,63} */
static int coord_ctl_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int coord_ctl_add_site(coord_unary *u)
{
	fl_msg_site_add req;
	coord_site_row row;
	const char *role;
	char detail[96];
	int64_t now = fl_time_ms();
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_site_add, &req, "SiteAdd")) != 0)
		return r;
	if (!coord_ctl_name_ok(req.name)) {
		fl_errmsg_set(u->msg, "bad site name '%.63s': use 1 to 63 of A-Z a-z 0-9 . _ -",
			      req.name);
		return FL_E_INVAL;
	}
	role = req.role[0] ? req.role : FL_ROLE_SITE;
	if (strcmp(role, FL_ROLE_SITE) != 0 && strcmp(role, FL_ROLE_ADMIN) != 0 &&
	    strcmp(role, FL_ROLE_VIEWER) != 0) {
		fl_errmsg_set(u->msg, "bad role '%s': use site, admin or viewer", role);
		return FL_E_INVAL;
	}
	if ((r = coord_store_site_add(u->svc->st, req.name, role, now)) != 0) {
		fl_errmsg_set(u->msg, r == FL_E_EXISTS ? "site '%s' already exists" :
			      "cannot add site '%s'", req.name);
		return r;
	}
	snprintf(detail, sizeof(detail), "site %s role %s", req.name, role);
	coord_store_audit(u->svc->st, u->who->cn, "add site", detail, now);
	fl_info("site '%s' (%s) added by %s", req.name, role, u->who->cn);
	if ((r = coord_store_site_get(u->svc->st, req.name, &row)) != 0) {
		fl_errmsg_set(u->msg, "cannot read site '%s' back", req.name);
		return r;
	}
	return COORD_UNARY_REPLY(u, fl_codec_encode_site_info, &row.info, "the site");
}

/* RevokeSite: refused from its next call; with the CA online, a new CRL
 * that the agents fetch at their next poll (then they refuse its keys). */
int coord_ctl_revoke_site(coord_unary *u)
{
	fl_msg_site_add req;
	coord_site_row row;
	char detail[160];
	uint64_t number = 0;
	size_t nserials = 0;
	int64_t now = fl_time_ms();
	int r, rc;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_site_add, &req, "SiteAdd")) != 0)
		return r;
	if ((r = coord_store_site_get(u->svc->st, req.name, &row)) != 0) {
		fl_errmsg_set(u->msg, r == FL_E_NOTFOUND ? "no site '%s' ('fedctl site "
			      "list' shows the sites)" : "cannot read site '%s'",
			      req.name);
		return r;
	}
	if (strcmp(row.info.role, FL_ROLE_SITE) != 0) {
		fl_errmsg_set(u->msg, "'%s' is an operator (%s), not a site: revoke its "
			      "certificate with 'fedctl ca revoke', then 'fedctl crl "
			      "publish'", req.name, row.info.role);
		return FL_E_INVAL;
	}
	if ((r = coord_store_site_set_revoked(u->svc->st, req.name, 1)) != 0) {
		fl_errmsg_set(u->msg, "cannot revoke site '%s': %s", req.name,
			      fl_strerror(r));
		return r;
	}
	rc = coord_certs_publish_crl(u->svc->certs, u->svc->st, u->svc->ca, now,
				     &number, &nserials);
	if (rc == 0)
		snprintf(detail, sizeof(detail), "site %s; CRL %llu (%zu serials)",
			 req.name, (unsigned long long)number, nserials);
	else
		snprintf(detail, sizeof(detail), "site %s; no CRL (%s)", req.name,
			 rc == FL_E_STATE ? "the CA is offline" : fl_strerror(rc));
	coord_store_audit(u->svc->st, u->who->cn, "revoke site", detail, now);
	if (rc == 0 && u->svc->srv)
		fl_rpc_server_flush(u->svc->srv);   /* held polls learn the CRL now */
	fl_warn("site '%s' revoked by %s: refused from its next call; %s", req.name,
		u->who->cn, rc == 0 ? "the agents get the new CRL at their next poll" :
		rc == FL_E_STATE ? "the CA is offline, so no CRL: publish one made "
		"with 'fedctl ca revoke' with 'fedctl crl publish'" :
		"the CRL could not be made");
	if ((r = coord_store_site_get(u->svc->st, req.name, &row)) == 0)
		r = fl_codec_encode_site_info(&row.info, &u->out, &u->outlen);
	return coord_svc_failed(r, "cannot send the site back", u->msg);
}

int coord_ctl_list_sites(coord_unary *u)
{
	fl_msg_site_list list = { NULL, 0 };
	coord_site_row *rows = NULL;
	size_t n = 0, i;
	int64_t now = fl_time_ms();
	int empty = 0, r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_empty, &empty, "Empty")) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_store_site_list(u->svc->st, &rows, &n),
				  "cannot list sites", u->msg)) != 0)
		goto out;
	if (n > FL_MSG_MAX_LIST)
		n = FL_MSG_MAX_LIST;
	if ((list.sites = calloc(n ? n : 1, sizeof(*list.sites))) == NULL) {
		r = FL_E_NOMEM;
		fl_errmsg_set(u->msg, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		list.sites[i] = rows[i].info;
		coord_svc_site_live(u->svc, &list.sites[i], now);
	}
	list.n = n;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_site_list, &list, "the site list");
out:
	free(rows);
	fl_msg_site_list_clear(&list);
	return r;
}

/* One page of the round ledger (entries from from_seq on) and the
 * certificate that signed it. */
int coord_ctl_get_ledger(coord_unary *u)
{
	fl_msg_ledger_req req = { 0, 0 };
	fl_msg_ledger_list list = { NULL, 0, NULL, 0 };
	coord_ledger_row *rows = NULL;
	size_t n = 0, i;
	uint64_t next = 0;
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_ledger_req, &req,
				    "LedgerRequest")) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_store_ledger_list(u->svc->st, req.job_id,
							  req.from_seq ? req.from_seq : 1,
							  FL_MSG_LEDGER_PAGE, &rows,
							  &n, &next),
				  "cannot read the ledger", u->msg)) != 0)
		goto out;
	if (n && (list.entries = calloc(n, sizeof(*list.entries))) == NULL) {
		r = FL_E_NOMEM;
		fl_errmsg_set(u->msg, "out of memory");
		goto out;
	}
	/* The entries borrow the rows' text (freed with the rows). */
	for (i = 0; i < n; i++) {
		list.entries[i].seq = rows[i].seq;
		list.entries[i].text = rows[i].text;
		memcpy(list.entries[i].hash_hex, rows[i].hash_hex,
		       sizeof(list.entries[i].hash_hex));
		memcpy(list.entries[i].sig_hex, rows[i].sig_hex,
		       sizeof(list.entries[i].sig_hex));
	}
	list.n = n;
	list.cert_pem = (char *)coord_ledger_signer_cert(u->svc->ledger);
	list.next_seq = next;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_ledger_list, &list, "the ledger");
out:
	free(list.entries);
	coord_store_ledger_free(rows, n);
	return r;
}
