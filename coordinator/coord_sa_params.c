/* SPDX-License-Identifier: Apache-2.0 */
/* coord_sa_params: the neighbours k and threshold t of a secure-aggregation
 * attempt, chosen so that dropouts rarely abort it (fl_secagg_choose). */
#include <math.h>
#include <stdio.h>

#include "coord_engine_int.h"
#include "fl_log.h"
#include "fl_secagg_choose.h"

/* The smallest threshold that every selected site accepts (SECAGG.md R3,
 * R5): 2t > k + 1 + c, and for SecAgg+ (the coordinator picks the graph
 * seed) t >= T + c. */
static uint32_t coord_sa_default_t(uint32_t n, uint32_t k, uint32_t T, uint32_t c)
{
	uint32_t t = (k + 1 + c) / 2 + 1;

	if (k < n - 1 && t < T + c)
		t = T + c;
	return t;
}

/* k for n sites: spec neighbours (0 = n - 1), capped at n - 1, made even
 * when n is odd. */
static uint32_t coord_sa_k(const fl_jobspec *s, uint32_t n)
{
	uint32_t k = s->sa_neighbours ? s->sa_neighbours : n - 1;

	if (k > n - 1)
		k = n - 1;
	if (((uint64_t)n * k) % 2 != 0)
		k--;
	return k;
}

/* The sizing of this attempt: the spec's expected dropout, the sites'
 * policy, the spec's threshold as a floor on t, and the survivors below
 * which coord_secagg_tick gives up ([secagg] dropout). */
static fl_secagg_sizing coord_sa_sizing(const fl_jobspec *s, uint32_t n,
					uint32_t T, uint32_t c)
{
	double cap = s->sa_dropout > 0 ? s->sa_dropout : COORD_SA_DEFAULT_DROPOUT;
	/* tick abandons the attempt when more than cap * n are out */
	uint32_t most_out = (uint32_t)floor(cap * n);

	return (fl_secagg_sizing){ .n = n, .dropout = s->sa_expected_dropout,
		.min_honest = T, .colluders = c, .min_t = s->sa_threshold,
		.min_survivors = most_out < n ? n - most_out : 0 };
}

static const char *coord_sa_kind(uint32_t n, uint32_t k)
{
	return k == n - 1 ? "full SecAgg" : "SecAgg+";
}

/* The spec fixed k or t and an attempt aborts often: say how often and
 * what the coordinator would choose without them. */
static void coord_sa_warn_fixed(const coord_job *j, const coord_round_state *rs,
				fl_secagg_sizing z, uint32_t k, uint32_t t,
				double a, enum fl_log_level level)
{
	fl_secagg_choice ch;
	char tip[200] = "";

	z.min_t = 0;
	if (fl_secagg_choose(&z, FL_SECAGG_ABORT_TARGET_LOG2, &ch) == 0 &&
	    ch.abort_log2 < a)
		snprintf(tip, sizeof(tip), "; without them the coordinator would "
			 "choose k=%u, t=%u (2^%.1f)", ch.k, ch.t, ch.abort_log2);
	fl_log(level, "job %llu round %u: [secagg] neighbours = %u, threshold = "
	       "%u give k=%u, t=%u, and an attempt aborts with probability up to "
	       "2^%.1f (above 2^%.0f) at expected dropout %.2f%s",
	       (unsigned long long)j->id, rs->round, j->spec.sa_neighbours,
	       j->spec.sa_threshold, k, t, a, FL_SECAGG_ABORT_WARN_LOG2,
	       z.dropout, tip);
}

void coord_sa_params_choose(const coord_job *j, const coord_round_state *rs,
			    uint32_t T, uint32_t c, uint32_t *k, uint32_t *t)
{
	const fl_jobspec *s = &j->spec;
	uint32_t n = rs->nsel;
	fl_secagg_sizing z = coord_sa_sizing(s, n, T, c);
	fl_secagg_choice ch;
	/* once per round: later attempts log at debug level */
	enum fl_log_level info = rs->attempt <= 1 ? FL_LOG_INFO : FL_LOG_DEBUG;
	enum fl_log_level warn = rs->attempt <= 1 ? FL_LOG_WARN : FL_LOG_DEBUG;
	double a;
	int chosen = s->sa_neighbours == 0 &&
		fl_secagg_choose(&z, FL_SECAGG_ABORT_TARGET_LOG2, &ch) == 0;

	if (chosen) {
		*k = ch.k;
		*t = ch.t;
		a = ch.abort_log2;
	} else {
		/* fixed by the spec, or nothing is safe (begin then says why) */
		*k = coord_sa_k(s, n);
		*t = coord_sa_default_t(n, *k, T, c);
		if (s->sa_threshold > *t)
			*t = s->sa_threshold;
		a = fl_secagg_abort_log2(&z, *k, *t);
	}
	fl_log(info, "job %llu round %u: secure aggregation over n=%u sites, %s "
	       "k=%u, t=%u (%s; T=%u, c=%u): an attempt aborts with probability "
	       "<= 2^%.1f at expected dropout %.2f", (unsigned long long)j->id,
	       rs->round, n, coord_sa_kind(n, *k), *k, *t, chosen ? "chosen" :
	       s->sa_neighbours ? "k from the spec" : "no safe choice", T, c, a,
	       z.dropout);
	if (chosen && !ch.met)
		fl_log(info, "job %llu round %u: no k meets 2^%.0f with %u sites at "
		       "expected dropout %.2f; k=%u is within a factor 2 of the "
		       "least abort probability", (unsigned long long)j->id,
		       rs->round, FL_SECAGG_ABORT_TARGET_LOG2, n, z.dropout, *k);
	if ((s->sa_neighbours != 0 || s->sa_threshold != 0) &&
	    a > FL_SECAGG_ABORT_WARN_LOG2)
		coord_sa_warn_fixed(j, rs, z, *k, *t, a, warn);
}
