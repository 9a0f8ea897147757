/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db_sqlite: the SQLite backend of coord_db (a file next to the
 * coordinator; WAL mode, synchronous=FULL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_db_int.h"
#include "fl_err.h"
#include "fl_log.h"

typedef struct sq_db {
	coord_db base;
	sqlite3 *h;
	int busy;                  /* the last failure was SQLITE_BUSY */
} sq_db;

typedef struct sq_stmt {
	coord_stmt base;
	sqlite3_stmt *s;
	int64_t changes;
} sq_stmt;

static sq_db *sq(coord_db *db)
{
	return (sq_db *)db;
}

static sq_stmt *sqs(coord_stmt *s)
{
	return (sq_stmt *)s;
}

static int sq_fail(sq_db *d, int rc, const char *what)
{
	snprintf(d->base.err, sizeof(d->base.err), "%s: %s", what,
		 sqlite3_errmsg(d->h));
	d->busy = (rc & 0xff) == SQLITE_BUSY;
	return FL_E_DB;
}

static void sq_close(coord_db *db)
{
	sqlite3_close(sq(db)->h);
	free(db);
}

static int sq_exec(coord_db *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	if ((rc = sqlite3_exec(sq(db)->h, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		snprintf(db->err, sizeof(db->err), "%.80s: %s", sql, msg ? msg : "?");
		sq(db)->busy = (rc & 0xff) == SQLITE_BUSY;
		fl_error("store: %s", db->err);
		sqlite3_free(msg);
		return FL_E_DB;
	}
	return 0;
}

static int sq_prepare(coord_db *db, const char *sql, coord_stmt **out)
{
	sq_stmt *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return FL_E_NOMEM;
	s->base.db = db;
	if ((rc = sqlite3_prepare_v2(sq(db)->h, sql, -1, &s->s, NULL)) != SQLITE_OK) {
		sq_fail(sq(db), rc, sql);
		fl_error("store: %s", db->err);
		free(s);
		return FL_E_DB;
	}
	*out = &s->base;
	return 0;
}

static void sq_stmt_free(coord_stmt *s)
{
	sqlite3_finalize(sqs(s)->s);
	free(s);
}

static int sq_bind(coord_stmt *st, int i, const coord_arg *a)
{
	sqlite3_stmt *s = sqs(st)->s;
	int rc;

	switch (a->type) {
	case 'i': rc = sqlite3_bind_int64(s, i, a->i); break;
	case 'd': rc = sqlite3_bind_double(s, i, a->d); break;
	case 't': rc = sqlite3_bind_text(s, i, a->t, -1, SQLITE_TRANSIENT); break;
	case 'b': rc = sqlite3_bind_blob64(s, i, a->n ? a->b : "", a->n,
					   SQLITE_TRANSIENT); break;
	default: rc = sqlite3_bind_null(s, i); break;
	}
	return rc == SQLITE_OK ? 0 : sq_fail(sq(st->db), rc, "bind");
}

static int sq_step(coord_stmt *st)
{
	sq_db *d = sq(st->db);
	int rc = sqlite3_step(sqs(st)->s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqs(st)->changes = sqlite3_changes(d->h);
		return 0;
	}
	sq_fail(d, rc, "step");
	return (rc & 0xff) == SQLITE_CONSTRAINT ? FL_E_EXISTS : FL_E_DB;
}

static int64_t sq_changes(coord_stmt *s)
{
	return sqs(s)->changes;
}

static int sq_is_null(coord_stmt *s, int col)
{
	return sqlite3_column_type(sqs(s)->s, col) == SQLITE_NULL;
}

static int64_t sq_int64(coord_stmt *s, int col)
{
	return sqlite3_column_int64(sqs(s)->s, col);
}

static double sq_double(coord_stmt *s, int col)
{
	return sqlite3_column_double(sqs(s)->s, col);
}

static const char *sq_text(coord_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(sqs(s)->s, col);
}

static const void *sq_blob(coord_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(sqs(s)->s, col);

	*len = (size_t)sqlite3_column_bytes(sqs(s)->s, col);
	return p;
}

static int sq_busy(coord_db *db)
{
	return sq(db)->busy;
}

static int sq_lost(coord_db *db)
{
	(void)db;
	return 0;
}

static void *sq_handle(coord_db *db)
{
	return sq(db)->h;
}

static int sq_try_lock(coord_db *db, int64_t key, int *got)
{
	(void)db;
	(void)key;
	*got = 1;
	return 0;
}

static const coord_db_ops sq_ops = {
	sq_close, sq_exec, sq_prepare, sq_stmt_free, sq_bind, sq_step, sq_changes,
	sq_is_null, sq_int64, sq_double, sq_text, sq_blob, sq_busy, sq_lost,
	sq_handle, sq_try_lock, "BEGIN IMMEDIATE",
};

int coord_db_sqlite_open(const char *path, coord_db **out, char *errmsg)
{
	sq_db *d;
	int r;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return FL_E_NOMEM;
	d->base.ops = &sq_ops;
	d->base.kind = COORD_DB_SQLITE;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "cannot open database %s: %s", path,
			      d->h ? sqlite3_errmsg(d->h) : "out of memory");
		r = FL_E_DB;
		goto out;
	}
	sqlite3_busy_timeout(d->h, 5000);
	if ((r = sq_exec(&d->base, "PRAGMA journal_mode=WAL")) != 0 ||
	    (r = sq_exec(&d->base, "PRAGMA synchronous=FULL")) != 0 ||
	    (r = sq_exec(&d->base, "PRAGMA foreign_keys=ON")) != 0) {
		fl_errmsg_set(errmsg, "cannot set up database %s: %s (is it a "
			      "fedc database on a local disk?)", path,
			      sqlite3_errmsg(d->h));
		if (d->busy)
			r = FL_E_BUSY;
		goto out;
	}
	*out = &d->base;
	return 0;
out:
	sqlite3_close(d->h);
	free(d);
	return r;
}
