/* SPDX-License-Identifier: Apache-2.0 */
/* coord_engine: jobs, rounds and the site registry in memory, driven by a
 * clock that callers pass in (so tests can run rounds without a network). */
#ifndef COORD_ENGINE_H
#define COORD_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "coord_store.h"
#include "fl_msg.h"
#include "fl_secagg_msg.h"

#define COORD_TICK_MS 50u
#define COORD_TRIM_TICKS 2u   /* malloc_trim every 2 ticks (coord_engine.c) */
#define COORD_POLL_MS 300u
#define COORD_MODEL_CHUNK_BYTES (256u * 1024u)

typedef struct coord_engine_opts {
	uint32_t offline_after_ms;  /* a site is online if it polled this recently */
	uint32_t poll_ms;           /* poll interval suggested to agents */
} coord_engine_opts;

typedef struct coord_engine coord_engine;

/* An encoded model, shared by reference so downloads need no lock. */
typedef struct coord_blob {
	uint32_t version;
	size_t len;
	uint8_t *data;
	int refs;                   /* guarded by an internal lock */
} coord_blob;
void coord_blob_release(coord_blob *b);

/*
 * Creates the engine on an open store (borrowed; must outlive the engine)
 * and resumes every pending or running job from its last finished round
 * (the interrupted round restarts with attempt + 1). *out owned by caller.
 * Errors: FL_E_DB, FL_E_NOMEM.
 */
int coord_engine_new(coord_store *st, const coord_engine_opts *opts,
		     coord_engine **out);
/* Stops the driver thread if running, then frees. NULL-safe. */
void coord_engine_free(coord_engine *e);

/* Sets the key that signs the round ledger (coord_ledger.h; borrowed, must
 * outlive the engine; defined in coord_round_ledger.c). The daemon always
 * sets it, and then a round whose entry cannot be signed is not committed.
 * Without one (unit tests) no ledger is kept. */
struct coord_ledger_signer;
void coord_engine_set_ledger(coord_engine *e, struct coord_ledger_signer *s);

/* fn(arg) is called (without the engine's lock) after a tick that
 * started, advanced or ended a round or job: the daemon wakes the agents'
 * long polls with it (fl_rpc_server_wake). Set before coord_engine_start. */
void coord_engine_set_notify(coord_engine *e, void (*fn)(void *), void *arg);
/* Longest time a long poll may be held: half of offline_after_ms, so a
 * waiting site never looks offline. */
uint32_t coord_engine_hold_ms(const coord_engine *e);

/* Starts/closes rounds whose time has come. Called every COORD_TICK_MS by
 * the driver thread, or directly by tests. */
void coord_engine_tick(coord_engine *e, int64_t now_ms);
/* A driver thread that calls tick with fl_time_ms(). */
int coord_engine_start(coord_engine *e);
void coord_engine_stop(coord_engine *e);

/* Parses spec text (FL_E_SPEC with the parser's message in errmsg; also
 * when the spec lists no features, since secure aggregation must know every
 * vector's length before the first upload), stores a pending job and
 * audits it as submitted by who. */
int coord_engine_submit(coord_engine *e, const char *spec, const char *who,
			int64_t now_ms, uint64_t *job_id, char *errmsg);
/* The submitting admin's signature of a spec and certificate PEM (already
 * checked by the caller, coord_control.c); both borrowed. */
typedef struct coord_spec_sig {
	const uint8_t *sig;
	size_t sig_len;
	const char *cert_pem;
} coord_spec_sig;
/* coord_engine_submit with the spec's signature, stored with the job and
 * put in every Task of it. sig NULL: unsigned (tests; agents refuse it). */
int coord_engine_submit_signed(coord_engine *e, const char *spec,
			       const coord_spec_sig *sig, const char *who,
			       int64_t now_ms, uint64_t *job_id, char *errmsg);
/* pending/running -> aborted. FL_E_NOTFOUND, FL_E_STATE (already ended). */
int coord_engine_abort(coord_engine *e, uint64_t job_id, const char *who,
		       int64_t now_ms, char *errmsg);

/* A registered site polls: records last_seen and datasets, and fills *task
 * (clear with fl_msg_task_clear) with its current task or FL_TASK_NONE. */
int coord_engine_poll(coord_engine *e, const char *site,
		      const fl_msg_poll_req *req, int64_t now_ms,
		      fl_msg_task *task);
/* A site's decline of its task (Agent Decline, coord_decline.c): a site
 * selected in job d->job_id's attempt d->round/d->attempt leaves it (as a
 * site that missed the phase does), the decline is stored and published
 * as a site_declined event, and the decline rule is checked at the next
 * tick. FL_E_NOTFOUND (no such active job), FL_E_STATE (the site is not in
 * that attempt now), FL_E_NOMEM; errmsg says which. */
int coord_engine_decline(coord_engine *e, const char *site,
			 const fl_msg_decline *d, int64_t now_ms, char *errmsg);
/* When the site last polled this process (0 if never). */
int64_t coord_engine_site_last_seen(coord_engine *e, const char *site);
uint32_t coord_engine_offline_after_ms(const coord_engine *e);

/* A model for a site that is selected in the job's current round
 * (FL_E_DENIED otherwise), or, with site == NULL, for an operator. *out is a
 * reference: release with coord_blob_release. FL_E_NOTFOUND. */
int coord_engine_model(coord_engine *e, const char *site, uint64_t job_id,
		       uint32_t version, int latest, coord_blob **out,
		       char *errmsg);

/*
 * Secure aggregation (coord_secagg_api.c), called by the SecAgg service
 * handlers with the authenticated site name (and by tests directly). Each
 * checks, under the engine lock and without any network I/O:
 * - the message's header is the job's current round attempt (FL_E_ROUND,
 *   "secagg message for job 1 round 3 attempt 1, but ...");
 * - the site is selected in it (FL_E_DENIED) and still in it (FL_E_STATE);
 * - the message's client id is the site's id (FL_E_DENIED);
 * - the phase: a Get* before its phase gives FL_E_STATE "not ready";
 * then passes the message to the attempt's fl_secagg_server, whose refusals
 * (FL_E_REPLAY, FL_E_ROUND, FL_E_PARSE, FL_E_INVAL, ...) are returned as is.
 * Outputs (*out) are deep copies owned by the caller (fl_secagg_*_clear).
 * Inputs are borrowed.
 */
/* tls_fpr: SHA-256 fingerprint (lowercase hex) of the caller's TLS
 * certificate; the advert's cert_pem must be that certificate
 * (FL_E_DENIED otherwise). */
int coord_engine_sa_advertise(coord_engine *e, const char *site,
			      const char *tls_fpr, const fl_secagg_advert *a,
			      char *errmsg);
int coord_engine_sa_get_keys(coord_engine *e, const char *site,
			     const fl_secagg_hdr *h, fl_secagg_keylist *out,
			     char *errmsg);
int coord_engine_sa_put_shares(coord_engine *e, const char *site,
			       const fl_secagg_shares *in, char *errmsg);
int coord_engine_sa_get_shares(coord_engine *e, const char *site,
			       const fl_secagg_hdr *h, fl_secagg_shares *out,
			       char *errmsg);
int coord_engine_sa_put_consistency(coord_engine *e, const char *site,
				    const fl_secagg_csig *cs, char *errmsg);
/* In SA_CONSISTENCY: the request without signatures; in SA_UNMASK: the
 * request to answer (with the signatures if the check is on). */
int coord_engine_sa_get_unmask(coord_engine *e, const char *site,
			       const fl_secagg_hdr *h, fl_secagg_unmask_req *out,
			       char *errmsg);
int coord_engine_sa_put_unmask(coord_engine *e, const char *site,
			       const fl_secagg_unmask_resp *in, char *errmsg);

/*
 * Masked uploads (PutUpdate). begin checks the header against the site's
 * current attempt (job, round, attempt, kind: FL_E_ROUND), that the site is
 * selected (FL_E_DENIED) and shared its keys in SA_INPUT (FL_E_STATE), has
 * not uploaded (FL_E_REPLAY), the encoding (ENC_F64: FL_E_STATE "plain
 * updates are not accepted: secure aggregation is mandatory") and words ==
 * m (FL_E_RANGE); it marks the upload in progress. chunk adds count masked
 * words straight into the attempt's accumulator at the running offset
 * (FL_E_TOOBIG past m; the server's errors otherwise). commit checks that
 * all m words arrived (FL_E_RANGE). abort ends a stream that broke off (its
 * words stay in the accumulator, so the attempt will abort at the close of
 * SA_INPUT).
 */
int coord_engine_upload_begin(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, int64_t now_ms,
			      char *errmsg);
int coord_engine_upload_chunk(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, const uint32_t *words,
			      size_t count, char *errmsg);
int coord_engine_upload_commit(coord_engine *e, const char *site,
			       const fl_msg_update_header *h, char *errmsg);
void coord_engine_upload_abort(coord_engine *e, const char *site,
			       const fl_msg_update_header *h);

#endif
