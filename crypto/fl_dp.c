/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp: the distributed discrete Gaussian's accountant (formulas in
 * fl_dp.h). Plain double arithmetic: these are bounds on the privacy loss,
 * computed once per round, not the noise itself. */
#include <math.h>

#include "fl_dgauss.h"
#include "fl_dp.h"
#include "fl_err.h"

double fl_ddg_tau(uint32_t n, double var)
{
	const double pi = 3.14159265358979323846;
	double tau = 0.0;
	uint32_t k;

	for (k = 1; k < n; k++) {
		double term = exp(-2.0 * pi * pi * var * (double)k / (double)(k + 1));

		tau += term;
		if (term == 0.0)   /* the rest are smaller still */
			break;
	}
	return 10.0 * tau;
}

double fl_ddg_rho(const fl_ddg_round *r)
{
	double sd, l2, l1, tau, d, a, b;

	if (r == NULL || r->n == 0 || r->var == 0 || r->dim == 0 ||
	    !isfinite(r->l2) || r->l2 < 0 || !isfinite(r->l1) || r->l1 < 0)
		return -1.0;
	d = (double)r->dim;
	l1 = r->l1 > 0 ? r->l1 : fmin(sqrt(d) * r->l2, r->l2 * r->l2);
	sd = sqrt((double)r->n * (double)r->var);
	l2 = r->l2 / sd;
	l1 /= sd;
	tau = fl_ddg_tau(r->n, (double)r->var);
	a = (l2 + sqrt(d) * tau) * (l2 + sqrt(d) * tau);
	b = l2 * l2 + 2.0 * l1 * tau + tau * tau * d;
	return 0.5 * fmin(a, b);
}

double fl_dp_epsilon(double rho, double delta)
{
	if (!(rho >= 0) || !isfinite(rho) || !(delta > 0 && delta < 1))
		return -1.0;
	return rho + 2.0 * sqrt(rho * log(1.0 / delta));
}

double fl_dp_rho_budget(double eps, double delta)
{
	double l, r;

	if (!(eps >= 0) || !isfinite(eps) || !(delta > 0 && delta < 1))
		return -1.0;
	l = log(1.0 / delta);
	r = sqrt(eps + l) - sqrt(l);
	return r * r;
}

int fl_ddg_var_for_rho(const fl_ddg_round *r, double rho, uint64_t *var)
{
	fl_ddg_round t;
	uint64_t lo = 1, hi = FL_DGAUSS_MAX_VAR;
	double got;

	if (r == NULL || var == NULL || !(rho > 0) || !isfinite(rho))
		return FL_E_RANGE;
	t = *r;
	t.var = hi;
	if ((got = fl_ddg_rho(&t)) < 0 || got > rho)
		return FL_E_RANGE;
	t.var = lo;
	if ((got = fl_ddg_rho(&t)) >= 0 && got <= rho) {
		*var = lo;
		return 0;
	}
	/* rho falls as S grows: bisect for the first S that meets it */
	while (hi - lo > 1) {
		t.var = lo + (hi - lo) / 2;
		if (fl_ddg_rho(&t) <= rho)
			hi = t.var;
		else
			lo = t.var;
	}
	*var = hi;
	return 0;
}
