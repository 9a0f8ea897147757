/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_audit: the audit table (who did what, when). */
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_audit(coord_store *st, const char *who, const char *action,
		      const char *detail, int64_t now_ms)
{
	return coord_store_run(st, "INSERT INTO audit(ts, who, action, detail) "
			       "VALUES(?, ?, ?, ?)", COORD_ARGS(CA_I(now_ms), CA_T(who),
								CA_T(action), CA_T(detail)),
			       NULL);
}

int coord_store_audit_count(coord_store *st, int64_t *n)
{
	coord_db *db = coord_store_lock(st);
	int r = coord_db_int(db, "SELECT count(*) FROM audit", COORD_NOARGS, 0, n);

	coord_store_unlock(st);
	return r;
}

static int coord_audit_row(void *ctx, coord_stmt *s)
{
	fl_msg_audit_list *t = ctx;
	fl_msg_audit_entry *e = &t->entries[t->n++];

	e->id = (uint64_t)coord_stmt_int64(s, 0);
	e->ts_ms = coord_stmt_int64(s, 1);
	coord_stmt_str(s, 2, e->who, sizeof(e->who));
	coord_stmt_str(s, 3, e->action, sizeof(e->action));
	coord_stmt_str(s, 4, e->detail, sizeof(e->detail));
	return 0;
}

int coord_store_audit_list(coord_store *st, uint64_t after_id, fl_msg_audit_list *out)
{
	fl_msg_audit_list t = { NULL, 0 };
	int r;

	if ((t.entries = calloc(FL_EVENTS_MAX_LIST, sizeof(*t.entries))) == NULL)
		return FL_E_NOMEM;
	r = coord_db_rows(coord_store_lock(st), "SELECT id, ts, who, action, detail "
			  "FROM audit WHERE id > ? ORDER BY id LIMIT ?",
			  COORD_ARGS(CA_I(after_id), CA_I(FL_EVENTS_MAX_LIST)),
			  FL_EVENTS_MAX_LIST, coord_audit_row, &t, "list audit");
	coord_store_unlock(st);
	if (r == 0) {
		*out = t;
		memset(&t, 0, sizeof(t));
	}
	fl_msg_audit_list_clear(&t);
	return r;
}
