/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_backup: online copies of the store (coord_store_backup) are
 * consistent while another thread writes, open as a store, and fail
 * cleanly; a database of the previous release's schema (schema_v3.sql)
 * migrates forward with its rows intact. */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_test.h"

#define BLOB_BYTES (64u * 1024u)

typedef struct writer {
	coord_store *st;
	atomic_int stop;
	int added;
} writer;

static void *writer_run(void *arg)
{
	writer *w = arg;
	char name[32];

	while (!atomic_load(&w->stop) && w->added < 5000) {
		snprintf(name, sizeof(name), "w%05d", w->added);
		if (coord_store_site_add(w->st, name, "site", w->added) != 0)
			break;
		w->added++;
	}
	return NULL;
}

/* Models are normally stored by a round commit; here straight in. */
static int model_put(coord_store *st, uint32_t v, const uint8_t *blob, size_t n)
{
	sqlite3 *db = coord_store_db_lock(st);
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, "INSERT INTO models(job_id, version, blob) "
			       "VALUES(7, ?, ?)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, v);
		sqlite3_bind_blob(s, 2, blob, (int)n, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int count_rows(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void test_backup_live(void)
{
	char dir[64], path[600], copy[700], err[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL, *back = NULL;
	writer w = { 0 };
	pthread_t th;
	uint8_t *blob = calloc(1, BLOB_BYTES), *got = NULL;
	size_t len = 0;
	uint32_t ver = 0;
	int seen, r;

	if (!blob || coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0) {
		FL_CHECK(0);
		free(blob);
		return;
	}
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	FL_CHECK_EQ_INT(coord_store_open(path, &st, err), 0);
	if (!st)
		goto out;
	/* a few MiB of models, so that the copy takes many steps */
	for (uint32_t v = 0; v < 40; v++) {
		blob[0] = (uint8_t)v;
		FL_CHECK_EQ_INT(model_put(st, v, blob, BLOB_BYTES), 0);
	}
	FL_CHECK_EQ_INT(coord_store_site_add(st, "before", "site", 1), 0);
	w.st = st;
	FL_CHECK_EQ_INT(pthread_create(&th, NULL, writer_run, &w), 0);
	r = coord_store_backup(st, copy, 2, err);
	atomic_store(&w.stop, 1);
	pthread_join(th, NULL);
	if (r != 0)
		fprintf(stderr, "backup: %s\n", err);
	FL_CHECK_EQ_INT(r, 0);
	/* one consistent state: every site up to some point, none missing */
	seen = count_rows(copy, "SELECT COUNT(*) FROM sites WHERE name LIKE 'w%'");
	FL_CHECK(seen >= 0 && seen <= w.added);
	if (seen > 0) {
		char q[128];

		snprintf(q, sizeof(q), "SELECT COUNT(*) FROM sites WHERE name = 'w%05d'",
			 seen - 1);
		FL_CHECK_EQ_INT(count_rows(copy, q), 1);
	}
	printf("writer added %d sites during the copy; the copy holds %d\n",
	       w.added, seen);
	FL_CHECK_EQ_INT(count_rows(copy, "SELECT COUNT(*) FROM models"), 40);
	/* the copy opens as a store and serves the same model */
	FL_CHECK_EQ_INT(coord_store_open(copy, &back, err), 0);
	if (back) {
		FL_CHECK_EQ_INT(coord_store_model_get(back, 7, 0, true, &got, &len, &ver), 0);
		FL_CHECK_EQ_INT(ver, 39);
		FL_CHECK(len == BLOB_BYTES && got && got[0] == 39);
		free(got);
		coord_store_close(back);
	}
	/* a folder that does not exist: a clear error */
	err[0] = '\0';
	FL_CHECK_EQ_INT(coord_store_backup(st, "/nonexistent-dir/x/copy.db", 64, err),
			FL_E_DB);
	FL_CHECK(strstr(err, "cannot create the copy") != NULL);
	FL_CHECK_EQ_INT(coord_store_backup(st, copy, 0, err), FL_E_INVAL);
out:
	coord_store_close(st);
	unlink(copy);
	snprintf(copy, sizeof(copy), "%s/copy.db-wal", dir);
	unlink(copy);
	snprintf(copy, sizeof(copy), "%s/copy.db-shm", dir);
	unlink(copy);
	coord_test_db_remove(dir, path);
	free(blob);
}

static void test_backup_tmp(void)
{
	char dir[64], path[600], err[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;
	char *tmp = NULL;
	struct stat sb;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0) {
		FL_CHECK(0);
		return;
	}
	FL_CHECK_EQ_INT(coord_store_open(path, &st, err), 0);
	if (!st)
		goto out;
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site1", "site", 1), 0);
	FL_CHECK_EQ_INT(coord_store_backup_tmp(st, &tmp, err), 0);
	FL_CHECK(tmp && strncmp(tmp, path, strlen(path)) == 0 &&
		 strstr(tmp, ".backup-") != NULL);
	FL_CHECK(tmp && stat(tmp, &sb) == 0 && sb.st_size > 0 &&
		 (sb.st_mode & 077) == 0);
	if (tmp) {
		FL_CHECK_EQ_INT(count_rows(tmp, "SELECT COUNT(*) FROM sites"), 1);
		unlink(tmp);
	}
	free(tmp);
out:
	coord_store_close(st);
	coord_test_db_remove(dir, path);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void test_migrate_v3(void)
{
	char dir[64], path[600], err[FL_ERRMSG_BYTES] = "";
	char *sql = read_text(FL_TEST_DIR "/coordinator/schema_v3.sql");
	coord_store *st = NULL;
	sqlite3 *db = NULL;
	fl_msg_job_info job;
	coord_site_row *rows = NULL;
	uint8_t *blob = NULL;
	size_t n = 0, len = 0;
	uint32_t ver = 0;
	double wn = 0;
	char *spec = NULL;

	FL_CHECK(sql != NULL);
	if (!sql || coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0) {
		free(sql);
		return;
	}
	FL_CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
		 sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	FL_CHECK_EQ_INT(count_rows(path, "PRAGMA user_version"), 3);
	FL_CHECK_EQ_INT(coord_store_open(path, &st, err), 0);
	if (!st) {
		fprintf(stderr, "open: %s\n", err);
		goto out;
	}
	FL_CHECK_EQ_INT(count_rows(path, "PRAGMA user_version"),
			COORD_STORE_SCHEMA_VERSION);
	FL_CHECK_EQ_INT(count_rows(path, "SELECT COUNT(*) FROM sqlite_master WHERE "
				   "name IN ('events', 'ledger')"), 2);
	FL_CHECK_EQ_INT(count_rows(path, "SELECT COUNT(*) FROM pragma_table_info('jobs') "
				   "WHERE name IN ('spec_sig', 'spec_cert')"), 2);
	FL_CHECK_EQ_INT(coord_store_job_get(st, 1, &job, &spec), 0);
	FL_CHECK(strcmp(job.name, "old-job") == 0 && strcmp(job.state, "done") == 0);
	FL_CHECK_EQ_INT(job.rounds_done, 2);
	FL_CHECK(spec && strcmp(spec, "[job]\nname = old-job\n") == 0);
	free(spec);
	FL_CHECK_EQ_INT(coord_store_job_get_weight(st, 1, &wn), 0);
	FL_CHECK_NEAR(wn, 437.0, 1e-9);
	FL_CHECK_EQ_INT(coord_store_site_list(st, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	if (n == 2)
		FL_CHECK(rows[1].info.revoked);
	free(rows);
	FL_CHECK_EQ_INT(coord_store_model_get(st, 1, 0, true, &blob, &len, &ver), 0);
	FL_CHECK(ver == 2 && len == 8 && blob && memcmp(blob, "model-v2", 8) == 0);
	free(blob);
	/* and the migrated store takes new rows */
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site3", "site", 5), 0);
out:
	coord_store_close(st);
	coord_test_db_remove(dir, path);
}

int main(void)
{
	test_backup_live();
	test_backup_tmp();
	test_migrate_v3();
	return FL_TEST_DONE();
}
