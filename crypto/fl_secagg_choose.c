/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_choose: k and t from n, the expected dropout and the sites'
 * policy, with an exact binomial abort bound (see fl_secagg_choose.h). */
#include <math.h>
#include <stdlib.h>
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_secagg_choose.h"

/* log2(2^a + 2^b), exact for -INFINITY operands. */
static double log2_add(double a, double b)
{
	double hi = a > b ? a : b, lo = a > b ? b : a;

	if (hi == -INFINITY)
		return -INFINITY;
	return hi + log2(1.0 + exp2(lo - hi));
}

double fl_secagg_binom_below_log2(uint32_t trials, double p, uint32_t below)
{
	double lp, lq, lc = 0.0, m = -INFINITY, s = 0.0;

	if (below == 0)
		return -INFINITY;
	if (below > trials)
		return 0.0;
	if (p >= 1.0)
		return -INFINITY;      /* X = trials >= below */
	if (p <= 0.0)
		return 0.0;            /* X = 0 < below */
	lp = log(p);
	lq = log1p(-p);
	/* sum over i < below of C(trials, i) p^i (1-p)^(trials-i), as a
	 * running log-sum-exp; lc = ln C(trials, i) built up term by term */
	for (uint32_t i = 0; i < below; i++) {
		double x;

		if (i > 0)
			lc += log((double)(trials - i + 1)) - log((double)i);
		x = lc + (double)i * lp + (double)(trials - i) * lq;
		if (x > m) {
			s = s * exp(m - x) + 1.0;
			m = x;
		} else {
			s += exp(x - m);
		}
	}
	m = (m + log(s)) / log(2.0);
	return m > 0.0 ? 0.0 : m;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

double fl_secagg_abort_log2(const fl_secagg_sizing *z, uint32_t k, uint32_t t)
{
	uint32_t n = z->n, T = z->min_honest, c = z->colluders;
	uint32_t tp = max_u32(t, T >= 1 ? T - 1 + c : c), need;
	double live = 1.0 - z->dropout, r;

	if (n < 2 || n > FL_SECAGG_MAX_CLIENTS || !(z->dropout >= 0.0 &&
	    z->dropout < 1.0) || t < 1 || t > k || k > n - 1)
		return 0.0;
	need = max_u32(max_u32(t, fl_secagg_quorum(n, c)),
		       max_u32(T + c, z->min_survivors));
	if (k == n - 1)
		return fl_secagg_binom_below_log2(n, live, max_u32(need, tp + 1));
	r = fl_secagg_binom_below_log2(k, live, tp);
	if (r != -INFINITY)
		r += log2((double)n);
	r = log2_add(fl_secagg_binom_below_log2(n, live, need), r);
	return r > 0.0 ? 0.0 : r;
}

/* The smallest t that the rules accept for k (0 if none), and whether the
 * pair passes fl_secagg_params_safe itself. */
static uint32_t choose_t(const fl_secagg_sizing *z, uint32_t k)
{
	fl_secagg_params p = { 0 };
	uint32_t c = z->colluders, t = (k + 1 + c) / 2 + 1;

	if (k < z->n - 1)
		t = max_u32(t, z->min_honest + c);
	t = max_u32(t, z->min_t);
	if (t > k)
		return 0;
	p.n = z->n;
	p.k = k;
	p.t = t;
	p.m = 1;
	p.consistency = true;
	p.q = fl_secagg_quorum(z->n, c);
	return fl_secagg_params_safe(&p, z->min_honest, c, NULL) == 0 ? t : 0;
}

int fl_secagg_choose(const fl_secagg_sizing *z, double target_log2,
		     fl_secagg_choice *out)
{
	double *b = NULL, best = INFINITY;
	uint32_t n, *tk = NULL, k;
	int r = FL_E_NOMEM;

	if (!z || !out || z->n < 2 || z->n > FL_SECAGG_MAX_CLIENTS ||
	    !(z->dropout >= 0.0 && z->dropout < 1.0) || isnan(target_log2))
		return FL_E_INVAL;
	n = z->n;
	if (!(b = malloc(n * sizeof(*b))) || !(tk = calloc(n, sizeof(*tk))))
		goto out;
	/* Ascending k: the first that meets the target is the answer. */
	for (k = 1; k <= n - 1; k++) {
		if (((uint64_t)k * n) % 2 != 0 || (tk[k] = choose_t(z, k)) == 0)
			continue;
		b[k] = fl_secagg_abort_log2(z, k, tk[k]);
		if (b[k] <= target_log2) {
			*out = (fl_secagg_choice){ .k = k, .t = tk[k],
				.abort_log2 = b[k], .met = true };
			r = 0;
			goto out;
		}
		best = b[k] < best ? b[k] : best;
	}
	r = FL_E_UNSAFE;
	if (best == INFINITY)
		goto out;
	/* Out of reach: the cheapest k within one bit of the best bound. */
	for (k = 1; k <= n - 1; k++) {
		if (tk[k] != 0 && b[k] <= best + 1.0) {
			*out = (fl_secagg_choice){ .k = k, .t = tk[k],
				.abort_log2 = b[k], .met = false };
			r = 0;
			break;
		}
	}
out:
	free(b);
	free(tk);
	return r;
}
