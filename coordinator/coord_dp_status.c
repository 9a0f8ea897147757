/* SPDX-License-Identifier: Apache-2.0 */
/* coord_dp_status: the privacy figures of 'fedctl job status' for a job
 * with [privacy]: epsilon of its noisy attempts so far and of its plan. */
#include <string.h>

#include "coord_dp.h"
#include "coord_dp_stats.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_err.h"

int coord_dp_status(const char *spec_text, const fl_msg_round_info *rounds,
		    size_t nrounds, fl_msg_job_privacy *out)
{
	fl_jobspec s;
	fl_model *m = NULL;
	char msg[FL_ERRMSG_BYTES];
	double z, rho = 0, eps, srho = 0, erho = 0, one = 0;
	uint32_t ntrain = 0, nstats = 0, neval = 0, noisy;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if (!spec_text ||
	    fl_jobspec_parse(spec_text, strlen(spec_text), &s, msg) != 0)
		return 0;   /* no figures for a spec that no longer parses */
	if (!s.dp || s.nfeatures == 0)
		goto out;
	if (fl_jobspec_privacy_stats(&s) &&
	    coord_dp_stats_plan(&s, &srho, &z, msg) != 0)
		goto out;
	if (!s.stats_only &&
	    ((r = fl_model_new_for_spec(&s, s.nfeatures, &m)) != 0 ||
	     fl_dp_plan_spec_z(&s, &z) != 0 ||
	     fl_dp_plan_job(s.dp_l2_clip, z, s.rounds, s.min_clients,
			    (uint32_t)m->nparams, s.dp_delta, &rho, &eps) != 0))
		goto out;
	if (!s.stats_only && srho > 0 && coord_dp_stats_plan_eval(&s, m, &erho) != 0)
		goto out;
	one = s.stats_only ? srho : rho / s.rounds;
	/* sites charge every noisy attempt they upload in: count them all */
	for (size_t i = 0; i < nrounds; i++) {
		ntrain += strcmp(rounds[i].kind, "train") == 0;
		nstats += srho > 0 && strcmp(rounds[i].kind, "stats") == 0;
		neval += erho > 0 && strcmp(rounds[i].kind, "eval") == 0;
	}
	noisy = nstats + neval + (s.stats_only ? 0 : ntrain);
	out->present = true;
	out->delta = s.dp_delta;
	out->noise_multiplier = z;
	out->l2_clip = s.dp_l2_clip;
	out->epsilon_limit = fl_jobspec_privacy_has_epsilon(&s) ? s.dp_epsilon : 0;
	out->rho_per_round = one;
	out->epsilon_planned = fl_dp_epsilon(rho + srho + erho, s.dp_delta);
	out->noisy_attempts = noisy;
	out->rho_spent = (s.stats_only ? 0 : one * ntrain) + srho * nstats +
		erho * neval;
	out->epsilon_spent = noisy ? fl_dp_epsilon(out->rho_spent, s.dp_delta) : 0;
out:
	fl_model_free(m);
	fl_jobspec_clear(&s);
	return 0;
}
