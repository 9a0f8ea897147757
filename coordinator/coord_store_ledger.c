/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_ledger: the round ledger's rows (coord_ledger.h builds and
 * checks the hash-chained, signed entries). */
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

/* The last entry's seq and hash (0 and 64 zeros if none). */
static int ledger_tail(coord_db *db, uint64_t *seq, char *hash)
{
	coord_stmt *s = NULL;
	int r;

	*seq = 0;
	memset(hash, '0', FL_MSG_HASH_HEX_BYTES - 1);
	hash[FL_MSG_HASH_HEX_BYTES - 1] = '\0';
	if ((r = coord_db_query(db, "SELECT seq, hash FROM ledger ORDER BY seq DESC "
				"LIMIT 1", COORD_NOARGS, &s)) != 0)
		return r;
	if ((r = coord_stmt_step(s)) == 1) {
		*seq = (uint64_t)coord_stmt_int64(s, 0);
		coord_stmt_str(s, 1, hash, FL_MSG_HASH_HEX_BYTES);
		r = 0;
	} else if (r != 0) {
		fl_error("store: read the ledger's last entry: %s", coord_db_errmsg(db));
	}
	coord_stmt_free(s);
	return r;
}

int coord_store_ledger_append_locked(coord_db *db, coord_store_ledger_fn fn,
				     void *ctx)
{
	coord_ledger_row row;
	char prev[FL_MSG_HASH_HEX_BYTES];
	uint64_t seq;
	int r;

	memset(&row, 0, sizeof(row));
	if ((r = ledger_tail(db, &seq, prev)) != 0)
		return r;
	if ((r = fn(ctx, seq + 1, prev, &row)) != 0)
		goto out;
	r = coord_db_run(db, "INSERT INTO ledger(seq, job_id, round, attempt, text, "
			 "hash, sig) VALUES(?, ?, ?, ?, ?, ?, ?)",
			 COORD_ARGS(CA_I(seq + 1), CA_I(row.job_id), CA_I(row.round),
				    CA_I(row.attempt), CA_T(row.text),
				    CA_T(row.hash_hex), CA_T(row.sig_hex)), NULL);
out:
	free(row.text);
	return r;
}

void coord_store_ledger_free(coord_ledger_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].text);
	free(rows);
}

/* Appends the current row of s to *rows; FL_E_NOMEM. */
static int ledger_row_add(coord_stmt *s, coord_ledger_row **rows, size_t *n,
			  size_t *cap)
{
	coord_ledger_row *o;

	if ((o = coord_store_grow(rows, n, cap, sizeof(*o))) == NULL)
		return FL_E_NOMEM;
	if ((o->text = strdup(coord_stmt_text(s, 4))) == NULL)
		return FL_E_NOMEM;
	o->seq = (uint64_t)coord_stmt_int64(s, 0);
	o->job_id = (uint64_t)coord_stmt_int64(s, 1);
	o->round = (uint32_t)coord_stmt_int64(s, 2);
	o->attempt = (uint32_t)coord_stmt_int64(s, 3);
	coord_stmt_str(s, 5, o->hash_hex, sizeof(o->hash_hex));
	coord_stmt_str(s, 6, o->sig_hex, sizeof(o->sig_hex));
	return 0;
}

int coord_store_ledger_list(coord_store *st, uint64_t job_id, uint64_t from_seq,
			    size_t max_bytes, coord_ledger_row **out, size_t *n,
			    uint64_t *next_seq)
{
	coord_ledger_row *rows = NULL;
	size_t cnt = 0, cap = 0, bytes = 0;
	coord_stmt *s = NULL;
	uint64_t next = 0;
	coord_db *db;
	int r;

	/* the databases' integers are signed: a sequence number or job id
	 * beyond 2^63 - 1 names nothing (it would wrap to a negative one, and
	 * seq >= a negative number is the first page) */
	if (from_seq > (uint64_t)INT64_MAX || job_id > (uint64_t)INT64_MAX) {
		*out = NULL;
		*n = 0;
		*next_seq = 0;
		return 0;
	}
	db = coord_store_lock(st);
	/* two statements, not one with "? = 0 OR job_id = ?": a planner
	 * picks one plan for both, and one job's page must walk ledger_job */
	if (job_id == 0)
		r = coord_db_query(db, "SELECT seq, job_id, round, attempt, text, "
				   "hash, sig FROM ledger WHERE seq >= ? ORDER BY seq",
				   COORD_ARGS(CA_I(from_seq)), &s);
	else
		r = coord_db_query(db, "SELECT seq, job_id, round, attempt, text, "
				   "hash, sig FROM ledger WHERE job_id = ? AND seq >= ?"
				   " ORDER BY seq",
				   COORD_ARGS(CA_I(job_id), CA_I(from_seq)), &s);
	if (r != 0)
		goto out;
	while ((r = coord_stmt_step(s)) == 1) {
		size_t len = strlen(coord_stmt_text(s, 4)) + 256;

		if (cnt > 0 && (bytes + len > max_bytes || cnt >= FL_MSG_MAX_LIST)) {
			next = (uint64_t)coord_stmt_int64(s, 0);
			break;
		}
		if ((r = ledger_row_add(s, &rows, &cnt, &cap)) != 0)
			goto out;
		bytes += len;
	}
	if (r < 0) {
		fl_error("store: list the ledger: %s", coord_db_errmsg(db));
		goto out;
	}
	*out = rows;
	*n = cnt;
	*next_seq = next;
	rows = NULL;
	cnt = 0;
	r = 0;
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	coord_store_ledger_free(rows, cnt);
	return r;
}
