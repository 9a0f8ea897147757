/* SPDX-License-Identifier: Apache-2.0 */
/* agent_source: a [data] entry read as a table: a CSV file, an SQLite query
 * or a PostgreSQL query. */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_util.h"

#define SRC_SQLITE "sqlite://"
#define SRC_PG "postgresql://"
#define SRC_QUERY "?query="

/* A growable text buffer; CSV text of the query's rows. */
typedef struct src_buf {
	char *p;
	size_t len, cap;
} src_buf;

static int src_put(src_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > FL_CSV_MAX_BYTES)
		return FL_E_TOOBIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 65536) + n;
		char *np = realloc(b->p, cap);

		if (np == NULL)
			return FL_E_NOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* One field, quoted ("" inside), with its separator. NULL is empty. */
static int src_field(src_buf *b, const char *s, int last)
{
	int r = src_put(b, "\"", 1);

	for (const char *q; r == 0 && s && (q = strchr(s, '"')) != NULL; s = q + 1)
		if ((r = src_put(b, s, (size_t)(q - s + 1))) == 0)
			r = src_put(b, "\"", 1);
	if (r == 0 && s)
		r = src_put(b, s, strlen(s));
	if (r == 0)
		r = src_put(b, last ? "\"\n" : "\",", 2);
	return r;
}

/* Runs one read-only SELECT and writes header and rows as CSV into b. */
static int src_sqlite_rows(sqlite3 *db, const char *sql, src_buf *b, char *errmsg)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int r = FL_E_CSV, n, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "the query does not compile: %s", sqlite3_errmsg(db));
		goto out;
	}
	while (tail && (*tail == ' ' || *tail == ';' || *tail == '\n' || *tail == '\t'))
		tail++;
	if (st == NULL || (tail && *tail) || !sqlite3_stmt_readonly(st) ||
	    (n = sqlite3_column_count(st)) == 0) {
		fl_errmsg_set(errmsg, "the query must be one read-only SELECT that "
			      "returns columns");
		goto out;
	}
	for (int j = 0; j < n; j++)
		if ((r = src_field(b, sqlite3_column_name(st, j), j == n - 1)) != 0)
			goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int j = 0; j < n; j++)
			if ((r = src_field(b, (const char *)sqlite3_column_text(st, j),
					   j == n - 1)) != 0)
				goto out;
	if (rc != SQLITE_DONE) {
		fl_errmsg_set(errmsg, "the query failed: %s", sqlite3_errmsg(db));
		r = FL_E_CSV;
		goto out;
	}
	r = 0;
out:
	if (r == FL_E_TOOBIG)
		fl_errmsg_set(errmsg, "the query's rows exceed the limit of %u bytes "
			      "of text", FL_CSV_MAX_BYTES);
	sqlite3_finalize(st);
	return r;
}

static int src_sqlite(const char *url, fl_csv **out, char *errmsg)
{
	const char *path = url + strlen(SRC_SQLITE), *q = strstr(path, SRC_QUERY);
	char file[FL_PATH_BYTES];
	src_buf b = { NULL, 0, 0 };
	sqlite3 *db = NULL;
	int r;

	if (q == NULL || q == path || (size_t)(q - path) >= sizeof(file) ||
	    q[strlen(SRC_QUERY)] == '\0') {
		fl_errmsg_set(errmsg, "expected sqlite:///PATH/TO.db?query=SELECT ...");
		return FL_E_CSV;
	}
	memcpy(file, path, (size_t)(q - path));
	file[q - path] = '\0';
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "%s: cannot open the database read-only: %s", file,
			      db ? sqlite3_errmsg(db) : "out of memory");
		r = FL_E_IO;
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if ((r = src_sqlite_rows(db, q + strlen(SRC_QUERY), &b, errmsg)) == 0)
		r = fl_csv_parse(b.p, b.len, out, errmsg);
out:
	sqlite3_close(db);
	free(b.p);
	return r;
}

/* The query's rows as CSV text: header from the field names, NULL empty. */
static int src_pg_rows(const PGresult *res, src_buf *b)
{
	int n = PQnfields(res), rows = PQntuples(res), r = 0;

	for (int j = 0; j < n && r == 0; j++)
		r = src_field(b, PQfname(res, j), j == n - 1);
	for (int i = 0; i < rows && r == 0; i++)
		for (int j = 0; j < n && r == 0; j++)
			r = src_field(b, PQgetisnull(res, i, j) ? NULL :
				      PQgetvalue(res, i, j), j == n - 1);
	return r;
}

/* "postgresql://[user@]host[:port]/db?query=SELECT ...": libpq connects
 * with the URL up to "?query=" (password from PGPASSFILE or ~/.pgpass,
 * never from the URL), in a session whose transactions are read-only, and
 * runs the query as one statement of the extended protocol (which refuses
 * several); anything but rows is refused. */
static int src_pg(const char *url, fl_csv **out, char *errmsg)
{
	const char *q = strstr(url, SRC_QUERY);
	char conninfo[FL_PATH_BYTES];
	const char *keys[] = { "dbname", "connect_timeout", "application_name",
			       "options", NULL };
	const char *vals[] = { conninfo, "10", "fedc-agent",
			       "-c default_transaction_read_only=on", NULL };
	src_buf b = { NULL, 0, 0 };
	PGconn *conn = NULL;
	PGresult *res = NULL;
	int r;

	if (q == NULL || (size_t)(q - url) >= sizeof(conninfo) ||
	    q[strlen(SRC_QUERY)] == '\0') {
		fl_errmsg_set(errmsg, "expected postgresql://USER@HOST:PORT/DB?query=SELECT ...");
		return FL_E_CSV;
	}
	memcpy(conninfo, url, (size_t)(q - url));
	conninfo[q - url] = '\0';
	if (fl_url_has_password(conninfo)) {
		fl_errmsg_set(errmsg, "a PostgreSQL data source takes no password in "
			      "its URL: put it in the agent's PGPASSFILE (~/.pgpass)");
		return FL_E_CSV;
	}
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fl_errmsg_set(errmsg, "%s: cannot connect: %s", conninfo,
			      conn ? PQerrorMessage(conn) : "out of memory");
		r = FL_E_IO;
		goto out;
	}
	res = PQexecParams(conn, q + strlen(SRC_QUERY), 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) == 0) {
		fl_errmsg_set(errmsg, "the query must be one read-only SELECT that "
			      "returns columns%s%s",
			      PQresultStatus(res) == PGRES_FATAL_ERROR ? ": " : "",
			      PQresultStatus(res) == PGRES_FATAL_ERROR ?
			      PQresultErrorMessage(res) : "");
		r = FL_E_CSV;
		goto out;
	}
	if ((r = src_pg_rows(res, &b)) == FL_E_TOOBIG)
		fl_errmsg_set(errmsg, "the query's rows exceed the limit of %u bytes "
			      "of text", FL_CSV_MAX_BYTES);
	else if (r == 0)
		r = fl_csv_parse(b.p, b.len, out, errmsg);
out:
	PQclear(res);
	PQfinish(conn);
	free(b.p);
	return r;
}

int fl_agent_source_read(const char *path, fl_csv **out, char *errmsg)
{
	if (path == NULL || out == NULL)
		return FL_E_INVAL;
	if (strncmp(path, SRC_SQLITE, strlen(SRC_SQLITE)) == 0)
		return src_sqlite(path, out, errmsg);
	if (strncmp(path, SRC_PG, strlen(SRC_PG)) == 0)
		return src_pg(path, out, errmsg);
	return fl_csv_read(path, out, errmsg);
}
