/* SPDX-License-Identifier: Apache-2.0 */
/* coord_engine: jobs, rounds and the site registry in memory, driven by a
 * clock that callers pass in (so tests can run rounds without a network). */
#ifndef COORD_ENGINE_H
#define COORD_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "coord_agg.h"
#include "coord_store.h"
#include "fl_msg.h"

#define COORD_TICK_MS 50u
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

/* Starts/closes rounds whose time has come. Called every COORD_TICK_MS by
 * the driver thread, or directly by tests. */
void coord_engine_tick(coord_engine *e, int64_t now_ms);
/* A driver thread that calls tick with fl_time_ms(). */
int coord_engine_start(coord_engine *e);
void coord_engine_stop(coord_engine *e);

/* Parses spec text (FL_E_SPEC with the parser's message in errmsg), stores
 * a pending job and audits it as submitted by who. */
int coord_engine_submit(coord_engine *e, const char *spec, const char *who,
			int64_t now_ms, uint64_t *job_id, char *errmsg);
/* pending/running -> aborted. FL_E_NOTFOUND, FL_E_STATE (already ended). */
int coord_engine_abort(coord_engine *e, uint64_t job_id, const char *who,
		       int64_t now_ms, char *errmsg);

/* A registered site polls: records last_seen and datasets, and fills *task
 * (clear with fl_msg_task_clear) with its current task or FL_TASK_NONE. */
int coord_engine_poll(coord_engine *e, const char *site,
		      const fl_msg_poll_req *req, int64_t now_ms,
		      fl_msg_task *task);
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
 * Uploads. begin checks the header against the site's current task (job,
 * round, attempt, kind: FL_E_ROUND), that the site is selected (FL_E_STATE)
 * and has not uploaded (FL_E_REPLAY), the encoding (FL_E_UNSUPPORTED) and
 * the length (FL_E_RANGE); it marks the upload in progress. commit adds a
 * complete, validated vector into the round's sum, rechecking that the
 * round is still open. abort forgets an upload that broke off.
 */
int coord_engine_upload_begin(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, int64_t now_ms,
			      char *errmsg);
int coord_engine_upload_commit(coord_engine *e, const char *site,
			       const fl_msg_update_header *h,
			       const coord_agg_input *in, char *errmsg);
void coord_engine_upload_abort(coord_engine *e, const char *site,
			       const fl_msg_update_header *h);

#endif
