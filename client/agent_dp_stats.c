/* SPDX-License-Identifier: Apache-2.0 */
/* agent_dp_stats: a STATS task's words under the job's [privacy] bounds
 * and max_rows (crypto/fl_dp_stats.h): clamped, rounded to integers, with
 * this site's own noise share, its privacy budget charged first.
 *
 * As for TRAIN (agent_dp.c), every figure comes from the signed spec, the
 * round context every site signs (n, t) and this site's own policy (c,
 * its budget): the share counts on n_min = t - c sites. A coordinator
 * that lies about t cannot lower the noise: a t the site's policy does
 * not accept is refused before this (R5), and fewer than t survivors
 * cannot be unmasked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent_dp.h"
#include "fl_dgauss.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_dp_stats.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_upvec.h"
#include "fl_wipe.h"

/* The site's figures for this round: params, n_min, S and rho. */
static int dps_plan(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		    const fl_dataset *train, fl_dp_stats_params *p,
		    uint32_t *n_min, double *z, uint64_t *var, double *rho,
		    char *errmsg)
{
	const fl_msg_sa_params *sa = &t->sa;
	uint32_t c = a->cfg.policy.colluders;
	fl_upvec_layout lay;
	int r;

	if (sa->t <= c) {
		fl_errmsg_set(errmsg, "DP: threshold t=%u leaves no noise-adding site "
			      "beside c=%u colluders", sa->t, c);
		return FL_E_UNSAFE;
	}
	*n_min = sa->t - c;
	if ((r = fl_dp_stats_from_spec(spec, train->d, train->k, p)) != 0 ||
	    (r = fl_dp_plan_spec_z(spec, z)) != 0 ||
	    (r = fl_dp_stats_site_var(p, *z, *n_min, var)) != 0) {
		fl_errmsg_set(errmsg, "DP: no usable noise for the statistics of %u "
			      "features, n_min %u: %s", train->d, *n_min,
			      fl_strerror(r));
		return r;
	}
	memset(&lay, 0, sizeof(lay));
	lay.nwide = fl_dp_stats_len(p);
	lay.q.clip = sa->clip;
	lay.q.bits = sa->bits;
	if (sa->nreal != 0 || fl_upvec_words(&lay) != sa->words) {
		fl_errmsg_set(errmsg, "DP: the task expects %llu masked words, the "
			      "statistics make %zu", (unsigned long long)sa->words,
			      fl_upvec_words(&lay));
		return FL_E_INVAL;
	}
	*rho = fl_dp_stats_rho(p, *n_min, *var);
	if (!(*rho >= 0)) {
		fl_errmsg_set(errmsg, "DP: the round's rho cannot be computed");
		return FL_E_RANGE;
	}
	return 0;
}

int agent_dp_stats_encode(fl_agent *a, const fl_msg_task *t,
			  const fl_jobspec *spec, const fl_dataset *train,
			  uint32_t **out, char *errmsg)
{
	const fl_agent_policy *pol = &a->cfg.policy;
	fl_dp_stats_params p;
	fl_upvec_layout lay;
	uint32_t n_min = 0, *w = NULL;
	uint64_t var = 0;
	int64_t *iv = NULL;
	double z = 0, rho = 0, spent = 0, budget = 0, *dv = NULL;
	size_t len = 0, used = 0, i, bad = 0;
	int r;

	if ((r = dps_plan(a, t, spec, train, &p, &n_min, &z, &var, &rho,
			  errmsg)) != 0)
		return r;
	len = fl_dp_stats_len(&p);
	memset(&lay, 0, sizeof(lay));
	lay.nwide = len;
	lay.q.clip = t->sa.clip;
	lay.q.bits = t->sa.bits;
	iv = calloc(len, sizeof(*iv));
	dv = calloc(len, sizeof(*dv));
	w = calloc(t->sa.words, sizeof(*w));
	if (!iv || !dv || !w) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_dp_stats_encode(&p, train, iv, &used)) != 0) {
		fl_errmsg_set(errmsg, "DP: the statistics cannot be encoded: %s",
			      fl_strerror(r));
		goto out;
	}
	/* charged before the noise is drawn and anything leaves the site */
	if ((r = agent_dp_charge(a, t, spec, rho, &spent, &budget,
				 errmsg)) != 0)
		goto out;
	if ((r = fl_dp_stats_add_noise(var, iv, len)) != 0) {
		fl_errmsg_set(errmsg, "DP: noise: %s", fl_strerror(r));
		goto out;
	}
	for (i = 0; i < len; i++)
		dv[i] = (double)iv[i];   /* exact: |iv| < 2^53 */
	if ((r = fl_upvec_encode_bounded(&lay, t->sa.n, dv, w, &bad)) != 0) {
		fl_errmsg_set(errmsg, "DP: noisy statistic %zu is beyond the bound "
			      "of a secure sum of %u sites: %s", bad + 1, t->sa.n,
			      fl_strerror(r));
		goto out;
	}
	fl_info("dp: job %llu round %u attempt %u stats: noise share S=%llu for "
		"n_min=%u (t=%u - c=%u), sigma %.10g of the summed count (z %.4g x "
		"sensitivity %.4g = max_rows %u x sqrt(%zu blocks)), %zu of %zu rows "
		"summed, values clamped to the spec's bounds, rho %.6g; spent rho "
		"%.6g = epsilon %.4g at delta %g%s", (unsigned long long)t->job_id,
		t->round, t->attempt, (unsigned long long)var, n_min, t->sa.t,
		pol->colluders, z * fl_dp_stats_l2(&p), z, fl_dp_stats_l2(&p),
		p.max_rows, (size_t)(2 * p.d + 1 + (p.nclasses ? 1 : 2)), used,
		train->n, rho, spent, fl_dp_epsilon(spent, pol->dp_delta),
		pol->dp_delta, pol->max_epsilon > 0 ? "" : " (no max_epsilon)");
	*out = w;
	w = NULL;
out:
	fl_wipe_free(iv, len * sizeof(*iv));
	fl_wipe_free(dv, len * sizeof(*dv));
	fl_wipe_free(w, (size_t)t->sa.words * sizeof(*w));
	return r;
}

/* The EVAL round's counts (crypto/fl_dp_stats.h, fl_dp_eval_l2): vec is
 * the metrics tail of at most max_rows test rows. */
int agent_dp_eval_encode(fl_agent *a, const fl_msg_task *t,
			 const fl_jobspec *spec, const double *vec, size_t n,
			 uint32_t **out, char *errmsg)
{
	const fl_agent_policy *pol = &a->cfg.policy;
	uint32_t c = pol->colluders, nclasses, n_min, *w = NULL;
	fl_upvec_layout lay;
	fl_dgauss g;
	uint64_t var = 0;
	double z = 0, l2, rho, spent = 0, budget = 0, *dv = NULL;
	size_t i, bad = 0;
	int r;

	if (n < 6 || (n - 6) % 3 != 0 || t->sa.nreal != 0) {
		fl_errmsg_set(errmsg, "DP: an evaluation vector of %zu values", n);
		return FL_E_INVAL;
	}
	if (t->sa.t <= c) {
		fl_errmsg_set(errmsg, "DP: threshold t=%u leaves no noise-adding site "
			      "beside c=%u colluders", t->sa.t, c);
		return FL_E_UNSAFE;
	}
	n_min = t->sa.t - c;
	nclasses = (uint32_t)((n - 6) / 3);
	l2 = fl_dp_eval_l2(spec->dp_max_rows, nclasses);
	memset(&lay, 0, sizeof(lay));
	lay.nwide = n;
	lay.q.clip = t->sa.clip;
	lay.q.bits = t->sa.bits;
	if (fl_upvec_words(&lay) != t->sa.words) {
		fl_errmsg_set(errmsg, "DP: the task expects %llu masked words, the "
			      "evaluation makes %zu", (unsigned long long)t->sa.words,
			      fl_upvec_words(&lay));
		return FL_E_INVAL;
	}
	if ((r = fl_dp_plan_spec_z(spec, &z)) != 0 ||
	    (r = fl_dp_noise_var(l2, z, n_min, &var)) != 0 ||
	    !((rho = fl_dp_noise_rho(l2, n, n_min, var)) >= 0)) {
		fl_errmsg_set(errmsg, "DP: no usable noise for the evaluation, n_min "
			      "%u: %s", n_min, fl_strerror(r ? r : FL_E_RANGE));
		return r ? r : FL_E_RANGE;
	}
	dv = calloc(n, sizeof(*dv));
	w = calloc(t->sa.words, sizeof(*w));
	if (!dv || !w) {
		r = FL_E_NOMEM;
		goto out;
	}
	/* counts only; loss and squared-error sums stay 0 (unbounded) */
	for (i = 0; i < n; i++)
		dv[i] = fl_dp_eval_noisy(nclasses, i) ? nearbyint(vec[i]) : 0.0;
	if ((r = agent_dp_charge(a, t, spec, rho, &spent, &budget,
				 errmsg)) != 0)
		goto out;
	if ((r = fl_dgauss_init(&g, var, NULL, NULL)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (fl_dp_eval_noisy(nclasses, i))
			dv[i] += (double)fl_dgauss_sample(&g);
	fl_dgauss_clear(&g);
	if ((r = fl_upvec_encode_bounded(&lay, t->sa.n, dv, w, &bad)) != 0) {
		fl_errmsg_set(errmsg, "DP: noisy evaluation count %zu cannot be "
			      "encoded: %s", bad + 1, fl_strerror(r));
		goto out;
	}
	fl_info("dp: job %llu round %u attempt %u eval: noise share S=%llu for "
		"n_min=%u (t=%u - c=%u), sigma %.10g of each summed count (z %.4g "
		"x sensitivity %.4g), %.0f test rows, rho %.6g; spent rho %.6g = "
		"epsilon %.4g at delta %g", (unsigned long long)t->job_id, t->round,
		t->attempt, (unsigned long long)var, n_min, t->sa.t, c, z * l2, z, l2,
		vec[0], rho, spent, fl_dp_epsilon(spent, pol->dp_delta),
		pol->dp_delta);
	*out = w;
	w = NULL;
out:
	fl_wipe_free(dv, n * sizeof(*dv));
	fl_wipe_free(w, (size_t)t->sa.words * sizeof(*w));
	return r;
}
