/* SPDX-License-Identifier: Apache-2.0 */
/* test_datasource: [data] entries read from SQLite with a query (agent_source). */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_agent.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_util.h"

static char db_path[64];

static int make_db(void)
{
	sqlite3 *db = NULL;
	int fd, ok;

	snprintf(db_path, sizeof(db_path), "/tmp/fedc-test-ds.XXXXXX");
	if ((fd = mkstemp(db_path)) < 0)
		return -1;
	close(fd);
	ok = sqlite3_open(db_path, &db) == SQLITE_OK &&
	     sqlite3_exec(db, "CREATE TABLE q (x REAL, \"say \"\"hi\"\"\" TEXT, y INTEGER);"
			  "INSERT INTO q VALUES (1.5, 'a,b', 0), (2.25, NULL, 1),"
			  "(-3, 'with \"quotes\"', 1);", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(db);
	return ok ? 0 : -1;
}

static int read_url(const char *query, fl_csv **c, char *err)
{
	char url[512];

	snprintf(url, sizeof(url), "sqlite://%s?query=%s", db_path, query);
	err[0] = '\0';
	*c = NULL;
	return fl_agent_source_read(url, c, err);
}

static void expect_refused(const char *query, int code, const char *needle)
{
	char err[FL_ERRMSG_BYTES];
	fl_csv *c;
	int r = read_url(query, &c, err);

	FL_CHECK_EQ_INT(r, code);
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		FL_CHECK(0);
	}
	fl_csv_free(c);
}

int main(void)
{
	char err[FL_ERRMSG_BYTES];
	fl_csv *c = NULL;
	sqlite3 *db = NULL;
	int n = -1;

	if (make_db() != 0) {
		fprintf(stderr, "cannot make the test database\n");
		return 1;
	}
	/* column names and values as text; NULL is empty; quotes survive */
	FL_CHECK_EQ_INT(read_url("SELECT * FROM q ORDER BY x DESC", &c, err), 0);
	if (c != NULL) {
		FL_CHECK_EQ_INT(c->ncols, 3);
		FL_CHECK_EQ_INT(c->nrows, 3);
		FL_CHECK(strcmp(c->header[1], "say \"hi\"") == 0);
		FL_CHECK(strcmp(c->cells[0], "2.25") == 0);
		FL_CHECK(strcmp(c->cells[1], "") == 0);
		FL_CHECK(strcmp(c->cells[3 + 1], "a,b") == 0);
		FL_CHECK(strcmp(c->cells[6 + 1], "with \"quotes\"") == 0);
		FL_CHECK(strcmp(c->cells[6 + 2], "1") == 0);
		fl_csv_free(c);
	}
	/* a trailing ';' is fine; an empty result keeps its header */
	FL_CHECK_EQ_INT(read_url("SELECT x, y FROM q WHERE y > 5;", &c, err), 0);
	FL_CHECK(c && c->ncols == 2 && c->nrows == 0);
	fl_csv_free(c);
	/* only one read-only SELECT, and the database stays untouched */
	expect_refused("DELETE FROM q", FL_E_CSV, "one read-only SELECT");
	expect_refused("SELECT 1; DELETE FROM q", FL_E_CSV, "one read-only SELECT");
	expect_refused("SELECT nope FROM q", FL_E_CSV, "does not compile");
	FL_CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
	FL_CHECK(sqlite3_exec(db, "SELECT count(*) FROM q", NULL, NULL, NULL) == SQLITE_OK);
	{
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM q", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	FL_CHECK_EQ_INT(n, 3);
	/* bad URLs and files */
	FL_CHECK_EQ_INT(fl_agent_source_read("sqlite:///tmp/x.db", &c, err), FL_E_CSV);
	FL_CHECK(strstr(err, "?query=") != NULL);
	FL_CHECK_EQ_INT(fl_agent_source_read("sqlite:///nonexistent/fedc.db?query=SELECT 1",
					     &c, err), FL_E_IO);
	FL_CHECK(strstr(err, "read-only") != NULL);
	unlink(db_path);
	return FL_TEST_DONE();
}
