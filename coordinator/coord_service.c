/* SPDX-License-Identifier: Apache-2.0 */
/* coord_service: the method table and helpers shared by the handlers. */
#include <stdlib.h>
#include <string.h>

#include "coord_certs.h"
#include "coord_service.h"
#include "coord_enroll.h"
#include "fl_codec.h"
#include "fl_codec_events.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_msg.h"
#include "fl_pki.h"

static const fl_rpc_method coord_methods[] = {
	{ FL_RPC_AGENT_POLL, coord_agent_poll },
	{ FL_RPC_AGENT_GET_MODEL, coord_agent_get_model },
	{ FL_RPC_AGENT_PUT_UPDATE, coord_agent_put_update },
	{ FL_RPC_SA_ADVERTISE, coord_sa_advertise },
	{ FL_RPC_SA_GET_KEYS, coord_sa_get_keys },
	{ FL_RPC_SA_PUT_SHARES, coord_sa_put_shares },
	{ FL_RPC_SA_GET_SHARES, coord_sa_get_shares },
	{ FL_RPC_SA_PUT_CONSISTENCY, coord_sa_put_consistency },
	{ FL_RPC_SA_GET_UNMASK, coord_sa_get_unmask },
	{ FL_RPC_SA_PUT_UNMASK, coord_sa_put_unmask },
	{ FL_RPC_CTL_SUBMIT_JOB, coord_ctl_submit_job },
	{ FL_RPC_CTL_LIST_JOBS, coord_ctl_list_jobs },
	{ FL_RPC_CTL_GET_JOB, coord_ctl_get_job },
	{ FL_RPC_CTL_ABORT_JOB, coord_ctl_abort_job },
	{ FL_RPC_CTL_GET_MODEL, coord_ctl_get_model },
	{ FL_RPC_CTL_ADD_SITE, coord_ctl_add_site },
	{ FL_RPC_CTL_LIST_SITES, coord_ctl_list_sites },
	{ FL_RPC_CTL_REVOKE_SITE, coord_ctl_revoke_site },
	{ FL_RPC_AGENT_GET_CRL, coord_agent_get_crl },
	{ FL_RPC_AGENT_GET_MEMBERS, coord_agent_get_members },
	{ FL_RPC_CTL_PUBLISH_CRL, coord_ctl_publish_crl },
	{ FL_RPC_CTL_BACKUP, coord_ctl_backup },
	{ FL_RPC_CTL_GET_LEDGER, coord_ctl_get_ledger },
	{ FL_RPC_CTL_GET_STATS, coord_ctl_get_stats },
	{ FL_RPC_CTL_GET_SITE_METRICS, coord_ctl_get_site_metrics },
	{ FL_RPC_AGENT_REPORT_METRICS, coord_agent_report_metrics },
	{ FL_RPC_AGENT_DECLINE, coord_agent_decline },
	{ FL_RPC_ENROLL, coord_enroll_enroll },
	{ FL_RPC_CTL_ISSUE_TOKEN, coord_ctl_issue_token },
	{ FL_RPC_AGENT_RENEW, coord_agent_renew },
	{ FL_RPC_CTL_GET_JOB_EVENTS, coord_ctl_get_job_events },
	{ FL_RPC_CTL_LIST_AUDIT, coord_ctl_list_audit },
	{ FL_RPC_CTL_GET_SITE, coord_ctl_get_site },
};

const fl_rpc_method *coord_service_methods(size_t *n)
{
	*n = sizeof(coord_methods) / sizeof(coord_methods[0]);
	return coord_methods;
}

int coord_svc_auth(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		   char *errmsg)
{
	const char *method = fl_rpc_call_method(call);
	int r;

	fl_log_ctx_clear();

	r = coord_auth_check(svc->st, svc->certs, method ? method : "",
			     fl_rpc_call_peer_pem(call), who, errmsg);
	if (r == 0)
		fl_log_ctx_site(who->cn);
	if (r == 0 && strcmp(who->role, FL_ROLE_SITE) == 0)
		coord_certs_note(svc->certs, svc->st, who, fl_time_ms());
	if (r != 0) {
		const char *cn = fl_rpc_call_peer_cn(call);

		fl_warn("refused %s from '%s': %s", method ? method : "?",
			cn ? cn : "?", errmsg);
	}
	return r;
}

int coord_svc_recv_one(fl_rpc_call *call, uint8_t **buf, size_t *len,
		       char *errmsg)
{
	int r = fl_rpc_call_recv(call, buf, len);

	if (r == FL_E_EOF) {
		fl_errmsg_set(errmsg, "the request message is missing");
		return FL_E_PARSE;
	}
	if (r != 0)
		fl_errmsg_set(errmsg, "cannot receive the request: %s", fl_strerror(r));
	return r;
}

int coord_svc_send(fl_rpc_call *call, uint8_t *buf, size_t len, char *errmsg)
{
	int r = fl_rpc_call_send(call, buf, len);

	free(buf);
	if (r != 0)
		fl_errmsg_set(errmsg, "cannot send the reply: %s", fl_strerror(r));
	return r;
}

int coord_svc_send_model(fl_rpc_call *call, const coord_blob *b, char *errmsg)
{
	fl_msg_chunk ch;
	uint8_t *buf = NULL;
	size_t off = 0, len;
	int r = 0;

	do {
		ch.total_bytes = b->len;
		ch.offset = off;
		ch.len = b->len - off < COORD_MODEL_CHUNK_BYTES ? b->len - off :
			COORD_MODEL_CHUNK_BYTES;
		ch.data = b->data + off;
		if ((r = fl_codec_encode_chunk(&ch, &buf, &len)) != 0) {
			fl_errmsg_set(errmsg, "cannot encode a model chunk: %s",
				      fl_strerror(r));
			break;
		}
		if ((r = coord_svc_send(call, buf, len, errmsg)) != 0)
			break;
		off += ch.len;
	} while (off < b->len);
	return r;
}
