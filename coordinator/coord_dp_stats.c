/* SPDX-License-Identifier: Apache-2.0 */
/* coord_dp_stats: noisy statistics at the coordinator (see
 * coord_dp_stats.h): layout and plan, model v0 from the noisy sum, and
 * the report's noisy fields. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_dp_stats.h"
#include "coord_store_int.h"
#include "fl_config.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_sbuf_int.h"
#include "fl_update.h"

int coord_dp_stats_params(const fl_jobspec *s, fl_dp_stats_params *p)
{
	fl_model *shape = NULL;
	uint32_t c;
	int r;

	if (!fl_jobspec_privacy_stats(s) || s->nfeatures == 0)
		return FL_E_RANGE;
	/* the STATS layout's class count comes from the job's model shape */
	if ((r = fl_model_new_for_spec(s, s->nfeatures, &shape)) != 0)
		return r;
	c = fl_model_nclasses(shape);
	fl_model_free(shape);
	return fl_dp_stats_from_spec(s, s->nfeatures, c, p);
}

int coord_dp_stats_plan(const fl_jobspec *s, double *rho, double *z,
			char *errmsg)
{
	fl_dp_stats_params p;
	uint64_t var;
	int r;

	if ((r = coord_dp_stats_params(s, &p)) != 0 ||
	    (r = fl_dp_plan_spec_z(s, z)) != 0 ||
	    (r = fl_dp_stats_site_var(&p, *z, 1, &var)) != 0 ||
	    !((*rho = fl_dp_stats_rho(&p, 1, var)) >= 0)) {
		fl_errmsg_set(errmsg, "[privacy] cannot be planned for the statistics: "
			      "max_rows %u over %u features needs noise beyond the "
			      "sampler's range (sd %.3g > 2^20); lower max_rows or "
			      "raise epsilon", s->dp_max_rows, s->nfeatures,
			      r == 0 ? 0.0 : (*z) * (double)s->dp_max_rows *
			      sqrt(3.0 + 2.0 * s->nfeatures));
		return FL_E_SPEC;
	}
	return 0;
}

int coord_dp_stats_plan_eval(const fl_jobspec *s, const fl_model *shape,
			     double *rho)
{
	uint32_t c = shape ? fl_model_nclasses(shape) : 0;
	double z, l2 = fl_dp_eval_l2(s->dp_max_rows, c);
	uint64_t var;

	if (fl_dp_plan_spec_z(s, &z) != 0 || fl_dp_noise_var(l2, z, 1, &var) != 0)
		return FL_E_SPEC;
	*rho = fl_dp_noise_rho(l2, 6 + 3 * (uint64_t)c, 1, var);
	return *rho >= 0 ? 0 : FL_E_SPEC;
}

uint32_t coord_dp_n_min(const coord_round_state *rs)
{
	uint32_t c = 0, i;

	for (i = 0; i < rs->nsel; i++) {
		uint32_t cc = rs->sel[i].min_honest ? rs->sel[i].colluders :
			FL_POLICY_DEFAULT_COLLUDERS;

		c = cc > c ? cc : c;
	}
	return rs->sp.t > c ? rs->sp.t - c : 0;
}

int coord_dp_stats_begin(const coord_job *j, coord_round_state *rs,
			 char *errmsg)
{
	coord_ledger_dp *d = &rs->dp_ledger;
	fl_dp_stats_params p;

	double l2;
	uint64_t dim;

	rs->dp_stats = false;
	if ((rs->kind != FL_TASK_STATS && rs->kind != FL_TASK_EVAL) ||
	    !fl_jobspec_privacy_stats(&j->spec))
		return 0;
	if (rs->kind == FL_TASK_EVAL) {
		uint32_t nc = j->model ? fl_model_nclasses(j->model) : 0;

		l2 = fl_dp_eval_l2(j->spec.dp_max_rows, nc);
		dim = rs->layout.nwide;
		if (fl_dp_plan_spec_z(&j->spec, &rs->dp_z) != 0 ||
		    rs->layout.nwide != 6 + 3 * (size_t)nc) {
			fl_errmsg_set(errmsg, "[privacy] bounds give no usable noisy "
				      "evaluation for %zu values", rs->layout.nwide);
			return FL_E_SPEC;
		}
	} else if (coord_dp_stats_params(&j->spec, &p) != 0 ||
		   fl_dp_plan_spec_z(&j->spec, &rs->dp_z) != 0 ||
		   fl_dp_stats_len(&p) != rs->layout.nwide || rs->layout.nreal != 0) {
		fl_errmsg_set(errmsg, "[privacy] bounds give no usable noisy statistics "
			      "for %zu values", rs->layout.nwide);
		return FL_E_SPEC;
	} else {
		l2 = fl_dp_stats_l2(&p);
		dim = fl_dp_stats_len(&p);
	}
	/* the ledger's figures for the largest c the selected sites declared */
	memset(d, 0, sizeof(*d));
	d->z = rs->dp_z;
	d->l2_bound = l2;
	d->sigma = rs->dp_z * l2;
	d->gamma = 1.0;
	d->pdim = (uint32_t)dim;
	d->n_min = coord_dp_n_min(rs);
	if (d->n_min > 0 && fl_dp_noise_var(l2, rs->dp_z, d->n_min, &d->var) == 0)
		d->rho = fl_dp_noise_rho(l2, dim, d->n_min, d->var);
	rs->dp_stats = true;
	fl_log(rs->attempt <= 1 ? FL_LOG_INFO : FL_LOG_DEBUG, "job %llu round %u: "
	       "noisy %s: noise multiplier %.4g x sensitivity %.4g (max_rows %u) = "
	       "sigma %.4g on each count, %u values", (unsigned long long)j->id,
	       rs->round, rs->kind == FL_TASK_EVAL ? "evaluation" : "statistics",
	       rs->dp_z, d->l2_bound, j->spec.dp_max_rows, d->sigma, d->pdim);
	return 0;
}

/* The noisy vector in value units, kept for the report. */
static int dps_store(coord_store *st, uint64_t id, double sigma, double rho,
		     const double *v, size_t len)
{
	fl_sbuf b;
	coord_db *db;
	char *text = NULL;
	size_t i;
	int r;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < len; i++)
		fl_sbuf_printf(&b, "%s%.17g", i ? "," : "", v[i]);
	if ((r = fl_sbuf_finish(&b, &text)) != 0)
		return r;
	db = coord_store_lock(st);
	r = coord_db_run(db, "INSERT INTO dp_stats(job_id, sigma, rho, sums)"
			 " VALUES(?, ?, ?, ?) ON CONFLICT(job_id) DO UPDATE SET"
			 " sigma = excluded.sigma, rho = excluded.rho,"
			 " sums = excluded.sums",
			 COORD_ARGS(CA_I(id), CA_D(sigma), CA_D(rho), CA_T(text)),
			 NULL);
	coord_store_unlock(st);
	free(text);
	return r;
}

/* A copy of v that honest sites could have summed: counts at least 1 (the
 * row count) or 0, sums of squares at least 0. */
static void dps_clamp(const fl_dp_stats_params *p, double *v)
{
	size_t i, len = fl_dp_stats_len(p), d = p->d;

	v[0] = v[0] >= 1 ? v[0] : 1;
	for (i = 1 + d; i <= 2 * d; i++)
		v[i] = v[i] > 0 ? v[i] : 0;
	for (i = 1 + 2 * d; i < len && p->nclasses; i++)
		v[i] = v[i] > 0 ? v[i] : 0;
	if (!p->nclasses)
		v[len - 1] = v[len - 1] > 0 ? v[len - 1] : 0;
}

int coord_dp_stats_apply(coord_store *st, const coord_job *j,
			 const coord_round_state *rs, const double *sum,
			 size_t len, fl_model **next, double *weight,
			 char *why, size_t cap)
{
	fl_dp_stats_params p;
	fl_model *m = NULL;
	double *v = NULL, lo, hi, noisy_n, sigma = rs->dp_ledger.sigma;
	uint32_t k, uniform = 0;
	int r;

	if ((r = coord_dp_stats_params(&j->spec, &p)) != 0 ||
	    fl_dp_stats_len(&p) != len) {
		snprintf(why, cap, "round 0 (stats): the noisy sum does not fit the "
			 "spec's [privacy] bounds");
		return r ? r : FL_E_STATE;
	}
	if ((v = malloc(len * sizeof(*v))) == NULL)
		return FL_E_NOMEM;
	fl_dp_stats_decode(&p, sum, v);
	if ((r = dps_store(st, j->id, rs->dp_ledger.sigma, rs->dp_ledger.rho,
			   v, len)) != 0) {
		snprintf(why, cap, "round 0 (stats): cannot keep the noisy "
			 "statistics: %s", fl_strerror(r));
		goto out;
	}
	noisy_n = v[0];
	dps_clamp(&p, v);
	if ((r = fl_model_new_for_spec(&j->spec, p.d, &m)) != 0 ||
	    (r = fl_update_stats_apply_hist(m, v, fl_model_nclasses(m))) != 0) {
		snprintf(why, cap, "round 0 (stats): cannot build the model from the "
			 "noisy statistics: %s", fl_strerror(r));
		goto out;
	}
	/* Post-processing of the noisy output with the public bounds only (no
	 * privacy cost). A mean is credible when its noise (sigma steps of its
	 * sum over the noisy row count) moves it by at most a quarter of its
	 * range; with few sites or a large max_rows it is not (the count's
	 * noise can pass the rows themselves), and the feature is then
	 * standardised as if uniform on [lo, hi]: mean (lo + hi) / 2, sd
	 * (hi - lo) / sqrt(12). A credible mean outside the bounds helps no
	 * one, and a value in [lo, hi] has an sd of at most (hi - lo) / 2; a
	 * scale under (hi - lo) / 20 would blow the standardised inputs past
	 * +-20 and make local training diverge. */
	for (k = 0; k < p.d; k++) {
		double se, range;

		lo = p.bounds[2 * (p.nbounds == 1 ? 0 : k)];
		hi = p.bounds[2 * (p.nbounds == 1 ? 0 : k) + 1];
		range = hi - lo;
		if (!(range > 0))
			continue;
		se = noisy_n >= 1 ? sigma * fl_dp_stats_step(&p, 1 + k) / noisy_n : HUGE_VAL;
		if (!(se <= range / 4)) {
			m->mean[k] = lo + range / 2;
			m->scale[k] = range / sqrt(12.0);
			uniform++;
			continue;
		}
		m->mean[k] = m->mean[k] < lo ? lo : m->mean[k] > hi ? hi : m->mean[k];
		m->scale[k] = m->scale[k] < range / 20 ? range / 20 :
			m->scale[k] > range / 2 ? range / 2 : m->scale[k];
	}
	if (uniform > 0)
		fl_info("job %llu round 0 (stats): %u of %u features' noisy means "
			"are not credible (noise over a quarter of their range, noisy "
			"row count %.0f): standardised by their bounds instead",
			(unsigned long long)j->id, uniform, p.d, noisy_n);
	*weight = v[0];
	*next = m;
	m = NULL;
out:
	fl_model_free(m);
	free(v);
	return r;
}

/* The stored noisy vector of job id (*n 0 when none). */
static int dps_load(coord_store *st, uint64_t id, double *sigma, double *rho,
		    double **out, size_t *n)
{
	coord_db *db = coord_store_lock(st);
	coord_stmt *s = NULL;
	const char *text, *q;
	double *v = NULL;
	size_t cap = 0, k = 0;
	int r;

	*n = 0;
	if ((r = coord_db_query(db, "SELECT sigma, rho, sums FROM dp_stats WHERE "
				"job_id = ?", COORD_ARGS(CA_I(id)), &s)) != 0)
		goto out;
	if ((r = coord_stmt_step(s)) != 1) {
		r = r < 0 ? r : 0;
		goto out;
	}
	*sigma = coord_stmt_double(s, 0);
	*rho = coord_stmt_double(s, 1);
	text = coord_stmt_text(s, 2);
	for (q = text; q && *q && k < FL_MSG_STATS_MAX_NOISY;) {
		char *end;
		double x = strtod(q, &end);

		if (end == q)
			break;
		if (k == cap) {
			double *nv;

			cap = cap ? 2 * cap : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			v = nv;
		}
		v[k++] = x;
		q = *end == ',' ? end + 1 : end;
	}
	*out = v;
	*n = k;
	v = NULL;
	r = 0;
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	free(v);
	return r;
}

int coord_dp_stats_report(coord_store *st, const fl_jobspec *s, uint64_t id,
			  fl_msg_job_stats *t)
{
	double sigma = 0, rho = 0, *v = NULL;
	size_t n = 0, i;
	bool clamped = false;
	int r;

	if (!fl_jobspec_privacy_stats(s))
		return 0;
	if ((r = dps_load(st, id, &sigma, &rho, &v, &n)) != 0)
		return r;
	t->noisy = true;
	t->noise_sigma = sigma;
	t->epsilon = rho > 0 ? fl_dp_epsilon(rho, s->dp_delta) : 0;
	if (n > 0) {
		t->count = v[0] > 0 ? v[0] : 0;
		clamped = v[0] < 0;
	}
	for (i = 0; i < t->nlabels; i++)
		clamped |= 1 + 2 * (size_t)s->nfeatures + i < n &&
			v[1 + 2 * s->nfeatures + i] < 0;
	t->noisy_sums = v;
	t->nnoisy_sums = n;
	snprintf(t->note, sizeof(t->note), "noisy (distributed DP, epsilon %.3g at "
		 "delta %g): count and label counts +- %.3g (1 sd), a feature's sum "
		 "+- %.3g x its bound; means and sds from clamped noisy sums%s",
		 t->epsilon, s->dp_delta, sigma, sigma, clamped ?
		 "; negative noisy counts shown as 0" : "");
	return 0;
}

void coord_dp_stats_eval_clamp(fl_metrics *mt)
{
	uint32_t k;

	mt->n = mt->n >= 1 ? mt->n : 1;
	mt->correct = mt->correct < 0 ? 0 : mt->correct > mt->n ? mt->n : mt->correct;
	for (k = 0; k < mt->nclasses; k++) {
		mt->tp[k] = mt->tp[k] > 0 ? mt->tp[k] : 0;
		mt->npred[k] = mt->npred[k] > mt->tp[k] ? mt->npred[k] : mt->tp[k];
		mt->ntrue[k] = mt->ntrue[k] > mt->tp[k] ? mt->ntrue[k] : mt->tp[k];
	}
	mt->loss_sum = NAN;
	mt->sse = NAN;
	mt->sum_y = NAN;
	mt->sum_y2 = NAN;
}
