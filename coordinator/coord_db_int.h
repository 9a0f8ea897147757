/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db_int: what a coord_db backend provides (coord_db.c dispatches). */
#ifndef COORD_DB_INT_H
#define COORD_DB_INT_H

#include <stdatomic.h>

#include "coord_db.h"
#include "fl_util.h"

typedef struct coord_db_ops {
	void (*close)(coord_db *db);
	int (*exec)(coord_db *db, const char *sql);
	int (*prepare)(coord_db *db, const char *sql, coord_stmt **out);
	void (*stmt_free)(coord_stmt *s);
	int (*bind)(coord_stmt *s, int i, const coord_arg *a);
	int (*step)(coord_stmt *s);
	int64_t (*changes)(coord_stmt *s);
	int (*is_null)(coord_stmt *s, int col);
	int64_t (*col_int64)(coord_stmt *s, int col);
	double (*col_double)(coord_stmt *s, int col);
	const char *(*col_text)(coord_stmt *s, int col);
	const void *(*col_blob)(coord_stmt *s, int col, size_t *len);
	int (*busy)(coord_db *db);
	int (*lost)(coord_db *db);
	void *(*handle)(coord_db *db);
	int (*try_lock)(coord_db *db, int64_t key, int *got);
	const char *begin_sql;
} coord_db_ops;

/* Each backend's connection starts with this. */
struct coord_db {
	const coord_db_ops *ops;
	coord_db_kind kind;
	char err[FL_ERRMSG_BYTES];     /* the last failure */
	void (*fence)(void *arg);      /* coord_db_set_fence */
	void *fence_arg;
	/* fl_mono_ms() when the call in flight to the server began, 0 when
	 * none is (coord_db_stalled_ms reads it without the store's mutex) */
	_Atomic int64_t call_since_ms;
};

/* Each backend's statement starts with this. */
struct coord_stmt {
	coord_db *db;
};

#endif
