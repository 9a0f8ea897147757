/* SPDX-License-Identifier: Apache-2.0 */
/* coord_events: the events table (written by the round engine), and the
 * read side of the audit table and of a site's record. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_events.h"
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

static void ev_col(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* Inserts one event (db locked by the caller). */
static int ev_insert(sqlite3 *db, const ev_item *e)
{
	sqlite3_stmt *s = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO events(job_id, ts_ms, round, attempt,"
			       " kind, site, text) VALUES(?, ?, ?, ?, ?, ?, ?)", -1,
			       &s, NULL) != SQLITE_OK)
		return FL_E_DB;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)e->job);
	sqlite3_bind_int64(s, 2, e->ts_ms);
	sqlite3_bind_int64(s, 3, e->round);
	sqlite3_bind_int64(s, 4, e->attempt);
	sqlite3_bind_text(s, 5, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, e->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, e->text, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = FL_E_DB;
	sqlite3_finalize(s);
	return r;
}

/* Writes a list of events in one transaction and frees them. */
static int ev_write(coord_store *st, ev_item *list)
{
	sqlite3 *db = coord_store_db_lock(st);
	bool many = list && list->next;
	int r = 0;

	if (many && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		many = false;
	for (ev_item *e = list; e && r == 0; e = e->next)
		r = ev_insert(db, e);
	if (r != 0)
		fl_warn("store: cannot add a %s event: %s", list->kind, sqlite3_errmsg(db));
	if (many && sqlite3_exec(db, r == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
				 NULL) != SQLITE_OK && r == 0) {
		fl_warn("store: cannot commit events: %s", sqlite3_errmsg(db));
		r = FL_E_DB;
	}
	coord_store_db_unlock(st);
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

int coord_events_list(coord_store *st, uint64_t job, uint64_t after_id,
		      fl_msg_event_list *out)
{
	fl_msg_event_list t;
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r = 0, rc;

	memset(&t, 0, sizeof(t));
	if ((t.events = calloc(FL_EVENTS_MAX_LIST, sizeof(*t.events))) == NULL)
		return FL_E_NOMEM;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "SELECT id, ts_ms, round, attempt, kind, site, text"
			       " FROM events WHERE job_id = ? AND id > ? ORDER BY id"
			       " LIMIT ?", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after_id);
	sqlite3_bind_int64(s, 3, FL_EVENTS_MAX_LIST);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fl_msg_job_event *e = &t.events[t.n++];

		e->id = (uint64_t)sqlite3_column_int64(s, 0);
		e->ts_ms = sqlite3_column_int64(s, 1);
		e->round = (uint32_t)sqlite3_column_int64(s, 2);
		e->attempt = (uint32_t)sqlite3_column_int64(s, 3);
		ev_col(s, 4, e->kind, sizeof(e->kind));
		ev_col(s, 5, e->site, sizeof(e->site));
		ev_col(s, 6, e->text, sizeof(e->text));
	}
	if (rc != SQLITE_DONE)
		r = FL_E_DB;
out:
	if (r != 0)
		fl_error("store: list events: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	if (r == 0) {
		*out = t;
		memset(&t, 0, sizeof(t));
	}
	fl_msg_event_list_clear(&t);
	return r;
}

int coord_store_audit_list(coord_store *st, uint64_t after_id, fl_msg_audit_list *out)
{
	fl_msg_audit_list t = { NULL, 0 };
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r = 0, rc;

	if ((t.entries = calloc(FL_EVENTS_MAX_LIST, sizeof(*t.entries))) == NULL)
		return FL_E_NOMEM;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "SELECT id, ts, who, action, detail FROM audit"
			       " WHERE id > ? ORDER BY id LIMIT ?", -1, &s, NULL) !=
	    SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)after_id);
	sqlite3_bind_int64(s, 2, FL_EVENTS_MAX_LIST);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fl_msg_audit_entry *e = &t.entries[t.n++];

		e->id = (uint64_t)sqlite3_column_int64(s, 0);
		e->ts_ms = sqlite3_column_int64(s, 1);
		ev_col(s, 2, e->who, sizeof(e->who));
		ev_col(s, 3, e->action, sizeof(e->action));
		ev_col(s, 4, e->detail, sizeof(e->detail));
	}
	if (rc != SQLITE_DONE)
		r = FL_E_DB;
out:
	if (r != 0)
		fl_error("store: list audit: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	if (r == 0) {
		*out = t;
		memset(&t, 0, sizeof(t));
	}
	fl_msg_audit_list_clear(&t);
	return r;
}

/* The certificates the site connected with or was issued (site_certs is
 * made on first use by coord_store_certs.c: absent means none). */
static int site_certs(sqlite3 *db, const char *name, fl_msg_site_detail *d)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT fingerprint, serial, not_after_ms,"
			       " first_seen_ms FROM site_certs WHERE site = ?"
			       " ORDER BY first_seen_ms LIMIT ?", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if ((d->certs = calloc(FL_SITE_MAX_CERTS, sizeof(*d->certs))) == NULL) {
		sqlite3_finalize(s);
		return FL_E_NOMEM;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, FL_SITE_MAX_CERTS);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		fl_msg_site_cert *c = &d->certs[d->ncerts++];

		ev_col(s, 0, c->fingerprint, sizeof(c->fingerprint));
		ev_col(s, 1, c->serial, sizeof(c->serial));
		c->not_after_ms = sqlite3_column_int64(s, 2);
		c->first_seen_ms = sqlite3_column_int64(s, 3);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : FL_E_DB;
}

/* True if name is one of the comma list's entries. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, name, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Finished rounds whose survivors include the site, and their jobs. */
static int site_rounds(sqlite3 *db, const char *name, fl_msg_site_detail *d)
{
	sqlite3_stmt *s = NULL;
	uint64_t last = 0;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT job_id, participants FROM rounds WHERE"
			       " state = 'done' AND instr(participants, ?) > 0"
			       " ORDER BY job_id, round", -1, &s, NULL) != SQLITE_OK)
		return FL_E_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t job = (uint64_t)sqlite3_column_int64(s, 0);
		const char *p = (const char *)sqlite3_column_text(s, 1);
		uint64_t *j;

		if (!in_list(p, name))
			continue;
		d->rounds++;
		if (job == last || d->njobs >= FL_SITE_MAX_JOBS)
			continue;
		if ((j = realloc(d->jobs, (d->njobs + 1) * sizeof(*j))) == NULL) {
			sqlite3_finalize(s);
			return FL_E_NOMEM;
		}
		d->jobs = j;
		d->jobs[d->njobs++] = last = job;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : FL_E_DB;
}

int coord_store_site_detail(coord_store *st, const char *name, fl_msg_site_detail *out)
{
	fl_msg_site_detail *d;
	coord_site_row row;
	sqlite3 *db;
	int r;

	if ((r = coord_store_site_get(st, name, &row)) != 0)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return FL_E_NOMEM;
	d->site = row.info;
	snprintf(d->datasets, sizeof(d->datasets), "%s", row.datasets);
	db = coord_store_db_lock(st);
	if ((r = site_certs(db, name, d)) == 0)
		r = site_rounds(db, name, d);
	if (r == FL_E_DB)
		fl_error("store: site %s: %s", name, sqlite3_errmsg(db));
	coord_store_db_unlock(st);
	if (r == 0) {
		*out = *d;
		memset(d, 0, sizeof(*d));
	}
	fl_msg_site_detail_clear(d);
	free(d);
	return r;
}
