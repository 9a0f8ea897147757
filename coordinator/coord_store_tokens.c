/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_tokens: the enroll_tokens table (hashes of one-time
 * enrollment tokens; never the tokens themselves). */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_enroll.h"
#include "fl_err.h"
#include "fl_log.h"

static const char tokens_schema[] =
	"CREATE TABLE IF NOT EXISTS enroll_tokens(hash TEXT PRIMARY KEY,"
	" site TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL DEFAULT 0,"
	" created_by TEXT NOT NULL DEFAULT '')";

static int tokens_table(sqlite3 *db)
{
	char *msg = NULL;

	if (sqlite3_exec(db, tokens_schema, NULL, NULL, &msg) != SQLITE_OK) {
		fl_error("store: enroll_tokens: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return FL_E_DB;
	}
	return 0;
}

int coord_store_token_put(coord_store *st, const char *hash_hex,
			  const char *site, int64_t created_ms,
			  int64_t expires_ms, const char *created_by)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	int r, rc;

	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if ((r = tokens_table(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO enroll_tokens(hash, site,"
			       " created_ms, expires_ms, created_by)"
			       " VALUES(?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, hash_hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, created_ms);
	sqlite3_bind_int64(s, 4, expires_ms);
	sqlite3_bind_text(s, 5, created_by ? created_by : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	r = rc == SQLITE_DONE ? 0 : rc == SQLITE_CONSTRAINT ? FL_E_EXISTS : FL_E_DB;
	if (r == FL_E_DB)
		fl_error("store: put token: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

/* Why a token cannot be used (db locked by the caller). */
static int token_why(sqlite3 *db, const char *hash_hex, int64_t now_ms,
		     char *site, char *errmsg)
{
	sqlite3_stmt *s = NULL;
	int64_t expires, used;
	const char *name;
	int r;

	if (sqlite3_prepare_v2(db, "SELECT site, expires_ms, used_ms FROM"
			       " enroll_tokens WHERE hash = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return FL_E_DB;
	sqlite3_bind_text(s, 1, hash_hex, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) != SQLITE_ROW) {
		r = r == SQLITE_DONE ? FL_E_NOTFOUND : FL_E_DB;
		if (r == FL_E_NOTFOUND)
			fl_errmsg_set(errmsg, "unknown enrollment token (mistyped, or "
				      "issued by another coordinator)");
		goto out;
	}
	name = (const char *)sqlite3_column_text(s, 0);
	expires = sqlite3_column_int64(s, 1);
	used = sqlite3_column_int64(s, 2);
	snprintf(site, FL_NAME_BYTES, "%s", name ? name : "");
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
	sqlite3_finalize(s);
	return r;
}

int coord_store_token_peek(coord_store *st, const char *hash_hex,
			   int64_t now_ms, char *site, char *errmsg)
{
	sqlite3 *db;
	int r;

	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if ((r = tokens_table(db)) == 0)
		r = token_why(db, hash_hex, now_ms, site, errmsg);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_token_use(coord_store *st, const char *hash_hex,
			  int64_t now_ms, char *site, char *errmsg)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	const char *name;
	int r, rc;

	if (!st || !hash_hex || !site)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if ((r = tokens_table(db)) != 0)
		goto out;
	/* one statement: of two concurrent uses, one finds used_ms != 0 */
	if (sqlite3_prepare_v2(db, "UPDATE enroll_tokens SET used_ms = ?1"
			       " WHERE hash = ?2 AND used_ms = 0 AND expires_ms > ?1"
			       " RETURNING site", -1, &s, NULL) != SQLITE_OK) {
		fl_error("store: use token: %s", sqlite3_errmsg(db));
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now_ms > 0 ? now_ms : 1);
	sqlite3_bind_text(s, 2, hash_hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(s, 0);
		snprintf(site, FL_NAME_BYTES, "%s", name ? name : "");
		r = 0;
		while (sqlite3_step(s) == SQLITE_ROW)
			;
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(s);
		s = NULL;
		r = token_why(db, hash_hex, now_ms, site, errmsg);
		if (r == 0) {   /* cannot happen under the lock; be safe */
			fl_errmsg_set(errmsg, "enrollment token not usable");
			r = FL_E_DENIED;
		}
	} else {
		fl_error("store: use token: %s", sqlite3_errmsg(db));
		r = FL_E_DB;
	}
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}
