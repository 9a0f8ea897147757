/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db_pg: the PostgreSQL backend of coord_db (libpq). Statements run
 * with PQexecParams: parameters travel apart from the SQL (text, blobs as
 * bytea in binary), results come back in binary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "coord_db_int.h"
#include "fl_err.h"
#include "fl_log.h"

#define PG_MAX_PARAMS 64
#define PG_PASSWORD_BYTES 256

/* type OIDs (server/catalog/pg_type.h, stable since forever) */
#define PG_BOOL 16
#define PG_BYTEA 17
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23
#define PG_FLOAT4 700
#define PG_FLOAT8 701

typedef struct pg_db {
	coord_db base;
	PGconn *c;
	int lost;
	int locked;                       /* holds the active lock */
} pg_db;

typedef struct pg_stmt {
	coord_stmt base;
	char *sql;                        /* rewritten with $N */
	int nparams;
	char *val[PG_MAX_PARAMS];         /* malloc'd, NULL = SQL NULL */
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];
	Oid type[PG_MAX_PARAMS];
	PGresult *res;
	int row;
	int64_t changes;
	char num[32];                     /* a number column read as text */
} pg_stmt;

static pg_db *pg(coord_db *db)
{
	return (pg_db *)db;
}

static pg_stmt *pgs(coord_stmt *s)
{
	return (pg_stmt *)s;
}

static int pg_fail(pg_db *d, const char *what, const PGresult *res)
{
	const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(d->c);
	size_t n;

	snprintf(d->base.err, sizeof(d->base.err), "%.60s: %s", what,
		 m && m[0] ? m : "connection failed");
	n = strlen(d->base.err);
	while (n > 0 && (d->base.err[n - 1] == '\n' || d->base.err[n - 1] == ' '))
		d->base.err[--n] = '\0';
	if (PQstatus(d->c) != CONNECTION_OK) {
		d->lost = 1;
		if (d->locked && d->base.fence)
			d->base.fence(d->base.fence_arg);
	}
	return FL_E_DB;
}

/* A connection that broke (server restart) is reset before the next
 * statement; a transaction open on it is gone, which its COMMIT reports. */
static int pg_ready(pg_db *d)
{
	if (PQstatus(d->c) == CONNECTION_OK)
		return 0;
	if (d->locked) {
		/* the lock went with the session: another coordinator may be
		 * active now, so this one must not write again */
		snprintf(d->base.err, sizeof(d->base.err), "the database session "
			 "that held the active lock is gone");
		d->lost = 1;
		if (d->base.fence)
			d->base.fence(d->base.fence_arg);
		return FL_E_DB;
	}
	atomic_store(&d->base.call_since_ms, fl_mono_ms());
	PQreset(d->c);
	atomic_store(&d->base.call_since_ms, 0);
	if (PQstatus(d->c) != CONNECTION_OK) {
		d->lost = 1;
		return pg_fail(d, "reconnect", NULL);
	}
	fl_warn("store: reconnected to PostgreSQL");
	d->lost = 0;
	return 0;
}

static void pg_close(coord_db *db)
{
	PQfinish(pg(db)->c);
	free(db);
}

static int pg_exec(coord_db *db, const char *sql)
{
	PGresult *res;
	int r = 0;

	if (pg_ready(pg(db)) != 0)
		return FL_E_DB;
	atomic_store(&db->call_since_ms, fl_mono_ms());
	res = PQexec(pg(db)->c, sql);
	atomic_store(&db->call_since_ms, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(pg(db), sql, res);
		fl_error("store: %s", db->err);
	}
	PQclear(res);
	return r;
}

/* Rewrites ? and ?N to $N outside quotes; *n gets the parameter count. */
static char *pg_rewrite(const char *sql, int *n)
{
	size_t cap = strlen(sql) * 4 + 1;
	char *out = malloc(cap), *o = out;
	char quote = 0;
	int next = 0, max = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
		} else if (*p == '?') {
			int k;

			if (p[1] >= '0' && p[1] <= '9') {
				for (k = 0; p[1] >= '0' && p[1] <= '9' && k < 10000; p++)
					k = k * 10 + (p[1] - '0');
			} else {
				k = ++next;
			}
			if (k > max)
				max = k;
			o += sprintf(o, "$%d", k);
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	*n = max;
	return out;
}

static int pg_prepare(coord_db *db, const char *sql, coord_stmt **out)
{
	pg_stmt *s;

	if (pg_ready(pg(db)) != 0) {
		fl_error("store: %s", db->err);
		return FL_E_DB;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return FL_E_NOMEM;
	s->base.db = db;
	if ((s->sql = pg_rewrite(sql, &s->nparams)) == NULL) {
		free(s);
		return FL_E_NOMEM;
	}
	if (s->nparams > PG_MAX_PARAMS) {
		snprintf(db->err, sizeof(db->err), "too many parameters: %.60s", sql);
		free(s->sql);
		free(s);
		return FL_E_DB;
	}
	*out = &s->base;
	return 0;
}

static void pg_stmt_free(coord_stmt *st)
{
	pg_stmt *s = pgs(st);

	for (int i = 0; i < PG_MAX_PARAMS; i++)
		free(s->val[i]);
	PQclear(s->res);
	free(s->sql);
	free(s);
}

static int pg_bind(coord_stmt *st, int i, const coord_arg *a)
{
	pg_stmt *s = pgs(st);
	char num[40];
	const void *src = num;
	size_t n;

	if (i < 1 || i > s->nparams) {
		snprintf(st->db->err, sizeof(st->db->err), "no parameter %d", i);
		return FL_E_DB;
	}
	i--;
	free(s->val[i]);
	s->val[i] = NULL;
	s->fmt[i] = 0;
	s->type[i] = 0;
	s->len[i] = 0;
	switch (a->type) {
	case 'i':
		n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)a->i);
		s->type[i] = PG_INT8;
		break;
	case 'd':
		n = (size_t)snprintf(num, sizeof(num), "%.17g", a->d);
		s->type[i] = PG_FLOAT8;
		break;
	case 't':
		src = a->t;
		n = strlen(a->t);
		break;
	case 'b':
		src = a->b;
		n = a->n;
		s->fmt[i] = 1;
		s->type[i] = PG_BYTEA;
		break;
	default:
		return 0;
	}
	if (n > INT32_MAX - 1 || (s->val[i] = malloc(n + 1)) == NULL)
		return FL_E_NOMEM;
	if (n)
		memcpy(s->val[i], src, n);
	s->val[i][n] = '\0';
	s->len[i] = (int)n;
	return 0;
}

static int pg_step(coord_stmt *st)
{
	pg_stmt *s = pgs(st);
	pg_db *d = pg(st->db);
	ExecStatusType es;
	const char *state;
	int r;

	if (s->res != NULL)
		return ++s->row < PQntuples(s->res) ? 1 : 0;
	atomic_store(&d->base.call_since_ms, fl_mono_ms());
	s->res = PQexecParams(d->c, s->sql, s->nparams, s->type,
			      (const char *const *)s->val, s->len, s->fmt, 1);
	atomic_store(&d->base.call_since_ms, 0);
	es = PQresultStatus(s->res);
	if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) {
		const char *t = PQcmdTuples(s->res);

		s->changes = t && t[0] ? strtoll(t, NULL, 10) : 0;
		s->row = 0;
		return PQntuples(s->res) > 0 ? 1 : 0;
	}
	pg_fail(d, s->sql, s->res);
	/* class 23: integrity constraint violation */
	state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
	r = state && strncmp(state, "23", 2) == 0 ? FL_E_EXISTS : FL_E_DB;
	PQclear(s->res);
	s->res = NULL;
	return r;
}

static int64_t pg_changes(coord_stmt *s)
{
	return pgs(s)->changes;
}

static int pg_is_null(coord_stmt *st, int col)
{
	pg_stmt *s = pgs(st);

	return s->res == NULL || col >= PQnfields(s->res) ||
		PQgetisnull(s->res, s->row, col);
}

static uint64_t pg_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A binary integer or float column as int64 (is_int) or double. */
static int pg_number(pg_stmt *s, int col, int64_t *iv, double *dv)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(s->res, s->row, col);
	int n = PQgetlength(s->res, s->row, col);
	Oid t = PQftype(s->res, col);
	union { uint64_t u; double d; } u8;
	union { uint32_t u; float f; } u4;

	if (t == PG_INT8 && n == 8)
		*iv = (int64_t)pg_be(p, 8), *dv = (double)*iv;
	else if (t == PG_INT4 && n == 4)
		*iv = (int32_t)pg_be(p, 4), *dv = (double)*iv;
	else if (t == PG_INT2 && n == 2)
		*iv = (int16_t)pg_be(p, 2), *dv = (double)*iv;
	else if (t == PG_BOOL && n == 1)
		*iv = p[0] != 0, *dv = (double)*iv;
	else if (t == PG_FLOAT8 && n == 8)
		u8.u = pg_be(p, 8), *dv = u8.d, *iv = (int64_t)u8.d;
	else if (t == PG_FLOAT4 && n == 4)
		u4.u = (uint32_t)pg_be(p, 4), *dv = u4.f, *iv = (int64_t)u4.f;
	else
		return -1;
	return 0;
}

static int64_t pg_col_int64(coord_stmt *st, int col)
{
	int64_t i = 0;
	double d = 0;

	if (pg_number(pgs(st), col, &i, &d) != 0)
		i = strtoll(PQgetvalue(pgs(st)->res, pgs(st)->row, col), NULL, 10);
	return i;
}

static double pg_col_double(coord_stmt *st, int col)
{
	int64_t i = 0;
	double d = 0;

	if (pg_number(pgs(st), col, &i, &d) != 0)
		d = strtod(PQgetvalue(pgs(st)->res, pgs(st)->row, col), NULL);
	return d;
}

static const char *pg_col_text(coord_stmt *st, int col)
{
	pg_stmt *s = pgs(st);
	int64_t i;
	double d;

	if (pg_number(s, col, &i, &d) == 0) {
		Oid t = PQftype(s->res, col);

		if (t == PG_FLOAT8 || t == PG_FLOAT4)
			snprintf(s->num, sizeof(s->num), "%.17g", d);
		else
			snprintf(s->num, sizeof(s->num), "%lld", (long long)i);
		return s->num;
	}
	/* libpq terminates every value, binary ones too */
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_col_blob(coord_stmt *st, int col, size_t *len)
{
	pg_stmt *s = pgs(st);

	*len = (size_t)PQgetlength(s->res, s->row, col);
	return PQgetvalue(s->res, s->row, col);
}

static int pg_busy(coord_db *db)
{
	(void)db;
	return 0;
}

static int pg_lost(coord_db *db)
{
	return pg(db)->lost;
}

static void *pg_handle(coord_db *db)
{
	(void)db;
	return NULL;
}

static int pg_try_lock(coord_db *db, int64_t key, int *got)
{
	coord_stmt *s = NULL;
	int r;

	*got = 0;
	if ((r = coord_db_query(db, "SELECT pg_try_advisory_lock(?)",
				COORD_ARGS(CA_I(key)), &s)) != 0)
		return r;
	if ((r = coord_stmt_step(s)) == 1) {
		*got = coord_stmt_int64(s, 0) != 0;
		r = 0;
	} else if (r == 0) {
		r = FL_E_DB;
	}
	coord_stmt_free(s);
	if (*got)
		pg(db)->locked = 1;
	return r;
}

static const coord_db_ops pg_ops = {
	pg_close, pg_exec, pg_prepare, pg_stmt_free, pg_bind, pg_step, pg_changes,
	pg_is_null, pg_col_int64, pg_col_double, pg_col_text, pg_col_blob, pg_busy, pg_lost,
	pg_handle, pg_try_lock, "BEGIN",
};

/* Reads the password file's first line into pw. */
static int pg_password(const char *path, char pw[static PG_PASSWORD_BYTES],
		       char *errmsg)
{
	struct stat sb;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		fl_errmsg_set(errmsg, "cannot read database_password_file %s: %s",
			      path, strerror(errno));
		return FL_E_CONFIG;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077) != 0)
		fl_warn("database_password_file %s is readable by others "
			"(chmod 600 it)", path);
	if (fgets(pw, PG_PASSWORD_BYTES, f) == NULL)
		pw[0] = '\0';
	fclose(f);
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (n == 0) {
		fl_errmsg_set(errmsg, "database_password_file %s is empty", path);
		return FL_E_CONFIG;
	}
	return 0;
}

/* A password written into the URL is refused: it would be seen. */
static int pg_url_check(const char *url, char *errmsg)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int r = 0;

	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		fl_errmsg_set(errmsg, "bad database URL: %s",
			      err ? err : "cannot parse it");
		PQfreemem(err);
		return FL_E_CONFIG;
	}
	for (o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0]) {
			fl_errmsg_set(errmsg, "the database URL holds a password: put "
				      "it in database_password_file (or PGPASSFILE) "
				      "instead");
			r = FL_E_CONFIG;
		}
	PQconninfoFree(opts);
	return r;
}

static void pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int coord_db_pg_open(const char *url, const char *password_file,
		     coord_db **out, char *errmsg)
{
	/* TCP keepalives: a connection cut off is found broken within ~10 s */
	const char *keys[] = { "dbname", "password", "connect_timeout",
			       "application_name", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", NULL };
	const char *vals[8] = { url, NULL, "10", "fedc-coordinator", "4", "2", "3",
				NULL };
	char pw[PG_PASSWORD_BYTES] = "", shown[FL_ERRMSG_BYTES];
	pg_db *d;
	int r;

	if ((r = pg_url_check(url, errmsg)) != 0)
		return r;
	if (password_file && password_file[0] &&
	    (r = pg_password(password_file, pw, errmsg)) != 0)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		sodium_memzero(pw, sizeof(pw));
		return FL_E_NOMEM;
	}
	d->base.ops = &pg_ops;
	d->base.kind = COORD_DB_PG;
	/* without a password file libpq reads PGPASSFILE or ~/.pgpass */
	vals[1] = pw[0] ? pw : NULL;
	d->c = PQconnectdbParams(keys, vals, 1);
	sodium_memzero(pw, sizeof(pw));
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		const char *m = d->c ? PQerrorMessage(d->c) : "out of memory";

		fl_errmsg_set(errmsg, "cannot connect to %s: %.*s",
			      coord_db_redact(url, shown, sizeof(shown)),
			      (int)strcspn(m, "\n"), m);
		r = FL_E_DB;
		goto out;
	}
	PQsetNoticeProcessor(d->c, pg_notice, NULL);
	if ((r = pg_exec(&d->base, "SET client_min_messages = warning")) != 0) {
		fl_errmsg_set(errmsg, "cannot set up the session: %s", d->base.err);
		goto out;
	}
	*out = &d->base;
	return 0;
out:
	PQfinish(d->c);
	free(d);
	return r;
}
