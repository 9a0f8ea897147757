/* SPDX-License-Identifier: Apache-2.0 */
/* coord_round: the round state machine of one job (select, collect, close,
 * apply, commit, retry). Runs under the engine mutex, from the tick. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_int.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_update.h"

enum fl_task_kind coord_round_kind(const coord_job *j, uint32_t round)
{
	if (round == 0)
		return FL_TASK_STATS;
	return round <= j->spec.rounds ? FL_TASK_TRAIN : FL_TASK_EVAL;
}

const char *coord_task_kind_name(enum fl_task_kind k)
{
	switch (k) {
	case FL_TASK_NONE: return "none";
	case FL_TASK_STATS: return "stats";
	case FL_TASK_TRAIN: return "train";
	case FL_TASK_EVAL: return "eval";
	}
	return "unknown";
}

void coord_round_reset(coord_round_state *rs)
{
	coord_agg_free(rs->agg);
	free(rs->sel);
	memset(rs, 0, sizeof(*rs));
}

uint64_t coord_round_expected_words(const coord_job *j)
{
	switch (j->rs.kind) {
	case FL_TASK_STATS:
		if (j->spec.nfeatures > 0)
			return fl_update_stats_len(j->spec.nfeatures);
		return j->rs.stats_d ? fl_update_stats_len(j->rs.stats_d) : 0;
	case FL_TASK_TRAIN:
		return j->model ? fl_update_train_len(j->model) : 0;
	case FL_TASK_EVAL:
		return j->model ? fl_update_eval_len(j->model) : 0;
	case FL_TASK_NONE:
		break;
	}
	return 0;
}

static int coord_site_has(const coord_site *s, const char *dataset)
{
	uint32_t i;

	for (i = 0; i < s->ndatasets; i++)
		if (strcmp(s->datasets[i], dataset) == 0)
			return 1;
	return 0;
}

/* Online, registered, non-revoked sites that hold the job's dataset. */
static int coord_round_select(coord_engine *e, const coord_job *j, int64_t now_ms,
			      coord_slot **out, uint32_t *n)
{
	coord_slot *sel;
	coord_site_row row;
	uint32_t cnt = 0;
	size_t i;

	if ((sel = calloc(e->nsites ? e->nsites : 1, sizeof(*sel))) == NULL)
		return FL_E_NOMEM;
	for (i = 0; i < e->nsites && cnt < FL_MSG_MAX_PARTICIPANTS; i++) {
		const coord_site *s = &e->sites[i];

		if (now_ms - s->last_seen_ms > (int64_t)e->opts.offline_after_ms ||
		    !coord_site_has(s, j->spec.dataset))
			continue;
		if (coord_store_site_get(e->st, s->name, &row) != 0 || row.info.revoked)
			continue;
		snprintf(sel[cnt++].name, FL_NAME_BYTES, "%s", s->name);
	}
	*out = sel;
	*n = cnt;
	return 0;
}

static void coord_round_info(const coord_job *j, const char *state, int64_t now_ms,
			     int uploaded_only, fl_msg_round_info *ri)
{
	const coord_round_state *rs = &j->rs;
	uint32_t i;

	memset(ri, 0, sizeof(*ri));
	ri->round = rs->round;
	ri->attempt = rs->attempt;
	snprintf(ri->state, sizeof(ri->state), "%s", state);
	snprintf(ri->kind, sizeof(ri->kind), "%s", coord_task_kind_name(rs->kind));
	ri->selected = rs->nsel;
	ri->survived = rs->nuploaded;
	ri->started_ms = rs->started_ms;
	ri->finished_ms = now_ms;
	ri->train_loss = NAN;
	/* participants: a calloc'd copy; the caller frees it. */
	ri->participants = calloc(rs->nsel ? rs->nsel : 1, sizeof(*ri->participants));
	if (ri->participants == NULL)
		return;
	for (i = 0; i < rs->nsel; i++)
		if (!uploaded_only || rs->sel[i].uploaded)
			snprintf(ri->participants[ri->nparticipants++], FL_NAME_BYTES,
				 "%s", rs->sel[i].name);
}

static void coord_round_start(coord_engine *e, coord_job *j, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	fl_msg_round_info ri;
	coord_slot *sel = NULL;
	uint32_t n = 0, min = j->spec.min_clients ? j->spec.min_clients : 1;
	uint64_t words;

	if (coord_round_select(e, j, now_ms, &sel, &n) != 0)
		return;
	if (n < min) {
		if (j->waiting_logged != n + 1)
			fl_info("job %llu waiting: %u of %u sites online",
				(unsigned long long)j->id, n, min);
		j->waiting_logged = n + 1;
		free(sel);
		return;
	}
	j->waiting_logged = 0;
	coord_round_reset(rs);
	rs->active = 1;
	rs->round = j->next_round;
	rs->attempt = j->next_attempt;
	rs->kind = coord_round_kind(j, rs->round);
	rs->started_ms = now_ms;
	rs->deadline_ms = now_ms + (int64_t)j->spec.timeout_s * 1000;
	rs->sel = sel;
	rs->nsel = n;
	words = coord_round_expected_words(j);
	if (words != 0 && coord_agg_new(words, &rs->agg) != 0) {
		fl_error("job %llu: out of memory for the round's sum",
			 (unsigned long long)j->id);
		coord_round_reset(rs);
		return;
	}
	if (!j->running) {
		j->running = 1;
		coord_store_job_set_state(e->st, j->id, "running", NULL, now_ms);
	}
	coord_round_info(j, "running", 0, 0, &ri);
	coord_store_round_put(e->st, j->id, &ri);
	free(ri.participants);
	if (rs->kind == FL_TASK_TRAIN)
		fl_info("job %llu round %u/%u attempt %u: %u sites selected, "
			"deadline %u s", (unsigned long long)j->id, rs->round,
			j->spec.rounds, rs->attempt, n, j->spec.timeout_s);
	else
		fl_info("job %llu round %u (%s) attempt %u: %u sites selected, "
			"deadline %u s", (unsigned long long)j->id, rs->round,
			coord_task_kind_name(rs->kind), rs->attempt, n,
			j->spec.timeout_s);
}

/* Ends the job as failed with a message. Frees j. */
static void coord_round_fail_job(coord_engine *e, coord_job *j, int64_t now_ms,
				 const char *why)
{
	fl_error("job %llu failed: %s", (unsigned long long)j->id, why);
	coord_store_job_set_state(e->st, j->id, "failed", why, now_ms);
	coord_engine_job_remove(e, j);
}

static void coord_metrics_to_msg(const fl_metrics *mt, fl_msg_metrics *o)
{
	o->present = true;
	o->n = mt->n;
	o->loss = fl_metrics_loss(mt);
	o->accuracy = fl_metrics_accuracy(mt);
	o->macro_f1 = fl_metrics_macro_f1(mt);
	o->r2 = fl_metrics_r2(mt);
}

static void coord_metrics_str(const fl_model *m, const fl_msg_metrics *mt,
			      char *buf, size_t cap)
{
	if (fl_model_nclasses(m) > 0)
		snprintf(buf, cap, "acc %.3f", mt->accuracy);
	else
		snprintf(buf, cap, "r2 %.3f", mt->r2);
}

/* Builds the next model (or final metrics) from the sum and commits the
 * round. Returns 0, or an error after which the job has failed (j freed). */
static int coord_round_apply(coord_engine *e, coord_job *j, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	const double *sum = coord_agg_sum(rs->agg);
	fl_msg_round_info ri;
	fl_round_summary sm;
	fl_metrics final;
	fl_model *next = NULL;
	coord_blob *blob = NULL;
	char why[FL_MSG_ERROR_BYTES], mstr[64];
	const char *state = NULL;
	uint32_t rounds_done = j->rounds_done;
	double secs = (double)(now_ms - rs->started_ms) / 1000.0;
	int r;

	coord_round_info(j, "done", now_ms, 1, &ri);
	switch (rs->kind) {
	case FL_TASK_STATS: {
		uint32_t d = j->spec.nfeatures ? j->spec.nfeatures : rs->stats_d;

		if ((r = fl_model_new_for_spec(&j->spec, d, &next)) != 0 ||
		    (r = fl_update_stats_apply(next, sum)) != 0) {
			snprintf(why, sizeof(why), "round 0 (stats): cannot build the "
				 "model: %s", fl_strerror(r));
			goto fail;
		}
		next->version = 0;
		break;
	}
	case FL_TASK_TRAIN:
		if ((r = fl_model_copy(j->model, &next)) != 0 ||
		    (r = fl_update_train_apply(next, sum, &sm)) != 0) {
			snprintf(why, sizeof(why), "round %u: cannot apply the updates: %s",
				 rs->round, fl_strerror(r));
			goto fail;
		}
		next->version = rs->round;
		ri.train_loss = sm.train_loss;
		coord_metrics_to_msg(&sm.eval, &ri.eval);
		rounds_done = rs->round;
		break;
	case FL_TASK_EVAL:
	case FL_TASK_NONE:
		memset(&final, 0, sizeof(final));
		fl_update_metrics_unpack(sum, fl_model_nclasses(j->model), &final);
		coord_metrics_to_msg(&final, &ri.eval);
		state = "done";
		break;
	}
	if (next && (r = coord_blob_new(next, &blob)) != 0) {
		snprintf(why, sizeof(why), "cannot encode model v%u: %s", next->version,
			 fl_strerror(r));
		goto fail;
	}
	r = coord_store_round_commit(e->st, j->id, &ri, blob ? blob->data : NULL,
				     blob ? blob->len : 0, next ? next->version : 0,
				     rounds_done, ri.eval.present ? &ri.eval : NULL,
				     state, now_ms);
	if (r != 0) {
		snprintf(why, sizeof(why), "cannot save round %u: %s", rs->round,
			 fl_strerror(r));
		goto fail;
	}
	if (rs->kind == FL_TASK_STATS)
		fl_info("job %llu round 0 (stats): %u/%u sites, d %u, n %.0f, model v0 "
			"(%.1f s)", (unsigned long long)j->id,
			rs->nuploaded, rs->nsel, next->d, sum[0], secs);
	else if (rs->kind == FL_TASK_TRAIN) {
		coord_metrics_str(j->model, &ri.eval, mstr, sizeof(mstr));
		fl_info("job %llu round %u/%u: %u/%u sites, train_loss %.3f, model v%u "
			"%s (%.1f s)", (unsigned long long)j->id, rs->round,
			j->spec.rounds, rs->nuploaded, rs->nsel, sm.train_loss,
			j->model->version, mstr, secs);
	} else {
		coord_metrics_str(j->model, &ri.eval, mstr, sizeof(mstr));
		fl_info("job %llu eval: %u/%u sites, model v%u %s loss %.4f (%.1f s); "
			"job done", (unsigned long long)j->id, rs->nuploaded, rs->nsel,
			j->model->version, mstr, ri.eval.loss, secs);
	}
	free(ri.participants);
	if (state != NULL) {
		coord_engine_job_remove(e, j);
		return 0;
	}
	fl_model_free(j->model);
	coord_blob_release(j->blob);
	j->model = next;
	j->blob = blob;
	j->rounds_done = rounds_done;
	j->next_round = rs->round + 1;
	j->next_attempt = 1;
	coord_round_reset(rs);
	return 0;
fail:
	free(ri.participants);
	fl_model_free(next);
	coord_blob_release(blob);
	coord_round_fail_job(e, j, now_ms, why);
	return r ? r : FL_E_STATE;
}

/* Closes the attempt at its deadline with too few uploads. */
static void coord_round_fail_attempt(coord_engine *e, coord_job *j, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	uint32_t min = j->spec.min_clients ? j->spec.min_clients : 1;
	fl_msg_round_info ri;
	char why[FL_MSG_ERROR_BYTES];

	coord_round_info(j, "failed", now_ms, 1, &ri);
	coord_store_round_put(e->st, j->id, &ri);
	free(ri.participants);
	fl_warn("job %llu round %u attempt %u failed: %u of %u sites uploaded "
		"before the deadline (min_clients %u)", (unsigned long long)j->id,
		rs->round, rs->attempt, rs->nuploaded, rs->nsel, min);
	if (rs->attempt >= j->spec.max_attempts) {
		snprintf(why, sizeof(why), "round %u failed %u times: only %u of %u "
			 "sites uploaded before the %u s deadline (min_clients %u)",
			 rs->round, rs->attempt, rs->nuploaded, rs->nsel,
			 j->spec.timeout_s, min);
		coord_round_fail_job(e, j, now_ms, why);
		return;
	}
	j->next_attempt = rs->attempt + 1;
	coord_round_reset(rs);
}

static void coord_round_log_silent(const coord_job *j)
{
	const coord_round_state *rs = &j->rs;
	uint32_t i;

	for (i = 0; i < rs->nsel; i++)
		if (!rs->sel[i].uploaded)
			fl_warn("job %llu round %u: site '%s' sent nothing before the "
				"deadline; left out", (unsigned long long)j->id,
				rs->round, rs->sel[i].name);
}

void coord_round_tick_job(coord_engine *e, coord_job *j, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	uint32_t min = j->spec.min_clients ? j->spec.min_clients : 1;

	if (!rs->active) {
		coord_round_start(e, j, now_ms);
		return;
	}
	if (rs->nuploaded < rs->nsel && now_ms < rs->deadline_ms)
		return;
	/* An upload still streaming at the deadline is not waited for. */
	if (rs->nuploaded >= min && rs->agg != NULL) {
		if (rs->nuploaded < rs->nsel)
			coord_round_log_silent(j);
		coord_round_apply(e, j, now_ms);
		return;
	}
	coord_round_fail_attempt(e, j, now_ms);
}
