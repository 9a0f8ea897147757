/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_int: what the coord_store_*.c files share: the store's
 * connection behind its mutex, and helpers used by several tables. */
#ifndef COORD_STORE_INT_H
#define COORD_STORE_INT_H

#include <pthread.h>

#include "coord_db.h"
#include "coord_store.h"

struct coord_store {
	coord_db *db;
	pthread_mutex_t mu;
};

/* Locks the store's mutex and returns its connection; pair with
 * coord_store_unlock. */
coord_db *coord_store_lock(coord_store *st);
void coord_store_unlock(coord_store *st);

/* Creates or upgrades the schema (coord_store_schema.c). FL_E_DB with the
 * reason in errmsg. */
int coord_store_schema(coord_db *db, char *errmsg);
/* Runs the shared forward migrations from version from (at least
 * COORD_STORE_SCHEMA_BASE) to COORD_STORE_SCHEMA_VERSION and records each
 * version, inside the caller's transaction (coord_store_migrate.c). FL_E_DB
 * with the reason in errmsg; the caller rolls back. */
int coord_store_migrate(coord_db *db, int from, char *errmsg);

/* Inside a transaction, with the mutex held (coord_store_rounds.c,
 * coord_store_models.c, coord_store_ledger.c). */
int coord_store_round_put_locked(coord_db *db, uint64_t job_id,
				 const fl_msg_round_info *r);
int coord_store_model_put_locked(coord_db *db, uint64_t job_id,
				 uint32_t version, const uint8_t *blob, size_t len);
int coord_store_job_progress_locked(coord_db *db, uint64_t job_id,
				    uint32_t rounds_done, const fl_msg_metrics *m,
				    const char *state, int64_t now_ms);
int coord_store_ledger_append_locked(coord_db *db, coord_store_ledger_fn fn,
				     void *ctx);

/* Adds jobs.spec_sig and jobs.spec_cert to a SQLite database that lacks
 * them (coord_store_jobsig.c). FL_E_DB. */
int coord_store_jobsig_migrate_db(coord_db *db);

/* Appends one element of size sz to the growing array *v (count *n,
 * capacity *cap) and returns it zeroed, or NULL (out of memory). */
void *coord_store_grow(void *v_ptr, size_t *n, size_t *cap, size_t sz);

/* Reads n, loss, accuracy, macro_f1 and r2 of *m from the five columns
 * from col on (present is the caller's). */
void coord_store_metrics_cols(coord_stmt *s, int col, fl_msg_metrics *m);

/* coord_db_run under the store's lock. */
int coord_store_run(coord_store *st, const char *sql, const coord_arg *args,
		    size_t nargs, int64_t *changes);

/* How coord_store_list reads one list: the items' size, the most rows it
 * reads (SIZE_MAX: all), the function that fills a zeroed item from a row
 * (0, COORD_LIST_SKIP to leave the row out, or an error that stops the
 * reading), the one that clears an item's own memory (NULL: none) and the
 * list's name for the log. */
#define COORD_LIST_SKIP 1
typedef struct coord_list_spec {
	size_t size;
	size_t max;
	int (*item)(coord_stmt *s, void *item);
	void (*clear)(void *item);
	const char *what;
} coord_list_spec;
/* Reads the rows of sql (args[0..nargs)) into a new array of items: on
 * success *(T **)out (malloc'd, the caller's; NULL for no item) and *n;
 * on failure the items read so far are cleared and freed and out, n are
 * left alone. Takes the store's lock. FL_E_NOMEM, FL_E_DB or item's
 * error. */
int coord_store_list(coord_store *st, const coord_list_spec *ls, const char *sql,
		     const coord_arg *args, size_t nargs, void *out, size_t *n);

#endif
