/* SPDX-License-Identifier: Apache-2.0 */
/* test_dp_privacy_plan: the parameters of noisy rounds (crypto/fl_dp_plan.c).
 * - z from epsilon is the closed form 1.01 sqrt(R / (2 rho)), rho from
 *   (sqrt(eps + L) - sqrt(L))^2, and the job it plans stays within epsilon
 *   (and is not far below it);
 * - each site's share: n_min S gamma^2 >= (z c)^2 for every n_min, so the
 *   noise of any n_min honest survivors reaches sigma; a lower threshold t
 *   (smaller n_min) only raises S; the number of sites the coordinator
 *   claims (n, which sets gamma) never lowers the summed noise below sigma
 *   nor raises a site's rho above the plan;
 * - the rotation seed follows the round seed; bad arguments are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_err.h"
#include "fl_test.h"

int main(void)
{
	uint8_t rs[FL_DP_PLAN_ROUND_SEED_BYTES], s1[FL_DP_SEED_BYTES], s2[FL_DP_SEED_BYTES];
	fl_dp_vec_params p;
	double z, rho, eps, L;
	uint64_t var, prev;
	static const double epss[] = { 1, 4, 8, 16 };
	static const uint32_t rounds[] = { 1, 10, 50 };

	if (sodium_init() < 0)
		return 1;
	/* z from epsilon: closed form, and the planned job within epsilon */
	for (size_t i = 0; i < 4; i++)
		for (size_t k = 0; k < 3; k++) {
			L = log(1e6);
			rho = pow(sqrt(epss[i] + L) - sqrt(L), 2);
			FL_CHECK_EQ_INT(fl_dp_plan_noise_mult(epss[i], 1e-6, rounds[k], &z), 0);
			FL_CHECK_NEAR(z, 1.01 * sqrt(rounds[k] / (2 * rho)), 1e-9 * z);
			FL_CHECK_EQ_INT(fl_dp_plan_job(1.0, z, rounds[k], 5, 31, 1e-6,
						       &rho, &eps), 0);
			printf("epsilon %g over %u rounds: z %.4f, planned epsilon %.4f\n",
			       epss[i], rounds[k], z, eps);
			FL_CHECK(eps <= epss[i]);
			FL_CHECK(eps >= 0.95 * epss[i]);
		}
	/* a plan over epsilon is visible: z 1 over 20 rounds is rho 10 */
	FL_CHECK_EQ_INT(fl_dp_plan_job(1.0, 1.0, 20, 3, 31, 1e-6, &rho, &eps), 0);
	FL_CHECK_NEAR(rho, 10.0, 1e-3);
	FL_CHECK_NEAR(eps, 10.0 + 2 * sqrt(10.0 * log(1e6)), 1e-2);

	/* each site's share for n_min honest sites */
	randombytes_buf(rs, sizeof(rs));
	for (uint32_t n = 3; n <= 200; n = n * 3 + 1) {
		double plan_rho, prho;

		FL_CHECK_EQ_INT(fl_dp_plan_vec(0.7, 1.3, n, 1000, rs, &p), 0);
		FL_CHECK_EQ_INT(fl_dp_plan_job(0.7, 1.3, 1, n, 1000, 1e-6, &plan_rho, &eps), 0);
		prev = UINT64_MAX;
		for (uint32_t nm = 1; nm <= n; nm++) {
			double total;

			FL_CHECK_EQ_INT(fl_dp_plan_site_var(&p, 1.3, nm, &var), 0);
			total = (double)nm * (double)var * p.gamma * p.gamma;
			FL_CHECK(total >= (1.3 * 0.7) * (1.3 * 0.7) * (1 - 1e-12));
			FL_CHECK(total <= (1.3 * 0.7) * (1.3 * 0.7) * 1.001);
			/* a lower t (fewer counted sites) never lowers S */
			FL_CHECK(var <= prev);
			prev = var;
			prho = fl_dp_plan_round_rho(&p, nm, var);
			FL_CHECK(prho > 0 && prho <= plan_rho * 1.001);
		}
		printf("n %u: gamma %.4g, S at n_min = n: %llu\n", n, p.gamma,
		       (unsigned long long)prev);
	}
	/* the seed: a function of the round seed only */
	fl_dp_plan_seed(rs, s1);
	fl_dp_plan_seed(rs, s2);
	FL_CHECK(memcmp(s1, s2, sizeof(s1)) == 0);
	rs[0] ^= 1;
	fl_dp_plan_seed(rs, s2);
	FL_CHECK(memcmp(s1, s2, sizeof(s1)) != 0);
	FL_CHECK_EQ_INT(fl_dp_plan_vec(0.7, 1.3, 4, 10, rs, &p), 0);
	FL_CHECK(memcmp(p.seed, s2, sizeof(s2)) == 0);

	/* refusals */
	FL_CHECK_EQ_INT(fl_dp_plan_noise_mult(0, 1e-6, 10, &z), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_plan_noise_mult(4, 1e-6, 0, &z), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_plan_noise_mult(4, 2, 10, &z), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_plan_site_var(&p, 1.3, 0, &var), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_plan_vec(0, 1.3, 4, 10, rs, &p), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_plan_job(1, 1, 0, 3, 10, 1e-6, &rho, &eps), FL_E_RANGE);
	return FL_TEST_DONE();
}
