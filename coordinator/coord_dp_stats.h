/* SPDX-License-Identifier: Apache-2.0 */
/* coord_dp_stats: the coordinator's side of noisy statistics ([privacy]
 * bounds and max_rows, crypto/fl_dp_stats.h). The noise is added by the
 * sites, each from its own policy; the coordinator lays the round out,
 * plans its epsilon, turns the noisy sum into model v0 and reports it
 * without pretending to precision it lacks. */
#ifndef COORD_DP_STATS_H
#define COORD_DP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "coord_engine_int.h"
#include "fl_dp_stats.h"

/* p for the spec's STATS vector (the job's shape decides histogram or the
 * label's sums). FL_E_RANGE without noisy statistics, FL_E_NOMEM. */
int coord_dp_stats_params(const fl_jobspec *s, fl_dp_stats_params *p);

/* rho of the STATS round as planned at submit (n_min = 1, the worst
 * case) and the noise multiplier z. FL_E_SPEC with errmsg when the noise
 * cannot be drawn (S beyond the sampler's range). */
int coord_dp_stats_plan(const fl_jobspec *s, double *rho, double *z,
			char *errmsg);

/* rho of a training job's noisy EVAL round as planned (n_min = 1), for
 * the job's model shape. FL_E_SPEC. */
int coord_dp_stats_plan_eval(const fl_jobspec *s, const fl_model *shape,
			     double *rho);

/* Clamps a noisy summed metrics tail (nclasses classes) to what honest
 * sites could send: n >= 1, counts in [0, n], loss sums NaN (not sent). */
void coord_dp_stats_eval_clamp(fl_metrics *mt);

/* The round's n_min for the ledger: the threshold t less the largest
 * number of colluders c the selected sites declared (0 if c >= t). */
uint32_t coord_dp_n_min(const coord_round_state *rs);

/* For a STATS or EVAL attempt of a spec with noisy statistics: sets
 * rs->dp_stats, rs->dp_z and the ledger's figures (rs->dp_ledger); clears
 * rs->dp_stats otherwise. FL_E_SPEC with errmsg. */
int coord_dp_stats_begin(const coord_job *j, coord_round_state *rs,
			 char *errmsg);

/* The noisy summed STATS vector (len integers, as decoded) into *next
 * (model v0; the caller's) and *weight (the count, at least 1). Keeps the
 * noisy vector in value units for the report (dp_stats table). Counts,
 * sums of squares and histogram bins that the noise made negative are
 * clamped at 0 (the count at 1) for the model. FL_E_* with why. */
int coord_dp_stats_apply(coord_store *st, const coord_job *j,
			 const coord_round_state *rs, const double *sum,
			 size_t len, fl_model **next, double *weight,
			 char *why, size_t cap);

/* Fills t's noisy fields (noisy, noise_sigma, epsilon, noisy_sums, note)
 * for job id, and clamps its count and label counts at 0 for display.
 * 0 when the job has no noisy statistics; FL_E_DB, FL_E_NOMEM. */
int coord_dp_stats_report(coord_store *st, const fl_jobspec *s, uint64_t id,
			  fl_msg_job_stats *t);

#endif
