/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_tokens: the enroll_tokens table (hashes of one-time
 * enrollment tokens; never the tokens themselves). */
#include <stdio.h>
#include <string.h>

#include "coord_enroll.h"
#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_token_put(coord_store *st, const char *hash_hex,
			  const char *site, int64_t created_ms,
			  int64_t expires_ms, const char *created_by)
{
	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	return coord_store_run(st, "INSERT INTO enroll_tokens(hash, site, created_ms,"
			       " expires_ms, created_by) VALUES(?, ?, ?, ?, ?)",
			       COORD_ARGS(CA_T(hash_hex), CA_T(site), CA_I(created_ms),
					  CA_I(expires_ms), CA_T(created_by)), NULL);
}

/* Why a token cannot be used (db locked by the caller). */
static int token_why(coord_db *db, const char *hash_hex, int64_t now_ms,
		     char *site, char *errmsg)
{
	coord_stmt *s = NULL;
	int64_t expires, used;
	int r;

	if ((r = coord_db_query(db, "SELECT site, expires_ms, used_ms FROM"
				" enroll_tokens WHERE hash = ?",
				COORD_ARGS(CA_T(hash_hex)), &s)) != 0)
		return r;
	if ((r = coord_stmt_step(s)) != 1) {
		r = r == 0 ? FL_E_NOTFOUND : FL_E_DB;
		if (r == FL_E_NOTFOUND)
			fl_errmsg_set(errmsg, "unknown enrollment token (mistyped, or "
				      "issued by another coordinator)");
		goto out;
	}
	expires = coord_stmt_int64(s, 1);
	used = coord_stmt_int64(s, 2);
	snprintf(site, FL_NAME_BYTES, "%s", coord_stmt_text(s, 0));
	if (used != 0) {
		fl_errmsg_set(errmsg, "this enrollment token was already used; ask "
			      "the operator for a new one ('fedctl site token %s')",
			      site);
		r = FL_E_DENIED;
	} else if (now_ms >= expires) {
		fl_errmsg_set(errmsg, "this enrollment token has expired; ask the "
			      "operator for a new one ('fedctl site token %s')", site);
		r = FL_E_DENIED;
	} else {
		r = 0;
	}
out:
	coord_stmt_free(s);
	return r;
}

int coord_store_token_peek(coord_store *st, const char *hash_hex,
			   int64_t now_ms, char *site, char *errmsg)
{
	coord_db *db;
	int r;

	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	db = coord_store_lock(st);
	r = token_why(db, hash_hex, now_ms, site, errmsg);
	coord_store_unlock(st);
	return r;
}

int coord_store_token_use(coord_store *st, const char *hash_hex,
			  int64_t now_ms, char *site, char *errmsg)
{
	coord_stmt *s = NULL;
	coord_db *db;
	int r;

	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	db = coord_store_lock(st);
	/* one statement: of two concurrent uses, one finds used_ms != 0 */
	if ((r = coord_db_query(db, "UPDATE enroll_tokens SET used_ms = ?1"
				" WHERE hash = ?2 AND used_ms = 0 AND expires_ms > ?1"
				" RETURNING site",
				COORD_ARGS(CA_I(now_ms > 0 ? now_ms : 1),
					   CA_T(hash_hex)), &s)) != 0)
		goto out;
	r = coord_stmt_step(s);
	if (r == 1) {
		snprintf(site, FL_NAME_BYTES, "%s", coord_stmt_text(s, 0));
		while (coord_stmt_step(s) == 1)
			;
		r = 0;
	} else if (r == 0) {
		coord_stmt_free(s);
		s = NULL;
		r = token_why(db, hash_hex, now_ms, site, errmsg);
		if (r == 0) {   /* cannot happen under the lock; be safe */
			fl_errmsg_set(errmsg, "enrollment token not usable");
			r = FL_E_DENIED;
		}
	} else {
		fl_error("store: use token: %s", coord_db_errmsg(db));
		r = FL_E_DB;
	}
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}
