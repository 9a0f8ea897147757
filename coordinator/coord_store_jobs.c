/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_jobs: the jobs table (state, figures, the STATS weight N). */
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_job_insert(coord_store *st, const fl_msg_job_info *info,
			   const char *spec, int64_t now_ms, uint64_t *id)
{
	coord_db *db = coord_store_lock(st);
	int64_t v = 0;
	int r;

	/* RETURNING gives the new id on both backends */
	r = coord_db_int(db, "INSERT INTO jobs(name, dataset, model, spec, state, "
			 "rounds_total, created_ms, updated_ms, submitted_by) "
			 "VALUES(?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id",
			 COORD_ARGS(CA_T(info->name), CA_T(info->dataset),
				    CA_T(info->model), CA_T(spec),
				    CA_I(info->rounds_total), CA_I(now_ms),
				    CA_I(now_ms), CA_T(info->submitted_by)), 0, &v);
	coord_store_unlock(st);
	if (r == 0 && v <= 0)
		r = FL_E_DB;
	if (r == 0)
		*id = (uint64_t)v;
	return r;
}

#define COORD_JOB_COLS "id, name, state, dataset, model, rounds_total, " \
	"rounds_done, created_ms, updated_ms, error, submitted_by, m_present, " \
	"m_n, m_loss, m_accuracy, m_macro_f1, m_r2, spec"

static void job_from_row(coord_stmt *s, fl_msg_job_info *o)
{
	memset(o, 0, sizeof(*o));
	o->job_id = (uint64_t)coord_stmt_int64(s, 0);
	coord_stmt_str(s, 1, o->name, sizeof(o->name));
	coord_stmt_str(s, 2, o->state, sizeof(o->state));
	coord_stmt_str(s, 3, o->dataset, sizeof(o->dataset));
	coord_stmt_str(s, 4, o->model, sizeof(o->model));
	o->rounds_total = (uint32_t)coord_stmt_int64(s, 5);
	o->rounds_done = (uint32_t)coord_stmt_int64(s, 6);
	o->created_ms = coord_stmt_int64(s, 7);
	o->updated_ms = coord_stmt_int64(s, 8);
	coord_stmt_str(s, 9, o->error, sizeof(o->error));
	coord_stmt_str(s, 10, o->submitted_by, sizeof(o->submitted_by));
	o->metrics.present = coord_stmt_int64(s, 11) != 0;
	coord_store_metrics_cols(s, 12, &o->metrics);
}

int coord_store_job_get(coord_store *st, uint64_t id, fl_msg_job_info *out,
			char **spec)
{
	coord_db *db = coord_store_lock(st);
	coord_stmt *s = NULL;
	fl_msg_job_info info;
	int r;

	if ((r = coord_db_query(db, "SELECT " COORD_JOB_COLS " FROM jobs WHERE id = ?",
				COORD_ARGS(CA_I(id)), &s)) != 0)
		goto out;
	if ((r = coord_stmt_step(s)) != 1) {
		r = r == 0 ? FL_E_NOTFOUND : FL_E_DB;
		goto out;
	}
	job_from_row(s, &info);
	if (spec != NULL && (*spec = strdup(coord_stmt_text(s, 17))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	*out = info;
	r = 0;
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}

static int job_item(coord_stmt *s, void *item)
{
	job_from_row(s, item);
	return 0;
}

int coord_store_job_list(coord_store *st, fl_msg_job_list *out)
{
	static const coord_list_spec ls = { sizeof(fl_msg_job_info),
		FL_MSG_MAX_LIST, job_item, NULL, "list jobs" };

	return coord_store_list(st, &ls, "SELECT " COORD_JOB_COLS " FROM jobs "
				"ORDER BY id", COORD_NOARGS, &out->jobs, &out->n);
}

static int job_id_item(coord_stmt *s, void *item)
{
	*(uint64_t *)item = (uint64_t)coord_stmt_int64(s, 0);
	return 0;
}

int coord_store_job_active(coord_store *st, uint64_t **ids, size_t *n)
{
	static const coord_list_spec ls = { sizeof(uint64_t), SIZE_MAX,
		job_id_item, NULL, "active jobs" };

	return coord_store_list(st, &ls, "SELECT id FROM jobs WHERE state IN "
				"('pending', 'running') ORDER BY id", COORD_NOARGS,
				ids, n);
}

int coord_store_job_set_state(coord_store *st, uint64_t id, const char *state,
			      const char *error, int64_t now_ms)
{
	int64_t n = 0;
	int r = coord_store_run(st, "UPDATE jobs SET state = ?, error = ?, "
				"updated_ms = ? WHERE id = ?",
				COORD_ARGS(CA_T(state), CA_T(error), CA_I(now_ms),
					   CA_I(id)), &n);

	if (r == 0 && n == 0)
		r = FL_E_NOTFOUND;
	if (r == 0)
		coord_events_add(st, id, 0, 0, COORD_EV_JOB_STATE, NULL, "%s%s%.200s", state,
				 error && error[0] ? ": " : "", error ? error : "");
	return r;
}

int coord_store_job_set_weight(coord_store *st, uint64_t id, double n)
{
	int64_t changed = 0;
	int r = coord_store_run(st, "UPDATE jobs SET weight_n = ? WHERE id = ?",
				COORD_ARGS(CA_D(n), CA_I(id)), &changed);

	return r == 0 && changed == 0 ? FL_E_NOTFOUND : r;
}

int coord_store_job_get_weight(coord_store *st, uint64_t id, double *n)
{
	coord_db *db = coord_store_lock(st);
	coord_stmt *s = NULL;
	int r;

	if ((r = coord_db_query(db, "SELECT weight_n FROM jobs WHERE id = ?",
				COORD_ARGS(CA_I(id)), &s)) == 0) {
		r = coord_stmt_step(s);
		if (r == 1) {
			*n = coord_stmt_double(s, 0);
			r = 0;
		} else if (r == 0) {
			r = FL_E_NOTFOUND;
		}
	}
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}

/* Updates the job's progress; the caller holds the mutex in a
 * transaction. A NULL state or metrics keeps the stored ones. */
int coord_store_job_progress_locked(coord_db *db, uint64_t job_id,
				    uint32_t rounds_done, const fl_msg_metrics *m,
				    const char *state, int64_t now_ms)
{
	coord_arg a[15];
	int64_t n = 0;
	int r;

	a[0] = CA_I(rounds_done);
	a[1] = CA_I(now_ms);
	a[2] = state ? CA_T(state) : CA_NULL;
	a[3] = m ? CA_I(m->present ? 1 : 0) : CA_NULL;
	for (int i = 0; i < 5; i++) {
		double v = !m ? 0 : i == 0 ? m->n : i == 1 ? m->loss :
			i == 2 ? m->accuracy : i == 3 ? m->macro_f1 : m->r2;

		a[4 + 2 * i] = CA_I(m != NULL);
		a[5 + 2 * i] = m ? CA_D(v) : CA_NULL;
	}
	a[14] = CA_I(job_id);
	r = coord_db_run(db, "UPDATE jobs SET rounds_done = ?, updated_ms = ?, "
			 "state = coalesce(?, state), m_present = coalesce(?, m_present), "
			 "m_n = CASE WHEN ? <> 0 THEN ? ELSE m_n END, "
			 "m_loss = CASE WHEN ? <> 0 THEN ? ELSE m_loss END, "
			 "m_accuracy = CASE WHEN ? <> 0 THEN ? ELSE m_accuracy END, "
			 "m_macro_f1 = CASE WHEN ? <> 0 THEN ? ELSE m_macro_f1 END, "
			 "m_r2 = CASE WHEN ? <> 0 THEN ? ELSE m_r2 END WHERE id = ?",
			 a, 15, &n);
	return r == 0 && n == 0 ? FL_E_NOTFOUND : r;
}
