/* SPDX-License-Identifier: Apache-2.0 */
/* coord_events: the events table (written by the round engine through a
 * queue and one writer thread) and its read side. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* One event waiting for the writer thread. */
typedef struct ev_item {
	struct ev_item *next;
	uint64_t job;
	uint32_t round, attempt;
	int64_t ts_ms;
	char kind[FL_EVENT_KIND_BYTES];
	char site[FL_NAME_BYTES];
	char text[FL_EVENT_TEXT_BYTES];
} ev_item;

/* The sink: events from the round engine are queued and written by one
 * thread, a batch a transaction, so the engine never waits for a disk
 * sync under its lock. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool on, stop;
	coord_store *st;
	ev_item *head, *tail;
} ev_q = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

/* Inserts one event (db locked by the caller). */
static int ev_insert(coord_db *db, const ev_item *e)
{
	return coord_db_run(db, "INSERT INTO events(job_id, ts_ms, round, attempt,"
			    " kind, site, text) VALUES(?, ?, ?, ?, ?, ?, ?)",
			    COORD_ARGS(CA_I(e->job), CA_I(e->ts_ms), CA_I(e->round),
				       CA_I(e->attempt), CA_T(e->kind), CA_T(e->site),
				       CA_T(e->text)), NULL);
}

/* Writes a list of events in one transaction and frees them. */
static int ev_write(coord_store *st, ev_item *list)
{
	coord_db *db = coord_store_lock(st);
	bool many = list && list->next;
	int r = 0;

	if (many && coord_db_begin(db) != 0)
		many = false;
	for (ev_item *e = list; e && r == 0; e = e->next)
		r = ev_insert(db, e);
	if (r != 0)
		fl_warn("store: cannot add a %s event: %s", list->kind, coord_db_errmsg(db));
	if (many && (r == 0 ? coord_db_commit(db) : coord_db_rollback(db)) != 0 &&
	    r == 0) {
		fl_warn("store: cannot commit events: %s", coord_db_errmsg(db));
		r = FL_E_DB;
	}
	coord_store_unlock(st);
	while (list) {
		ev_item *next = list->next;

		free(list);
		list = next;
	}
	return r;
}

static ev_item *ev_make(uint64_t job, uint32_t round, uint32_t attempt, const char *kind,
			const char *site, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));
static ev_item *ev_make(uint64_t job, uint32_t round, uint32_t attempt, const char *kind,
			const char *site, const char *fmt, va_list ap)
{
	ev_item *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->job = job;
	e->round = round;
	e->attempt = attempt;
	e->ts_ms = fl_time_ms();
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->site, sizeof(e->site), "%s", site ? site : "");
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	return e;
}

static void *ev_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ev_q.mu);
	for (;;) {
		ev_item *list;

		while (ev_q.head == NULL && !ev_q.stop)
			pthread_cond_wait(&ev_q.cv, &ev_q.mu);
		if (ev_q.head == NULL)
			break;    /* stopping, and everything is written */
		if (!ev_q.stop) {
			/* Gather what else comes in the next moment: a round's
			 * events in one transaction, one disk sync, instead of
			 * one each holding the store lock that every call's
			 * site check also takes. */
			pthread_mutex_unlock(&ev_q.mu);
			fl_sleep_ms(COORD_EVENTS_BATCH_MS);
			pthread_mutex_lock(&ev_q.mu);
		}
		list = ev_q.head;
		ev_q.head = ev_q.tail = NULL;
		pthread_mutex_unlock(&ev_q.mu);
		ev_write(ev_q.st, list);
		pthread_mutex_lock(&ev_q.mu);
	}
	pthread_mutex_unlock(&ev_q.mu);
	return NULL;
}

/* Queues e if the sink writes to st (true), else leaves it to the caller. */
static bool ev_enqueue(coord_store *st, ev_item *e)
{
	bool queued = false;

	pthread_mutex_lock(&ev_q.mu);
	if (ev_q.on && ev_q.st == st) {
		if (ev_q.tail)
			ev_q.tail->next = e;
		else
			ev_q.head = e;
		ev_q.tail = e;
		pthread_cond_signal(&ev_q.cv);
		queued = true;
	}
	pthread_mutex_unlock(&ev_q.mu);
	return queued;
}

int coord_events_add(coord_store *st, uint64_t job, uint32_t round, uint32_t attempt,
		     const char *kind, const char *site, const char *fmt, ...)
{
	ev_item *e;
	va_list ap;

	if (st == NULL || kind == NULL || fmt == NULL)
		return FL_E_INVAL;
	va_start(ap, fmt);
	e = ev_make(job, round, attempt, kind, site, fmt, ap);
	va_end(ap);
	if (e == NULL)
		return FL_E_NOMEM;
	/* Behind the engine's queued events, so that ids keep their order. */
	if (ev_enqueue(st, e))
		return 0;
	return ev_write(st, e);
}

void coord_events_sink(coord_store *st)
{
	pthread_mutex_lock(&ev_q.mu);
	if (ev_q.on) {
		ev_q.stop = true;
		pthread_cond_signal(&ev_q.cv);
		pthread_mutex_unlock(&ev_q.mu);
		pthread_join(ev_q.thread, NULL);   /* it writes what is queued */
		pthread_mutex_lock(&ev_q.mu);
		ev_q.on = false;
	}
	ev_q.stop = false;
	ev_q.st = st;
	if (st != NULL && pthread_create(&ev_q.thread, NULL, ev_thread, NULL) == 0)
		ev_q.on = true;
	else if (st != NULL)
		fl_warn("events: no writer thread; job events are not kept");
	pthread_mutex_unlock(&ev_q.mu);
}

void coord_event(uint64_t job, uint32_t round, uint32_t attempt, const char *kind,
		 const char *site, const char *fmt, ...)
{
	coord_store *st;
	ev_item *e;
	va_list ap;

	pthread_mutex_lock(&ev_q.mu);
	st = ev_q.on ? ev_q.st : NULL;
	pthread_mutex_unlock(&ev_q.mu);
	if (st == NULL)
		return;
	va_start(ap, fmt);
	e = ev_make(job, round, attempt, kind, site, fmt, ap);
	va_end(ap);
	if (e != NULL && !ev_enqueue(st, e))
		free(e);
}

static int coord_events_row(void *ctx, coord_stmt *s)
{
	fl_msg_event_list *t = ctx;
	fl_msg_job_event *e = &t->events[t->n++];

	e->id = (uint64_t)coord_stmt_int64(s, 0);
	e->ts_ms = coord_stmt_int64(s, 1);
	e->round = (uint32_t)coord_stmt_int64(s, 2);
	e->attempt = (uint32_t)coord_stmt_int64(s, 3);
	coord_stmt_str(s, 4, e->kind, sizeof(e->kind));
	coord_stmt_str(s, 5, e->site, sizeof(e->site));
	coord_stmt_str(s, 6, e->text, sizeof(e->text));
	return 0;
}

int coord_events_list(coord_store *st, uint64_t job, uint64_t after_id,
		      fl_msg_event_list *out)
{
	fl_msg_event_list t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((t.events = calloc(FL_EVENTS_MAX_LIST, sizeof(*t.events))) == NULL)
		return FL_E_NOMEM;
	r = coord_db_rows(coord_store_lock(st), "SELECT id, ts_ms, round, attempt, "
			  "kind, site, text FROM events WHERE job_id = ? AND id > ? "
			  "ORDER BY id LIMIT ?", COORD_ARGS(CA_I(job), CA_I(after_id),
			  CA_I(FL_EVENTS_MAX_LIST)), FL_EVENTS_MAX_LIST,
			  coord_events_row, &t, "list events");
	coord_store_unlock(st);
	if (r == 0) {
		*out = t;
		memset(&t, 0, sizeof(t));
	}
	fl_msg_event_list_clear(&t);
	return r;
}
