/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db: dispatch to the SQLite or PostgreSQL backend through its ops
 * table, and the shared "one statement with these parameters" helpers. The
 * backends use these helpers; coord_db_open.c picks the backend. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "coord_db_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_db_is_url(const char *target)
{
	return target != NULL && (strncmp(target, "postgresql://", 13) == 0 ||
				  strncmp(target, "postgres://", 11) == 0);
}

const char *coord_db_redact(const char *target, char *buf, size_t cap)
{
	const char *p, *at, *colon, *end;

	if (cap == 0)
		return "";
	snprintf(buf, cap, "%s", target ? target : "");
	if (!coord_db_is_url(target))
		return buf;
	p = strstr(target, "://") + 3;
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at == NULL)
		return buf;
	colon = memchr(p, ':', (size_t)(at - p));
	if (colon == NULL)
		return buf;
	/* user:secret@host -> user:***@host */
	snprintf(buf, cap, "%.*s:***%s", (int)(colon - target), target, at);
	return buf;
}

void coord_db_close(coord_db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

coord_db_kind coord_db_backend(const coord_db *db)
{
	return db->kind;
}

const char *coord_db_errmsg(coord_db *db)
{
	return db->err[0] ? db->err : "unknown database error";
}

int coord_db_busy(coord_db *db)
{
	return db->ops->busy(db);
}

int coord_db_lost(coord_db *db)
{
	return db->ops->lost(db);
}

void *coord_db_sqlite_handle(coord_db *db)
{
	return db->ops->handle(db);
}

int coord_db_try_lock(coord_db *db, int64_t key, int *got)
{
	return db->ops->try_lock(db, key, got);
}

void coord_db_set_fence(coord_db *db, void (*fence)(void *arg), void *arg)
{
	db->fence = fence;
	db->fence_arg = arg;
}

int64_t coord_db_stalled_ms(coord_db *db)
{
	int64_t since = atomic_load(&db->call_since_ms);
	int64_t now;

	if (since == 0)
		return 0;
	now = fl_mono_ms();
	return now > since ? now - since : 0;
}

int coord_db_exec(coord_db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int coord_db_begin(coord_db *db)
{
	return db->ops->exec(db, db->ops->begin_sql);
}

int coord_db_commit(coord_db *db)
{
	return db->ops->exec(db, "COMMIT");
}

int coord_db_rollback(coord_db *db)
{
	return db->ops->exec(db, "ROLLBACK");
}

int coord_db_prepare(coord_db *db, const char *sql, coord_stmt **out)
{
	return db->ops->prepare(db, sql, out);
}

void coord_stmt_free(coord_stmt *s)
{
	if (s != NULL)
		s->db->ops->stmt_free(s);
}

static int coord_stmt_bind(coord_stmt *s, int i, coord_arg a)
{
	if (a.type == 'd' && !isfinite(a.d))
		a.type = 'n';
	if (a.type == 't' && a.t == NULL)
		a.t = "";
	return s->db->ops->bind(s, i, &a);
}

int coord_stmt_bind_int64(coord_stmt *s, int i, int64_t v)
{
	return coord_stmt_bind(s, i, CA_I(v));
}

int coord_stmt_bind_double(coord_stmt *s, int i, double v)
{
	return coord_stmt_bind(s, i, CA_D(v));
}

int coord_stmt_bind_text(coord_stmt *s, int i, const char *v)
{
	return coord_stmt_bind(s, i, CA_T(v));
}

int coord_stmt_bind_blob(coord_stmt *s, int i, const void *p, size_t n)
{
	return coord_stmt_bind(s, i, CA_B(p, n));
}

int coord_stmt_bind_null(coord_stmt *s, int i)
{
	return coord_stmt_bind(s, i, CA_NULL);
}

int coord_stmt_step(coord_stmt *s)
{
	return s->db->ops->step(s);
}

int64_t coord_stmt_changes(coord_stmt *s)
{
	return s->db->ops->changes(s);
}

int coord_stmt_is_null(coord_stmt *s, int col)
{
	return s->db->ops->is_null(s, col);
}

int64_t coord_stmt_int64(coord_stmt *s, int col)
{
	return s->db->ops->is_null(s, col) ? 0 : s->db->ops->col_int64(s, col);
}

double coord_stmt_double(coord_stmt *s, int col)
{
	return s->db->ops->is_null(s, col) ? NAN : s->db->ops->col_double(s, col);
}

const char *coord_stmt_text(coord_stmt *s, int col)
{
	const char *t = s->db->ops->is_null(s, col) ? NULL :
		s->db->ops->col_text(s, col);

	return t ? t : "";
}

const void *coord_stmt_blob(coord_stmt *s, int col, size_t *len)
{
	const void *p = NULL;

	*len = 0;
	if (!s->db->ops->is_null(s, col))
		p = s->db->ops->col_blob(s, col, len);
	return p ? p : "";
}

void coord_stmt_str(coord_stmt *s, int col, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s", coord_stmt_text(s, col));
}

int coord_db_query(coord_db *db, const char *sql, const coord_arg *args,
		   size_t n, coord_stmt **out)
{
	coord_stmt *s = NULL;
	size_t i;
	int r;

	if ((r = coord_db_prepare(db, sql, &s)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = coord_stmt_bind(s, (int)i + 1, args[i])) != 0) {
			coord_stmt_free(s);
			return r;
		}
	*out = s;
	return 0;
}

int coord_db_run(coord_db *db, const char *sql, const coord_arg *args,
		 size_t n, int64_t *changes)
{
	coord_stmt *s = NULL;
	int r;

	if ((r = coord_db_query(db, sql, args, n, &s)) != 0)
		return r;
	while ((r = coord_stmt_step(s)) == 1)
		;
	if (r == 0 && changes != NULL)
		*changes = coord_stmt_changes(s);
	if (r == FL_E_DB)
		fl_error("store: %s", coord_db_errmsg(db));
	coord_stmt_free(s);
	return r;
}

int coord_db_rows(coord_db *db, const char *sql, const coord_arg *args,
		  size_t n, size_t max, coord_row_fn row, void *ctx,
		  const char *what)
{
	coord_stmt *s = NULL;
	size_t cnt = 0;
	int r;

	if ((r = coord_db_query(db, sql, args, n, &s)) != 0)
		return r;
	while (cnt < max && (r = coord_stmt_step(s)) == 1) {
		cnt++;
		if ((r = row(ctx, s)) != 0)
			break;
	}
	if (r < 0)
		fl_error("store: %s: %s", what, coord_db_errmsg(db));
	coord_stmt_free(s);
	return r < 0 ? r : 0;
}

int coord_db_int(coord_db *db, const char *sql, const coord_arg *args,
		 size_t n, int64_t dflt, int64_t *out)
{
	coord_stmt *s = NULL;
	int r;

	if ((r = coord_db_query(db, sql, args, n, &s)) != 0)
		return r;
	r = coord_stmt_step(s);
	if (r == 1) {
		*out = coord_stmt_is_null(s, 0) ? dflt : coord_stmt_int64(s, 0);
		r = 0;
	} else if (r == 0) {
		*out = dflt;
	} else {
		fl_error("store: %s", coord_db_errmsg(db));
		r = FL_E_DB;
	}
	coord_stmt_free(s);
	return r;
}
