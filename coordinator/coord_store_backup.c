/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_backup: consistent online copies of the coordinator database
 * (SQLite's backup API, a few pages at a time while jobs keep running). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* Between steps the store's lock is free for the engine: a job's writes
 * land between two steps, and SQLite carries them into the copy (the
 * source connection is the store's own). */
static void backup_pause(void)
{
	struct timespec ts = { 0, 1000000 };   /* 1 ms */

	nanosleep(&ts, NULL);
}

static int backup_check(sqlite3 *db, char *errmsg)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int r = FL_E_DB;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "cannot check the copy: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		fl_errmsg_set(errmsg, "cannot check the copy: %s", sqlite3_errmsg(db));
		goto out;
	}
	t = sqlite3_column_text(s, 0);
	if (!t || strcmp((const char *)t, "ok") != 0) {
		fl_errmsg_set(errmsg, "the copy fails its integrity check: %.120s",
			      t ? (const char *)t : "?");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int coord_store_backup(coord_store *st, const char *dest, int pages_per_step,
		       char *errmsg)
{
	sqlite3 *dst = NULL, *src;
	sqlite3_backup *b = NULL;
	int rc, r = FL_E_DB, steps = 0;

	if (!st || !dest || pages_per_step <= 0)
		return FL_E_INVAL;
	if (coord_store_is_pg(st)) {
		fl_errmsg_set(errmsg, "the store is PostgreSQL: back it up with "
			      "pg_dump (or the service's own backups)");
		return FL_E_INVAL;
	}
	if (sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "cannot create the copy %s: %s", dest,
			      dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	src = coord_store_db_lock(st);
	b = sqlite3_backup_init(dst, "main", src, "main");
	coord_store_db_unlock(st);
	if (b == NULL) {
		fl_errmsg_set(errmsg, "cannot start the backup: %s", sqlite3_errmsg(dst));
		goto out;
	}
	do {
		coord_store_db_lock(st);
		rc = sqlite3_backup_step(b, pages_per_step);
		coord_store_db_unlock(st);
		steps++;
		if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			backup_pause();
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	coord_store_db_lock(st);
	rc = sqlite3_backup_finish(b);
	coord_store_db_unlock(st);
	b = NULL;
	if (rc != SQLITE_OK) {
		fl_errmsg_set(errmsg, "backup failed: %s", sqlite3_errstr(rc));
		goto out;
	}
	/* one file: the copy leaves WAL mode (the restored coordinator sets
	 * it again when it opens the file) */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fl_errmsg_set(errmsg, "cannot finish the copy: %s", sqlite3_errmsg(dst));
		goto out;
	}
	if ((r = backup_check(dst, errmsg)) != 0)
		goto out;
	fl_debug("store: backup to %s in %d steps", dest, steps);
	r = 0;
out:
	if (b) {
		coord_store_db_lock(st);
		sqlite3_backup_finish(b);
		coord_store_db_unlock(st);
	}
	if (dst && sqlite3_close(dst) != SQLITE_OK && r == 0) {
		fl_errmsg_set(errmsg, "cannot close the copy %s", dest);
		r = FL_E_DB;
	}
	return r;
}

int coord_store_backup_tmp(coord_store *st, char **path_out, char *errmsg)
{
	const char *db;
	char *path = NULL;
	size_t n;
	int fd, r;

	if (!st || !path_out)
		return FL_E_INVAL;
	if (coord_store_is_pg(st)) {
		fl_errmsg_set(errmsg, "the store is PostgreSQL: back it up with "
			      "pg_dump (or the service's own backups)");
		return FL_E_INVAL;
	}
	db = sqlite3_db_filename(coord_store_db_lock(st), "main");
	coord_store_db_unlock(st);
	if (!db || !db[0]) {
		fl_errmsg_set(errmsg, "the database has no file to copy");
		return FL_E_DB;
	}
	n = strlen(db) + sizeof(".backup-XXXXXX");
	if ((path = malloc(n)) == NULL)
		return FL_E_NOMEM;
	snprintf(path, n, "%s.backup-XXXXXX", db);
	/* next to the database: the one folder the service may write */
	if ((fd = mkstemp(path)) < 0) {
		fl_errmsg_set(errmsg, "cannot create a file next to %s: %s", db,
			      strerror(errno));
		free(path);
		return FL_E_IO;
	}
	close(fd);
	if ((r = coord_store_backup(st, path, COORD_STORE_BACKUP_PAGES, errmsg)) != 0) {
		unlink(path);
		free(path);
		return r;
	}
	*path_out = path;
	return 0;
}
