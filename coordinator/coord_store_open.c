/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_open: opening the coordinator's store (SQLite file or
 * PostgreSQL), creating or upgrading its schema, taking the active lock, and
 * closing it; above the schema and the table files. */
#include <pthread.h>
#include <stdlib.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_open(const char *path, coord_store **out, char *errmsg)
{
	return coord_store_open_db(path, NULL, out, errmsg);
}

int coord_store_open_db(const char *target, const char *password_file,
			coord_store **out, char *errmsg)
{
	coord_store *st;
	int r, got = 0;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return FL_E_NOMEM;
	pthread_mutex_init(&st->mu, NULL);
	if ((r = coord_db_open(target, password_file, &st->db, errmsg)) != 0)
		goto out;
	if ((r = coord_store_schema(st->db, errmsg)) != 0) {
		/* another process holds the database locked: the caller may wait */
		if (coord_db_busy(st->db))
			r = FL_E_BUSY;
		goto out;
	}
	/* one active coordinator per database: the others stand by */
	if ((r = coord_db_try_lock(st->db, COORD_STORE_ACTIVE_LOCK, &got)) != 0) {
		fl_errmsg_set(errmsg, "cannot take the active lock: %s",
			      coord_db_errmsg(st->db));
		goto out;
	}
	if (!got) {
		fl_errmsg_set(errmsg, "another coordinator is active on this database");
		r = FL_E_BUSY;
		goto out;
	}
	*out = st;
	st = NULL;
out:
	coord_store_close(st);
	return r;
}

void coord_store_close(coord_store *st)
{
	if (st == NULL)
		return;
	coord_db_close(st->db);
	pthread_mutex_destroy(&st->mu);
	free(st);
}
