/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_plan: the parameters of a job's noisy rounds, derived in the same
 * way by the coordinator (to lay out and decode the sum, and to plan the
 * job's epsilon at submit) and by every site (to add its noise), from the
 * signed spec's [privacy] and the round's public context.
 *
 * - The noise multiplier z (sigma / l2_clip of the summed noise) is the
 *   spec's noise_multiplier, or from its epsilon at delta over R rounds:
 *   z = 1.01 sqrt(R / (2 rho)) with rho = fl_dp_rho_budget(epsilon, delta)
 *   (1 / (2 z^2) per round is the Gaussian's zCDP; the 1 % covers the
 *   rounding's inflation of the sensitivity, checked exactly at submit).
 * - The vector's scale gamma and padded length are those of
 *   fl_dp_vec_params_make for n_min = 1 and the round's n sites: the same
 *   for all sites whatever their policies, so that the sum decodes.
 * - The rotation's seed is SHA-256 of a tag and the round seed, which
 *   every site signs in the round context (SECAGG.md R2).
 * - Each site's noise variance S is its own: the noise of sigma = z c
 *   spread over n_min = t - c sites, t the round's threshold (fewer
 *   survivors cannot be unmasked) and c this site's own colluders count
 *   (colluders add no noise). Nothing here comes from the coordinator's
 *   word but t, and a lower t only adds noise. */
#ifndef FL_DP_PLAN_H
#define FL_DP_PLAN_H

#include <stdint.h>
#include "fl_dp_vec.h"
#include "fl_jobspec.h"

#define FL_DP_PLAN_ROUND_SEED_BYTES 32
/* The margin on z from epsilon (see above). */
#define FL_DP_PLAN_Z_MARGIN 1.01

/* z from epsilon at delta over rounds; FL_E_RANGE for invalid arguments. */
int fl_dp_plan_noise_mult(double epsilon, double delta, uint32_t rounds,
			  double *z);

/* z of a spec with [privacy]: its noise_multiplier, else from its epsilon
 * and delta over its noisy rounds (fl_dp_plan_noisy_rounds). FL_E_RANGE
 * (no [privacy], or invalid). */
int fl_dp_plan_spec_z(const fl_jobspec *s, double *z);

/* The rounds of a spec that add noise and spend its epsilon: 1 for a
 * stats job; a training job's TRAIN rounds, plus its STATS and EVAL
 * rounds when [privacy] gives bounds (crypto/fl_dp_stats.h). 0 without
 * [privacy]. */
uint32_t fl_dp_plan_noisy_rounds(const fl_jobspec *s);

/* The rotation seed of a round from its round seed. */
void fl_dp_plan_seed(const uint8_t round_seed[static FL_DP_PLAN_ROUND_SEED_BYTES],
		     uint8_t out[static FL_DP_SEED_BYTES]);

/* The round's common vector parameters (var is that of n_min = 1) for n
 * sites and a model of dim parameters. FL_E_RANGE as fl_dp_vec_params_make. */
int fl_dp_plan_vec(double l2_clip, double z, uint32_t n, uint32_t dim,
		   const uint8_t round_seed[static FL_DP_PLAN_ROUND_SEED_BYTES],
		   fl_dp_vec_params *out);

/* This site's variance S for n_min sites (p from fl_dp_plan_vec): the
 * smallest integer with n_min S gamma^2 >= (z c)^2. FL_E_RANGE for n_min
 * 0 or an S beyond the sampler's range. */
int fl_dp_plan_site_var(const fl_dp_vec_params *p, double z, uint32_t n_min,
			uint64_t *var);

/* rho (zCDP) of one round for a site of variance var counting on n_min
 * sites (fl_ddg_rho with the rounded vector's L2 bound); negative when
 * invalid. */
double fl_dp_plan_round_rho(const fl_dp_vec_params *p, uint32_t n_min,
			    uint64_t var);

/* The job's planned total: rounds x the rho of one round at n_min = 1 for
 * n_max sites and dim parameters, and its epsilon at delta. FL_E_RANGE. */
int fl_dp_plan_job(double l2_clip, double z, uint32_t rounds, uint32_t n_max,
		   uint32_t dim, double delta, double *rho, double *epsilon);

#endif
