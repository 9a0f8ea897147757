/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_rounds: the rounds table, a finished round's commit (round,
 * model, job progress and ledger entry in one transaction) and where an
 * interrupted job resumes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

static char *participants_join(const fl_msg_round_info *r)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < r->nparticipants; i++)
		len += strlen(r->participants[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < r->nparticipants; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, r->participants[i]);
	}
	return s;
}

static int participants_split(const char *list, fl_msg_round_info *o)
{
	const char *p = list;
	size_t n = 0, i = 0;

	if (*list != '\0')
		for (n = 1, p = list; *p; p++)
			n += *p == ',';
	if (n > FL_MSG_MAX_PARTICIPANTS)
		n = FL_MSG_MAX_PARTICIPANTS;
	o->nparticipants = 0;
	o->participants = NULL;
	if (n == 0)
		return 0;
	if ((o->participants = calloc(n, sizeof(*o->participants))) == NULL)
		return FL_E_NOMEM;
	for (p = list; i < n; i++) {
		size_t len = strcspn(p, ",");

		snprintf(o->participants[i], FL_NAME_BYTES, "%.*s", (int)len, p);
		p += len + (p[len] == ',');
	}
	o->nparticipants = (uint32_t)n;
	return 0;
}

#define ROUND_COLS "round, attempt, kind, state, selected, survived, " \
	"participants, started_ms, finished_ms, train_loss, e_present, e_n, " \
	"e_loss, e_accuracy, e_macro_f1, e_r2, closed_by"

int coord_store_round_put_locked(coord_db *db, uint64_t job_id,
				 const fl_msg_round_info *r)
{
	char *parts;
	int ret;

	if ((parts = participants_join(r)) == NULL)
		return FL_E_NOMEM;
	/* a retried write of the same attempt replaces the row */
	ret = coord_db_run(db, "INSERT INTO rounds(job_id, " ROUND_COLS ") VALUES("
			   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
			   "ON CONFLICT(job_id, round, attempt) DO UPDATE SET "
			   "kind = excluded.kind, state = excluded.state, "
			   "selected = excluded.selected, survived = excluded.survived, "
			   "participants = excluded.participants, "
			   "started_ms = excluded.started_ms, "
			   "finished_ms = excluded.finished_ms, "
			   "train_loss = excluded.train_loss, "
			   "e_present = excluded.e_present, e_n = excluded.e_n, "
			   "e_loss = excluded.e_loss, e_accuracy = excluded.e_accuracy, "
			   "e_macro_f1 = excluded.e_macro_f1, e_r2 = excluded.e_r2, "
			   "closed_by = excluded.closed_by",
			   COORD_ARGS(CA_I(job_id), CA_I(r->round), CA_I(r->attempt),
				      CA_T(r->kind), CA_T(r->state), CA_I(r->selected),
				      CA_I(r->survived), CA_T(parts),
				      CA_I(r->started_ms), CA_I(r->finished_ms),
				      CA_D(r->train_loss), CA_I(r->eval.present ? 1 : 0),
				      CA_D(r->eval.n), CA_D(r->eval.loss),
				      CA_D(r->eval.accuracy), CA_D(r->eval.macro_f1),
				      CA_D(r->eval.r2), CA_T(r->closed_by)), NULL);
	free(parts);
	return ret;
}

int coord_store_round_put(coord_store *st, uint64_t job_id,
			  const fl_msg_round_info *r)
{
	coord_db *db = coord_store_lock(st);
	int ret = coord_store_round_put_locked(db, job_id, r);

	coord_store_unlock(st);
	return ret;
}

int coord_store_round_commit(coord_store *st, uint64_t job_id,
			     const fl_msg_round_info *r, const uint8_t *model,
			     size_t model_len, uint32_t version,
			     uint32_t rounds_done, const fl_msg_metrics *metrics,
			     const char *job_state, int64_t now_ms)
{
	return coord_store_round_commit_ledger(st, job_id, r, model, model_len,
					       version, rounds_done, metrics,
					       job_state, now_ms, NULL, NULL);
}

int coord_store_round_commit_ledger(coord_store *st, uint64_t job_id,
				    const fl_msg_round_info *r,
				    const uint8_t *model, size_t model_len,
				    uint32_t version, uint32_t rounds_done,
				    const fl_msg_metrics *metrics,
				    const char *job_state, int64_t now_ms,
				    coord_store_ledger_fn fn, void *ctx)
{
	coord_db *db = coord_store_lock(st);
	int ret;

	if ((ret = coord_db_begin(db)) != 0)
		goto out;
	if ((ret = coord_store_round_put_locked(db, job_id, r)) != 0)
		goto rollback;
	if (model != NULL &&
	    (ret = coord_store_model_put_locked(db, job_id, version, model,
						model_len)) != 0)
		goto rollback;
	if ((ret = coord_store_job_progress_locked(db, job_id, rounds_done, metrics,
						   job_state, now_ms)) != 0)
		goto rollback;
	if (fn != NULL && (ret = coord_store_ledger_append_locked(db, fn, ctx)) != 0)
		goto rollback;
	if ((ret = coord_db_commit(db)) == 0)
		goto out;
rollback:
	coord_db_rollback(db);
out:
	coord_store_unlock(st);
	return ret;
}

static int round_from_row(coord_stmt *s, void *item)
{
	fl_msg_round_info *o = item;

	memset(o, 0, sizeof(*o));
	o->round = (uint32_t)coord_stmt_int64(s, 0);
	o->attempt = (uint32_t)coord_stmt_int64(s, 1);
	coord_stmt_str(s, 2, o->kind, sizeof(o->kind));
	coord_stmt_str(s, 3, o->state, sizeof(o->state));
	o->selected = (uint32_t)coord_stmt_int64(s, 4);
	o->survived = (uint32_t)coord_stmt_int64(s, 5);
	o->started_ms = coord_stmt_int64(s, 7);
	o->finished_ms = coord_stmt_int64(s, 8);
	o->train_loss = coord_stmt_double(s, 9);
	o->eval.present = coord_stmt_int64(s, 10) != 0;
	coord_store_metrics_cols(s, 11, &o->eval);
	coord_stmt_str(s, 16, o->closed_by, sizeof(o->closed_by));
	return participants_split(coord_stmt_text(s, 6), o);
}

void coord_store_round_list_free(fl_msg_round_info *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		fl_msg_round_info_clear(&r[i]);
	free(r);
}

static void round_clear(void *item)
{
	fl_msg_round_info_clear(item);
}

int coord_store_round_list(coord_store *st, uint64_t job_id,
			   fl_msg_round_info **out, size_t *n)
{
	static const coord_list_spec ls = { sizeof(fl_msg_round_info),
		FL_MSG_MAX_LIST, round_from_row, round_clear, "list rounds" };

	return coord_store_list(st, &ls, "SELECT " ROUND_COLS " FROM rounds WHERE "
				"job_id = ? ORDER BY round, attempt",
				COORD_ARGS(CA_I(job_id)), out, n);
}

int coord_store_job_resume_point(coord_store *st, uint64_t job_id,
				 uint32_t *next_round, uint32_t *next_attempt)
{
	coord_db *db = coord_store_lock(st);
	int64_t last, att;
	int r;

	if ((r = coord_db_int(db, "SELECT max(round) FROM rounds WHERE job_id = ? "
			      "AND state = 'done'", COORD_ARGS(CA_I(job_id)), -1,
			      &last)) != 0 ||
	    (r = coord_db_int(db, "SELECT max(attempt) FROM rounds WHERE job_id = ? "
			      "AND round = ?", COORD_ARGS(CA_I(job_id), CA_I(last + 1)),
			      0, &att)) != 0 ||
	    (r = coord_db_run(db, "UPDATE rounds SET state = 'failed' WHERE "
			      "job_id = ? AND state = 'running'",
			      COORD_ARGS(CA_I(job_id)), NULL)) != 0)
		goto out;
	*next_round = (uint32_t)(last + 1);
	*next_attempt = (uint32_t)(att + 1);
out:
	coord_store_unlock(st);
	return r;
}
