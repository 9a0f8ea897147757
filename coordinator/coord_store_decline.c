/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_decline: the declines table (schema v5): why a site did not
 * take part in a job's round attempt, by reason name and a text of names
 * and counts (never a data value). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_decline_put(coord_store *st, uint64_t job_id,
			    const fl_msg_decline *d)
{
	if (!st || !d || !d->site[0] || d->reason == FL_DECLINE_NONE)
		return FL_E_INVAL;
	return coord_store_run(st, "INSERT INTO declines(job_id, round, attempt, site,"
			       " reason, text, at_ms) VALUES(?, ?, ?, ?, ?, ?, ?)"
			       " ON CONFLICT(job_id, round, attempt, site) DO UPDATE SET"
			       " reason = excluded.reason, text = excluded.text,"
			       " at_ms = excluded.at_ms",
			       COORD_ARGS(CA_I(job_id), CA_I(d->round), CA_I(d->attempt),
					  CA_T(d->site),
					  CA_T(fl_decline_reason_name(d->reason)),
					  CA_T(d->text), CA_I(d->at_ms)), NULL);
}

static int decline_item(coord_stmt *s, void *item)
{
	fl_msg_decline *d = item;

	d->round = (uint32_t)coord_stmt_int64(s, 0);
	d->attempt = (uint32_t)coord_stmt_int64(s, 1);
	coord_stmt_str(s, 2, d->site, sizeof(d->site));
	d->reason = fl_decline_reason_parse(coord_stmt_text(s, 3));
	coord_stmt_str(s, 4, d->text, sizeof(d->text));
	d->at_ms = coord_stmt_int64(s, 5);
	/* a row of an unknown reason (a newer coordinator's) is left out */
	return d->reason == FL_DECLINE_NONE ? COORD_LIST_SKIP : 0;
}

int coord_store_decline_list(coord_store *st, uint64_t job_id,
			     fl_msg_decline **out, size_t *n)
{
	static const coord_list_spec ls = { sizeof(fl_msg_decline), SIZE_MAX,
		decline_item, NULL, "list declines" };
	size_t i;
	int r;

	if (!st || !out || !n)
		return FL_E_INVAL;
	r = coord_store_list(st, &ls, "SELECT round, attempt, site, reason, text, at_ms"
			     " FROM declines WHERE job_id = ? ORDER BY at_ms,"
			     " round, attempt, site LIMIT ?",
			     COORD_ARGS(CA_I(job_id), CA_I(FL_MSG_MAX_LIST)), out, n);
	for (i = 0; r == 0 && i < *n; i++)
		(*out)[i].job_id = job_id;
	return r;
}
