/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_stats: clamped, integer, noisy STATS vectors (see fl_dp_stats.h). */
#include <math.h>
#include <string.h>

#include "fl_dgauss.h"
#include "fl_dp.h"
#include "fl_dp_stats.h"
#include "fl_err.h"
#include "fl_update.h"

int fl_dp_stats_from_spec(const fl_jobspec *s, uint32_t d, uint32_t nclasses,
			  fl_dp_stats_params *p)
{
	uint32_t want = d + (nclasses == 0 ? 1u : 0u);

	if (s == NULL || p == NULL || d == 0 || !fl_jobspec_privacy_stats(s) ||
	    (s->ndp_bounds != 1 && s->ndp_bounds != want))
		return FL_E_RANGE;
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->nclasses = nclasses;
	p->max_rows = s->dp_max_rows;
	p->bounds = s->dp_bounds;
	p->nbounds = s->ndp_bounds;
	return 0;
}

size_t fl_dp_stats_len(const fl_dp_stats_params *p)
{
	return fl_update_stats_len_hist(p->d, p->nclasses);
}

double fl_dp_stats_l2(const fl_dp_stats_params *p)
{
	double blocks = 1.0 + 2.0 * p->d + (p->nclasses ? 1.0 : 2.0);

	return (double)p->max_rows * sqrt(blocks);
}

/* Column j's bounds (j = d: a regression label). */
static void dp_stats_bounds(const fl_dp_stats_params *p, uint32_t j,
			    double *lo, double *hi)
{
	uint32_t k = p->nbounds == 1 ? 0 : j;

	*lo = p->bounds[2 * k];
	*hi = p->bounds[2 * k + 1];
}

static double dp_stats_b(const fl_dp_stats_params *p, uint32_t j)
{
	double lo, hi;

	dp_stats_bounds(p, j, &lo, &hi);
	return fmax(fabs(lo), fabs(hi));
}

double fl_dp_stats_step(const fl_dp_stats_params *p, size_t i)
{
	size_t d = p->d;

	if (i == 0)
		return 1.0;
	if (i <= d)
		return dp_stats_b(p, (uint32_t)(i - 1));
	if (i <= 2 * d) {
		double b = dp_stats_b(p, (uint32_t)(i - 1 - d));

		return b * b;
	}
	if (p->nclasses)
		return 1.0;   /* a histogram bin */
	return i == 2 * d + 1 ? dp_stats_b(p, p->d) :
		dp_stats_b(p, p->d) * dp_stats_b(p, p->d);
}

static double dp_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* round(s / g), kept in [-M, M] whatever the rounding of s did. */
static int64_t dp_stats_int(double s, double g, uint32_t m)
{
	double k = nearbyint(s / g);

	return k > (double)m ? (int64_t)m : k < -(double)m ? -(int64_t)m :
		(int64_t)k;
}

int fl_dp_stats_encode(const fl_dp_stats_params *p, const fl_dataset *train,
		       int64_t *out, size_t *used)
{
	size_t n, i, len;
	uint32_t j, d;
	double lo, hi, v;

	if (p == NULL || train == NULL || out == NULL || train->d != p->d ||
	    train->k != p->nclasses || p->max_rows == 0 || p->bounds == NULL)
		return FL_E_INVAL;
	d = p->d;
	len = fl_dp_stats_len(p);
	n = train->n < p->max_rows ? train->n : p->max_rows;
	memset(out, 0, len * sizeof(*out));
	out[0] = (int64_t)n;
	for (j = 0; j < d; j++) {
		double s1 = 0, s2 = 0;

		dp_stats_bounds(p, j, &lo, &hi);
		for (i = 0; i < n; i++) {
			v = dp_clamp(train->x[i * d + j], lo, hi);
			s1 += v;
			s2 += v * v;
		}
		out[1 + j] = dp_stats_int(s1, fl_dp_stats_step(p, 1 + j), p->max_rows);
		out[1 + d + j] = dp_stats_int(s2, fl_dp_stats_step(p, 1 + d + j),
					      p->max_rows);
	}
	for (i = 0; i < n && p->nclasses > 0; i++) {
		double y = train->y[i];

		if (!(y >= 0 && y < (double)p->nclasses) || y != floor(y))
			return FL_E_INVAL;
		out[1 + 2 * (size_t)d + (size_t)y]++;
	}
	if (p->nclasses == 0) {
		double s1 = 0, s2 = 0;

		dp_stats_bounds(p, d, &lo, &hi);
		for (i = 0; i < n; i++) {
			v = dp_clamp(train->y[i], lo, hi);
			s1 += v;
			s2 += v * v;
		}
		out[1 + 2 * d] = dp_stats_int(s1, fl_dp_stats_step(p, 1 + 2 * d),
					      p->max_rows);
		out[2 + 2 * d] = dp_stats_int(s2, fl_dp_stats_step(p, 2 + 2 * d),
					      p->max_rows);
	}
	if (used)
		*used = n;
	return 0;
}

int fl_dp_noise_var(double l2, double z, uint32_t n_min, uint64_t *var)
{
	double sd, s;

	if (var == NULL || n_min == 0 || !(z > 0) || !isfinite(z) ||
	    !(l2 > 0) || !isfinite(l2))
		return FL_E_RANGE;
	sd = z * l2;
	s = ceil(sd * sd / (double)n_min);
	if (!(s >= 1) || s > (double)FL_DGAUSS_MAX_VAR)
		return FL_E_RANGE;
	*var = (uint64_t)s;
	return 0;
}

double fl_dp_noise_rho(double l2, uint64_t dim, uint32_t n_min, uint64_t var)
{
	fl_ddg_round r;

	memset(&r, 0, sizeof(r));
	r.l2 = l2;
	r.l1 = 0;
	r.dim = dim;
	r.n = n_min;
	r.var = var;
	return fl_ddg_rho(&r);
}

int fl_dp_stats_site_var(const fl_dp_stats_params *p, double z,
			 uint32_t n_min, uint64_t *var)
{
	if (p == NULL)
		return FL_E_RANGE;
	return fl_dp_noise_var(fl_dp_stats_l2(p), z, n_min, var);
}

double fl_dp_stats_rho(const fl_dp_stats_params *p, uint32_t n_min,
		       uint64_t var)
{
	if (p == NULL)
		return -1;
	return fl_dp_noise_rho(fl_dp_stats_l2(p), fl_dp_stats_len(p), n_min, var);
}

double fl_dp_eval_l2(uint32_t max_rows, uint32_t nclasses)
{
	return (double)max_rows * (nclasses ? sqrt(5.0) : 1.0);
}

int fl_dp_eval_noisy(uint32_t nclasses, size_t i)
{
	/* n, correct (classification), then the 3c counts */
	return i == 0 || (nclasses > 0 && (i == 2 || i >= 6));
}

int fl_dp_stats_add_noise(uint64_t var, int64_t *v, size_t len)
{
	fl_dgauss g;
	size_t i;
	int r;

	if (v == NULL)
		return FL_E_INVAL;
	if ((r = fl_dgauss_init(&g, var, NULL, NULL)) != 0)
		return r;
	for (i = 0; i < len; i++)
		v[i] += fl_dgauss_sample(&g);
	fl_dgauss_clear(&g);
	return 0;
}

void fl_dp_stats_decode(const fl_dp_stats_params *p, const double *sum,
			double *out)
{
	size_t i, len = fl_dp_stats_len(p);

	for (i = 0; i < len; i++)
		out[i] = sum[i] * fl_dp_stats_step(p, i);
}
