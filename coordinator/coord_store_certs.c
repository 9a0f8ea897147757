/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_certs: the certificates each site connected with (or was
 * issued), and the CRLs the coordinator published (tables site_certs, crl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_store.h"
#include "fl_err.h"
#include "fl_log.h"

static const char certs_schema[] =
	"CREATE TABLE IF NOT EXISTS site_certs(site TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL, serial TEXT NOT NULL,"
	" not_after_ms INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,"
	" PRIMARY KEY(site, fingerprint));"
	"CREATE TABLE IF NOT EXISTS crl(number INTEGER PRIMARY KEY,"
	" pem TEXT NOT NULL, created_ms INTEGER NOT NULL);";

static int certs_tables(sqlite3 *db)
{
	char *msg = NULL;

	if (sqlite3_exec(db, certs_schema, NULL, NULL, &msg) != SQLITE_OK) {
		fl_error("store: site_certs/crl: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return FL_E_DB;
	}
	return 0;
}

int coord_store_cert_seen(coord_store *st, const char *site,
			  const char *fingerprint, const char *serial,
			  int64_t not_after_ms, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r;

	if (!st || !site || !fingerprint || !serial)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if ((r = certs_tables(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO site_certs(site,"
			       " fingerprint, serial, not_after_ms, first_seen_ms)"
			       " VALUES(?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, not_after_ms);
	sqlite3_bind_int64(s, 5, now_ms);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : FL_E_DB;
	if (r != 0)
		fl_error("store: certificate seen: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_revoked_serials(coord_store *st, char (**serials)[66], size_t *n)
{
	char (*list)[66] = NULL, (*grown)[66];
	sqlite3_stmt *s = NULL;
	size_t cnt = 0;
	sqlite3 *db;
	int r, rc;

	if (!st || !serials || !n)
		return FL_E_INVAL;
	*serials = NULL;
	*n = 0;
	db = coord_store_db_lock(st);
	if ((r = certs_tables(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT c.serial FROM site_certs c"
			       " JOIN sites s ON s.name = c.site WHERE s.revoked = 1"
			       " ORDER BY c.serial", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);

		if ((grown = realloc(list, (cnt + 1) * sizeof(*list))) == NULL) {
			r = FL_E_NOMEM;
			goto out;
		}
		list = grown;
		snprintf(list[cnt++], sizeof(list[0]), "%s", v ? (const char *)v : "");
	}
	if (rc != SQLITE_DONE) {
		r = FL_E_DB;
		goto out;
	}
	*serials = list;
	*n = cnt;
	list = NULL;
out:
	free(list);
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_crl_put(coord_store *st, uint64_t number, const char *pem,
			int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r;

	if (!st || !pem || number == 0)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if ((r = certs_tables(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO crl(number, pem, created_ms)"
			       " VALUES(?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)number);
	sqlite3_bind_text(s, 2, pem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : FL_E_EXISTS;
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_crl_latest(coord_store *st, uint64_t *number, char **pem)
{
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r, rc;

	if (!st || !number)
		return FL_E_INVAL;
	*number = 0;
	if (pem)
		*pem = NULL;
	db = coord_store_db_lock(st);
	if ((r = certs_tables(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT number, pem FROM crl ORDER BY number"
			       " DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 1);

		*number = (uint64_t)sqlite3_column_int64(s, 0);
		if (pem && (*pem = strdup(v ? v : "")) == NULL)
			r = FL_E_NOMEM;
	} else if (rc != SQLITE_DONE) {
		r = FL_E_DB;
	}
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}
