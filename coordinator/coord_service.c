/* SPDX-License-Identifier: Apache-2.0 */
/* coord_service: the method table: which handler serves each method. The
 * top of the coordinator's call graph; the handlers' shared helpers are
 * in coord_svc.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_service.h"
#include "fl_codec_enroll.h"
#include "fl_codec_events.h"

/* The methods whose handler does more than one request and one reply
 * (streams, held polls, uploads, unauthenticated enrollment). */
static const fl_rpc_method coord_calls[] = {
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
	{ FL_RPC_CTL_GET_MODEL, coord_ctl_get_model },
	{ FL_RPC_CTL_BACKUP, coord_ctl_backup },
	{ FL_RPC_ENROLL, coord_enroll_enroll },
	{ FL_RPC_AGENT_RENEW, coord_agent_renew },
};

/* The unary methods: coord_svc_unary authenticates the caller, receives
 * the request, runs the method's function and sends its reply. */
static const struct coord_unary_method {
	const char *path;
	coord_unary_fn *fn;
} coord_unary_methods[] = {
	{ FL_RPC_CTL_SUBMIT_JOB, coord_ctl_submit_job },
	{ FL_RPC_CTL_LIST_JOBS, coord_ctl_list_jobs },
	{ FL_RPC_CTL_GET_JOB, coord_ctl_get_job },
	{ FL_RPC_CTL_ABORT_JOB, coord_ctl_abort_job },
	{ FL_RPC_CTL_ADD_SITE, coord_ctl_add_site },
	{ FL_RPC_CTL_LIST_SITES, coord_ctl_list_sites },
	{ FL_RPC_CTL_REVOKE_SITE, coord_ctl_revoke_site },
	{ FL_RPC_AGENT_GET_CRL, coord_agent_get_crl },
	{ FL_RPC_AGENT_GET_MEMBERS, coord_agent_get_members },
	{ FL_RPC_CTL_PUBLISH_CRL, coord_ctl_publish_crl },
	{ FL_RPC_CTL_GET_LEDGER, coord_ctl_get_ledger },
	{ FL_RPC_CTL_GET_STATS, coord_ctl_get_stats },
	{ FL_RPC_CTL_GET_SITE_METRICS, coord_ctl_get_site_metrics },
	{ FL_RPC_AGENT_REPORT_METRICS, coord_agent_report_metrics },
	{ FL_RPC_AGENT_DECLINE, coord_agent_decline },
	{ FL_RPC_CTL_ISSUE_TOKEN, coord_ctl_issue_token },
	{ FL_RPC_CTL_GET_JOB_EVENTS, coord_ctl_get_job_events },
	{ FL_RPC_CTL_LIST_AUDIT, coord_ctl_list_audit },
	{ FL_RPC_CTL_GET_SITE, coord_ctl_get_site },
};

#define COORD_NCALLS (sizeof(coord_calls) / sizeof(coord_calls[0]))
#define COORD_NUNARY (sizeof(coord_unary_methods) / sizeof(coord_unary_methods[0]))

static fl_rpc_method coord_methods[COORD_NCALLS + COORD_NUNARY];
static pthread_once_t coord_methods_once = PTHREAD_ONCE_INIT;

/* The handler of every unary method: the server routes here only the
 * paths of coord_unary_methods, so a path not in it is a programming error. */
static void coord_service_unary(fl_rpc_call *call, void *ctx)
{
	const char *path = fl_rpc_call_method(call);
	size_t i;

	for (i = 0; path && i < COORD_NUNARY; i++) {
		if (strcmp(path, coord_unary_methods[i].path) == 0) {
			coord_svc_unary(ctx, call, coord_unary_methods[i].fn);
			return;
		}
	}
	fprintf(stderr, "coord_service: no unary method '%s'\n", path ? path : "?");
	abort();
}

static void coord_methods_build(void)
{
	size_t i;

	memcpy(coord_methods, coord_calls, sizeof(coord_calls));
	for (i = 0; i < COORD_NUNARY; i++) {
		coord_methods[COORD_NCALLS + i].path = coord_unary_methods[i].path;
		coord_methods[COORD_NCALLS + i].fn = coord_service_unary;
	}
}

const fl_rpc_method *coord_service_methods(size_t *n)
{
	pthread_once(&coord_methods_once, coord_methods_build);
	*n = COORD_NCALLS + COORD_NUNARY;
	return coord_methods;
}
