/* SPDX-License-Identifier: Apache-2.0 */
/* agent_dp: a TRAIN task's words under the job's [privacy] (distributed
 * discrete Gaussian, crypto/fl_dp_vec.h): the clipped, unweighted update
 * with this site's own noise share, its privacy budget charged first.
 *
 * Every figure comes from the signed spec, the round context that every
 * site signs (n, t, round seed) and this site's own policy (c, its
 * budget); the noise share counts on n_min = t - c sites, as fewer
 * survivors cannot be unmasked and colluders add no noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_budget.h"
#include "agent_dp.h"
#include "agent_int.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_upvec.h"
#include "fl_wipe.h"

#define AGENT_DP_DAY_MS (24LL * 3600 * 1000)

int agent_dp_charge(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		    double rho, double *spent, double *budget, char *errmsg)
{
	const fl_agent_policy *p = &a->cfg.policy;
	agent_budget_charge_t c;
	char msg[FL_ERRMSG_BYTES] = "";
	int r;

	memset(&c, 0, sizeof(c));
	c.time_ms = fl_time_ms();
	c.job = t->job_id;
	c.round = t->round;
	c.attempt = t->attempt;
	c.rho = rho;
	/* no max_epsilon: the spending is still kept, without a limit */
	*budget = p->max_epsilon > 0 ? fl_dp_rho_budget(p->max_epsilon, p->dp_delta) :
		1e300;
	r = agent_budget_charge(a->cfg.state_dir, spec->dataset, &c, *budget,
				(int64_t)p->epsilon_window_days * AGENT_DP_DAY_MS,
				spent, msg);
	if (r == FL_E_BUDGET) {
		fl_warn("privacy budget: declined job %llu round %u attempt %u on "
			"dataset '%s': %s (max_epsilon %g at delta %g)",
			(unsigned long long)t->job_id, t->round, t->attempt,
			spec->dataset, msg, p->max_epsilon, p->dp_delta);
		(void)agent_decline(a, t, FL_DECLINE_BUDGET, "the site's privacy "
				    "budget for '%.64s' (max_epsilon %g) would be "
				    "passed", spec->dataset, p->max_epsilon);
	} else if (r != 0) {
		fl_error("privacy budget: job %llu round %u: cannot charge the "
			 "budget of '%s': %s; not uploading",
			 (unsigned long long)t->job_id, t->round, spec->dataset, msg);
	}
	if (r != 0)
		fl_errmsg_set(errmsg, "DP: budget not charged: %s", fl_strerror(r));
	return r;
}

/* The wide tail under DP: every site reports one row and nothing else, so
 * the coordinator averages over the survivors and learns no site's rows,
 * loss or test figures. */
static int dp_tail(const fl_msg_task *t, size_t nwide, uint32_t *out)
{
	fl_upvec_layout w;
	double *v;
	int r;

	memset(&w, 0, sizeof(w));
	w.nwide = nwide;
	w.q.clip = t->sa.clip;
	w.q.bits = t->sa.bits;
	if ((v = calloc(nwide, sizeof(*v))) == NULL)
		return FL_E_NOMEM;
	v[0] = 1.0;
	r = fl_upvec_encode_bounded(&w, t->sa.n, v, out, NULL);
	free(v);
	return r;
}

/* The unweighted update: vec holds n_train * delta, then n_train. */
static int dp_delta(const double *vec, size_t np, double **out)
{
	double n_train = vec[np], *d;
	size_t i;

	if (!(n_train > 0) || !isfinite(n_train))
		return FL_E_RANGE;
	if ((d = malloc(np * sizeof(*d))) == NULL)
		return FL_E_NOMEM;
	for (i = 0; i < np; i++)
		d[i] = vec[i] / n_train;
	*out = d;
	return 0;
}

int agent_dp_encode(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		    const double *vec, size_t n, uint32_t **out, char *errmsg)
{
	const fl_msg_sa_params *sa = &t->sa;
	uint32_t c = a->cfg.policy.colluders, n_min, *w = NULL;
	fl_dp_vec_params p;
	double z, rho, spent = 0, budget = 0, *delta = NULL;
	size_t np = (size_t)sa->nreal, m = 0;
	int r, clipped = 0;

	memset(&p, 0, sizeof(p));
	if (np == 0 || np >= n || np > FL_DP_VEC_MAX_DIM) {
		fl_errmsg_set(errmsg, "the task's %zu model parameters do not fit the "
			      "vector of %zu values", np, n);
		return FL_E_INVAL;
	}
	if (sa->t <= c) {
		fl_errmsg_set(errmsg, "DP: threshold t=%u leaves no noise-adding site "
			      "beside c=%u colluders", sa->t, c);
		return FL_E_UNSAFE;
	}
	n_min = sa->t - c;
	if ((r = fl_dp_plan_spec_z(spec, &z)) != 0 ||
	    (r = fl_dp_plan_vec(spec->dp_l2_clip, z, sa->n, (uint32_t)np,
				sa->round_seed, &p)) != 0 ||
	    (r = fl_dp_plan_site_var(&p, z, n_min, &p.var)) != 0) {
		fl_errmsg_set(errmsg, "DP: no usable noise for %zu parameters, %u "
			      "sites, n_min %u: %s", np, sa->n, n_min, fl_strerror(r));
		return r;
	}
	m = (size_t)p.pdim + 3 * (n - np);
	if (m != sa->words) {
		fl_errmsg_set(errmsg, "DP: the task expects %llu masked words but the "
			      "spec's [privacy] makes %zu", (unsigned long long)sa->words, m);
		return FL_E_INVAL;
	}
	rho = fl_dp_plan_round_rho(&p, n_min, p.var);
	if (!(rho >= 0)) {
		fl_errmsg_set(errmsg, "DP: the round's rho cannot be computed");
		return FL_E_RANGE;
	}
	if ((w = malloc(m * sizeof(*w))) == NULL)
		return FL_E_NOMEM;
	if ((r = dp_delta(vec, np, &delta)) != 0 ||
	    (r = fl_dp_vec_encode(&p, delta, w, &clipped)) != 0 ||
	    (r = dp_tail(t, n - np, w + p.pdim)) != 0) {
		fl_errmsg_set(errmsg, "DP: the update cannot be encoded: %s",
			      fl_strerror(r));
		goto out;
	}
	/* charged before the noise is drawn and anything leaves the site */
	if ((r = agent_dp_charge(a, t, spec, rho, &spent, &budget,
				 errmsg)) != 0)
		goto out;
	if ((r = fl_dp_vec_add_noise(&p, w)) != 0) {
		fl_errmsg_set(errmsg, "DP: noise: %s", fl_strerror(r));
		goto out;
	}
	fl_info("dp: job %llu round %u attempt %u: noise share S=%llu (sd %.4g in "
		"the update's units) for n_min=%u (t=%u - c=%u), sigma %.4g of the "
		"sum (z %.4g x l2_clip %g), gamma %.4g, %s, rho %.6g; spent rho "
		"%.6g = epsilon %.4g at delta %g%s", (unsigned long long)t->job_id,
		t->round, t->attempt, (unsigned long long)p.var,
		sqrt((double)p.var) * p.gamma, n_min, sa->t, c,
		z * spec->dp_l2_clip, z, spec->dp_l2_clip, p.gamma,
		clipped ? "clipped" : "within the clip", rho, spent,
		fl_dp_epsilon(spent, a->cfg.policy.dp_delta), a->cfg.policy.dp_delta,
		a->cfg.policy.max_epsilon > 0 ? "" : " (no max_epsilon)");
	*out = w;
	w = NULL;
out:
	fl_wipe_free(delta, np * sizeof(*delta));
	fl_wipe_free(w, m * sizeof(*w));
	sodium_memzero(&p, sizeof(p));
	return r;
}
