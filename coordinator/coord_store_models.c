/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_models: model blobs by job and version, and the server
 * optimiser state that produced each version (table server_opt). */
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_model_put_locked(coord_db *db, uint64_t job_id,
				 uint32_t version, const uint8_t *blob, size_t len)
{
	return coord_db_run(db, "INSERT INTO models(job_id, version, blob) "
			    "VALUES(?, ?, ?)", COORD_ARGS(CA_I(job_id), CA_I(version),
							  CA_B(blob, len)), NULL);
}

/* Copies blob column col of the row s is on into *out (malloc'd). */
static int blob_copy(coord_stmt *s, int col, uint8_t **out, size_t *len)
{
	size_t n;
	const void *p = coord_stmt_blob(s, col, &n);
	uint8_t *copy;

	if ((copy = malloc(n ? n : 1)) == NULL)
		return FL_E_NOMEM;
	if (n)
		memcpy(copy, p, n);
	*out = copy;
	*len = n;
	return 0;
}

int coord_store_model_get(coord_store *st, uint64_t job_id, uint32_t version,
			  int latest, uint8_t **blob, size_t *len,
			  uint32_t *version_out)
{
	coord_db *db = coord_store_lock(st);
	coord_stmt *s = NULL;
	int r;

	if (latest)
		r = coord_db_query(db, "SELECT version, blob FROM models WHERE "
				   "job_id = ? ORDER BY version DESC LIMIT 1",
				   COORD_ARGS(CA_I(job_id)), &s);
	else
		r = coord_db_query(db, "SELECT version, blob FROM models WHERE "
				   "job_id = ? AND version = ?",
				   COORD_ARGS(CA_I(job_id), CA_I(version)), &s);
	if (r != 0)
		goto out;
	if ((r = coord_stmt_step(s)) != 1) {
		if (r == 0)
			r = FL_E_NOTFOUND;
		else
			fl_error("store: get model: %s", coord_db_errmsg(db));
		goto out;
	}
	if ((r = blob_copy(s, 1, blob, len)) == 0)
		*version_out = (uint32_t)coord_stmt_int64(s, 0);
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}

int coord_store_servopt_put(coord_store *st, uint64_t job_id, uint32_t version,
			    const uint8_t *state, size_t len)
{
	if (st == NULL || state == NULL || len == 0 || len > INT32_MAX)
		return FL_E_INVAL;
	/* a retried round overwrites the state */
	return coord_store_run(st, "INSERT INTO server_opt(job_id, version, state) "
			       "VALUES(?, ?, ?) ON CONFLICT(job_id, version) DO UPDATE "
			       "SET state = excluded.state",
			       COORD_ARGS(CA_I(job_id), CA_I(version), CA_B(state, len)), NULL);
}

int coord_store_servopt_get(coord_store *st, uint64_t job_id, uint32_t version,
			    uint8_t **state, size_t *len)
{
	coord_stmt *s = NULL;
	coord_db *db;
	int r;

	if (st == NULL || state == NULL || len == NULL)
		return FL_E_INVAL;
	db = coord_store_lock(st);
	if ((r = coord_db_query(db, "SELECT state FROM server_opt WHERE job_id = ?"
				" AND version = ?", COORD_ARGS(CA_I(job_id),
							       CA_I(version)), &s)) != 0)
		goto out;
	if ((r = coord_stmt_step(s)) != 1) {
		r = r == 0 ? FL_E_NOTFOUND : FL_E_DB;
		goto out;
	}
	r = blob_copy(s, 0, state, len);
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}
