/* SPDX-License-Identifier: Apache-2.0 */
/* coord_service: the gRPC handlers of the Agent, SecAgg and Control
 * services, and their method table (coord_service.c). The handlers' context
 * and shared helpers are in coord_svc.h. */
#ifndef COORD_SERVICE_H
#define COORD_SERVICE_H

#include <stddef.h>
#include "coord_svc.h"
#include "fl_msg.h"
#include "fl_rpc.h"

/* The method table (static; *n receives its length). */
const fl_rpc_method *coord_service_methods(size_t *n);

/* ---- the handlers (ctx: coord_service) ----
 * A coord_unary_fn is a unary method's own part; coord_service.c runs it
 * through coord_svc_unary. The others are whole fl_rpc handlers. */
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
coord_unary_fn coord_ctl_submit_job;
/* SubmitJob's check (SECAGG.md R2, R7, R11): the spec must be signed by the
 * caller itself, an admin; the certificate sent with it is the caller's
 * TLS certificate (same fingerprint) and its key verifies the signature.
 * FL_E_INVAL (unsigned, unreadable certificate) or FL_E_DENIED (another
 * signer, not an admin, bad signature) with the reason in msg. Sites check
 * the signature again against their CA. */
int coord_ctl_spec_check(const coord_caller *who, const fl_msg_job_submit *req,
			 char *msg);
coord_unary_fn coord_ctl_list_jobs;
coord_unary_fn coord_ctl_get_job;
coord_unary_fn coord_ctl_abort_job;
void coord_ctl_get_model(fl_rpc_call *call, void *ctx);
coord_unary_fn coord_ctl_add_site;
coord_unary_fn coord_ctl_list_sites;
coord_unary_fn coord_ctl_revoke_site;
coord_unary_fn coord_agent_get_crl;
coord_unary_fn coord_agent_get_members;   /* coord_members.c */
coord_unary_fn coord_ctl_publish_crl;  /* coord_control_crl.c */
void coord_ctl_backup(fl_rpc_call *call, void *ctx);       /* coord_control_backup.c */
coord_unary_fn coord_ctl_get_ledger;
coord_unary_fn coord_ctl_get_stats;    /* coord_stats.c */
coord_unary_fn coord_ctl_get_site_metrics;  /* coord_stats_report.c */
coord_unary_fn coord_agent_report_metrics;  /* coord_stats_report.c */
coord_unary_fn coord_agent_decline;         /* coord_decline.c */
/* coord_control_events.c: GetJobEvents, ListAudit, GetSite. */
coord_unary_fn coord_ctl_get_job_events;
coord_unary_fn coord_ctl_list_audit;
coord_unary_fn coord_ctl_get_site;
/* coord_enroll.c: Enroll, IssueToken, and Agent/Renew (a new certificate
 * for the calling site's CN, mutual TLS). */
void coord_enroll_enroll(fl_rpc_call *call, void *ctx);
coord_unary_fn coord_ctl_issue_token;
void coord_agent_renew(fl_rpc_call *call, void *ctx);

#endif
