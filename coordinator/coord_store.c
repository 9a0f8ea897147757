/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store: SQLite persistence of sites, jobs, rounds, models and audit. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_events.h"
#include "coord_store.h"
#include "fl_err.h"
#include "fl_log.h"

struct coord_store {
	sqlite3 *db;
	pthread_mutex_t mu;
};

static const char coord_schema_v1[] =
	"CREATE TABLE sites(name TEXT PRIMARY KEY, role TEXT NOT NULL,"
	" added_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL DEFAULT 0,"
	" datasets TEXT NOT NULL DEFAULT '', revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
	" dataset TEXT NOT NULL, model TEXT NOT NULL, spec TEXT NOT NULL,"
	" state TEXT NOT NULL, rounds_total INTEGER NOT NULL,"
	" rounds_done INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',"
	" submitted_by TEXT NOT NULL DEFAULT '', m_present INTEGER NOT NULL DEFAULT 0,"
	" m_n REAL, m_loss REAL, m_accuracy REAL, m_macro_f1 REAL, m_r2 REAL);"
	"CREATE TABLE rounds(job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
	" selected INTEGER NOT NULL, survived INTEGER NOT NULL,"
	" participants TEXT NOT NULL, started_ms INTEGER NOT NULL,"
	" finished_ms INTEGER NOT NULL, train_loss REAL,"
	" e_present INTEGER NOT NULL DEFAULT 0, e_n REAL, e_loss REAL,"
	" e_accuracy REAL, e_macro_f1 REAL, e_r2 REAL,"
	" PRIMARY KEY(job_id, round, attempt));"
	"CREATE TABLE models(job_id INTEGER NOT NULL, version INTEGER NOT NULL,"
	" blob BLOB NOT NULL, PRIMARY KEY(job_id, version));"
	"CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	" who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
	"PRAGMA user_version = 1;";

/* v2: N, the training rows counted by a job's STATS round (secure
 * aggregation scales TRAIN deltas by it). */
static const char coord_schema_v2[] =
	"ALTER TABLE jobs ADD COLUMN weight_n REAL NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 2;";

/* v3: which rule closed each secure-aggregation phase of an attempt
 * (fl_msg_round_info.closed_by; '' in rows from before). */
static const char coord_schema_v3[] =
	"ALTER TABLE rounds ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 3;";

/* v4: the per-job event table (coord_events.h). */
static const char coord_schema_v4[] =
	"CREATE TABLE events(id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL,"
	" ts_ms INTEGER NOT NULL, round INTEGER NOT NULL, attempt INTEGER NOT NULL,"
	" kind TEXT NOT NULL, site TEXT NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX events_job ON events(job_id, id);"
	"PRAGMA user_version = 4;";

/* v5: why sites did not take part (coord_store_decline.c). */
static const char coord_schema_v5[] =
	"CREATE TABLE declines(job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, site TEXT NOT NULL, reason TEXT NOT NULL,"
	" text TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	" PRIMARY KEY(job_id, round, attempt, site));"
	"PRAGMA user_version = 5;";

/* The round ledger (coord_ledger.h): one hash-chained, signed entry per
 * finished round, seq from 1. */
static const char coord_schema_ledger[] =
	"CREATE TABLE IF NOT EXISTS ledger(seq INTEGER PRIMARY KEY,"
	" job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, text TEXT NOT NULL, hash TEXT NOT NULL,"
	" sig TEXT NOT NULL);";

static int coord_db_fail(coord_store *st, const char *what)
{
	fl_error("store: %s: %s", what, sqlite3_errmsg(st->db));
	return FL_E_DB;
}

static int coord_db_exec(coord_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fl_error("store: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return FL_E_DB;
	}
	return 0;
}

static int coord_db_prep(coord_store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
		return coord_db_fail(st, sql);
	return 0;
}

/* Runs a statement that returns no rows. */
static int coord_db_step_done(coord_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_CONSTRAINT)
		return FL_E_EXISTS;
	if (rc != SQLITE_DONE)
		return coord_db_fail(st, what);
	return 0;
}

static void coord_col_str(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* SQLite stores NaN as NULL; read NULL back as NaN. */
static double coord_col_dbl(sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(s, col);
}

static void coord_bind_dbl(sqlite3_stmt *s, int col, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, col, v);
	else
		sqlite3_bind_null(s, col);
}

static int coord_store_migrate(coord_store *st, char *errmsg)
{
	sqlite3_stmt *s = NULL;
	int ver, r;

	if ((r = coord_db_prep(st, "PRAGMA user_version", &s)) != 0)
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW) {
		r = coord_db_fail(st, "read user_version");
		goto out;
	}
	ver = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (ver > COORD_STORE_SCHEMA_VERSION) {
		fl_errmsg_set(errmsg, "database schema version %d is newer than this "
			      "coordinator understands (%d); upgrade fedc-coordinator",
			      ver, COORD_STORE_SCHEMA_VERSION);
		r = FL_E_DB;
		goto out;
	}
	if (ver < COORD_STORE_SCHEMA_VERSION) {
		if ((r = coord_db_exec(st, "BEGIN IMMEDIATE")) != 0)
			goto out;
		if ((ver < 1 && (r = coord_db_exec(st, coord_schema_v1)) != 0) ||
		    (ver < 2 && (r = coord_db_exec(st, coord_schema_v2)) != 0) ||
		    (ver < 3 && (r = coord_db_exec(st, coord_schema_v3)) != 0) ||
		    (ver < 4 && (r = coord_db_exec(st, coord_schema_v4)) != 0) ||
		    (ver < 5 && (r = coord_db_exec(st, coord_schema_v5)) != 0)) {
			fl_errmsg_set(errmsg, "cannot %s the schema: %s",
				      ver ? "upgrade" : "create", sqlite3_errmsg(st->db));
			coord_db_exec(st, "ROLLBACK");
			goto out;
		}
		if ((r = coord_db_exec(st, "COMMIT")) != 0)
			goto out;
		if (ver > 0)
			fl_info("store: schema upgraded from version %d to %d", ver,
				COORD_STORE_SCHEMA_VERSION);
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int coord_store_open(const char *path, coord_store **out, char *errmsg)
{
	coord_store *st;
	int r;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return FL_E_NOMEM;
	pthread_mutex_init(&st->mu, NULL);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "cannot open database %s: %s", path,
			      st->db ? sqlite3_errmsg(st->db) : "out of memory");
		r = FL_E_DB;
		goto out;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if ((r = coord_db_exec(st, "PRAGMA journal_mode=WAL")) != 0 ||
	    (r = coord_db_exec(st, "PRAGMA synchronous=FULL")) != 0 ||
	    (r = coord_db_exec(st, "PRAGMA foreign_keys=ON")) != 0) {
		fl_errmsg_set(errmsg, "cannot set up database %s: %s (is it a "
			      "fedc database on a local disk?)", path,
			      sqlite3_errmsg(st->db));
		goto out;
	}
	if ((r = coord_store_migrate(st, errmsg)) != 0)
		goto out;
	if ((r = coord_store_jobsig_migrate(st)) != 0) {
		fl_errmsg_set(errmsg, "cannot add the spec signature columns to %s: %s",
			      path, sqlite3_errmsg(st->db));
		goto out;
	}
	if ((r = coord_db_exec(st, coord_schema_ledger)) != 0) {
		fl_errmsg_set(errmsg, "cannot create the ledger table in %s: %s", path,
			      sqlite3_errmsg(st->db));
		goto out;
	}
	*out = st;
	st = NULL;
out:
	/* another process holds the database locked: the caller may wait */
	if (r != 0 && st != NULL && st->db != NULL &&
	    (sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY)
		r = FL_E_BUSY;
	coord_store_close(st);
	return r;
}

void coord_store_close(coord_store *st)
{
	if (st == NULL)
		return;
	if (st->db)
		sqlite3_close(st->db);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* ---- sites ---- */

int coord_store_site_add(coord_store *st, const char *name, const char *role,
			 int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "INSERT INTO sites(name, role, added_ms) "
			       "VALUES(?, ?, ?)", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	r = coord_db_step_done(st, s, "add site");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

#define COORD_SITE_COLS "name, role, added_ms, last_seen_ms, datasets, revoked"

static void coord_site_from_row(sqlite3_stmt *s, coord_site_row *o)
{
	memset(o, 0, sizeof(*o));
	coord_col_str(s, 0, o->info.name, sizeof(o->info.name));
	coord_col_str(s, 1, o->info.role, sizeof(o->info.role));
	o->info.added_ms = sqlite3_column_int64(s, 2);
	o->info.last_seen_ms = sqlite3_column_int64(s, 3);
	coord_col_str(s, 4, o->datasets, sizeof(o->datasets));
	o->info.revoked = sqlite3_column_int(s, 5) != 0;
}

int coord_store_site_get(coord_store *st, const char *name, coord_site_row *out)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT " COORD_SITE_COLS " FROM sites "
			       "WHERE name = ?", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		coord_site_from_row(s, out);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = FL_E_NOTFOUND;
	} else {
		r = coord_db_fail(st, "get site");
	}
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_site_seen(coord_store *st, const char *name,
			  const char *datasets, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "UPDATE sites SET last_seen_ms = ?, datasets = ? "
			       "WHERE name = ?", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, datasets, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	r = coord_db_step_done(st, s, "site seen");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_site_set_revoked(coord_store *st, const char *name, int revoked)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "UPDATE sites SET revoked = ? WHERE name = ?", &s)) != 0)
		goto out;
	sqlite3_bind_int(s, 1, revoked ? 1 : 0);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if ((r = coord_db_step_done(st, s, "revoke site")) == 0 &&
	    sqlite3_changes(st->db) == 0)
		r = FL_E_NOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_site_list(coord_store *st, coord_site_row **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	coord_site_row *rows = NULL, *tmp;
	size_t cnt = 0, cap = 0;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT " COORD_SITE_COLS " FROM sites "
			       "ORDER BY name", &s)) != 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = realloc(rows, cap * sizeof(*rows))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			rows = tmp;
		}
		coord_site_from_row(s, &rows[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		r = coord_db_fail(st, "list sites");
		goto out;
	}
	*out = rows;
	*n = cnt;
	rows = NULL;
	r = 0;
out:
	free(rows);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- jobs ---- */

int coord_store_job_insert(coord_store *st, const fl_msg_job_info *info,
			   const char *spec, int64_t now_ms, uint64_t *id)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "INSERT INTO jobs(name, dataset, model, spec, "
			       "state, rounds_total, created_ms, updated_ms, "
			       "submitted_by) VALUES(?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
			       &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, info->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, info->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, info->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, spec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, info->rounds_total);
	sqlite3_bind_int64(s, 6, now_ms);
	sqlite3_bind_int64(s, 7, now_ms);
	sqlite3_bind_text(s, 8, info->submitted_by, -1, SQLITE_STATIC);
	if ((r = coord_db_step_done(st, s, "insert job")) != 0)
		goto out;
	*id = (uint64_t)sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

#define COORD_JOB_COLS "id, name, state, dataset, model, rounds_total, " \
	"rounds_done, created_ms, updated_ms, error, submitted_by, m_present, " \
	"m_n, m_loss, m_accuracy, m_macro_f1, m_r2, spec"

static void coord_job_from_row(sqlite3_stmt *s, fl_msg_job_info *o)
{
	memset(o, 0, sizeof(*o));
	o->job_id = (uint64_t)sqlite3_column_int64(s, 0);
	coord_col_str(s, 1, o->name, sizeof(o->name));
	coord_col_str(s, 2, o->state, sizeof(o->state));
	coord_col_str(s, 3, o->dataset, sizeof(o->dataset));
	coord_col_str(s, 4, o->model, sizeof(o->model));
	o->rounds_total = (uint32_t)sqlite3_column_int64(s, 5);
	o->rounds_done = (uint32_t)sqlite3_column_int64(s, 6);
	o->created_ms = sqlite3_column_int64(s, 7);
	o->updated_ms = sqlite3_column_int64(s, 8);
	coord_col_str(s, 9, o->error, sizeof(o->error));
	coord_col_str(s, 10, o->submitted_by, sizeof(o->submitted_by));
	o->metrics.present = sqlite3_column_int(s, 11) != 0;
	o->metrics.n = coord_col_dbl(s, 12);
	o->metrics.loss = coord_col_dbl(s, 13);
	o->metrics.accuracy = coord_col_dbl(s, 14);
	o->metrics.macro_f1 = coord_col_dbl(s, 15);
	o->metrics.r2 = coord_col_dbl(s, 16);
}

int coord_store_job_get(coord_store *st, uint64_t id, fl_msg_job_info *out,
			char **spec)
{
	sqlite3_stmt *s = NULL;
	fl_msg_job_info info;
	char *text = NULL;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT " COORD_JOB_COLS " FROM jobs WHERE id = ?",
			       &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = FL_E_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = coord_db_fail(st, "get job");
		goto out;
	}
	coord_job_from_row(s, &info);
	if (spec != NULL) {
		const unsigned char *t = sqlite3_column_text(s, 17);

		if ((text = strdup(t ? (const char *)t : "")) == NULL) {
			r = FL_E_NOMEM;
			goto out;
		}
		*spec = text;
	}
	*out = info;
	r = 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_job_list(coord_store *st, fl_msg_job_list *out)
{
	sqlite3_stmt *s = NULL;
	fl_msg_job_info *jobs = NULL, *tmp;
	size_t cnt = 0, cap = 0;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT " COORD_JOB_COLS " FROM jobs ORDER BY id",
			       &s)) != 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && cnt < FL_MSG_MAX_LIST) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = realloc(jobs, cap * sizeof(*jobs))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			jobs = tmp;
		}
		coord_job_from_row(s, &jobs[cnt++]);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		r = coord_db_fail(st, "list jobs");
		goto out;
	}
	out->jobs = jobs;
	out->n = cnt;
	jobs = NULL;
	r = 0;
out:
	free(jobs);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_job_active(coord_store *st, uint64_t **ids, size_t *n)
{
	sqlite3_stmt *s = NULL;
	uint64_t *v = NULL, *tmp;
	size_t cnt = 0, cap = 0;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT id FROM jobs WHERE state IN "
			       "('pending', 'running') ORDER BY id", &s)) != 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((tmp = realloc(v, cap * sizeof(*v))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			v = tmp;
		}
		v[cnt++] = (uint64_t)sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE) {
		r = coord_db_fail(st, "active jobs");
		goto out;
	}
	*ids = v;
	*n = cnt;
	v = NULL;
	r = 0;
out:
	free(v);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_job_set_state(coord_store *st, uint64_t id, const char *state,
			      const char *error, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "UPDATE jobs SET state = ?, error = ?, "
			       "updated_ms = ? WHERE id = ?", &s)) != 0)
		goto out;
	sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, error ? error : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)id);
	if ((r = coord_db_step_done(st, s, "set job state")) == 0 &&
	    sqlite3_changes(st->db) == 0)
		r = FL_E_NOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	if (r == 0)
		coord_events_add(st, id, 0, 0, COORD_EV_JOB_STATE, NULL, "%s%s%.200s", state,
				 error && error[0] ? ": " : "", error ? error : "");
	return r;
}

int coord_store_job_set_weight(coord_store *st, uint64_t id, double n)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "UPDATE jobs SET weight_n = ? WHERE id = ?",
			       &s)) != 0)
		goto out;
	sqlite3_bind_double(s, 1, n);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)id);
	if ((r = coord_db_step_done(st, s, "set job weight")) == 0 &&
	    sqlite3_changes(st->db) == 0)
		r = FL_E_NOTFOUND;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_job_get_weight(coord_store *st, uint64_t id, double *n)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT weight_n FROM jobs WHERE id = ?", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_double(s, 0);
	else if (rc == SQLITE_DONE)
		r = FL_E_NOTFOUND;
	else
		r = coord_db_fail(st, "get job weight");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- rounds ---- */

static char *coord_participants_join(const fl_msg_round_info *r)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < r->nparticipants; i++)
		len += strlen(r->participants[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < r->nparticipants; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, r->participants[i]);
	}
	return s;
}

static int coord_participants_split(const char *list, fl_msg_round_info *o)
{
	const char *p = list;
	size_t n = 0, i = 0;

	if (*list != '\0')
		for (n = 1, p = list; *p; p++)
			n += *p == ',';
	if (n > FL_MSG_MAX_PARTICIPANTS)
		n = FL_MSG_MAX_PARTICIPANTS;
	o->nparticipants = 0;
	o->participants = NULL;
	if (n == 0)
		return 0;
	if ((o->participants = calloc(n, sizeof(*o->participants))) == NULL)
		return FL_E_NOMEM;
	for (p = list; i < n; i++) {
		size_t len = strcspn(p, ",");

		snprintf(o->participants[i], FL_NAME_BYTES, "%.*s", (int)len, p);
		p += len + (p[len] == ',');
	}
	o->nparticipants = (uint32_t)n;
	return 0;
}

/* Inserts or replaces the round row; caller holds the mutex. */
static int coord_round_put_locked(coord_store *st, uint64_t job_id,
				  const fl_msg_round_info *r)
{
	sqlite3_stmt *s = NULL;
	char *parts = NULL;
	int ret;

	if ((parts = coord_participants_join(r)) == NULL)
		return FL_E_NOMEM;
	if ((ret = coord_db_prep(st, "INSERT OR REPLACE INTO rounds(job_id, round, "
				 "attempt, kind, state, selected, survived, participants, "
				 "started_ms, finished_ms, train_loss, e_present, e_n, "
				 "e_loss, e_accuracy, e_macro_f1, e_r2, closed_by) VALUES(?, "
				 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, r->round);
	sqlite3_bind_int64(s, 3, r->attempt);
	sqlite3_bind_text(s, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, r->selected);
	sqlite3_bind_int64(s, 7, r->survived);
	sqlite3_bind_text(s, 8, parts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, r->started_ms);
	sqlite3_bind_int64(s, 10, r->finished_ms);
	coord_bind_dbl(s, 11, r->train_loss);
	sqlite3_bind_int(s, 12, r->eval.present ? 1 : 0);
	coord_bind_dbl(s, 13, r->eval.n);
	coord_bind_dbl(s, 14, r->eval.loss);
	coord_bind_dbl(s, 15, r->eval.accuracy);
	coord_bind_dbl(s, 16, r->eval.macro_f1);
	coord_bind_dbl(s, 17, r->eval.r2);
	sqlite3_bind_text(s, 18, r->closed_by, -1, SQLITE_STATIC);
	ret = coord_db_step_done(st, s, "put round");
out:
	sqlite3_finalize(s);
	free(parts);
	return ret;
}

int coord_store_round_put(coord_store *st, uint64_t job_id,
			  const fl_msg_round_info *r)
{
	int ret;

	pthread_mutex_lock(&st->mu);
	ret = coord_round_put_locked(st, job_id, r);
	pthread_mutex_unlock(&st->mu);
	return ret;
}

static int coord_model_put_locked(coord_store *st, uint64_t job_id,
				  uint32_t version, const uint8_t *blob, size_t len)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = coord_db_prep(st, "INSERT INTO models(job_id, version, blob) "
			       "VALUES(?, ?, ?)", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_blob64(s, 3, blob, len, SQLITE_STATIC);
	r = coord_db_step_done(st, s, "put model");
	sqlite3_finalize(s);
	return r;
}

static int coord_job_progress_locked(coord_store *st, uint64_t job_id,
				     uint32_t rounds_done,
				     const fl_msg_metrics *m, const char *state,
				     int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = coord_db_prep(st, "UPDATE jobs SET rounds_done = ?, updated_ms = ?, "
			       "state = coalesce(?, state), m_present = coalesce(?, m_present), "
			       "m_n = CASE WHEN ? THEN ? ELSE m_n END, "
			       "m_loss = CASE WHEN ? THEN ? ELSE m_loss END, "
			       "m_accuracy = CASE WHEN ? THEN ? ELSE m_accuracy END, "
			       "m_macro_f1 = CASE WHEN ? THEN ? ELSE m_macro_f1 END, "
			       "m_r2 = CASE WHEN ? THEN ? ELSE m_r2 END WHERE id = ?",
			       &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, rounds_done);
	sqlite3_bind_int64(s, 2, now_ms);
	if (state)
		sqlite3_bind_text(s, 3, state, -1, SQLITE_STATIC);
	if (m)
		sqlite3_bind_int(s, 4, m->present ? 1 : 0);
	for (int i = 0; i < 5; i++) {
		double v = 0;

		sqlite3_bind_int(s, 5 + 2 * i, m != NULL);
		if (m) {
			v = i == 0 ? m->n : i == 1 ? m->loss : i == 2 ? m->accuracy :
				i == 3 ? m->macro_f1 : m->r2;
			coord_bind_dbl(s, 6 + 2 * i, v);
		}
	}
	sqlite3_bind_int64(s, 15, (sqlite3_int64)job_id);
	if ((r = coord_db_step_done(st, s, "job progress")) == 0 &&
	    sqlite3_changes(st->db) == 0)
		r = FL_E_NOTFOUND;
	sqlite3_finalize(s);
	return r;
}

int coord_store_round_commit(coord_store *st, uint64_t job_id,
			     const fl_msg_round_info *r, const uint8_t *model,
			     size_t model_len, uint32_t version,
			     uint32_t rounds_done, const fl_msg_metrics *metrics,
			     const char *job_state, int64_t now_ms)
{
	return coord_store_round_commit_ledger(st, job_id, r, model, model_len,
					       version, rounds_done, metrics,
					       job_state, now_ms, NULL, NULL);
}

/* The last ledger entry's seq and hash (0 and 64 zeros if none). */
static int coord_ledger_tail_locked(coord_store *st, uint64_t *seq, char *hash)
{
	sqlite3_stmt *s = NULL;
	int r, rc;

	*seq = 0;
	memset(hash, '0', FL_MSG_HASH_HEX_BYTES - 1);
	hash[FL_MSG_HASH_HEX_BYTES - 1] = '\0';
	if ((r = coord_db_prep(st, "SELECT seq, hash FROM ledger ORDER BY seq DESC "
			       "LIMIT 1", &s)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(s, 0);
		coord_col_str(s, 1, hash, FL_MSG_HASH_HEX_BYTES);
	} else if (rc != SQLITE_DONE) {
		r = coord_db_fail(st, "read the ledger's last entry");
	}
	sqlite3_finalize(s);
	return r;
}

/* Builds the next entry with fn and inserts it; caller holds the mutex
 * inside a transaction. */
static int coord_ledger_append_locked(coord_store *st, coord_store_ledger_fn fn,
				      void *ctx)
{
	coord_ledger_row row;
	char prev[FL_MSG_HASH_HEX_BYTES];
	sqlite3_stmt *s = NULL;
	uint64_t seq;
	int r;

	memset(&row, 0, sizeof(row));
	if ((r = coord_ledger_tail_locked(st, &seq, prev)) != 0)
		return r;
	if ((r = fn(ctx, seq + 1, prev, &row)) != 0)
		goto out;
	if ((r = coord_db_prep(st, "INSERT INTO ledger(seq, job_id, round, attempt, "
			       "text, hash, sig) VALUES(?, ?, ?, ?, ?, ?, ?)", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(seq + 1));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)row.job_id);
	sqlite3_bind_int64(s, 3, row.round);
	sqlite3_bind_int64(s, 4, row.attempt);
	sqlite3_bind_text(s, 5, row.text ? row.text : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, row.hash_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, row.sig_hex, -1, SQLITE_STATIC);
	r = coord_db_step_done(st, s, "append to the ledger");
out:
	sqlite3_finalize(s);
	free(row.text);
	return r;
}

int coord_store_round_commit_ledger(coord_store *st, uint64_t job_id,
				    const fl_msg_round_info *r,
				    const uint8_t *model, size_t model_len,
				    uint32_t version, uint32_t rounds_done,
				    const fl_msg_metrics *metrics,
				    const char *job_state, int64_t now_ms,
				    coord_store_ledger_fn fn, void *ctx)
{
	int ret;

	pthread_mutex_lock(&st->mu);
	if ((ret = coord_db_exec(st, "BEGIN IMMEDIATE")) != 0)
		goto out;
	if ((ret = coord_round_put_locked(st, job_id, r)) != 0)
		goto rollback;
	if (model != NULL &&
	    (ret = coord_model_put_locked(st, job_id, version, model, model_len)) != 0)
		goto rollback;
	if ((ret = coord_job_progress_locked(st, job_id, rounds_done, metrics,
					     job_state, now_ms)) != 0)
		goto rollback;
	if (fn != NULL && (ret = coord_ledger_append_locked(st, fn, ctx)) != 0)
		goto rollback;
	if ((ret = coord_db_exec(st, "COMMIT")) == 0)
		goto out;
rollback:
	coord_db_exec(st, "ROLLBACK");
out:
	pthread_mutex_unlock(&st->mu);
	return ret;
}

void coord_store_ledger_free(coord_ledger_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].text);
	free(rows);
}

/* Appends the current row of s to *rows; FL_E_NOMEM. */
static int coord_ledger_row_add(sqlite3_stmt *s, coord_ledger_row **rows,
				size_t *n, size_t *cap)
{
	const unsigned char *t = sqlite3_column_text(s, 4);
	coord_ledger_row *o;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		coord_ledger_row *nr = realloc(*rows, nc * sizeof(*nr));

		if (nr == NULL)
			return FL_E_NOMEM;
		*rows = nr;
		*cap = nc;
	}
	o = &(*rows)[*n];
	memset(o, 0, sizeof(*o));
	if ((o->text = strdup(t ? (const char *)t : "")) == NULL)
		return FL_E_NOMEM;
	o->seq = (uint64_t)sqlite3_column_int64(s, 0);
	o->job_id = (uint64_t)sqlite3_column_int64(s, 1);
	o->round = (uint32_t)sqlite3_column_int64(s, 2);
	o->attempt = (uint32_t)sqlite3_column_int64(s, 3);
	coord_col_str(s, 5, o->hash_hex, sizeof(o->hash_hex));
	coord_col_str(s, 6, o->sig_hex, sizeof(o->sig_hex));
	(*n)++;
	return 0;
}

int coord_store_ledger_list(coord_store *st, uint64_t job_id, uint64_t from_seq,
			    size_t max_bytes, coord_ledger_row **out, size_t *n,
			    uint64_t *next_seq)
{
	sqlite3_stmt *s = NULL;
	coord_ledger_row *rows = NULL;
	size_t cnt = 0, cap = 0, bytes = 0;
	uint64_t next = 0;
	int r, rc;

	/* SQLite's integers are signed: a sequence number or job id beyond
	 * 2^63 - 1 names nothing (it would wrap to a negative one, and seq >=
	 * a negative number is the first page) */
	if (from_seq > (uint64_t)INT64_MAX || job_id > (uint64_t)INT64_MAX) {
		*out = NULL;
		*n = 0;
		*next_seq = 0;
		return 0;
	}
	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT seq, job_id, round, attempt, text, hash, "
			       "sig FROM ledger WHERE seq >= ? AND (? = 0 OR "
			       "job_id = ?) ORDER BY seq", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)from_seq);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(s, 4) + 256;

		if (cnt > 0 && (bytes + len > max_bytes || cnt >= FL_MSG_MAX_LIST)) {
			next = (uint64_t)sqlite3_column_int64(s, 0);
			break;
		}
		if ((r = coord_ledger_row_add(s, &rows, &cnt, &cap)) != 0)
			goto out;
		bytes += len;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = coord_db_fail(st, "list the ledger");
		goto out;
	}
	*out = rows;
	*n = cnt;
	*next_seq = next;
	rows = NULL;
	cnt = 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	coord_store_ledger_free(rows, cnt);
	return r;
}

static int coord_round_from_row(sqlite3_stmt *s, fl_msg_round_info *o)
{
	const unsigned char *parts;

	memset(o, 0, sizeof(*o));
	o->round = (uint32_t)sqlite3_column_int64(s, 0);
	o->attempt = (uint32_t)sqlite3_column_int64(s, 1);
	coord_col_str(s, 2, o->kind, sizeof(o->kind));
	coord_col_str(s, 3, o->state, sizeof(o->state));
	o->selected = (uint32_t)sqlite3_column_int64(s, 4);
	o->survived = (uint32_t)sqlite3_column_int64(s, 5);
	o->started_ms = sqlite3_column_int64(s, 7);
	o->finished_ms = sqlite3_column_int64(s, 8);
	o->train_loss = coord_col_dbl(s, 9);
	o->eval.present = sqlite3_column_int(s, 10) != 0;
	o->eval.n = coord_col_dbl(s, 11);
	o->eval.loss = coord_col_dbl(s, 12);
	o->eval.accuracy = coord_col_dbl(s, 13);
	o->eval.macro_f1 = coord_col_dbl(s, 14);
	o->eval.r2 = coord_col_dbl(s, 15);
	coord_col_str(s, 16, o->closed_by, sizeof(o->closed_by));
	parts = sqlite3_column_text(s, 6);
	return coord_participants_split(parts ? (const char *)parts : "", o);
}

void coord_store_round_list_free(fl_msg_round_info *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		fl_msg_round_info_clear(&r[i]);
	free(r);
}

int coord_store_round_list(coord_store *st, uint64_t job_id,
			   fl_msg_round_info **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	fl_msg_round_info *v = NULL, *tmp;
	size_t cnt = 0, cap = 0;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "SELECT round, attempt, kind, state, selected, "
			       "survived, participants, started_ms, finished_ms, "
			       "train_loss, e_present, e_n, e_loss, e_accuracy, "
			       "e_macro_f1, e_r2, closed_by FROM rounds WHERE job_id = ? "
			       "ORDER BY round, attempt", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && cnt < FL_MSG_MAX_LIST) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = realloc(v, cap * sizeof(*v))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			v = tmp;
		}
		if ((r = coord_round_from_row(s, &v[cnt])) != 0)
			goto out;
		cnt++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		r = coord_db_fail(st, "list rounds");
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	r = 0;
out:
	if (v)
		coord_store_round_list_free(v, cnt);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* Returns one integer from a single-row query with one int64 parameter, or
 * dflt if the result is NULL. */
static int coord_db_int(coord_store *st, const char *sql, int64_t a, int64_t b,
			int64_t dflt, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = coord_db_prep(st, sql, &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, b);
	if (sqlite3_step(s) != SQLITE_ROW) {
		r = coord_db_fail(st, sql);
	} else {
		*out = sqlite3_column_type(s, 0) == SQLITE_NULL ? dflt :
			sqlite3_column_int64(s, 0);
		r = 0;
	}
	sqlite3_finalize(s);
	return r;
}

int coord_store_job_resume_point(coord_store *st, uint64_t job_id,
				 uint32_t *next_round, uint32_t *next_attempt)
{
	int64_t last, att;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_int(st, "SELECT max(round) FROM rounds WHERE job_id = ? "
			      "AND state = 'done'", (int64_t)job_id, 0, -1, &last)) != 0)
		goto out;
	if ((r = coord_db_int(st, "SELECT max(attempt) FROM rounds WHERE job_id = ? "
			      "AND round = ?", (int64_t)job_id, last + 1, 0, &att)) != 0)
		goto out;
	{
		sqlite3_stmt *s = NULL;

		if ((r = coord_db_prep(st, "UPDATE rounds SET state = 'failed' WHERE "
				       "job_id = ? AND state = 'running'", &s)) != 0)
			goto out;
		sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
		r = coord_db_step_done(st, s, "mark interrupted rounds");
		sqlite3_finalize(s);
		if (r != 0)
			goto out;
	}
	*next_round = (uint32_t)(last + 1);
	*next_attempt = (uint32_t)(att + 1);
out:
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- models ---- */

int coord_store_model_get(coord_store *st, uint64_t job_id, uint32_t version,
			  int latest, uint8_t **blob, size_t *len,
			  uint32_t *version_out)
{
	sqlite3_stmt *s = NULL;
	uint8_t *copy = NULL;
	const void *p;
	size_t n;
	int r, rc;

	pthread_mutex_lock(&st->mu);
	r = coord_db_prep(st, latest ?
			  "SELECT version, blob FROM models WHERE job_id = ? "
			  "ORDER BY version DESC LIMIT 1" :
			  "SELECT version, blob FROM models WHERE job_id = ? AND version = ?",
			  &s);
	if (r != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	if (!latest)
		sqlite3_bind_int64(s, 2, version);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		r = FL_E_NOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = coord_db_fail(st, "get model");
		goto out;
	}
	p = sqlite3_column_blob(s, 1);
	n = (size_t)sqlite3_column_bytes(s, 1);
	if ((copy = malloc(n ? n : 1)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (n)
		memcpy(copy, p, n);
	*version_out = (uint32_t)sqlite3_column_int64(s, 0);
	*blob = copy;
	*len = n;
	r = 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- audit ---- */

int coord_store_audit(coord_store *st, const char *who, const char *action,
		      const char *detail, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int r;

	pthread_mutex_lock(&st->mu);
	if ((r = coord_db_prep(st, "INSERT INTO audit(ts, who, action, detail) "
			       "VALUES(?, ?, ?, ?)", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_text(s, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, detail ? detail : "", -1, SQLITE_STATIC);
	r = coord_db_step_done(st, s, "audit");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_audit_count(coord_store *st, int64_t *n)
{
	int r;

	pthread_mutex_lock(&st->mu);
	r = coord_db_int(st, "SELECT count(*) FROM audit WHERE id > ?", 0, 0, 0, n);
	pthread_mutex_unlock(&st->mu);
	return r;
}

/* ---- server optimiser state ---- */

/* The table is created on first use (no schema version bump). */
static int coord_servopt_table(coord_store *st)
{
	return coord_db_exec(st, "CREATE TABLE IF NOT EXISTS server_opt("
			     "job_id INTEGER NOT NULL, version INTEGER NOT NULL,"
			     " state BLOB NOT NULL, PRIMARY KEY(job_id, version))");
}

int coord_store_servopt_put(coord_store *st, uint64_t job_id, uint32_t version,
			    const uint8_t *state, size_t len)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (st == NULL || state == NULL || len == 0 || len > INT32_MAX)
		return FL_E_INVAL;
	pthread_mutex_lock(&st->mu);
	if ((r = coord_servopt_table(st)) != 0 ||
	    (r = coord_db_prep(st, "INSERT OR REPLACE INTO server_opt(job_id, version,"
			       " state) VALUES(?, ?, ?)", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_blob(s, 3, state, (int)len, SQLITE_STATIC);
	r = coord_db_step_done(st, s, "put server optimiser state");
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int coord_store_servopt_get(coord_store *st, uint64_t job_id, uint32_t version,
			    uint8_t **state, size_t *len)
{
	sqlite3_stmt *s = NULL;
	uint8_t *copy = NULL;
	size_t n;
	int r, rc;

	if (st == NULL || state == NULL || len == NULL)
		return FL_E_INVAL;
	pthread_mutex_lock(&st->mu);
	if ((r = coord_servopt_table(st)) != 0 ||
	    (r = coord_db_prep(st, "SELECT state FROM server_opt WHERE job_id = ?"
			       " AND version = ?", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, version);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? FL_E_NOTFOUND :
		    coord_db_fail(st, "get server optimiser state");
		goto out;
	}
	n = (size_t)sqlite3_column_bytes(s, 0);
	if ((copy = malloc(n ? n : 1)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (n)
		memcpy(copy, sqlite3_column_blob(s, 0), n);
	*state = copy;
	*len = n;
	r = 0;
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->mu);
	return r;
}

void *coord_store_db_lock(coord_store *st)
{
	pthread_mutex_lock(&st->mu);
	return st->db;
}

void coord_store_db_unlock(coord_store *st)
{
	pthread_mutex_unlock(&st->mu);
}
