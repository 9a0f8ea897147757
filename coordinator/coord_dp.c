/* SPDX-License-Identifier: Apache-2.0 */
/* coord_dp: the coordinator's side of distributed DP ([privacy]): the
 * layout of a noisy TRAIN attempt and the plan checked at submit. The
 * noise itself is added by the sites, each from its own policy. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "coord_dp_stats.h"
#include "coord_engine_int.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"

/* The round's figures for the ledger, for the largest c the selected sites
 * declared (each site computes and charges its own). */
static void coord_dp_note(coord_round_state *rs, double l2_clip)
{
	coord_ledger_dp *d = &rs->dp_ledger;

	memset(d, 0, sizeof(*d));
	d->z = rs->dp_z;
	d->sigma = rs->dp_z * l2_clip;
	d->l2_clip = l2_clip;
	d->gamma = rs->dpp.gamma;
	d->l2_bound = fl_dp_vec_l2_bound(&rs->dpp);
	d->pdim = rs->dpp.pdim;
	d->n_min = coord_dp_n_min(rs);
	if (d->n_min > 0 && fl_dp_plan_site_var(&rs->dpp, rs->dp_z, d->n_min,
						 &d->var) == 0)
		d->rho = fl_dp_plan_round_rho(&rs->dpp, d->n_min, d->var);
}

int coord_dp_begin(const coord_job *j, coord_round_state *rs, char *errmsg)
{
	const fl_jobspec *s = &j->spec;
	fl_upvec_layout wide = rs->layout;
	int r;

	rs->dp = false;
	if (!s->dp || rs->kind != FL_TASK_TRAIN)
		return 0;
	if ((r = fl_dp_plan_spec_z(s, &rs->dp_z)) != 0 ||
	    rs->layout.nreal == 0 || rs->layout.nreal > FL_DP_VEC_MAX_DIM ||
	    (r = fl_dp_plan_vec(s->dp_l2_clip, rs->dp_z, rs->sp.n,
				(uint32_t)rs->layout.nreal, rs->sp.round_seed,
				&rs->dpp)) != 0) {
		fl_errmsg_set(errmsg, "[privacy] gives no usable noise for a model of "
			      "%zu parameters over %u sites", rs->layout.nreal, rs->sp.n);
		return FL_E_SPEC;
	}
	wide.nreal = 0;
	rs->sp.m = (uint64_t)rs->dpp.pdim + fl_upvec_words(&wide);
	rs->weight_scale = 1.0;
	rs->dp = true;
	coord_dp_note(rs, s->dp_l2_clip);
	fl_log(rs->attempt <= 1 ? FL_LOG_INFO : FL_LOG_DEBUG, "job %llu round %u: "
	       "distributed DP: noise multiplier %.4g (sigma %.4g of the summed "
	       "updates, l2_clip %g), gamma %.4g, %u words for %zu parameters",
	       (unsigned long long)j->id, rs->round, rs->dp_z,
	       rs->dp_z * s->dp_l2_clip, s->dp_l2_clip, rs->dpp.gamma, rs->dpp.pdim,
	       rs->layout.nreal);
	return 0;
}

/* A stats job: its one noisy round against its epsilon. */
static int coord_dp_submit_stats(const fl_jobspec *s, char *errmsg)
{
	double z, rho, eps;
	int r;

	if ((r = coord_dp_stats_plan(s, &rho, &z, errmsg)) != 0)
		return r;
	eps = fl_dp_epsilon(rho, s->dp_delta);
	if (fl_jobspec_privacy_has_epsilon(s) && !(eps <= s->dp_epsilon)) {
		fl_errmsg_set(errmsg, "[privacy] statistics over epsilon: rho %.6g "
			      "(noise multiplier %.4g, max_rows %u x sqrt(%u)), epsilon "
			      "= rho + 2 sqrt(rho ln(1/delta)) = %.6g at delta %g > %g; "
			      "raise noise_multiplier or lower max_rows", rho, z,
			      s->dp_max_rows, 2 * s->nfeatures + (s->nlabels ? 2 : 3),
			      eps, s->dp_delta, s->dp_epsilon);
		return FL_E_SPEC;
	}
	fl_info("job '%s': [privacy] plan: noisy statistics, noise multiplier %.4g, "
		"rho %.6g, epsilon %.6g at delta %g", s->name, z, rho, eps,
		s->dp_delta);
	return 0;
}

int coord_dp_submit_check(const coord_job *j, char *errmsg)
{
	const fl_jobspec *s = &j->spec;
	double z, rho, eps, one, srho = 0;
	int r;

	if (!s->dp)
		return 0;
	if (s->stats_only)
		return coord_dp_submit_stats(s, errmsg);
	if (j->model == NULL || j->model->nparams == 0 ||
	    j->model->nparams > FL_DP_VEC_MAX_DIM) {
		fl_errmsg_set(errmsg, "[privacy] needs a model of 1..%u parameters",
			      (unsigned)FL_DP_VEC_MAX_DIM);
		return FL_E_SPEC;
	}
	if (fl_jobspec_privacy_stats(s)) {
		double erho = 0;

		if ((r = coord_dp_stats_plan(s, &srho, &z, errmsg)) != 0)
			return r;
		if (coord_dp_stats_plan_eval(s, j->model, &erho) != 0) {
			fl_errmsg_set(errmsg, "[privacy] the evaluation round cannot be "
				      "planned (max_rows %u)", s->dp_max_rows);
			return FL_E_SPEC;
		}
		srho += erho;
	}
	if ((r = fl_dp_plan_spec_z(s, &z)) != 0 ||
	    (r = fl_dp_plan_job(s->dp_l2_clip, z, s->rounds, s->min_clients,
				(uint32_t)j->model->nparams, s->dp_delta, &rho,
				&eps)) != 0) {
		fl_errmsg_set(errmsg, "[privacy] cannot be planned (noise multiplier, "
			      "l2_clip or model size out of range)");
		return FL_E_SPEC;
	}
	one = rho / s->rounds;
	/* composition: the noisy STATS round adds its rho */
	rho += srho;
	eps = fl_dp_epsilon(rho, s->dp_delta);
	if (fl_jobspec_privacy_has_epsilon(s) && eps > s->dp_epsilon) {
		char st[96] = "";

		if (srho > 0)
			snprintf(st, sizeof(st), " + statistics and evaluation rho "
				 "%.6g", srho);
		fl_errmsg_set(errmsg, "[privacy] the planned rounds pass the job's "
			      "epsilon: %u rounds x rho %.6g (noise multiplier %.4g)%s = "
			      "rho %.6g, which is epsilon = rho + 2 sqrt(rho ln(1/delta)) "
			      "= %.6g at delta %g, above epsilon = %g; raise "
			      "noise_multiplier or lower rounds", s->rounds, one, z, st,
			      rho, eps, s->dp_delta, s->dp_epsilon);
		return FL_E_SPEC;
	}
	fl_info("job '%s': [privacy] plan: noise multiplier %.4g, %u rounds x rho "
		"%.6g%s = rho %.6g, epsilon %.6g at delta %g%s", s->name, z, s->rounds,
		one, srho > 0 ? " + statistics and evaluation" : "", rho, eps,
		s->dp_delta,
		fl_jobspec_privacy_has_epsilon(s) ?
		"" : " (no epsilon in the spec to check against)");
	return 0;
}
