/* SPDX-License-Identifier: Apache-2.0 */
/* test_dp_accountant: crypto/fl_dp.c against the closed forms, worked out
 * here on their own:
 *   one discrete Gaussian (n = 1): rho = D2^2 / (2 S);
 *   n sites with negligible tau: rho = D2^2 / (2 n S);
 *   small S, where tau counts: Proposition 14's two terms, written out;
 *   composition over T rounds: T rho; epsilon = rho + 2 sqrt(rho ln 1/delta);
 *   the budget's inverse; the variance chosen for a target rho. */
#include <math.h>
#include <stdio.h>

#include "fl_dgauss.h"
#include "fl_dp.h"
#include "fl_err.h"
#include "fl_test.h"

#define REL(a, b) (fabs((a) - (b)) <= 1e-6 * fabs(b) + 1e-15)

static double eps_closed(double rho, double delta)
{
	return rho + 2.0 * sqrt(rho * log(1.0 / delta));
}

int main(void)
{
	fl_ddg_round r = { 0 };
	double rho, want, tau, sd, a, b, l2, l1;
	uint64_t var;
	int settings = 0;

	/* 1: one site, S = 1000, D2 = 100: rho = 10^4 / 2000 = 5 */
	r = (fl_ddg_round){ .l2 = 100, .dim = 10, .n = 1, .var = 1000 };
	rho = fl_ddg_rho(&r);
	printf("1 site, S 1000, D2 100: rho %.9g (closed form 5)\n", rho);
	FL_CHECK(REL(rho, 5.0));
	settings++;

	/* 2: ten sites, S = 400: tau = 10 sum exp(-2 pi^2 400 k/(k+1)) is
	 * below 10^-1700, so rho = 50^2 / (2 * 10 * 400) = 0.3125 */
	r = (fl_ddg_round){ .l2 = 50, .dim = 1000, .n = 10, .var = 400 };
	rho = fl_ddg_rho(&r);
	printf("10 sites, S 400, D2 50: rho %.9g (closed form 0.3125)\n", rho);
	FL_CHECK(REL(rho, 0.3125));
	settings++;

	/* 3: three sites, S = 1, d = 100, D2 = 3 (D1 = min(10 * 3, 9) = 9):
	 * tau = 10 (exp(-pi^2) + exp(-4 pi^2 / 3)) */
	r = (fl_ddg_round){ .l2 = 3, .dim = 100, .n = 3, .var = 1 };
	tau = 10.0 * (exp(-M_PI * M_PI) + exp(-4.0 * M_PI * M_PI / 3.0));
	sd = sqrt(3.0);
	l2 = 3.0 / sd;
	l1 = 9.0 / sd;
	a = pow(l2 + 10.0 * tau, 2);
	b = l2 * l2 + 2.0 * l1 * tau + tau * tau * 100.0;
	want = 0.5 * fmin(a, b);
	rho = fl_ddg_rho(&r);
	printf("3 sites, S 1, d 100, D2 3: tau %.6g, rho %.9g (closed form %.9g)\n",
	       fl_ddg_tau(3, 1.0), rho, want);
	FL_CHECK(REL(fl_ddg_tau(3, 1.0), tau));
	FL_CHECK(REL(rho, want));
	FL_CHECK(rho > 0.5 * l2 * l2);   /* tau counts here */
	settings++;

	/* 4: an explicit D1 and two sites, S = 2 */
	r = (fl_ddg_round){ .l2 = 4, .l1 = 7, .dim = 16, .n = 2, .var = 2 };
	tau = 10.0 * exp(-2.0 * M_PI * M_PI * 2.0 * 0.5);
	sd = 2.0;
	a = pow(4.0 / sd + 4.0 * tau, 2);
	b = pow(4.0 / sd, 2) + 2.0 * (7.0 / sd) * tau + tau * tau * 16.0;
	want = 0.5 * fmin(a, b);
	rho = fl_ddg_rho(&r);
	printf("2 sites, S 2, D2 4, D1 7: rho %.9g (closed form %.9g)\n", rho, want);
	FL_CHECK(REL(rho, want));
	settings++;

	/* 5: 20 rounds of setting 2 composed, converted at delta 1e-5 */
	r = (fl_ddg_round){ .l2 = 50, .dim = 1000, .n = 10, .var = 400 };
	rho = 20 * fl_ddg_rho(&r);
	want = eps_closed(20 * 0.3125, 1e-5);
	printf("20 rounds: rho %.9g, epsilon %.9g at delta 1e-5 (closed form %.9g)\n",
	       rho, fl_dp_epsilon(rho, 1e-5), want);
	FL_CHECK(REL(fl_dp_epsilon(rho, 1e-5), want));
	settings++;

	/* 6: the budget: eps 4 at delta 1e-6 is rho = (sqrt(4 + L) - sqrt(L))^2 */
	want = pow(sqrt(4.0 + log(1e6)) - sqrt(log(1e6)), 2);
	rho = fl_dp_rho_budget(4.0, 1e-6);
	printf("epsilon 4 at delta 1e-6: rho budget %.9g (closed form %.9g)\n",
	       rho, want);
	FL_CHECK(REL(rho, want));
	FL_CHECK(REL(fl_dp_epsilon(rho, 1e-6), 4.0));
	settings++;

	/* 7: the variance for a target: the first S that meets it */
	r = (fl_ddg_round){ .l2 = 1000, .dim = 10000, .n = 5 };
	FL_CHECK_EQ_INT(fl_ddg_var_for_rho(&r, 0.01, &var), 0);
	r.var = var;
	rho = fl_ddg_rho(&r);
	r.var = var - 1;
	printf("rho 0.01 with 5 sites and D2 1000: S = %llu (rho %.9g; S-1: %.9g; "
	       "closed form D2^2 / (2 n rho) = %.1f)\n", (unsigned long long)var,
	       rho, fl_ddg_rho(&r), 1e6 / (2 * 5 * 0.01));
	FL_CHECK(rho <= 0.01);
	FL_CHECK(fl_ddg_rho(&r) > 0.01);
	FL_CHECK_EQ_INT(var, 10000000);
	settings++;

	/* invalid input */
	r = (fl_ddg_round){ .l2 = 1, .dim = 1, .n = 0, .var = 1 };
	FL_CHECK(fl_ddg_rho(&r) < 0);
	r = (fl_ddg_round){ .l2 = NAN, .dim = 1, .n = 1, .var = 1 };
	FL_CHECK(fl_ddg_rho(&r) < 0);
	FL_CHECK(fl_dp_epsilon(1.0, 0.0) < 0);
	FL_CHECK(fl_dp_epsilon(-1.0, 1e-5) < 0);
	FL_CHECK(fl_dp_rho_budget(1.0, 1.0) < 0);
	r = (fl_ddg_round){ .l2 = 1e9, .dim = 1, .n = 1 };
	FL_CHECK_EQ_INT(fl_ddg_var_for_rho(&r, 1e-9, &var), FL_E_RANGE);
	printf("%d settings checked against their closed forms\n", settings);
	FL_CHECK(settings >= 5);
	return FL_TEST_DONE();
}
