/* SPDX-License-Identifier: Apache-2.0 */
/* coord_round: the round state machine of one job (select, run a secure-
 * aggregation attempt, apply, commit, retry). Runs under the engine mutex,
 * from the tick; the phases of an attempt are in coord_secagg.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_dp_stats.h"
#include "coord_engine_int.h"
#include "fl_config.h"
#include "coord_ledger.h"
#include "coord_metrics.h"
#include "coord_testhook.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_update.h"

#include <sodium.h>

void coord_round_reset(coord_round_state *rs)
{
	coord_secagg_end(rs);
	free(rs->sel);
	sodium_memzero(rs, sizeof(*rs));
}

static int coord_site_has(const coord_site *s, const char *dataset)
{
	uint32_t i;

	for (i = 0; i < s->ndatasets; i++)
		if (strcmp(s->datasets[i], dataset) == 0)
			return 1;
	return 0;
}

static int coord_slot_cmp(const void *a, const void *b)
{
	return strcmp(((const coord_slot *)a)->name, ((const coord_slot *)b)->name);
}

static int coord_round_benched(const coord_job *j, const char *site)
{
	for (uint32_t i = 0; i < j->nbenched; i++)
		if (strcmp(j->benched[i], site) == 0)
			return 1;
	return 0;
}

/* Online, registered, non-revoked sites that hold the job's dataset (and
 * are not benched for this round). */
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
		    !coord_site_has(s, j->spec.dataset) || coord_round_benched(j, s->name) ||
		    coord_decline_excluded(j, s->name))
			continue;
		if (coord_store_site_get(e->st, s->name, &row) != 0 ||
		    (row.info.revoked && !coord_testhook_serve_revoked()))
			continue;
		sel[cnt].min_honest = s->min_honest;
		sel[cnt].colluders = s->colluders;
		snprintf(sel[cnt++].name, FL_NAME_BYTES, "%s", s->name);
	}
	/* Secagg ids 1..n follow the site names' order. */
	qsort(sel, cnt, sizeof(*sel), coord_slot_cmp);
	*out = sel;
	*n = cnt;
	return 0;
}

static void coord_round_info(const coord_job *j, const char *state, int64_t now_ms,
			     int survivors_only, fl_msg_round_info *ri)
{
	const coord_round_state *rs = &j->rs;
	uint32_t i;

	memset(ri, 0, sizeof(*ri));
	ri->round = rs->round;
	ri->attempt = rs->attempt;
	snprintf(ri->state, sizeof(ri->state), "%s", state);
	snprintf(ri->kind, sizeof(ri->kind), "%s", coord_task_kind_name(rs->kind));
	ri->selected = rs->nsel;
	ri->survived = rs->nsurvivors;
	ri->started_ms = rs->started_ms;
	ri->finished_ms = now_ms;
	ri->train_loss = NAN;
	fl_msg_closed_by_format(rs->closed_by, ri->closed_by);
	/* participants: a calloc'd copy; the caller frees it. */
	ri->participants = calloc(rs->nsel ? rs->nsel : 1, sizeof(*ri->participants));
	if (ri->participants == NULL)
		return;
	for (i = 0; i < rs->nsel; i++)
		if (!survivors_only || rs->sel[i].survivor)
			snprintf(ri->participants[ri->nparticipants++], FL_NAME_BYTES,
				 "%s", rs->sel[i].name);
}

/* Stores the attempt's row in state (coord_round_info); the store's result. */
static int coord_round_put(coord_engine *e, const coord_job *j, const char *state,
			   int64_t now_ms, int survivors_only)
{
	fl_msg_round_info ri;
	int r;

	coord_round_info(j, state, now_ms, survivors_only, &ri);
	r = coord_store_round_put(e->st, j->id, &ri);
	free(ri.participants);
	return r;
}

/* Ends the job as failed with a message. The caller returns
 * COORD_ROUND_ENDED, and the engine (which owns the job list) removes j. */
static coord_round_outcome coord_round_fail_job(coord_engine *e, coord_job *j,
						int64_t now_ms, const char *why)
{
	fl_error("job %llu failed: %s", (unsigned long long)j->id, why);
	coord_store_job_set_state(e->st, j->id, "failed", why, now_ms);
	return COORD_ROUND_ENDED;
}

/* Sites a round needs: min_clients, enough for secure aggregation, and
 * the T + c that the candidate sites' policies demand (SECAGG.md R5). */
static uint32_t coord_round_min_sites(const coord_job *j, const coord_slot *sel,
				      uint32_t n)
{
	uint32_t min = j->spec.min_clients ? j->spec.min_clients : 1;
	uint32_t sa = COORD_SA_MIN_SITES;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t need = sel[i].min_honest ? sel[i].min_honest + sel[i].colluders :
			FL_POLICY_DEFAULT_MIN_HONEST + FL_POLICY_DEFAULT_COLLUDERS;

		sa = need > sa ? need : sa;
	}
	return min > sa ? min : sa;
}

static coord_round_outcome coord_round_start(coord_engine *e, coord_job *j,
					     int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	coord_slot *sel = NULL;
	char why[FL_ERRMSG_BYTES] = "";
	uint32_t n = 0, min;
	int r;

	if (j->next_attempt == 1 && j->nbenched > 0) {
		/* A new round: the benched sites may take part again. */
		free(j->benched);
		j->benched = NULL;
		j->nbenched = 0;
	}
	if (coord_round_select(e, j, now_ms, &sel, &n) != 0)
		return COORD_ROUND_GOES_ON;
	min = coord_round_min_sites(j, sel, n);
	if (n < min && j->nbenched > 0) {
		fl_warn("job %llu round %u: too few sites without the %u left out "
			"after the last attempt; they may take part again",
			(unsigned long long)j->id, j->next_round, j->nbenched);
		free(j->benched);
		j->benched = NULL;
		j->nbenched = 0;
		free(sel);
		sel = NULL;
		if (coord_round_select(e, j, now_ms, &sel, &n) != 0)
			return COORD_ROUND_GOES_ON;
		min = coord_round_min_sites(j, sel, n);
	}
	if (n < min) {
		if (j->waiting_logged != n + 1)
			fl_info("job %llu waiting: %u of %u sites online (secure "
				"aggregation under the sites' policies needs at least "
				"%u)", (unsigned long long)j->id, n, min, min);
		j->waiting_logged = n + 1;
		free(sel);
		return COORD_ROUND_GOES_ON;
	}
	j->waiting_logged = 0;
	coord_round_reset(rs);
	rs->active = 1;
	rs->round = j->next_round;
	rs->attempt = j->next_attempt;
	rs->kind = coord_round_kind(j, rs->round);
	rs->started_ms = now_ms;
	rs->phase_started_ms = now_ms;
	rs->sel = sel;
	rs->nsel = n;
	if ((r = coord_secagg_begin(j, rs, now_ms, why)) != 0) {
		if (r == FL_E_NOMEM) {
			fl_error("job %llu: %s; will retry", (unsigned long long)j->id,
				 why);
			coord_round_reset(rs);
			return COORD_ROUND_GOES_ON;
		}
		return coord_round_fail_job(e, j, now_ms, why);
	}
	if (!j->running) {
		j->running = 1;
		coord_store_job_set_state(e->st, j->id, "running", NULL, now_ms);
	}
	/* The attempt is stored before any site can see it, so that a restart
	 * after a crash never hands out the same attempt number again. */
	if ((r = coord_round_put(e, j, "running", 0, 0)) != 0) {
		fl_error("job %llu round %u attempt %u: cannot store the attempt (%s); "
			 "will retry", (unsigned long long)j->id, rs->round,
			 rs->attempt, fl_strerror(r));
		coord_round_reset(rs);
		return COORD_ROUND_GOES_ON;
	}
	coord_testhook("advertise", rs->round);
	fl_log_ctx_set(j->id, rs->round, rs->attempt, NULL);
	coord_event(j->id, rs->round, rs->attempt, COORD_EV_ROUND_STARTED, NULL,
		    "%s round, %u sites selected", coord_task_kind_name(rs->kind), n);
	if (rs->kind == FL_TASK_TRAIN)
		fl_info("job %llu round %u/%u attempt %u: %u sites selected (secagg "
			"k=%u t=%u, %llu words), %u s per phase",
			(unsigned long long)j->id, rs->round, j->spec.rounds,
			rs->attempt, n, rs->sp.k, rs->sp.t,
			(unsigned long long)rs->sp.m, j->spec.timeout_s);
	else
		fl_info("job %llu round %u (%s) attempt %u: %u sites selected (secagg "
			"k=%u t=%u, %llu words), %u s per phase",
			(unsigned long long)j->id, rs->round,
			coord_task_kind_name(rs->kind), rs->attempt, n, rs->sp.k,
			rs->sp.t, (unsigned long long)rs->sp.m, j->spec.timeout_s);
	return COORD_ROUND_GOES_ON;
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

/* TRAIN: the next model from the current one and the sum, through the
 * job's server optimiser. A stateful optimiser's new state (*nopt, which the
 * caller keeps after the commit) is stored first under the new version, so
 * a restarted coordinator resumes it with the model. */
static int coord_round_train_next(coord_engine *e, coord_job *j, const double *sum,
				  fl_model **next, fl_servopt **nopt,
				  fl_round_summary *sm, char *why, size_t whycap)
{
	const fl_jobspec *s = &j->spec;
	uint32_t round = j->rs.round;
	uint8_t *st = NULL;
	size_t stlen = 0;
	int r;

	if ((r = fl_model_copy(j->model, next)) != 0)
		goto out;
	if (s->optimizer == FL_SOPT_FEDAVG && s->server_lr == 1.0) {
		r = fl_update_train_apply(*next, sum, sm);   /* plain FedAvg */
		goto out;
	}
	if (j->opt == NULL && fl_servopt_stateful(s->optimizer) && j->model->version > 0) {
		snprintf(why, whycap, "round %u: no %s server optimiser state for model "
			 "v%u", round, fl_server_opt_name(s->optimizer), j->model->version);
		r = FL_E_STATE;
		goto fail;
	}
	r = j->opt ? fl_servopt_copy(j->opt, nopt)
		   : fl_servopt_new(s, j->model->nparams, nopt);
	if (r == 0)
		r = fl_update_train_apply_opt(*next, sum, *nopt, sm);
	if (r == 0 && fl_servopt_stateful(s->optimizer) &&
	    (r = fl_servopt_encode(*nopt, &st, &stlen)) == 0 &&
	    (r = coord_store_servopt_put(e->st, j->id, round, st, stlen)) != 0) {
		snprintf(why, whycap, "round %u: cannot save the server optimiser "
			 "state: %s", round, fl_strerror(r));
		goto fail;
	}
out:
	if (r == FL_E_DIVERGED)
		snprintf(why, whycap, "the global model diverged at round %u (its "
			 "parameters are not finite): lower [train] lr (now %g) or "
			 "[server] server_lr (now %g)", round, s->lr, s->server_lr);
	else if (r != 0)
		snprintf(why, whycap, "round %u: cannot apply the updates: %s", round,
			 fl_strerror(r));
fail:
	free(st);
	if (r != 0) {
		fl_model_free(*next);
		*next = NULL;
		fl_servopt_free(*nopt);
		*nopt = NULL;
	}
	return r;
}

int coord_round_diverged(coord_job *j, const fl_round_summary *sm,
			 char *why, size_t whycap)
{
	double loss = fl_metrics_loss(&sm->eval);

	if (isfinite(loss) && loss > 0 && !(j->first_loss > 0))
		j->first_loss = loss;
	if (isfinite(sm->train_loss) && !(isfinite(loss) && j->first_loss > 0 &&
					  loss > COORD_LOSS_EXPLODED * j->first_loss))
		return 0;
	snprintf(why, whycap, "the global model diverged at round %u (the %s "
		 "loss is %s): lower [train] lr (now %g) or [server] server_lr (now "
		 "%g)", j->rs.round, isfinite(sm->train_loss) ? "evaluation" :
		 "training", isfinite(sm->train_loss) ? "over 10^4 times round 1's" :
		 "not finite", j->spec.lr, j->spec.server_lr);
	return FL_E_DIVERGED;
}

/* Builds the next model (or final metrics) from the sum and commits the
 * round. COORD_ROUND_ENDED when that was the job's last round, or after an
 * error that failed the job. */
static coord_round_outcome coord_round_apply(coord_engine *e, coord_job *j,
					     const coord_agg *agg, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	const double *sum = coord_agg_sum(agg);
	fl_msg_round_info ri;
	fl_round_summary sm;
	fl_metrics final;
	fl_model *next = NULL;
	fl_servopt *nopt = NULL;
	coord_blob *blob = NULL;
	char why[FL_MSG_ERROR_BYTES], mstr[64], sa[64];
	const char *state = NULL;
	uint32_t rounds_done = j->rounds_done;
	double secs = (double)(now_ms - rs->started_ms) / 1000.0, t0;
	coord_ledger_round lr;
	coord_ledger_ctx lctx;
	char (*fprs)[COORD_LEDGER_HASH_HEX] = NULL;
	int r;

	memset(&lr, 0, sizeof(lr));
	coord_round_info(j, "done", now_ms, 1, &ri);
	switch (rs->kind) {
	case FL_TASK_STATS: {
		uint32_t d = j->spec.nfeatures;
		double n_rows = sum[0];

		if (rs->dp_stats) {
			if ((r = coord_dp_stats_apply(e->st, j, rs, sum,
						      coord_agg_len(agg), &next,
						      &n_rows, why, sizeof(why))) != 0)
				goto fail;
		} else if ((r = fl_model_new_for_spec(&j->spec, d, &next)) != 0 ||
		    (r = fl_update_stats_apply_hist(next, sum,
						    fl_model_nclasses(next))) != 0) {
			snprintf(why, sizeof(why), "round 0 (stats): cannot build the "
				 "model: %s", fl_strerror(r));
			goto fail;
		}
		next->version = 0;
		/* N scales the TRAIN rounds' quantised deltas; kept with the job
		 * so that a restarted coordinator still has it. */
		if (!(n_rows > 0) || (r = coord_store_job_set_weight(e->st, j->id,
								     n_rows)) != 0) {
			snprintf(why, sizeof(why), "round 0 (stats): cannot keep the "
				 "training-row count %.0f: %s", n_rows,
				 n_rows > 0 ? fl_strerror(r) : "no rows");
			r = r ? r : FL_E_RANGE;
			goto fail;
		}
		j->weight_n = n_rows;
		if (j->spec.stats_only)
			state = "done";   /* model v0 and N hold the statistics */
		break;
	}
	case FL_TASK_TRAIN:
		if ((r = coord_round_train_next(e, j, sum, &next, &nopt, &sm, why,
						sizeof(why))) != 0 ||
		    (r = coord_round_diverged(j, &sm, why, sizeof(why))) != 0)
			goto fail;
		next->version = rs->round;
		/* under [privacy] sites send no loss: none to show */
		ri.train_loss = rs->dp ? NAN : sm.train_loss;
		coord_metrics_to_msg(&sm.eval, &ri.eval);
		rounds_done = rs->round;
		break;
	case FL_TASK_EVAL:
	case FL_TASK_NONE:
		memset(&final, 0, sizeof(final));
		fl_update_metrics_unpack(sum, fl_model_nclasses(j->model), &final);
		if (rs->dp_stats)   /* noisy counts, no losses */
			coord_dp_stats_eval_clamp(&final);
		coord_metrics_to_msg(&final, &ri.eval);
		state = "done";
		break;
	}
	if (next && (r = coord_blob_new(next, &blob)) != 0) {
		snprintf(why, sizeof(why), "cannot encode model v%u: %s", next->version,
			 fl_strerror(r));
		goto fail;
	}
	/* The ledger entry goes in the same transaction; no signature, no
	 * commit. */
	if (e->ledger != NULL &&
	    (r = coord_round_ledger_prepare(j, &ri, blob, now_ms, &lr, &fprs)) != 0) {
		snprintf(why, sizeof(why), "round %u: cannot build its ledger entry: %s",
			 rs->round, fl_strerror(r));
		goto fail;
	}
	lctx.signer = e->ledger;
	lctx.round = &lr;
	t0 = coord_metrics_clock();
	r = coord_store_round_commit_ledger(e->st, j->id, &ri,
					    blob ? blob->data : NULL,
					    blob ? blob->len : 0,
					    next ? next->version : 0, rounds_done,
					    ri.eval.present ? &ri.eval : NULL, state,
					    now_ms, e->ledger ? coord_ledger_build :
					    NULL, &lctx);
	free(fprs);
	fprs = NULL;
	if (r != 0) {
		snprintf(why, sizeof(why), "cannot save round %u: %s", rs->round,
			 fl_strerror(r));
		goto fail;
	}
	coord_metrics_store_commit(coord_metrics_clock() - t0);
	coord_metrics_round_done(coord_task_kind_name(rs->kind), "committed", secs,
				 rs->nsel, rs->nsurvivors);
	coord_testhook("commit", rs->round);
	snprintf(sa, sizeof(sa), "secagg n=%u k=%u t=%u", rs->sp.n, rs->sp.k,
		 rs->sp.t);
	if (rs->kind == FL_TASK_STATS)
		fl_info("job %llu round 0 (stats, %s): %u/%u survived, d %u, n %.0f%s, "
			"model v0 (%.1f s)%s", (unsigned long long)j->id, sa,
			rs->nsurvivors, rs->nsel, next->d, sum[0],
			rs->dp_stats ? " (noisy)" : "", secs,
			state ? "; stats-only job done" : "");
	else if (rs->kind == FL_TASK_TRAIN) {
		coord_metrics_str(j->model, &ri.eval, mstr, sizeof(mstr));
		fl_info("job %llu round %u/%u (%s): %u/%u survived, train_loss %.3f, "
			"model v%u %s (%.1f s)", (unsigned long long)j->id, rs->round,
			j->spec.rounds, sa, rs->nsurvivors, rs->nsel, sm.train_loss,
			j->model->version, mstr, secs);
	} else {
		coord_metrics_str(j->model, &ri.eval, mstr, sizeof(mstr));
		fl_info("job %llu eval (%s): %u/%u survived, model v%u %s loss %.4f "
			"(%.1f s); job done", (unsigned long long)j->id, sa,
			rs->nsurvivors, rs->nsel, j->model->version, mstr, ri.eval.loss,
			secs);
	}
	coord_event(j->id, rs->round, rs->attempt, COORD_EV_MODEL_COMMITTED, NULL,
		    "model v%u, %u/%u sites survived", next ? next->version : j->model->version,
		    rs->nsurvivors, rs->nsel);
	if (state != NULL)
		coord_event(j->id, 0, 0, COORD_EV_JOB_STATE, NULL, "%s", state);
	free(ri.participants);
	if (state != NULL) {
		fl_model_free(next);
		coord_blob_release(blob);
		return COORD_ROUND_ENDED;
	}
	fl_model_free(j->model);
	coord_blob_release(j->blob);
	j->model = next;
	if (nopt != NULL) {
		fl_servopt_free(j->opt);
		j->opt = nopt;
	}
	j->blob = blob;
	j->rounds_done = rounds_done;
	j->next_round = rs->round + 1;
	j->next_attempt = 1;
	coord_round_reset(rs);
	return COORD_ROUND_GOES_ON;
fail:
	free(ri.participants);
	fl_model_free(next);
	fl_servopt_free(nopt);
	coord_blob_release(blob);
	return coord_round_fail_job(e, j, now_ms, why);
}

/* Counts a failed attempt (coord_metrics): outcome "failed" or "wrapped". */
static void coord_metrics_attempt_failed(const coord_job *j, const char *outcome,
					 int64_t now_ms)
{
	const coord_round_state *rs = &j->rs;
	uint32_t alive = 0;

	for (uint32_t i = 0; i < rs->nsel; i++)
		alive += !rs->sel[i].out;
	coord_metrics_round_done(coord_task_kind_name(rs->kind), outcome,
				 (double)(now_ms - rs->started_ms) / 1000.0,
				 rs->nsel, alive);
	coord_metrics_secagg_abort((int)rs->phase, strcmp(outcome, "failed") == 0 &&
				   rs->attempt < j->spec.max_attempts);
}

/* Benches the sites of the failed attempt that broke off a masked upload
 * (their words are in its sum), and those that missed the phase where the
 * attempt failed (a site that withheld its survivor-list signature
 * included), or else the earliest phase any site missed: sites that
 * dropped out later may only have refused under their rules because of
 * them. The round's next attempts go without the benched sites (while
 * enough sites remain). */
static void coord_round_bench(coord_job *j)
{
	const coord_round_state *rs = &j->rs;
	char (*b)[FL_NAME_BYTES];
	uint8_t first = 0;

	for (uint32_t i = 0; i < rs->nsel; i++)
		if (rs->sel[i].missed && (!first || rs->sel[i].missed < first))
			first = rs->sel[i].missed;
	for (uint32_t i = 0; i < rs->nsel; i++)
		if (rs->sel[i].missed == (uint8_t)rs->phase)
			first = (uint8_t)rs->phase;
	for (uint32_t i = 0; i < rs->nsel; i++) {
		const coord_slot *s = &rs->sel[i];
		int broke = s->offset != 0 && !s->uploaded;

		if ((!broke && (!first || s->missed != first)) ||
		    coord_round_benched(j, s->name))
			continue;
		if ((b = realloc(j->benched, (j->nbenched + 1) * sizeof(*b))) == NULL)
			return;
		j->benched = b;
		snprintf(b[j->nbenched++], FL_NAME_BYTES, "%s", s->name);
		fl_warn("job %llu round %u: site '%s' %s; it is left out of this "
			"round's next attempts", (unsigned long long)j->id, rs->round,
			s->name, broke ? "broke off its masked upload" :
			s->missed == FL_SA_CONSISTENCY ? "withheld its survivor-list "
			"signature" : "went silent first");
	}
}

/* Ends a failed attempt: retried with attempt + 1 (fresh selection, seed
 * and keys) unless max_attempts is used up, then the job fails. */
static coord_round_outcome coord_round_fail_attempt(coord_engine *e,
						    coord_job *j,
						    const char *reason,
						    int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	char why[FL_MSG_ERROR_BYTES];

	(void)coord_round_put(e, j, "failed", now_ms, 1);
	fl_warn("job %llu round %u attempt %u failed: %s", (unsigned long long)j->id,
		rs->round, rs->attempt, reason);
	coord_metrics_attempt_failed(j, "failed", now_ms);
	coord_event(j->id, rs->round, rs->attempt, COORD_EV_ATTEMPT_FAILED, NULL, "%s", reason);
	coord_round_bench(j);
	if (rs->attempt >= j->spec.max_attempts) {
		snprintf(why, sizeof(why), "round %u failed %u times; last: %s",
			 rs->round, rs->attempt, reason);
		return coord_round_fail_job(e, j, now_ms, why);
	}
	j->next_attempt = rs->attempt + 1;
	coord_round_reset(rs);
	return COORD_ROUND_GOES_ON;
}

/* R8: the attempt's sum wrapped. It is not used and, since the same data
 * would wrap again, the job fails with the reason (fedctl job show). */
static coord_round_outcome coord_round_wrapped(coord_engine *e, coord_job *j,
					       const char *reason, int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	char why[FL_MSG_ERROR_BYTES];

	(void)coord_round_put(e, j, "failed", now_ms, 1);
	snprintf(why, sizeof(why), "round %u attempt %u: %s", rs->round, rs->attempt,
		 reason);
	coord_metrics_attempt_failed(j, "wrapped", now_ms);
	return coord_round_fail_job(e, j, now_ms, why);
}

/* The decline rule (coord_decline.c) says no site can run the job: the
 * attempt under way, if any, is stored as failed and the job fails now. */
static coord_round_outcome coord_round_declined(coord_engine *e, coord_job *j,
						const char *why, int64_t now_ms)
{
	if (j->rs.active) {
		(void)coord_round_put(e, j, "failed", now_ms, 0);
		coord_metrics_attempt_failed(j, "failed", now_ms);
		coord_event(j->id, j->rs.round, j->rs.attempt, COORD_EV_ATTEMPT_FAILED,
			    NULL, "the sites declined");
	}
	return coord_round_fail_job(e, j, now_ms, why);
}

coord_round_outcome coord_round_tick_job(coord_engine *e, coord_job *j,
					 int64_t now_ms)
{
	coord_round_state *rs = &j->rs;
	coord_agg *sum = NULL;
	char why[FL_MSG_ERROR_BYTES] = "";
	coord_round_outcome o = COORD_ROUND_GOES_ON;

	if (coord_decline_check(e, j, now_ms, why, sizeof(why)) != 0)
		return coord_round_declined(e, j, why, now_ms);
	if (!rs->active)
		return coord_round_start(e, j, now_ms);
	switch (coord_secagg_tick(j, now_ms, &sum, why, sizeof(why))) {
	case COORD_SA_WAIT:
		break;
	case COORD_SA_DONE:
		o = coord_round_apply(e, j, sum, now_ms);
		coord_agg_free(sum);
		break;
	case COORD_SA_FAILED:
		o = coord_round_fail_attempt(e, j, why, now_ms);
		break;
	case COORD_SA_WRAPPED:
		o = coord_round_wrapped(e, j, why, now_ms);
		break;
	}
	return o;
}
