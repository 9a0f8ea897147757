/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store: the coordinator's store (sites, jobs, rounds, models,
 * ledger, audit, events) in a SQLite file or in PostgreSQL, through the
 * statement layer coord_db.h. One connection guarded by a mutex; every
 * function is thread-safe. The tables live in coord_store_<concern>.c. */
#ifndef COORD_STORE_H
#define COORD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "fl_msg.h"

/* Version 5 is where the PostgreSQL backend starts; the migrations after it
 * are shared by both backends (coord_store_migrate.c). */
#define COORD_STORE_SCHEMA_BASE 5
#define COORD_STORE_SCHEMA_VERSION 7
#define COORD_DATASETS_BYTES 2048

typedef struct coord_store coord_store;

/* A site row as stored (online is computed by the caller). */
typedef struct coord_site_row {
	fl_msg_site_info info;              /* online always false here */
	char datasets[COORD_DATASETS_BYTES]; /* comma list, last reported */
} coord_site_row;

/* Opens (creating if needed) the database at path in WAL mode with
 * synchronous=FULL and migrates the schema (v2 adds jobs.weight_n, v3
 * rounds.closed_by, v4 the events table, v5 declines, v6 an index of the
 * ledger by job). *out owned by caller
 * (coord_store_close). Errors: FL_E_DB with the reason in errmsg (may be
 * NULL), FL_E_BUSY (another process holds the database locked; try again
 * later), FL_E_NOMEM. */
int coord_store_open(const char *path, coord_store **out, char *errmsg);
/* As coord_store_open, for a SQLite path or a postgresql:// URL (see
 * coord_db_open: password_file, may be NULL, holds the password; never the
 * URL). Creates or migrates the schema on either. */
int coord_store_open_db(const char *target, const char *password_file,
			coord_store **out, char *errmsg);
/* True if the store is PostgreSQL. */
int coord_store_is_pg(coord_store *st);
/* PostgreSQL: coord_store_open_db takes this session advisory lock, so
 * that one coordinator is active per database; FL_E_BUSY while another
 * holds it (standby: try again later). */
#define COORD_STORE_ACTIVE_LOCK 0x666564630001LL
/* Calls fence(arg) at once if the session that holds the active lock is
 * lost (the caller must stop acting: another coordinator may take over). */
void coord_store_set_fence(coord_store *st, void (*fence)(void *arg), void *arg);
/* One trivial query: 0, or FL_E_DB if the database is unreachable. */
int coord_store_ping(coord_store *st);
/* How long the store's call in flight to the server has waited, in ms (0
 * if none): safe from any thread, without the store's mutex. */
int64_t coord_store_stalled_ms(coord_store *st);
/* Finishes pending writes and closes. NULL-safe. */
void coord_store_close(coord_store *st);

/* ---- sites ---- */
/* FL_E_EXISTS if the name is taken. */
int coord_store_site_add(coord_store *st, const char *name, const char *role,
			 int64_t now_ms);
/* FL_E_NOTFOUND if absent. */
int coord_store_site_get(coord_store *st, const char *name, coord_site_row *out);
/* Records a poll: last_seen and the datasets comma list. */
int coord_store_site_seen(coord_store *st, const char *name,
			  const char *datasets, int64_t now_ms);
int coord_store_site_set_revoked(coord_store *st, const char *name, int revoked);
/* All sites ordered by name; *out malloc'd (caller frees), *n rows. */
int coord_store_site_list(coord_store *st, coord_site_row **out, size_t *n);

/* ---- jobs ---- */
/* Inserts a pending job. info supplies name, dataset, model, rounds_total,
 * submitted_by; *id receives the new id. */
int coord_store_job_insert(coord_store *st, const fl_msg_job_info *info,
			   const char *spec, int64_t now_ms, uint64_t *id);
/* Fills *out; if spec is not NULL, *spec is a malloc'd copy of the spec text
 * (caller frees). FL_E_NOTFOUND if absent. */
int coord_store_job_get(coord_store *st, uint64_t id, fl_msg_job_info *out,
			char **spec);
/* All jobs by id (clear *out with fl_msg_job_list_clear). */
int coord_store_job_list(coord_store *st, fl_msg_job_list *out);
/* Ids of jobs in state pending or running, ascending; *ids malloc'd. */
int coord_store_job_active(coord_store *st, uint64_t **ids, size_t *n);
/* Sets state (and error, may be NULL for ""). */
int coord_store_job_set_state(coord_store *st, uint64_t id, const char *state,
			      const char *error, int64_t now_ms);

/* N, the total training rows that the job's STATS round counted (0 until
 * then). FL_E_NOTFOUND if the job is absent. */
int coord_store_job_set_weight(coord_store *st, uint64_t id, double n);
int coord_store_job_get_weight(coord_store *st, uint64_t id, double *n);

/* ---- rounds ---- */
/* Inserts or replaces one round row (e.g. state running at round start, or
 * failed at the deadline). */
int coord_store_round_put(coord_store *st, uint64_t job_id,
			  const fl_msg_round_info *r);
/*
 * Commits a finished round in ONE transaction: the round row r, the model
 * blob as version (skipped if model is NULL), the job's rounds_done and
 * updated_ms, the job's metrics (if metrics is not NULL) and its state (if
 * job_state is not NULL). Either all of it is written or none (FL_E_DB;
 * FL_E_EXISTS if the model version is already stored).
 */
int coord_store_round_commit(coord_store *st, uint64_t job_id,
			     const fl_msg_round_info *r, const uint8_t *model,
			     size_t model_len, uint32_t version,
			     uint32_t rounds_done, const fl_msg_metrics *metrics,
			     const char *job_state, int64_t now_ms);
/* Rounds of a job by (round, attempt); *out malloc'd array, clear each with
 * fl_msg_round_info_clear then free. */
int coord_store_round_list(coord_store *st, uint64_t job_id,
			   fl_msg_round_info **out, size_t *n);
void coord_store_round_list_free(fl_msg_round_info *r, size_t n);
/* Where a job resumes: *next_round = last finished round + 1 (0 if none),
 * *next_attempt = highest attempt seen for that round + 1 (1 if none).
 * Marks rows left 'running' by a previous process as 'failed'. */
int coord_store_job_resume_point(coord_store *st, uint64_t job_id,
				 uint32_t *next_round, uint32_t *next_attempt);

/* ---- models ---- */
/* Loads a model blob; latest != 0 takes the highest version. *blob malloc'd
 * (caller frees), *version receives the version. FL_E_NOTFOUND if none. */
int coord_store_model_get(coord_store *st, uint64_t job_id, uint32_t version,
			  int latest, uint8_t **blob, size_t *len,
			  uint32_t *version_out);

/* ---- ledger (coord_ledger.h builds the entries) ---- */
/* One stored ledger entry. */
typedef struct coord_ledger_row {
	uint64_t seq;
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	char *text;                              /* malloc'd */
	char hash_hex[FL_MSG_HASH_HEX_BYTES];
	char sig_hex[FL_MSG_SIG_HEX_BYTES];
} coord_ledger_row;
/* Builds entry seq (the last entry's seq + 1) after prev_hash (the last
 * entry's hash, or 64 zeros) into *out; called inside the commit's
 * transaction. Nonzero aborts the commit. */
typedef int (*coord_store_ledger_fn)(void *ctx, uint64_t seq,
				     const char *prev_hash, coord_ledger_row *out);
/* coord_store_round_commit plus, when fn is not NULL, one ledger entry that
 * fn builds, all in ONE transaction: if fn fails (e.g. cannot sign) nothing
 * is written and its error is returned. */
int coord_store_round_commit_ledger(coord_store *st, uint64_t job_id,
				    const fl_msg_round_info *r,
				    const uint8_t *model, size_t model_len,
				    uint32_t version, uint32_t rounds_done,
				    const fl_msg_metrics *metrics,
				    const char *job_state, int64_t now_ms,
				    coord_store_ledger_fn fn, void *ctx);
/* Entries with seq >= from_seq (of job_id, or all when 0) by seq, as many
 * as fit in max_bytes of text (at least one). *next_seq is the seq of the
 * first entry left out, 0 if none. *out malloc'd (coord_store_ledger_free). */
int coord_store_ledger_list(coord_store *st, uint64_t job_id, uint64_t from_seq,
			    size_t max_bytes, coord_ledger_row **out, size_t *n,
			    uint64_t *next_seq);
void coord_store_ledger_free(coord_ledger_row *rows, size_t n);

/* ---- audit ---- */
int coord_store_audit(coord_store *st, const char *who, const char *action,
		      const char *detail, int64_t now_ms);
/* Number of audit rows (for tests). */
int coord_store_audit_count(coord_store *st, int64_t *n);

/* ---- server optimiser state (table server_opt) ---- */
/* Stores the server optimiser state that produced model `version` of a
 * job (INSERT OR REPLACE: a retried round overwrites it). Call it before
 * the round's commit. FL_E_DB. */
int coord_store_servopt_put(coord_store *st, uint64_t job_id, uint32_t version,
			    const uint8_t *state, size_t len);
/* Loads that state; *state malloc'd (caller frees). FL_E_NOTFOUND if none. */
int coord_store_servopt_get(coord_store *st, uint64_t job_id, uint32_t version,
			    uint8_t **state, size_t *len);

/* ---- raw SQLite access (the backup and tests) ---- */
/* Locks the store's mutex and returns its SQLite connection (a sqlite3 *);
 * pair with coord_store_db_unlock. Aborts on a PostgreSQL store: new
 * store code uses coord_store_lock (coord_store_int.h) and coord_db.h. */
void *coord_store_db_lock(coord_store *st);
void coord_store_db_unlock(coord_store *st);

/* ---- online backup (coord_store_backup.c; SQLite only: FL_E_INVAL with
 * "use pg_dump" on PostgreSQL) ---- */
#define COORD_STORE_BACKUP_PAGES 64   /* pages copied per locked step */
/* Copies the live database into dest (created, or an empty file) with
 * SQLite's backup API, pages_per_step pages at a time with the store's
 * lock released in between, so that jobs keep running; writes made
 * meanwhile go into the copy too, which is one consistent state. The copy
 * is left in rollback-journal mode and must pass PRAGMA integrity_check.
 * FL_E_INVAL, FL_E_DB (errmsg says why; dest may then hold a partial file,
 * which the caller removes). */
int coord_store_backup(coord_store *st, const char *dest, int pages_per_step,
		       char *errmsg);
/* As coord_store_backup into a new file "<database>.backup-XXXXXX" next to
 * the database. On 0, *path_out (malloc'd, caller frees and unlinks) names
 * it; on failure nothing is left behind. FL_E_IO, FL_E_DB, FL_E_NOMEM. */
int coord_store_backup_tmp(coord_store *st, char **path_out, char *errmsg);
/* ---- declines (coord_store_decline.c, table declines) ---- */
/* Records a site's decline of job_id's round attempt d->round/d->attempt
 * (one per site and attempt: a repeat replaces it; d->site names the
 * site, d->at_ms the time). FL_E_INVAL, FL_E_DB. */
int coord_store_decline_put(coord_store *st, uint64_t job_id,
			    const fl_msg_decline *d);
/* A job's declines, oldest first, at most FL_MSG_MAX_LIST: *out malloc'd
 * (caller frees; NULL when none). FL_E_DB, FL_E_NOMEM. */
int coord_store_decline_list(coord_store *st, uint64_t job_id,
			     fl_msg_decline **out, size_t *n);

/* ---- spec signatures (coord_store_jobsig.c) ---- */
/* Adds jobs.spec_sig and jobs.spec_cert to a database that lacks them
 * (coord_store_open calls it). FL_E_DB. */
int coord_store_jobsig_migrate(coord_store *st);
/* Stores the admin's signature of job id's spec and the admin's
 * certificate PEM. FL_E_INVAL, FL_E_NOTFOUND, FL_E_DB. */
int coord_store_job_set_spec_sig(coord_store *st, uint64_t id, const uint8_t *sig,
				 size_t sig_len, const char *cert_pem);
/* Reads them back: sig (*sig_len bytes, 0 when unsigned) and *cert_pem
 * (malloc'd, NULL when none). FL_E_NOTFOUND, FL_E_DB, FL_E_NOMEM. */
int coord_store_job_get_spec_sig(coord_store *st, uint64_t id,
				 uint8_t sig[static FL_MSG_SPEC_SIG_MAX],
				 size_t *sig_len, char **cert_pem);

/* ---- certificates and CRLs (coord_store_certs.c) ---- */
/* Records a certificate a site connected with or was issued (once per
 * fingerprint). */
int coord_store_cert_seen(coord_store *st, const char *site,
			  const char *fingerprint, const char *serial,
			  int64_t not_after_ms, int64_t now_ms);
/* Every recorded serial of every revoked site (malloc'd array; caller
 * frees). */
int coord_store_revoked_serials(coord_store *st, char (**serials)[66], size_t *n);
/* The published CRLs, numbered from 1. put: FL_E_EXISTS for a number
 * already used. latest: *number 0 (and *pem NULL) when none; *pem
 * malloc'd (pem may be NULL). */
int coord_store_crl_put(coord_store *st, uint64_t number, const char *pem,
			int64_t now_ms);
int coord_store_crl_latest(coord_store *st, uint64_t *number, char **pem);

#endif
