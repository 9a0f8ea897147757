/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec_privacy: the [privacy] section of a job spec (distributed
 * differential privacy of the TRAIN rounds; see fl_jobspec.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_jobspec.h"
#include "fl_jobspec_int.h"

enum { P_EPSILON, P_DELTA, P_L2_CLIP, P_NOISE, P_UNIT, P_BOUNDS, P_MAX_ROWS,
       P_COUNT_ };

/* The largest max_rows: keeps a site's integer sums, and the noise they
 * need, inside the sampler's range (crypto/fl_dp_stats.h). */
#define PRIV_MAX_ROWS 10000000u

static const char *const priv_keys[P_COUNT_] = {
	[P_EPSILON] = "epsilon", [P_DELTA] = "delta", [P_L2_CLIP] = "l2_clip",
	[P_NOISE] = "noise_multiplier", [P_UNIT] = "unit", [P_BOUNDS] = "bounds",
	[P_MAX_ROWS] = "max_rows",
};

static int priv_num(const char *key, const char *v, double *dst, char *msg)
{
	if (fl_ini_double(v, dst) == 0)
		return 0;
	fl_errmsg_set(msg, "'%s' in [privacy] must be a finite number, not '%.32s'",
		      key, v);
	return -1;
}

/* bounds = lo:hi, lo:hi, ...: each lo < hi, finite, not both 0. */
static int priv_bounds(fl_jobspec *s, const char *v, char *msg)
{
	const char *p = v;
	char *end;

	for (;;) {
		double lo, hi, *nb;

		while (*p == ' ' || *p == '\t')
			p++;
		lo = strtod(p, &end);
		if (end == p || *end != ':')
			goto bad;
		p = end + 1;
		hi = strtod(p, &end);
		if (end == p || !isfinite(lo) || !isfinite(hi) || !(lo < hi) ||
		    fabs(lo) > 1e9 || fabs(hi) > 1e9)
			goto bad;
		if (s->ndp_bounds >= FL_JOBSPEC_MAX_FEATURES + 1) {
			fl_errmsg_set(msg, "'bounds' in [privacy] has more than %u items",
				      FL_JOBSPEC_MAX_FEATURES + 1);
			return -1;
		}
		if ((nb = realloc(s->dp_bounds, 2 * (s->ndp_bounds + 1) *
				  sizeof(*nb))) == NULL) {
			fl_errmsg_set(msg, "out of memory");
			return -1;
		}
		s->dp_bounds = nb;
		nb[2 * s->ndp_bounds] = lo;
		nb[2 * s->ndp_bounds + 1] = hi;
		s->ndp_bounds++;
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;   /* the list continues on the next line */
	}
bad:
	fl_errmsg_set(msg, "'bounds' in [privacy] must be a list of lo:hi with "
		      "finite lo < hi, |lo|, |hi| <= 1e9 (item %u of '%.40s')",
		      s->ndp_bounds + 1, v);
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
			      "l2_clip, noise_multiplier, unit, bounds, max_rows)", name);
		return -1;
	}
	/* bounds may continue on indented lines (the parser calls again) */
	if (k == P_BOUNDS && (s->dp_seen & (1u << k)))
		return priv_bounds(s, v, msg);
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
	case P_BOUNDS: return priv_bounds(s, v, msg);
	case P_MAX_ROWS:
		if (fl_ini_u32(v, 1, PRIV_MAX_ROWS, &s->dp_max_rows) == 0)
			return 0;
		fl_errmsg_set(msg, "'max_rows' in [privacy] must be an integer in "
			      "1..%u, not '%.32s'", PRIV_MAX_ROWS, v);
		return -1;
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

/* bounds and max_rows go together; a stats job needs both. The count of
 * bounds: 1 (every column), or one per feature, then the label's for a
 * regression job (no labels). Not checked for features = all before it
 * is resolved. */
static int priv_check_stats(const fl_jobspec *s, char *errmsg)
{
	bool b = (s->dp_seen & (1u << P_BOUNDS)) != 0,
	     m = (s->dp_seen & (1u << P_MAX_ROWS)) != 0;
	uint32_t want;

	if (b != m || (s->stats_only && !b)) {
		fl_errmsg_set(errmsg, "noisy statistics need both 'bounds' (lo:hi per "
			      "feature) and 'max_rows' in [privacy]%s", s->stats_only ?
			      " in a stats job" : "");
		return -1;
	}
	if (!b || s->nfeatures == 0 || s->ndp_bounds == 1)
		return 0;
	want = s->nfeatures + (s->nlabels == 0 ? 1u : 0u);
	if (s->ndp_bounds != want) {
		fl_errmsg_set(errmsg, "'bounds' in [privacy] has %u items; it needs 1 "
			      "(for every column) or %u (one per feature%s)",
			      s->ndp_bounds, want, s->nlabels == 0 ?
			      ", then the label's" : "");
		return -1;
	}
	return 0;
}

int fl_jobspec_privacy_check(const fl_jobspec *s, char *errmsg)
{
	if (!s->dp)
		return 0;
	if (priv_check_stats(s, errmsg) != 0)
		return FL_E_SPEC;
	if (s->stats_only && (s->dp_seen & (1u << P_L2_CLIP))) {
		fl_errmsg_set(errmsg, "'l2_clip' in [privacy] is for training jobs; a "
			      "stats job is bounded by 'bounds' and 'max_rows'");
		return FL_E_SPEC;
	}
	if (!s->stats_only && (!(s->dp_seen & (1u << P_L2_CLIP)) ||
			       !(s->dp_l2_clip > 0.0 && s->dp_l2_clip <= 1e6))) {
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
	fl_sbuf_printf(b, "\n[privacy]\nunit = site\ndelta = %.17g\n", s->dp_delta);
	if (s->dp_seen & (1u << P_L2_CLIP))
		fl_sbuf_printf(b, "l2_clip = %.17g\n", s->dp_l2_clip);
	if (s->dp_seen & (1u << P_EPSILON))
		fl_sbuf_printf(b, "epsilon = %.17g\n", s->dp_epsilon);
	if (s->dp_seen & (1u << P_NOISE))
		fl_sbuf_printf(b, "noise_multiplier = %.17g\n", s->dp_noise_mult);
	if (!fl_jobspec_privacy_stats(s))
		return;
	fl_sbuf_printf(b, "max_rows = %u\nbounds = ", s->dp_max_rows);
	for (uint32_t i = 0; i < s->ndp_bounds; i++)
		fl_sbuf_printf(b, "%s%.17g:%.17g", i ? ", " : "", s->dp_bounds[2 * i],
			       s->dp_bounds[2 * i + 1]);
	fl_sbuf_printf(b, "\n");
}

bool fl_jobspec_privacy_has_epsilon(const fl_jobspec *s)
{
	return s->dp && (s->dp_seen & (1u << P_EPSILON)) != 0;
}

bool fl_jobspec_privacy_has_noise(const fl_jobspec *s)
{
	return s->dp && (s->dp_seen & (1u << P_NOISE)) != 0;
}

bool fl_jobspec_privacy_stats(const fl_jobspec *s)
{
	return s->dp && (s->dp_seen & (1u << P_BOUNDS)) && s->dp_max_rows > 0 &&
		s->ndp_bounds > 0;
}
