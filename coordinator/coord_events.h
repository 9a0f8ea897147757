/* SPDX-License-Identifier: Apache-2.0 */
/* coord_events: the per-job event table (round started, phase closed, site
 * dropped, attempt failed, model committed, job state changes) that the
 * round engine publishes and 'fedctl job logs' reads; and the read side of
 * the audit table and of one site's record (fedctl audit list, site show). */
#ifndef COORD_EVENTS_H
#define COORD_EVENTS_H

#include <stdint.h>
#include "coord_store.h"
#include "fl_codec_events.h"

/* Event kinds. */
#define COORD_EV_ROUND_STARTED "round_started"
#define COORD_EV_PHASE_CLOSED "phase_closed"
#define COORD_EV_SITE_DROPPED "site_dropped"
#define COORD_EV_ATTEMPT_FAILED "attempt_failed"
#define COORD_EV_MODEL_COMMITTED "model_committed"
#define COORD_EV_JOB_STATE "job_state"
#define COORD_EV_SITE_DECLINED "site_declined"

/* Appends an event of job (round, attempt 0 when not about one; site NULL
 * when not about one site; text printf-style, cut at FL_EVENT_TEXT_BYTES).
 * Never pass secrets. With the sink on st, the event is queued behind the
 * engine's (written soon, in order); else written now. Errors are logged
 * and returned (FL_E_DB, FL_E_NOMEM); callers may ignore them: events are
 * for people, the rounds do not depend on them. */
int coord_events_add(coord_store *st, uint64_t job, uint32_t round, uint32_t attempt,
		     const char *kind, const char *site, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* How long the writer gathers events after the first before it writes
 * them (one transaction); a coordinator stopping writes at once. */
#define COORD_EVENTS_BATCH_MS 50u

/* The store that coord_event() writes to: set by coord_engine_new (one
 * engine a process) and NULL at coord_engine_free. A writer thread writes
 * the queued events, a batch a transaction, so that the round engine never
 * waits for a disk sync under its lock; setting another store or NULL
 * first writes everything queued and ends that thread. */
void coord_events_sink(coord_store *st);
/* Queues an event for the sink's store (nothing without one): a one-line
 * hook next to the engine's log lines. */
void coord_event(uint64_t job, uint32_t round, uint32_t attempt, const char *kind,
		 const char *site, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Events of job with id > after_id, oldest first, at most
 * FL_EVENTS_MAX_LIST (clear *out with fl_msg_event_list_clear; job_state
 * is left for the caller). */
int coord_events_list(coord_store *st, uint64_t job, uint64_t after_id,
		      fl_msg_event_list *out);
/* Audit entries with id > after_id, oldest first, at most
 * FL_EVENTS_MAX_LIST (fl_msg_audit_list_clear). */
int coord_store_audit_list(coord_store *st, uint64_t after_id, fl_msg_audit_list *out);
/* The store's record of a site: row, certificates, finished rounds it
 * survived in and their jobs (fl_msg_site_detail_clear). FL_E_NOTFOUND. */
int coord_store_site_detail(coord_store *st, const char *name, fl_msg_site_detail *out);

#endif
