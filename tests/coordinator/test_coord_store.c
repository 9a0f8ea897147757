/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_store: sites, jobs, rounds, models and N survive a reopen; a
 * round commit that fails leaves nothing half-written; a version 1 database
 * is migrated to the current version (jobs.weight_n, ...), and a version 5
 * one to 6 (the ledger_job index, which one job's ledger pages use). */
#include <math.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_test.h"

static fl_msg_round_info round_row(uint32_t round, uint32_t attempt,
				   const char *kind, const char *state)
{
	static char parts[2][FL_NAME_BYTES] = { "site1", "site2" };
	fl_msg_round_info r;

	memset(&r, 0, sizeof(r));
	r.round = round;
	r.attempt = attempt;
	snprintf(r.kind, sizeof(r.kind), "%s", kind);
	snprintf(r.state, sizeof(r.state), "%s", state);
	r.selected = 3;
	r.survived = 2;
	r.started_ms = 1000 + round;
	r.finished_ms = 2000 + round;
	r.train_loss = NAN;
	r.nparticipants = 2;
	r.participants = parts;
	return r;
}

static void test_sites(coord_store *st)
{
	coord_site_row row, *rows = NULL;
	size_t n = 0;

	FL_CHECK_EQ_INT(coord_store_site_add(st, "site1", "site", 10), 0);
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site2", "site", 11), 0);
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site1", "site", 12), FL_E_EXISTS);
	FL_CHECK_EQ_INT(coord_store_site_get(st, "nobody", &row), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_site_seen(st, "site1", "shuttle,concrete", 500), 0);
	FL_CHECK_EQ_INT(coord_store_site_set_revoked(st, "site2", 1), 0);
	FL_CHECK_EQ_INT(coord_store_site_set_revoked(st, "ghost", 1), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_site_list(st, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	if (n == 2) {
		FL_CHECK(strcmp(rows[0].info.name, "site1") == 0);
		FL_CHECK_EQ_INT(rows[0].info.last_seen_ms, 500);
		FL_CHECK(strcmp(rows[0].datasets, "shuttle,concrete") == 0);
		FL_CHECK(!rows[0].info.revoked);
		FL_CHECK(rows[1].info.revoked);
		FL_CHECK_EQ_INT(rows[1].info.added_ms, 11);
	}
	free(rows);
}

static uint64_t test_jobs(coord_store *st)
{
	fl_msg_job_info info, got;
	fl_msg_job_list list = { NULL, 0 };
	uint64_t id1 = 0, id2 = 0, *ids = NULL;
	size_t n = 0;
	char *spec = NULL;

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "job-a");
	snprintf(info.dataset, sizeof(info.dataset), "shuttle");
	snprintf(info.model, sizeof(info.model), "softmax");
	snprintf(info.submitted_by, sizeof(info.submitted_by), "operator");
	info.rounds_total = 5;
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &info, "[job]\nname = job-a\n", 100, &id1), 0);
	snprintf(info.name, sizeof(info.name), "job-b");
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &info, "[job]\nname = job-b\n", 101, &id2), 0);
	FL_CHECK(id2 > id1);
	FL_CHECK_EQ_INT(coord_store_job_get(st, id1, &got, &spec), 0);
	FL_CHECK(strcmp(got.state, "pending") == 0);
	FL_CHECK(strcmp(got.name, "job-a") == 0);
	FL_CHECK(strcmp(got.submitted_by, "operator") == 0);
	FL_CHECK_EQ_INT(got.rounds_total, 5);
	FL_CHECK(!got.metrics.present);
	FL_CHECK(spec && strcmp(spec, "[job]\nname = job-a\n") == 0);
	free(spec);
	FL_CHECK_EQ_INT(coord_store_job_get(st, 999, &got, NULL), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_job_set_state(st, id1, "running", NULL, 200), 0);
	FL_CHECK_EQ_INT(coord_store_job_set_state(st, id2, "aborted", "by test", 200), 0);
	FL_CHECK_EQ_INT(coord_store_job_list(st, &list), 0);
	FL_CHECK_EQ_INT(list.n, 2);
	fl_msg_job_list_clear(&list);
	FL_CHECK_EQ_INT(coord_store_job_active(st, &ids, &n), 0);
	FL_CHECK_EQ_INT(n, 1);
	if (n == 1)
		FL_CHECK_EQ_INT(ids[0], id1);
	free(ids);
	return id1;
}

static void test_rounds(coord_store *st, uint64_t id)
{
	static const uint8_t m0[] = "model-v0", m1[] = "model-v1";
	fl_msg_round_info r = round_row(0, 1, "stats", "running");
	fl_msg_metrics met = { true, 100, 0.5, 0.9, 0.8, NAN };
	fl_msg_job_info got;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint32_t ver = 99;
	double weight = -1;

	FL_CHECK_EQ_INT(coord_store_round_put(st, id, &r), 0);
	r = round_row(0, 1, "stats", "done");
	FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &r, m0, sizeof(m0), 0, 0,
						 NULL, NULL, 300), 0);
	r = round_row(1, 1, "train", "done");
	r.train_loss = 0.25;
	r.eval = met;
	FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &r, m1, sizeof(m1), 1, 1,
						 &met, NULL, 400), 0);
	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, id, &weight), 0);
	FL_CHECK_NEAR(weight, 0.0, 0);
	FL_CHECK_EQ_INT(coord_store_job_set_weight(st, id, 1234.0), 0);
	FL_CHECK_EQ_INT(coord_store_job_set_weight(st, 777, 1.0), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, 777, &weight), FL_E_NOTFOUND);
	/* Round 2 starts and the process dies before it finishes. */
	r = round_row(2, 1, "train", "running");
	FL_CHECK_EQ_INT(coord_store_round_put(st, id, &r), 0);

	FL_CHECK_EQ_INT(coord_store_model_get(st, id, 0, 1, &blob, &len, &ver), 0);
	FL_CHECK_EQ_INT(ver, 1);
	FL_CHECK(len == sizeof(m1) && memcmp(blob, m1, len) == 0);
	free(blob);
	FL_CHECK_EQ_INT(coord_store_job_get(st, id, &got, NULL), 0);
	FL_CHECK_EQ_INT(got.rounds_done, 1);
	FL_CHECK(got.metrics.present);
	FL_CHECK_NEAR(got.metrics.accuracy, 0.9, 1e-12);
	FL_CHECK(isnan(got.metrics.r2));
	FL_CHECK(strcmp(got.state, "running") == 0);
}

static void test_reopen(coord_store *st, uint64_t id)
{
	static const uint8_t m2[] = "model-v2";
	fl_msg_round_info *rows = NULL, r;
	fl_msg_job_info got;
	uint32_t next = 0, att = 0, ver = 0;
	uint8_t *blob = NULL;
	size_t n = 0, len = 0, i;
	int64_t audits = -1;
	double weight = 0;

	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, id, &weight), 0);
	FL_CHECK_NEAR(weight, 1234.0, 0);
	FL_CHECK_EQ_INT(coord_store_job_resume_point(st, id, &next, &att), 0);
	FL_CHECK_EQ_INT(next, 2);
	FL_CHECK_EQ_INT(att, 2);
	FL_CHECK_EQ_INT(coord_store_round_list(st, id, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 3);
	if (n == 3) {
		FL_CHECK(strcmp(rows[2].state, "failed") == 0);   /* interrupted */
		FL_CHECK_EQ_INT(rows[1].nparticipants, 2);
		FL_CHECK(strcmp(rows[1].participants[1], "site2") == 0);
		FL_CHECK_NEAR(rows[1].train_loss, 0.25, 1e-12);
		FL_CHECK(isnan(rows[0].train_loss));
		FL_CHECK(rows[1].eval.present);
	}
	coord_store_round_list_free(rows, n);

	/* A commit that reuses model version 1 fails: nothing of it is kept. */
	r = round_row(2, 2, "train", "done");
	FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &r, m2, sizeof(m2), 1, 2,
						 NULL, "done", 500), FL_E_EXISTS);
	FL_CHECK_EQ_INT(coord_store_job_get(st, id, &got, NULL), 0);
	FL_CHECK_EQ_INT(got.rounds_done, 1);
	FL_CHECK(strcmp(got.state, "running") == 0);
	FL_CHECK_EQ_INT(coord_store_round_list(st, id, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 3);
	for (i = 0; i < n; i++)
		FL_CHECK(!(rows[i].round == 2 && rows[i].attempt == 2));
	coord_store_round_list_free(rows, n);
	FL_CHECK_EQ_INT(coord_store_model_get(st, id, 1, 0, &blob, &len, &ver), 0);
	FL_CHECK(len == 9 && memcmp(blob, "model-v1", 9) == 0);
	free(blob);
	/* A commit for a job that does not exist writes no round and no model. */
	FL_CHECK_EQ_INT(coord_store_round_commit(st, 777, &r, m2, sizeof(m2), 0, 1,
						 NULL, NULL, 500), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_model_get(st, 777, 0, 1, &blob, &len, &ver),
			FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_round_list(st, 777, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 0);
	coord_store_round_list_free(rows, n);
	/* The retry succeeds. */
	FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &r, m2, sizeof(m2), 2, 2,
						 NULL, NULL, 600), 0);
	FL_CHECK_EQ_INT(coord_store_job_resume_point(st, id, &next, &att), 0);
	FL_CHECK_EQ_INT(next, 3);
	FL_CHECK_EQ_INT(att, 1);
	FL_CHECK_EQ_INT(coord_store_audit(st, "operator", "submit job", "job 1", 1), 0);
	FL_CHECK_EQ_INT(coord_store_audit_count(st, &audits), 0);
	FL_CHECK_EQ_INT(audits, 1);
}

/* Turns the database back into schema version 1 with one job. */
static int make_v1(const char *path)
{
	sqlite3 *db = NULL;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_exec(db, "ALTER TABLE jobs DROP COLUMN weight_n;"
			  "DROP TABLE events;"
			  "DROP TABLE declines;"
			  "ALTER TABLE rounds DROP COLUMN closed_by;"
			  "PRAGMA user_version = 1;", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static int user_version(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void test_migrate(const char *path, uint64_t id)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;
	fl_msg_job_info got;
	double weight = -1;

	FL_CHECK_EQ_INT(make_v1(path), 0);
	FL_CHECK_EQ_INT(user_version(path), 1);
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return;
	FL_CHECK_EQ_INT(user_version(path), COORD_STORE_SCHEMA_VERSION);
	FL_CHECK_EQ_INT(coord_store_job_get(st, id, &got, NULL), 0);
	FL_CHECK(strcmp(got.name, "job-a") == 0);
	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, id, &weight), 0);
	FL_CHECK_NEAR(weight, 0.0, 0);
	FL_CHECK_EQ_INT(coord_store_job_set_weight(st, id, 60.0), 0);
	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, id, &weight), 0);
	FL_CHECK_NEAR(weight, 60.0, 0);
	/* jobs.spec_sig and spec_cert were added: an old job is unsigned */
	{
		uint8_t sig[FL_MSG_SPEC_SIG_MAX], in[3] = { 7, 8, 9 };
		size_t n = 99;
		char *cert = (char *)"x";

		FL_CHECK_EQ_INT(coord_store_job_get_spec_sig(st, id, sig, &n, &cert), 0);
		FL_CHECK(n == 0 && cert == NULL);
		FL_CHECK_EQ_INT(coord_store_job_set_spec_sig(st, id, in, 3, "PEM"), 0);
		FL_CHECK_EQ_INT(coord_store_job_get_spec_sig(st, id, sig, &n, &cert), 0);
		FL_CHECK(n == 3 && memcmp(sig, in, 3) == 0 && cert && !strcmp(cert, "PEM"));
		free(cert);
		FL_CHECK_EQ_INT(coord_store_job_set_spec_sig(st, id + 100, in, 3, "PEM"),
				FL_E_NOTFOUND);
	}
	/* v3: rounds.closed_by was added: old rows say "", new ones keep it */
	{
		fl_msg_round_info ri, *rl = NULL;
		size_t n = 0, k;

		memset(&ri, 0, sizeof(ri));
		ri.round = 77;
		ri.attempt = 1;
		snprintf(ri.state, sizeof(ri.state), "done");
		snprintf(ri.kind, sizeof(ri.kind), "train");
		snprintf(ri.closed_by, sizeof(ri.closed_by), "advertise=all share=grace");
		FL_CHECK_EQ_INT(coord_store_round_list(st, id, &rl, &n), 0);
		for (k = 0; k < n; k++)
			FL_CHECK(rl[k].closed_by[0] == '\0');
		coord_store_round_list_free(rl, n);
		FL_CHECK_EQ_INT(coord_store_round_put(st, id, &ri), 0);
		FL_CHECK_EQ_INT(coord_store_round_list(st, id, &rl, &n), 0);
		FL_CHECK(n > 0 && rl[n - 1].round == 77 &&
			 strcmp(rl[n - 1].closed_by, "advertise=all share=grace") == 0);
		coord_store_round_list_free(rl, n);
	}
	coord_store_close(st);
	/* a second open finds the columns and adds nothing */
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	coord_store_close(st);
}

/* Runs sql on the file directly; the first column of the first row into
 * out (if not NULL, up to cap bytes). 0, or -1. */
static int raw_sql(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1, st;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (out)
		out[0] = '\0';
	while ((st = sqlite3_step(s)) == SQLITE_ROW)
		if (out && out[0] == '\0' && sqlite3_column_text(s, 0))
			snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	rc = st == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc;
}

/* A version 5 database (as the last release left it: no ledger_job index)
 * with two jobs' ledger entries is upgraded to 6 in place; the entries are
 * intact and one job's page walks the new index. */
static void test_migrate_v5(const char *path)
{
	char errmsg[FL_ERRMSG_BYTES] = "", buf[256];
	coord_store *st = NULL;
	coord_ledger_row *rows = NULL;
	uint64_t next = 1;
	size_t n = 0;

	FL_CHECK_EQ_INT(raw_sql(path, "DELETE FROM ledger", NULL, 0), 0);
	FL_CHECK_EQ_INT(raw_sql(path, "INSERT INTO ledger VALUES"
				" (1, 7, 0, 1, 'stats', 'h1', 's1'),"
				" (2, 8, 0, 1, 'other job', 'h2', 's2'),"
				" (3, 7, 1, 2, 'train', 'h3', 's3')", NULL, 0), 0);
	FL_CHECK_EQ_INT(raw_sql(path, "DROP INDEX ledger_job", NULL, 0), 0);
	FL_CHECK_EQ_INT(raw_sql(path, "DROP TABLE dp_stats", NULL, 0), 0);
	FL_CHECK_EQ_INT(raw_sql(path, "PRAGMA user_version = 5", NULL, 0), 0);
	FL_CHECK_EQ_INT(user_version(path), 5);
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return;
	FL_CHECK_EQ_INT(user_version(path), COORD_STORE_SCHEMA_VERSION);
	FL_CHECK_EQ_INT(raw_sql(path, "SELECT count(*) FROM sqlite_master WHERE"
				" type = 'index' AND name = 'ledger_job'", buf,
				sizeof(buf)), 0);
	FL_CHECK(strcmp(buf, "1") == 0);
	/* v7: the noisy statistics table */
	FL_CHECK_EQ_INT(raw_sql(path, "SELECT count(*) FROM sqlite_master WHERE"
				" type = 'table' AND name = 'dp_stats'", buf,
				sizeof(buf)), 0);
	FL_CHECK(strcmp(buf, "1") == 0);
	/* the store's per-job query (coord_store_ledger.c) uses it */
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *q = NULL;
		int uses = 0;

		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT seq, job_id,"
				       " round, attempt, text, hash, sig FROM ledger"
				       " WHERE job_id = ? AND seq >= ? ORDER BY seq",
				       -1, &q, NULL) == SQLITE_OK)
			while (sqlite3_step(q) == SQLITE_ROW)
				if (strstr((const char *)sqlite3_column_text(q, 3),
					   "ledger_job"))
					uses = 1;
		sqlite3_finalize(q);
		sqlite3_close(db);
		FL_CHECK(uses);
	}
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 7, 0, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK(n == 2 && next == 0);
	if (n == 2) {
		FL_CHECK(rows[0].seq == 1 && strcmp(rows[0].text, "stats") == 0 &&
			 strcmp(rows[0].hash_hex, "h1") == 0);
		FL_CHECK(rows[1].seq == 3 && rows[1].round == 1 && rows[1].attempt == 2 &&
			 strcmp(rows[1].text, "train") == 0 &&
			 strcmp(rows[1].sig_hex, "s3") == 0);
	}
	coord_store_ledger_free(rows, n);
	rows = NULL;
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 7, 2, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK(n == 1 && rows[0].seq == 3);
	coord_store_ledger_free(rows, n);
	rows = NULL;
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, 0, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK(n == 3);
	coord_store_ledger_free(rows, n);
	coord_store_close(st);
	/* a database newer than this coordinator is refused, not touched */
	FL_CHECK_EQ_INT(raw_sql(path, "PRAGMA user_version = 8", NULL, 0), 0);
	st = NULL;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), FL_E_DB);
	FL_CHECK(strstr(errmsg, "newer") != NULL);
	coord_store_close(st);
	FL_CHECK_EQ_INT(raw_sql(path, "PRAGMA user_version = 7", NULL, 0), 0);
}

/* The same on PostgreSQL when FL_TEST_PG_URL names an empty database (as
 * it_postgres_store does; FL_TEST_PG_PASSFILE holds the password). */
static void test_pg(void)
{
	const char *url = getenv("FL_TEST_PG_URL");
	char errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;
	coord_site_row row;
	uint64_t id;

	if (url == NULL || url[0] == '\0')
		return;
	FL_CHECK_EQ_INT(coord_store_open_db(url, getenv("FL_TEST_PG_PASSFILE"), &st,
					    errmsg), 0);
	if (st == NULL) {
		fprintf(stderr, "%s\n", errmsg);
		return;
	}
	FL_CHECK(coord_store_is_pg(st));
	test_sites(st);
	id = test_jobs(st);
	test_rounds(st, id);
	coord_store_close(st);
	st = NULL;
	FL_CHECK_EQ_INT(coord_store_open_db(url, getenv("FL_TEST_PG_PASSFILE"), &st,
					    errmsg), 0);
	if (st) {
		FL_CHECK_EQ_INT(coord_store_site_get(st, "site1", &row), 0);
		FL_CHECK_EQ_INT(row.info.last_seen_ms, 500);
		test_reopen(st, id);
		coord_store_close(st);
	}
}

int main(void)
{
	char dir[64], path[128], errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;
	coord_site_row row;
	uint64_t id;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return FL_TEST_DONE();
	test_sites(st);
	id = test_jobs(st);
	test_rounds(st, id);
	coord_store_close(st);
	st = NULL;

	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st) {
		FL_CHECK_EQ_INT(coord_store_site_get(st, "site1", &row), 0);
		FL_CHECK_EQ_INT(row.info.last_seen_ms, 500);
		test_reopen(st, id);
		coord_store_close(st);
	}
	test_migrate(path, id);
	test_migrate_v5(path);
	test_pg();
	FL_CHECK(coord_store_open("/nonexistent-dir/x/coord.db", &st, errmsg) == FL_E_DB);
	FL_CHECK(strstr(errmsg, "cannot open") != NULL);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
