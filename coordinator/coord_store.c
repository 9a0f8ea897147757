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

void coord_store_metrics_cols(coord_stmt *s, int col, fl_msg_metrics *m)
{
	m->n = coord_stmt_double(s, col);
	m->loss = coord_stmt_double(s, col + 1);
	m->accuracy = coord_stmt_double(s, col + 2);
	m->macro_f1 = coord_stmt_double(s, col + 3);
	m->r2 = coord_stmt_double(s, col + 4);
}

int coord_store_run(coord_store *st, const char *sql, const coord_arg *args,
		    size_t nargs, int64_t *changes)
{
	int r = coord_db_run(coord_store_lock(st), sql, args, nargs, changes);

	coord_store_unlock(st);
	return r;
}

typedef struct coord_list {
	const coord_list_spec *ls;
	char *v;
	size_t n, cap;
} coord_list;

static int coord_list_row(void *ctx, coord_stmt *s)
{
	coord_list *l = ctx;
	void *e = coord_store_grow(&l->v, &l->n, &l->cap, l->ls->size);
	int r;

	if (e == NULL)
		return FL_E_NOMEM;
	if ((r = l->ls->item(s, e)) == COORD_LIST_SKIP) {
		if (l->ls->clear)
			l->ls->clear(e);
		l->n--;
		return 0;
	}
	return r;
}

int coord_store_list(coord_store *st, const coord_list_spec *ls, const char *sql,
		     const coord_arg *args, size_t nargs, void *out, size_t *n)
{
	coord_list l = { ls, NULL, 0, 0 };
	size_t i;
	int r;

	r = coord_db_rows(coord_store_lock(st), sql, args, nargs, ls->max,
			  coord_list_row, &l, ls->what);
	coord_store_unlock(st);
	if (r != 0 || l.n == 0) {
		for (i = 0; ls->clear && i < l.n; i++)
			ls->clear(l.v + i * ls->size);
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	if (r == 0) {
		*(void **)out = l.v;
		*n = l.n;
	}
	return r;
}
