/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store: opening and closing the coordinator's store (SQLite file or
 * PostgreSQL), and the mutex that guards its one connection. The tables
 * live in coord_store_<concern>.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

int coord_store_is_pg(coord_store *st)
{
	return coord_db_backend(st->db) == COORD_DB_PG;
}

void coord_store_set_fence(coord_store *st, void (*fence)(void *arg), void *arg)
{
	coord_db_set_fence(coord_store_lock(st), fence, arg);
	coord_store_unlock(st);
}

int64_t coord_store_stalled_ms(coord_store *st)
{
	/* no mutex: the call that stalls holds it */
	return coord_db_stalled_ms(st->db);
}

int coord_store_ping(coord_store *st)
{
	coord_db *db = coord_store_lock(st);
	int64_t one = 0;
	int r = coord_db_int(db, "SELECT 1", COORD_NOARGS, 0, &one);

	coord_store_unlock(st);
	return r == 0 && one != 1 ? FL_E_DB : r;
}

coord_db *coord_store_lock(coord_store *st)
{
	pthread_mutex_lock(&st->mu);
	return st->db;
}

void coord_store_unlock(coord_store *st)
{
	pthread_mutex_unlock(&st->mu);
}

void *coord_store_db_lock(coord_store *st)
{
	void *h;

	pthread_mutex_lock(&st->mu);
	if ((h = coord_db_sqlite_handle(st->db)) == NULL) {
		fl_error("coord_store_db_lock: a SQLite handle asked of a PostgreSQL "
			 "store (use coord_store_lock and coord_db)");
		abort();
	}
	return h;
}

void coord_store_db_unlock(coord_store *st)
{
	pthread_mutex_unlock(&st->mu);
}

void *coord_store_grow(void *v_ptr, size_t *n, size_t *cap, size_t sz)
{
	void **vp = v_ptr;
	char *v = *vp;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;

		if ((v = realloc(v, nc * sz)) == NULL)
			return NULL;
		*vp = v;
		*cap = nc;
	}
	memset(v + *n * sz, 0, sz);
	return v + (*n)++ * sz;
}
