/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store: the mutex that guards the store's one connection, and small
 * helpers that every table file uses. Opening and closing (with the schema)
 * are in coord_store_open.c; the tables live in coord_store_<concern>.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

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
