/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db: the one statement layer under the coordinator's store, with two
 * backends: SQLite (a file path, coord_db_sqlite.c) and PostgreSQL (a
 * postgresql:// URL, libpq, coord_db_pg.c). SQL is written once with `?`
 * placeholders (or `?N`); the PostgreSQL backend rewrites them to $N.
 * Values are always bound, never pasted into SQL. Not thread-safe: the
 * store's mutex guards a connection. */
#ifndef COORD_DB_H
#define COORD_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct coord_db coord_db;
typedef struct coord_stmt coord_stmt;

typedef enum { COORD_DB_SQLITE = 1, COORD_DB_PG = 2 } coord_db_kind;

/* True if target names a PostgreSQL database ("postgresql://" or
 * "postgres://"), false for a SQLite file path. */
int coord_db_is_url(const char *target);

/*
 * Opens target: a SQLite file (created if missing; WAL, synchronous=FULL,
 * busy timeout 5 s) or a PostgreSQL URL. password_file (may be NULL or "")
 * holds the PostgreSQL password on its first line; otherwise libpq's own
 * PGPASSFILE / ~/.pgpass applies. A password inside the URL is refused
 * (it would show in process lists and logs). *out owned by caller
 * (coord_db_close). Errors: FL_E_DB (reason in errmsg), FL_E_BUSY (SQLite
 * file locked by another process), FL_E_CONFIG, FL_E_NOMEM.
 */
int coord_db_open(const char *target, const char *password_file,
		  coord_db **out, char *errmsg);
/* Closes; NULL-safe. */
void coord_db_close(coord_db *db);
coord_db_kind coord_db_backend(const coord_db *db);
/* The last error's text (never NULL). */
const char *coord_db_errmsg(coord_db *db);
/* True if the last failure was SQLite's "database is locked". */
int coord_db_busy(coord_db *db);
/* target for logs: a URL with any password stripped (writes into buf). */
const char *coord_db_redact(const char *target, char *buf, size_t cap);
/* The SQLite handle (sqlite3 *) for the SQLite-only backup; NULL on pg. */
void *coord_db_sqlite_handle(coord_db *db);
/* True once a PostgreSQL connection was found broken (sqlite: never). */
int coord_db_lost(coord_db *db);

/* ---- one active coordinator (PostgreSQL) ---- */
/* Tries the session advisory lock key: *got 1 if this connection holds it
 * now (SQLite: always 1, its file lock does the job). While it is held, a
 * broken connection is never silently reopened (the lock went with it):
 * fence(arg) is called at once instead, and every statement fails. */
int coord_db_try_lock(coord_db *db, int64_t key, int *got);
void coord_db_set_fence(coord_db *db, void (*fence)(void *arg), void *arg);
/* How long the call in flight to the database server (PostgreSQL) has
 * waited for its answer, in ms; 0 when none is. Safe from any thread
 * without the connection's owner (a plain atomic read). */
int64_t coord_db_stalled_ms(coord_db *db);

/* Runs SQL without parameters, several statements allowed. FL_E_DB. */
int coord_db_exec(coord_db *db, const char *sql);
int coord_db_begin(coord_db *db);      /* SQLite: BEGIN IMMEDIATE */
int coord_db_commit(coord_db *db);
int coord_db_rollback(coord_db *db);

/* ---- statements ---- */
/* Prepares one statement. *out owned by caller (coord_stmt_free). FL_E_DB. */
int coord_db_prepare(coord_db *db, const char *sql, coord_stmt **out);
void coord_stmt_free(coord_stmt *s);
/* Binds parameter i (from 1). Text and blobs are copied. A non-finite
 * double binds NULL (SQLite cannot store NaN; reads give NaN back). */
int coord_stmt_bind_int64(coord_stmt *s, int i, int64_t v);
int coord_stmt_bind_double(coord_stmt *s, int i, double v);
int coord_stmt_bind_text(coord_stmt *s, int i, const char *v);
int coord_stmt_bind_blob(coord_stmt *s, int i, const void *p, size_t n);
int coord_stmt_bind_null(coord_stmt *s, int i);
/* Steps: 1 a row is ready, 0 done, FL_E_EXISTS a constraint failed,
 * FL_E_DB another failure. */
int coord_stmt_step(coord_stmt *s);
/* Rows changed by the statement (after it is done). */
int64_t coord_stmt_changes(coord_stmt *s);
/* Columns of the current row (from 0). NULL reads as 0, NaN, "" and an
 * empty blob. Pointers stay valid until the next step or free. */
int coord_stmt_is_null(coord_stmt *s, int col);
int64_t coord_stmt_int64(coord_stmt *s, int col);
double coord_stmt_double(coord_stmt *s, int col);
const char *coord_stmt_text(coord_stmt *s, int col);
const void *coord_stmt_blob(coord_stmt *s, int col, size_t *len);
/* Copies a text column into dst (cap bytes, truncated, NUL-terminated). */
void coord_stmt_str(coord_stmt *s, int col, char *dst, size_t cap);

/* ---- the common shape: one statement with these parameters ---- */
typedef struct coord_arg {
	char type;               /* 'i' int64, 'd' double, 't' text, 'b' blob, 'n' */
	int64_t i;
	double d;
	const char *t;
	const void *b;
	size_t n;
} coord_arg;
#define CA_I(v) ((coord_arg){ .type = 'i', .i = (int64_t)(v) })
#define CA_D(v) ((coord_arg){ .type = 'd', .d = (v) })
#define CA_T(v) ((coord_arg){ .type = 't', .t = (v) })
#define CA_B(p, len) ((coord_arg){ .type = 'b', .b = (p), .n = (len) })
#define CA_NULL ((coord_arg){ .type = 'n' })

/* Prepares sql and binds args[0..n): *out ready to step. FL_E_DB. */
int coord_db_query(coord_db *db, const char *sql, const coord_arg *args,
		   size_t n, coord_stmt **out);
/* Prepares, binds and runs sql to completion; *changes (may be NULL) gets
 * the rows changed. 0, FL_E_EXISTS (constraint), FL_E_DB. */
int coord_db_run(coord_db *db, const char *sql, const coord_arg *args,
		 size_t n, int64_t *changes);
/* Runs a one-row query; *out gets column 0 as int64, or dflt if there is
 * no row or the value is NULL. FL_E_DB. */
int coord_db_int(coord_db *db, const char *sql, const coord_arg *args,
		 size_t n, int64_t dflt, int64_t *out);

/* Runs a query and calls row(ctx, s) for each row, while fewer than max
 * rows are read; a step error is logged as "store: WHAT: ...". Returns 0,
 * or FL_E_DB (or row's nonzero result, which stops the reading). */
typedef int (*coord_row_fn)(void *ctx, coord_stmt *s);
int coord_db_rows(coord_db *db, const char *sql, const coord_arg *args,
		  size_t n, size_t max, coord_row_fn row, void *ctx,
		  const char *what);

#define COORD_ARGS(...) ((const coord_arg[]){ __VA_ARGS__ }), \
	(sizeof((const coord_arg[]){ __VA_ARGS__ }) / sizeof(coord_arg))
#define COORD_NOARGS NULL, 0

/* ---- backend entry points (coord_db.c dispatches) ---- */
int coord_db_sqlite_open(const char *path, coord_db **out, char *errmsg);
int coord_db_pg_open(const char *url, const char *password_file,
		     coord_db **out, char *errmsg);

#endif
