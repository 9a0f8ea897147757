/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_plan: a job's noisy-round parameters from its spec and the round's
 * context (see fl_dp_plan.h). */
#include <math.h>
#include <string.h>
#include <sodium.h>

#include "fl_dgauss.h"
#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_err.h"

#define DP_SEED_TAG "fedc-dp-rotation-v1"

int fl_dp_plan_noise_mult(double epsilon, double delta, uint32_t rounds,
			  double *z)
{
	double rho;

	if (z == NULL || rounds == 0 || !(epsilon > 0) || !isfinite(epsilon))
		return FL_E_RANGE;
	rho = fl_dp_rho_budget(epsilon, delta);
	if (!(rho > 0) || !isfinite(rho))
		return FL_E_RANGE;
	*z = FL_DP_PLAN_Z_MARGIN * sqrt((double)rounds / (2.0 * rho));
	return 0;
}

int fl_dp_plan_spec_z(const fl_jobspec *s, double *z)
{
	if (s == NULL || z == NULL || !s->dp)
		return FL_E_RANGE;
	if (fl_jobspec_privacy_has_noise(s)) {
		if (!(s->dp_noise_mult > 0) || !isfinite(s->dp_noise_mult))
			return FL_E_RANGE;
		*z = s->dp_noise_mult;
		return 0;
	}
	return fl_dp_plan_noise_mult(s->dp_epsilon, s->dp_delta,
				     fl_dp_plan_noisy_rounds(s), z);
}

uint32_t fl_dp_plan_noisy_rounds(const fl_jobspec *s)
{
	if (s == NULL || !s->dp)
		return 0;
	if (s->stats_only)
		return 1;
	return s->rounds + (fl_jobspec_privacy_stats(s) ? 2u : 0u);
}

void fl_dp_plan_seed(const uint8_t round_seed[static FL_DP_PLAN_ROUND_SEED_BYTES],
		     uint8_t out[static FL_DP_SEED_BYTES])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)DP_SEED_TAG,
				  sizeof(DP_SEED_TAG) - 1);
	crypto_hash_sha256_update(&st, round_seed, FL_DP_PLAN_ROUND_SEED_BYTES);
	crypto_hash_sha256_final(&st, out);
}

int fl_dp_plan_vec(double l2_clip, double z, uint32_t n, uint32_t dim,
		   const uint8_t round_seed[static FL_DP_PLAN_ROUND_SEED_BYTES],
		   fl_dp_vec_params *out)
{
	uint8_t seed[FL_DP_SEED_BYTES];

	fl_dp_plan_seed(round_seed, seed);
	return fl_dp_vec_params_make(l2_clip, z, 1, n, dim, seed, out);
}

int fl_dp_plan_site_var(const fl_dp_vec_params *p, double z, uint32_t n_min,
			uint64_t *var)
{
	double sd, s;

	if (p == NULL || var == NULL || n_min == 0 || !(p->gamma > 0) ||
	    !(z > 0) || !isfinite(z))
		return FL_E_RANGE;
	sd = z * p->l2_clip / sqrt((double)n_min) / p->gamma;
	s = ceil(sd * sd);
	if (!(s >= 1) || s > (double)FL_DGAUSS_MAX_VAR)
		return FL_E_RANGE;
	*var = (uint64_t)s;
	return 0;
}

double fl_dp_plan_round_rho(const fl_dp_vec_params *p, uint32_t n_min,
			    uint64_t var)
{
	fl_ddg_round r;

	if (p == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	r.l2 = fl_dp_vec_l2_bound(p);
	r.l1 = 0;
	r.dim = p->pdim;
	r.n = n_min;
	r.var = var;
	return fl_ddg_rho(&r);
}

int fl_dp_plan_job(double l2_clip, double z, uint32_t rounds, uint32_t n_max,
		   uint32_t dim, double delta, double *rho, double *epsilon)
{
	static const uint8_t zero[FL_DP_PLAN_ROUND_SEED_BYTES];
	fl_dp_vec_params p;
	uint64_t var;
	double one, e;
	int r;

	if (rho == NULL || epsilon == NULL || rounds == 0)
		return FL_E_RANGE;
	if ((r = fl_dp_plan_vec(l2_clip, z, n_max ? n_max : 1, dim, zero, &p)) != 0 ||
	    (r = fl_dp_plan_site_var(&p, z, 1, &var)) != 0)
		return r;
	one = fl_dp_plan_round_rho(&p, 1, var);
	if (!(one >= 0))
		return FL_E_RANGE;
	e = fl_dp_epsilon(one * rounds, delta);
	if (!(e >= 0))
		return FL_E_RANGE;
	*rho = one * rounds;
	*epsilon = e;
	return 0;
}
