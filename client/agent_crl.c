/* SPDX-License-Identifier: Apache-2.0 */
/* agent_crl: the CA-signed CRL the coordinator distributes. The agent keeps
 * the latest in state_dir/crl.pem and checks peers' round keys with it, so a
 * revoked site's keys are refused even by a coordinator that still serves
 * the site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"

#define AGENT_CRL_FILE "crl.pem"

static void crl_path(const fl_agent *a, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", a->cfg.state_dir, AGENT_CRL_FILE);
}

int agent_crl_verifier(fl_agent *a, const char *ca_pem, size_t ca_len,
		       fl_verifier **out)
{
	char path[FL_PATH_BYTES + 16], why[FL_ERRMSG_BYTES] = "";
	char *crl = NULL;
	size_t len = 0;
	fl_crl_info info;
	int r;

	crl_path(a, path, sizeof(path));
	if (access(path, F_OK) == 0)
		a->crl_seen = true;   /* even if unreadable: R10 then refuses */
	if (fl_file_read(path, FL_MSG_CRL_MAX, &crl, &len) != 0)
		return fl_verifier_new(ca_pem, ca_len, NULL, 0, out);
	if ((r = fl_pki_crl_check_info(ca_pem, ca_len, crl, len, &info, why)) != 0) {
		fl_warn("ignoring %s: %s", path, why[0] ? why : fl_strerror(r));
		free(crl);
		return fl_verifier_new(ca_pem, ca_len, NULL, 0, out);
	}
	r = fl_verifier_new(ca_pem, ca_len, crl, len, out);
	if (r == 0) {
		a->crl_ok = true;
		a->crl_next_update_ms = info.next_update_ms;
		if (info.number != a->crl_number)
			fl_info("CRL %llu in use (%s): %zu revoked certificate(s) "
				"refused", (unsigned long long)info.number, path,
				info.count);
		a->crl_number = info.number;
	}
	free(crl);
	return r;
}

/* Fetches the coordinator's latest CRL into *crl (checked against ca). */
static int crl_fetch(fl_agent *a, const char *ca, size_t ca_len, fl_msg_crl *crl,
		     fl_crl_info *info)
{
	fl_msg_crl req = { a->crl_number, NULL };
	char why[FL_ERRMSG_BYTES] = "";
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r;

	if ((r = fl_codec_encode_crl(&req, &buf, &len)) != 0)
		return r;
	r = agent_channel_fetch(a, FL_RPC_AGENT_GET_CRL, buf, len, "the CRL", &resp,
				&rlen);
	free(buf);
	if (r != 0)
		return r;
	r = fl_codec_decode_crl(resp, rlen, crl);
	free(resp);
	if (r != 0 || !crl->pem) {
		fl_warn("the coordinator's CRL reply is unusable: %s",
			r ? fl_strerror(r) : "no CRL in it");
		return r ? r : FL_E_PARSE;
	}
	if ((r = fl_pki_crl_check_info(ca, ca_len, crl->pem, strlen(crl->pem), info,
				       why)) != 0) {
		fl_error("refusing the coordinator's CRL: %s; keeping CRL %llu",
			 why[0] ? why : fl_strerror(r), (unsigned long long)a->crl_number);
		return r;
	}
	if (info->number <= a->crl_number) {
		fl_warn("the coordinator's CRL is number %llu, not newer than %llu; "
			"ignored", (unsigned long long)info->number,
			(unsigned long long)a->crl_number);
		return FL_E_REPLAY;
	}
	return 0;
}

void agent_crl_update(fl_agent *a, uint64_t announced)
{
	char path[FL_PATH_BYTES + 16];
	fl_msg_crl crl;
	fl_verifier *v = NULL;
	fl_crl_info info;
	char *ca = NULL;
	size_t ca_len = 0;
	int r;

	/* The secure-aggregation client of an attempt borrows the verifier:
	 * swap it between attempts (a poll later) only. */
	if (announced <= a->crl_number || a->sa.c != NULL ||
	    announced == a->crl_refused)
		return;
	memset(&crl, 0, sizeof(crl));
	if ((r = fl_file_read(a->cfg.tls.ca, FL_SIGN_MAX_PEM, &ca, &ca_len)) != 0) {
		fl_error("cannot read the CA file %s to check the CRL: %s",
			 a->cfg.tls.ca, fl_strerror(r));
		goto out;
	}
	if ((r = crl_fetch(a, ca, ca_len, &crl, &info)) != 0) {
		if (r != FL_E_NET)
			a->crl_refused = announced;   /* do not ask again for it */
		goto out;
	}
	crl_path(a, path, sizeof(path));
	if ((r = fl_file_write(path, crl.pem, strlen(crl.pem), 0644)) != 0) {
		fl_error("cannot write %s: %s", path, fl_strerror(r));
		goto out;
	}
	if ((r = fl_verifier_new(ca, ca_len, crl.pem, strlen(crl.pem), &v)) != 0) {
		fl_error("cannot use CRL %llu: %s", (unsigned long long)info.number,
			 fl_strerror(r));
		goto out;
	}
	fl_verifier_free(a->verifier);
	a->verifier = v;
	a->crl_number = info.number;
	a->crl_next_update_ms = info.next_update_ms;
	a->crl_seen = true;
	a->crl_ok = true;
	fl_info("installed CRL %llu from the coordinator: %zu revoked certificate(s); "
		"their round keys are refused from now on",
		(unsigned long long)info.number, info.count);
out:
	fl_msg_crl_clear(&crl);
	free(ca);
}

int agent_crl_fresh(fl_agent *a, const fl_msg_task *t, int64_t now_ms)
{
	char when[32];
	time_t secs;
	struct tm tm;

	if (!a->crl_seen)
		return 0;   /* no CRL was ever issued to this site */
	if (!a->crl_ok) {
		fl_error("refused round %llu/%u: R10: the CRL in %s/%s cannot be used; "
			 "waiting for a fresh one", (unsigned long long)t->job_id,
			 t->round, a->cfg.state_dir, AGENT_CRL_FILE);
		return FL_E_STALE;
	}
	if (a->crl_next_update_ms == 0 || now_ms < a->crl_next_update_ms)
		return 0;
	secs = (time_t)(a->crl_next_update_ms / 1000);
	if (!gmtime_r(&secs, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	fl_error("refused round %llu/%u: R10: the CRL (number %llu) expired at %s; "
		 "waiting for a fresh one", (unsigned long long)t->job_id, t->round,
		 (unsigned long long)a->crl_number, when);
	return FL_E_STALE;
}
