/* SPDX-License-Identifier: Apache-2.0 */
/* agent_int: the agent daemon's state, shared by the agent_*.c files that
 * make up the daemon (loop, keys, secure-aggregation phases, tasks). */
#ifndef AGENT_INT_H
#define AGENT_INT_H

#include <stdbool.h>

#include "agent_testhook.h"
#include "fl_agent.h"
#include "fl_members.h"

#define AGENT_POLL_TIMEOUT_MS 10000u
#define AGENT_MIN_CALL_TIMEOUT_MS 10000u

/* The one secure-aggregation round attempt under way. */
typedef struct agent_sa {
	fl_secagg_client *c;       /* owned; NULL when no attempt is under way */
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	enum fl_sa_phase done;     /* last phase answered */
	uint8_t ctx[FL_SECAGG_DIGEST_BYTES];  /* the attempt's context (R2) */
	char **names;              /* owned copy of the context's site names */
	fl_secagg_trust trust;     /* what c borrows: names, members, policy */
} agent_sa;

struct fl_agent {
	fl_agent_config cfg;
	fl_rpc_tls tls;            /* points into cfg */
	fl_rpc_channel *ch;
	fl_agent_cache cache;
	fl_agent_done done;
	fl_agent_backoff bo;
	fl_sign_key *sign_key;     /* the TLS key: signs round keys */
	fl_verifier *verifier;     /* the CA file: checks peers' round keys */
	char *cert_pem;            /* own certificate, sent with the advert */
	size_t cert_len;
	agent_sa sa;
	char ext_root[FL_PATH_BYTES + 16];  /* state_dir/external: trainer folders */
	/* certificate renewal (agent_renew.c) */
	int64_t renew_next_ms;     /* next check */
	uint32_t renew_days;       /* renew with fewer days left */
	/* the coordinator's CRL (agent_crl.c) */
	uint64_t crl_number;       /* in use; 0 = none */
	uint64_t crl_refused;      /* an announced number that failed its check */
	/* the pinned member list, SECAGG.md R1 (agent_members.c) */
	fl_members members;        /* version 0: none yet */
	uint64_t members_refused;  /* an announced version that failed its check */
	uint64_t members_seen;     /* an older announced version, logged once */
#ifdef FL_TEST_HOOKS
	agent_testhook_state test; /* agent_testhook.c; test builds only */
#endif
	int64_t crl_next_update_ms; /* of the CRL in use; 0: none or no date */
	bool crl_seen;             /* state_dir holds a CRL: one must stay fresh */
	bool crl_ok;               /* and it checked against the CA */
};

/* ---- agent_members.c ---- */
/* The member list the agent holds (checked against the CA, sorted by
 * name; fl_members_find), or NULL when it holds none. Borrowed: valid
 * until the next poll swaps in a newer list (between round attempts). */
const fl_members *agent_members(const fl_agent *a);
/* At start: loads state_dir/members.txt if present and checks it against
 * the CA file. A present but bad file is an error (logged): dropping it
 * would let the coordinator roll the list back. */
int agent_members_load(fl_agent *a);
/* After a poll announcing member list version announced: if it is higher
 * than the one held and no round attempt is open, fetches it
 * (Agent/GetMembers), checks it against the CA, refuses a version not
 * higher than the one held (a rollback), stores it atomically in
 * state_dir/members.txt and swaps it in. Failures are logged; the old list
 * stays in use. */
void agent_members_update(fl_agent *a, uint64_t announced);
void agent_members_free(fl_agent *a);

/* ---- agent_crl.c ---- */
/* A verifier for peers' round keys from the CA bundle and, if it checks,
 * state_dir/crl.pem (sets crl_number). *out owned by caller. */
int agent_crl_verifier(fl_agent *a, const char *ca_pem, size_t ca_len,
		       fl_verifier **out);
/* After a poll announcing CRL number announced: if it is newer and no
 * round attempt is open, fetches it (Agent/GetCrl), checks it against the
 * CA, stores it and swaps the verifier. Failures are logged; the old CRL
 * stays in use. */
void agent_crl_update(fl_agent *a, uint64_t announced);
/*
 * R10, before the agent takes part in a round attempt: once it has seen a
 * CRL, the one it holds must be usable and not past its nextUpdate (the
 * coordinator chooses which CRLs to announce, so it could keep a revoked
 * peer in by announcing none). Otherwise logs "refused round J/R: R10:
 * ..." and returns FL_E_STALE; a fresher CRL announced later is still
 * fetched (agent_crl_update), and the agent then takes part again.
 */
int agent_crl_fresh(fl_agent *a, const fl_msg_task *t, int64_t now_ms);

/* ---- agent_renew.c ---- */
/* Finishes a key/certificate swap that a crash cut short. Call before agent_keys_load. */
void agent_renew_init(fl_agent *a);
/* Between round attempts, at most about hourly: renews the certificate
 * when fewer than renew_days and fewer than a third of its lifetime are
 * left (Agent/Renew with a new key made here), then reloads the key,
 * certificate and channel. 0 when nothing was due or it worked. */
int agent_renew_maybe(fl_agent *a);

/* ---- agent_keys.c ---- */
/* Loads the signing key, verifier and certificate from the [tls] files;
 * logs what is wrong. FL_E_IO, FL_E_PARSE ... */
int agent_keys_load(fl_agent *a);
/* Frees them (the key is wiped). NULL-safe members. */
void agent_keys_free(fl_agent *a);

/* ---- agent_secagg.c ---- */
/*
 * Runs the task's secure-aggregation phase with the attempt's client,
 * making one on SA_ADVERTISE and dropping it (which wipes its secrets)
 * when the attempt changes, after unmasking, or on any error. *worked is
 * set when the agent answered a phase (so the caller polls again at once
 * rather than waiting). Returns 0, FL_E_NET / FL_E_TIMEOUT when the
 * coordinator could not be reached (the caller backs off), or another code
 * after logging it; an attempt that failed is put in the done set.
 */
int agent_task_run(fl_agent *a, const fl_msg_task *t, bool *worked);
/* Drops the attempt under way, if any. */
void agent_sa_drop(fl_agent *a);

/* ---- agent_run_task.c ---- */
/* Parses the task's spec and finds the site's data for it; logs why not.
 * spec is filled (fl_jobspec_clear); the datasets stay in the cache. */
int agent_task_data(fl_agent *a, const fl_msg_task *t, fl_jobspec *spec,
		    const fl_dataset **train, const fl_dataset **test);
/* SA_INPUT after the shares arrived: builds the task's vector (GetModel
 * for TRAIN and EVAL), encodes it, streams it masked with c and writes the
 * site-local record. Logs the outcome. */
int agent_task_input(fl_agent *a, const fl_msg_task *t, fl_secagg_client *c);
bool agent_is_net_err(int r);
/* The task's deadline, at least AGENT_MIN_CALL_TIMEOUT_MS. */
uint32_t agent_call_timeout(const fl_msg_task *t);

/* ---- agent_report.c ---- */
/* R9: only when the task's spec has [job] site_figures = true and [policy]
 * report_own_metrics = true (fl_agent_policy_site_figures): logs at info
 * level and sends mt, this site's own figures on its test split for the
 * task's round, in clear to the coordinator (Agent ReportMetrics). Returns
 * FL_E_DENIED when it sends nothing for that reason (no network use), 0
 * once sent, or the error of a failed send (logged as a warning; the round
 * goes on either way). */
int agent_report_own(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		     const fl_metrics *mt);

/* ---- agent_policy.c ---- */
/* Checks a task at advertise against [policy] (spec and train may be NULL:
 * model or size unknown). On refusal logs one line "policy: refusing job J
 * round R attempt A: why" ("policy: refused job J round R: R9: ..." for a
 * job that publishes per-site figures this site does not) and returns
 * FL_E_DENIED. */
int agent_policy_task(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		      const fl_dataset *train);
/* Checks the number of other sites at a later stage, the same way. */
int agent_policy_others(fl_agent *a, const fl_msg_task *t,
			enum fl_agent_policy_stage st, uint32_t others);
/* Other sites of the key list whose keys this site did not refuse. */
uint32_t agent_policy_key_others(fl_secagg_client *c,
				 const fl_secagg_keylist *kl, uint32_t self,
				 uint32_t n);

/* ---- agent_loop.c ---- */
/* Opens (or reopens) the channel to the coordinator. */
int agent_channel_open(fl_agent *a);
/*
 * After an upload of bytes_sent bytes: at or over AGENT_RECYCLE_BYTES, the
 * channel is replaced by a fresh one (the connection closes; the next call
 * opens a new one). gRPC sizes each connection's read buffer by its
 * largest recent burst and keeps it while the connection lives: after a
 * masked upload, ~300 KiB per site on the coordinator (tests/load: 200
 * sites, peak RSS 93 -> 81 MiB). One TLS handshake per round costs less.
 */
#define AGENT_RECYCLE_BYTES (64u * 1024u)
void agent_channel_recycle(fl_agent *a, uint64_t bytes_sent);

#endif
