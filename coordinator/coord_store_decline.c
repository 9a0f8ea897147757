/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_decline: the declines table (schema v5): why a site did not
 * take part in a job's round attempt, by reason name and a text of names
 * and counts (never a data value). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_store.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_decline_put(coord_store *st, uint64_t job_id,
			    const fl_msg_decline *d)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	int r = 0;

	if (!st || !d || !d->site[0] || d->reason == FL_DECLINE_NONE)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO declines(job_id, round,"
			       " attempt, site, reason, text, at_ms)"
			       " VALUES(?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, d->round);
	sqlite3_bind_int64(s, 3, d->attempt);
	sqlite3_bind_text(s, 4, d->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, fl_decline_reason_name(d->reason), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, d->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, d->at_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = FL_E_DB;
out:
	if (r != 0)
		fl_error("store: put decline: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_decline_list(coord_store *st, uint64_t job_id,
			     fl_msg_decline **out, size_t *n)
{
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	fl_msg_decline *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int r = 0, rc;

	if (!st || !out || !n)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "SELECT round, attempt, site, reason, text, at_ms"
			       " FROM declines WHERE job_id = ? ORDER BY at_ms, rowid"
			       " LIMIT ?", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	sqlite3_bind_int64(s, 2, FL_MSG_MAX_LIST);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *site = sqlite3_column_text(s, 2);
		const unsigned char *reason = sqlite3_column_text(s, 3);
		const unsigned char *text = sqlite3_column_text(s, 4);
		fl_msg_decline *d;

		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			v = nv;
		}
		d = &v[cnt];
		memset(d, 0, sizeof(*d));
		d->job_id = job_id;
		d->round = (uint32_t)sqlite3_column_int64(s, 0);
		d->attempt = (uint32_t)sqlite3_column_int64(s, 1);
		snprintf(d->site, sizeof(d->site), "%s", site ? (const char *)site : "");
		d->reason = fl_decline_reason_parse(reason ? (const char *)reason : "");
		snprintf(d->text, sizeof(d->text), "%s", text ? (const char *)text : "");
		d->at_ms = sqlite3_column_int64(s, 5);
		/* a row of an unknown reason (a newer coordinator's) is left out */
		cnt += d->reason != FL_DECLINE_NONE;
	}
	if (rc != SQLITE_DONE)
		r = FL_E_DB;
out:
	if (r == FL_E_DB)
		fl_error("store: list declines: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	if (r != 0) {
		free(v);
		return r;
	}
	if (cnt == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = cnt;
	return 0;
}
