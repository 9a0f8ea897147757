/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec_privacy: the [privacy] section of a job spec (distributed
 * differential privacy of the TRAIN rounds; see fl_jobspec.h). */
#include <math.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_jobspec.h"
#include "fl_jobspec_int.h"

enum { P_EPSILON, P_DELTA, P_L2_CLIP, P_NOISE, P_UNIT, P_COUNT_ };

static const char *const priv_keys[P_COUNT_] = {
	[P_EPSILON] = "epsilon", [P_DELTA] = "delta", [P_L2_CLIP] = "l2_clip",
	[P_NOISE] = "noise_multiplier", [P_UNIT] = "unit",
};

static int priv_num(const char *key, const char *v, double *dst, char *msg)
{
	if (fl_ini_double(v, dst) == 0)
		return 0;
	fl_errmsg_set(msg, "'%s' in [privacy] must be a finite number, not '%.32s'",
		      key, v);
	return -1;
}

int fl_jobspec_privacy_set(fl_jobspec *s, const char *name, const char *v,
			   char *msg)
{
	int k;

	for (k = 0; k < P_COUNT_; k++)
		if (strcmp(name, priv_keys[k]) == 0)
			break;
	if (k == P_COUNT_) {
		fl_errmsg_set(msg, "unknown key '%.40s' in [privacy] (epsilon, delta, "
			      "l2_clip, noise_multiplier, unit)", name);
		return -1;
	}
	if (s->dp_seen & (1u << k)) {
		fl_errmsg_set(msg, "duplicate key '%.40s' in [privacy]", name);
		return -1;
	}
	s->dp_seen |= 1u << k;
	s->dp = true;
	switch (k) {
	case P_EPSILON: return priv_num(name, v, &s->dp_epsilon, msg);
	case P_DELTA: return priv_num(name, v, &s->dp_delta, msg);
	case P_L2_CLIP: return priv_num(name, v, &s->dp_l2_clip, msg);
	case P_NOISE: return priv_num(name, v, &s->dp_noise_mult, msg);
	default: break;
	}
	/* unit: only the whole contribution of a site to a round for now */
	if (strcmp(v, "site") != 0) {
		fl_errmsg_set(msg, "'unit' in [privacy] must be 'site' (a site's whole "
			      "contribution to a round is the protected unit), not "
			      "'%.32s'", v);
		return -1;
	}
	return 0;
}

int fl_jobspec_privacy_check(const fl_jobspec *s, char *errmsg)
{
	if (!s->dp)
		return 0;
	if (s->stats_only) {
		fl_errmsg_set(errmsg, "[privacy] is for training jobs: noisy "
			      "statistics jobs are not supported yet");
		return FL_E_SPEC;
	}
	if (!(s->dp_seen & (1u << P_L2_CLIP)) || !(s->dp_l2_clip > 0.0 &&
						   s->dp_l2_clip <= 1e6)) {
		fl_errmsg_set(errmsg, "'l2_clip' in [privacy] is required, in (0, 1e6] "
			      "(the L2 norm a site's model update is clipped to)");
		return FL_E_SPEC;
	}
	if (!(s->dp_seen & ((1u << P_EPSILON) | (1u << P_NOISE)))) {
		fl_errmsg_set(errmsg, "[privacy] needs 'epsilon' (the job's total "
			      "budget) or 'noise_multiplier' (sigma / l2_clip)");
		return FL_E_SPEC;
	}
	if ((s->dp_seen & (1u << P_EPSILON)) &&
	    !(s->dp_epsilon > 0.0 && s->dp_epsilon <= 1e3)) {
		fl_errmsg_set(errmsg, "'epsilon' in [privacy] must be in (0, 1000], "
			      "not %g", s->dp_epsilon);
		return FL_E_SPEC;
	}
	if (!(s->dp_delta > 0.0 && s->dp_delta < 0.1)) {
		fl_errmsg_set(errmsg, "'delta' in [privacy] must be in (0, 0.1), not %g",
			      s->dp_delta);
		return FL_E_SPEC;
	}
	if ((s->dp_seen & (1u << P_NOISE)) &&
	    !(s->dp_noise_mult >= 0.01 && s->dp_noise_mult <= 1e4)) {
		fl_errmsg_set(errmsg, "'noise_multiplier' in [privacy] must be in "
			      "[0.01, 1e4], not %g", s->dp_noise_mult);
		return FL_E_SPEC;
	}
	return 0;
}

void fl_jobspec_privacy_defaults(fl_jobspec *s)
{
	s->dp_delta = FL_JOBSPEC_DEFAULT_DP_DELTA;
}

void fl_jobspec_privacy_format(fl_sbuf *b, const fl_jobspec *s)
{
	if (!s->dp)
		return;
	fl_sbuf_printf(b, "\n[privacy]\nunit = site\nl2_clip = %.17g\ndelta = %.17g\n",
		       s->dp_l2_clip, s->dp_delta);
	if (s->dp_seen & (1u << P_EPSILON))
		fl_sbuf_printf(b, "epsilon = %.17g\n", s->dp_epsilon);
	if (s->dp_seen & (1u << P_NOISE))
		fl_sbuf_printf(b, "noise_multiplier = %.17g\n", s->dp_noise_mult);
}

bool fl_jobspec_privacy_has_epsilon(const fl_jobspec *s)
{
	return s->dp && (s->dp_seen & (1u << P_EPSILON)) != 0;
}

bool fl_jobspec_privacy_has_noise(const fl_jobspec *s)
{
	return s->dp && (s->dp_seen & (1u << P_NOISE)) != 0;
}
