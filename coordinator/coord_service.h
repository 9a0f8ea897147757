/* SPDX-License-Identifier: Apache-2.0 */
/* coord_service: the gRPC handlers of the Agent, SecAgg and Control
 * services. */
#ifndef COORD_SERVICE_H
#define COORD_SERVICE_H

#include <stdatomic.h>
#include <stddef.h>
#include "coord_auth.h"
#include "coord_engine.h"
#include "coord_store.h"
#include "fl_rpc.h"

/* The handlers' context (pass it as ctx to fl_rpc_server_new). Borrowed
 * pointers; they must outlive the server. */
typedef struct coord_service {
	coord_store *st;
	coord_engine *eng;
	/* signs the ledger; GetLedger sends its certificate (NULL: none) */
	struct coord_ledger_signer *ledger;
	/* the online CA ([ca] of the config): enrollment, renewal, CRLs;
	 * NULL when the CA is kept offline */
	struct coord_ca *ca;
	/* certificates seen per site, recorded once (coord_certs.h) */
	struct coord_certs *certs;
	/* the CA-signed member list it hands out (coord_members.h); NULL or
	 * version 0: none */
	struct coord_members *members;
	/* masked uploads streaming now (at most COORD_MAX_UPLOADS) */
	atomic_uint uploads;
	/* the server these handlers run in (borrowed; NULL in unit tests):
	 * a new CRL answers the agents' held polls at once */
	struct fl_rpc_server *srv;
} coord_service;

/*
 * Masked uploads admitted at once; the others are deferred (FL_E_BUSY)
 * before they send any data, and their agents retry within the phase. All
 * sites upload within the same seconds, and gRPC sizes each connection's
 * read buffer by its burst: admitting a few at a time bounds that memory
 * (tests/load, 200 sites: peak RSS 81 -> 78 MiB with agents' channel
 * recycling; 93 -> 79 MiB without). Must stay below the server's worker
 * count (fl_rpc_server.c) so that polls are served meanwhile.
 */
#define COORD_MAX_UPLOADS 8u

/* The method table (static; *n receives its length). */
const fl_rpc_method *coord_service_methods(size_t *n);

/* ---- shared by the handler files ---- */
/* Authenticates the call for its method; fills *who. */
int coord_svc_auth(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		   char *errmsg);
/* Receives the one request message of a unary or server-streaming call. */
int coord_svc_recv_one(fl_rpc_call *call, uint8_t **buf, size_t *len,
		       char *errmsg);
/* Streams an encoded model in COORD_MODEL_CHUNK_BYTES chunks. */
int coord_svc_send_model(fl_rpc_call *call, const coord_blob *b, char *errmsg);
/* Sends one encoded reply and frees it. */
int coord_svc_send(fl_rpc_call *call, uint8_t *buf, size_t len, char *errmsg);

void coord_agent_poll(fl_rpc_call *call, void *ctx);
void coord_agent_get_model(fl_rpc_call *call, void *ctx);
void coord_agent_put_update(fl_rpc_call *call, void *ctx);
void coord_sa_advertise(fl_rpc_call *call, void *ctx);
void coord_sa_get_keys(fl_rpc_call *call, void *ctx);
void coord_sa_put_shares(fl_rpc_call *call, void *ctx);
void coord_sa_get_shares(fl_rpc_call *call, void *ctx);
void coord_sa_put_consistency(fl_rpc_call *call, void *ctx);
void coord_sa_get_unmask(fl_rpc_call *call, void *ctx);
void coord_sa_put_unmask(fl_rpc_call *call, void *ctx);
void coord_ctl_submit_job(fl_rpc_call *call, void *ctx);
/* SubmitJob's check (SECAGG.md R2, R7, R11): the spec must be signed by the
 * caller itself, an admin; the certificate sent with it is the caller's
 * TLS certificate (same fingerprint) and its key verifies the signature.
 * FL_E_INVAL (unsigned, unreadable certificate) or FL_E_DENIED (another
 * signer, not an admin, bad signature) with the reason in msg. Sites check
 * the signature again against their CA. */
int coord_ctl_spec_check(const coord_caller *who, const fl_msg_job_submit *req,
			 char *msg);
void coord_ctl_list_jobs(fl_rpc_call *call, void *ctx);
void coord_ctl_get_job(fl_rpc_call *call, void *ctx);
void coord_ctl_abort_job(fl_rpc_call *call, void *ctx);
void coord_ctl_get_model(fl_rpc_call *call, void *ctx);
void coord_ctl_add_site(fl_rpc_call *call, void *ctx);
void coord_ctl_list_sites(fl_rpc_call *call, void *ctx);
void coord_ctl_revoke_site(fl_rpc_call *call, void *ctx);
void coord_agent_get_crl(fl_rpc_call *call, void *ctx);
void coord_agent_get_members(fl_rpc_call *call, void *ctx);   /* coord_members.c */
void coord_ctl_publish_crl(fl_rpc_call *call, void *ctx);  /* coord_control_crl.c */
void coord_ctl_backup(fl_rpc_call *call, void *ctx);       /* coord_control_backup.c */
void coord_ctl_get_ledger(fl_rpc_call *call, void *ctx);
void coord_ctl_get_stats(fl_rpc_call *call, void *ctx);    /* coord_stats.c */
void coord_ctl_get_site_metrics(fl_rpc_call *call, void *ctx);  /* coord_stats_report.c */
void coord_agent_report_metrics(fl_rpc_call *call, void *ctx);  /* coord_stats_report.c */
void coord_agent_decline(fl_rpc_call *call, void *ctx);         /* coord_decline.c */
/* coord_control_events.c: GetJobEvents, ListAudit, GetSite. */
void coord_ctl_get_job_events(fl_rpc_call *call, void *ctx);
void coord_ctl_list_audit(fl_rpc_call *call, void *ctx);
void coord_ctl_get_site(fl_rpc_call *call, void *ctx);

#endif
