/* SPDX-License-Identifier: Apache-2.0 */
/* test_dp_privacy_stats: noisy STATS vectors (crypto/fl_dp_stats.c).
 * - from a spec: bounds per feature or one for all, the label's bound for
 *   regression; a spec without bounds or with the wrong count is refused;
 * - the clamp: values outside [lo, hi] count as lo or hi, only the first
 *   max_rows rows are summed, a sum becomes round(sum / B), a sum of
 *   squares round(sum / B^2), the count and histogram stay integers;
 * - the sensitivity: every coordinate of any site's vector is within
 *   [-M, M] and its L2 norm within D = M sqrt(2 + 2d) (classification) or
 *   M sqrt(3 + 2d) (regression), even for extreme data;
 * - the noise share: n_min S >= (z D)^2 > n_min (S - 1), the rho is
 *   fl_ddg_rho's, about 1 / (2 z^2), and a smaller n_min only raises S;
 * - added noise: the mean and variance of 20000 shares match S;
 * - decode: integers times the steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_dp.h"
#include "fl_dp_plan.h"
#include "fl_dp_stats.h"
#include "fl_err.h"
#include "fl_test.h"

#define SPEC_CLS "[job]\nname = s\ntype = stats\ndataset = d\nlabel = y\n" \
	"labels = a, b, c\nfeatures = f1, f2\n[privacy]\nnoise_multiplier = 2\n"
#define SPEC_REG "[job]\nname = s\ntype = stats\ndataset = d\nlabel = y\n" \
	"model = linear\nfeatures = f1, f2\n[privacy]\nnoise_multiplier = 2\n"

static int parse(const char *base, const char *tail, fl_jobspec *s, char *msg)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", base, tail);
	memset(s, 0, sizeof(*s));
	msg[0] = '\0';
	return fl_jobspec_parse(text, strlen(text), s, msg);
}

static void refused(const char *base, const char *tail, const char *want)
{
	fl_jobspec s;
	char msg[FL_ERRMSG_BYTES];
	int r = parse(base, tail, &s, msg);

	FL_CHECK_EQ_INT(r, FL_E_SPEC);
	if (r == 0)
		fl_jobspec_clear(&s);
	if (!strstr(msg, want))
		fprintf(stderr, "message '%s' lacks '%s'\n", msg, want);
	FL_CHECK(strstr(msg, want) != NULL);
}

static void test_spec(void)
{
	fl_jobspec s, t;
	fl_dp_stats_params p;
	char msg[FL_ERRMSG_BYTES], *text = NULL;

	FL_CHECK_EQ_INT(parse(SPEC_CLS, "max_rows = 10\nbounds = 0:4, -3:1\n", &s,
			      msg), 0);
	FL_CHECK(fl_jobspec_privacy_stats(&s));
	FL_CHECK_EQ_INT((int)s.ndp_bounds, 2);
	FL_CHECK_EQ_INT(fl_dp_stats_from_spec(&s, 2, 3, &p), 0);
	FL_CHECK_EQ_INT((int)fl_dp_stats_len(&p), 1 + 4 + 3);
	/* the canonical text parses back to the same bounds */
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &text), 0);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &t, msg), 0);
	FL_CHECK(fl_jobspec_privacy_stats(&t) && t.ndp_bounds == 2 &&
		 t.dp_max_rows == 10 && t.dp_bounds[2] == -3 && t.dp_bounds[3] == 1);
	fl_jobspec_clear(&t);
	free(text);
	/* 3 features for a spec of 2: refused */
	FL_CHECK_EQ_INT(fl_dp_stats_from_spec(&s, 3, 3, &p), FL_E_RANGE);
	fl_jobspec_clear(&s);
	/* one bound for every column */
	FL_CHECK_EQ_INT(parse(SPEC_CLS, "max_rows = 10\nbounds = -1:1\n", &s, msg), 0);
	FL_CHECK_EQ_INT(fl_dp_stats_from_spec(&s, 2, 3, &p), 0);
	fl_jobspec_clear(&s);
	/* regression: one more bound, for the label */
	FL_CHECK_EQ_INT(parse(SPEC_REG, "max_rows = 10\nbounds = 0:1, 0:1, 0:9\n", &s,
			      msg), 0);
	FL_CHECK_EQ_INT(fl_dp_stats_from_spec(&s, 2, 0, &p), 0);
	fl_jobspec_clear(&s);
	refused(SPEC_REG, "max_rows = 10\nbounds = 0:1, 0:1\n", "needs 1 (for every "
		"column) or 3 (one per feature, then the label's)");
	refused(SPEC_CLS, "max_rows = 10\nbounds = 0:1, 0:1, 0:1\n", "has 3 items");
	refused(SPEC_CLS, "max_rows = 10\n", "need both 'bounds'");
	refused(SPEC_CLS, "bounds = 0:1\n", "need both 'bounds'");
	refused(SPEC_CLS, "", "need both 'bounds'");
	refused(SPEC_CLS, "max_rows = 10\nbounds = 1:0\n", "lo < hi");
	refused(SPEC_CLS, "max_rows = 10\nbounds = 0:x\n", "lo:hi");
	refused(SPEC_CLS, "max_rows = 10\nbounds = 0:1,,\n", "lo:hi");
	/* a list over several lines */
	FL_CHECK_EQ_INT(parse(SPEC_CLS, "max_rows = 10\nbounds = 0:4,\n  -3:1\n", &s,
			      msg), 0);
	FL_CHECK(s.ndp_bounds == 2 && s.dp_bounds[2] == -3);
	fl_jobspec_clear(&s);
	refused(SPEC_CLS, "max_rows = 0\nbounds = 0:1\n", "'max_rows'");
	refused(SPEC_CLS, "max_rows = 10\nbounds = 0:1\nl2_clip = 1\n",
		"'l2_clip' in [privacy] is for training jobs");
}

/* A dataset of n rows, d = 2, k classes; owned by the caller (free). */
static fl_dataset *mk(size_t n, uint32_t k, const double *x, const double *y)
{
	fl_dataset *ds = calloc(1, sizeof(*ds));

	ds->n = n;
	ds->d = 2;
	ds->k = k;
	ds->x = malloc(n * 2 * sizeof(double));
	ds->y = malloc(n * sizeof(double));
	memcpy(ds->x, x, n * 2 * sizeof(double));
	memcpy(ds->y, y, n * sizeof(double));
	return ds;
}

static void ds_free(fl_dataset *ds)
{
	free(ds->x);
	free(ds->y);
	free(ds);
}

static void test_encode(void)
{
	/* f1 in [0, 4], f2 in [-3, 1]; rows beyond max_rows = 3 are ignored */
	static const double bounds[] = { 0, 4, -3, 1 };
	static const double x[] = { 1, 0.5, 9, -7, 2.5, 0, -1, 3, 100, 100 };
	static const double y[] = { 0, 2, 2, 1, 1 };
	fl_dp_stats_params p = { 2, 3, 3, bounds, 2 };
	fl_dataset *ds = mk(5, 3, x, y);
	int64_t v[8];
	size_t used = 0;

	FL_CHECK_EQ_INT(fl_dp_stats_encode(&p, ds, v, &used), 0);
	FL_CHECK_EQ_INT((int)used, 3);
	FL_CHECK_EQ_INT((int)v[0], 3);
	/* f1: 1 + 4 (9 clamped) + 2.5 = 7.5 -> round(7.5 / 4) = 2 */
	FL_CHECK_EQ_INT((int)v[1], 2);
	/* f2: 0.5 - 3 (-7 clamped) + 0 = -2.5, B = 3 -> round(-0.8333) = -1 */
	FL_CHECK_EQ_INT((int)v[2], -1);
	/* f1^2: 1 + 16 + 6.25 = 23.25 / 16 -> 1; f2^2: 0.25 + 9 + 0 = 9.25 / 9 -> 1 */
	FL_CHECK_EQ_INT((int)v[3], 1);
	FL_CHECK_EQ_INT((int)v[4], 1);
	/* histogram of the first 3 rows: 0, 2, 2 */
	FL_CHECK(v[5] == 1 && v[6] == 0 && v[7] == 2);
	/* decode: times the steps 1, 4, 3, 16, 9, 1, 1, 1 */
	{
		double in[8], out[8];
		static const double steps[8] = { 1, 4, 3, 16, 9, 1, 1, 1 };

		for (int i = 0; i < 8; i++) {
			in[i] = (double)v[i];
			FL_CHECK_NEAR(fl_dp_stats_step(&p, (size_t)i), steps[i], 0);
		}
		fl_dp_stats_decode(&p, in, out);
		FL_CHECK_NEAR(out[1], 8, 0);
		FL_CHECK_NEAR(out[4], 9, 0);
	}
	/* a class id out of range is refused */
	ds->y[1] = 3;
	FL_CHECK_EQ_INT(fl_dp_stats_encode(&p, ds, v, NULL), FL_E_INVAL);
	ds_free(ds);
}

/* Extreme data: every coordinate within [-M, M], the norm within D. */
static void test_sensitivity(void)
{
	static const double bounds[] = { -5, 5, 0, 2, -1, 10 };
	const uint32_t m = 50;
	double x[2 * 80], y[80], norm;
	fl_dp_stats_params pc = { 2, 3, m, bounds, 2 }, pr = { 2, 0, m, bounds, 3 };
	int64_t v[8];

	FL_CHECK_NEAR(fl_dp_stats_l2(&pc), 50 * sqrt(6.0), 1e-9);
	FL_CHECK_NEAR(fl_dp_stats_l2(&pr), 50 * sqrt(7.0), 1e-9);
	for (int trial = 0; trial < 4; trial++) {
		fl_dataset *ds;

		for (int i = 0; i < 80; i++) {
			x[2 * i] = trial & 1 ? -1e9 : 1e9;
			x[2 * i + 1] = trial & 2 ? 2 : 1e12;
			y[i] = 2;
		}
		ds = mk(80, 3, x, y);
		FL_CHECK_EQ_INT(fl_dp_stats_encode(&pc, ds, v, NULL), 0);
		norm = 0;
		for (int i = 0; i < 8; i++) {
			FL_CHECK(v[i] >= -(int64_t)m && v[i] <= (int64_t)m);
			norm += (double)v[i] * (double)v[i];
		}
		FL_CHECK(sqrt(norm) <= fl_dp_stats_l2(&pc) + 1e-9);
		ds->k = 0;
		for (int i = 0; i < 80 && trial == 3; i++)
			ds->y[i] = 1e9;   /* a regression label far above its bound */
		FL_CHECK_EQ_INT(fl_dp_stats_encode(&pr, ds, v, NULL), 0);
		norm = 0;
		for (int i = 0; i < 7; i++) {
			FL_CHECK(v[i] >= -(int64_t)m && v[i] <= (int64_t)m);
			norm += (double)v[i] * (double)v[i];
		}
		FL_CHECK(sqrt(norm) <= fl_dp_stats_l2(&pr) + 1e-9);
		/* the label's sum: 50 rows at the bound 10, or of 2 / 10 each */
		FL_CHECK_EQ_INT((int)v[5], trial == 3 ? 50 : 10);
		ds_free(ds);
	}
}

static void test_noise(void)
{
	static const double bounds[] = { 0, 1 };
	fl_dp_stats_params p = { 30, 2, 400, bounds, 1 };
	double d = fl_dp_stats_l2(&p), rho, prev_rho = 0, sum = 0, sq = 0;
	uint64_t var = 0, prev = UINT64_MAX;
	const size_t n = 20000;
	int64_t *v;

	FL_CHECK_NEAR(d, 400 * sqrt(62.0), 1e-9);
	for (uint32_t nmin = 1; nmin <= 8; nmin++) {
		FL_CHECK_EQ_INT(fl_dp_stats_site_var(&p, 0.5, nmin, &var), 0);
		FL_CHECK((double)nmin * (double)var >= 0.25 * d * d);
		FL_CHECK((double)nmin * (double)(var - 1) < 0.25 * d * d);
		FL_CHECK(var <= prev);   /* fewer noise-adding sites: more each */
		prev = var;
		rho = fl_dp_stats_rho(&p, nmin, var);
		/* the Gaussian's 1 / (2 z^2) = 2, from below (S rounded up) */
		FL_CHECK(rho <= 2.0 + 1e-9 && rho > 1.999);
		if (nmin > 1)
			FL_CHECK_NEAR(rho, prev_rho, 1e-3);
		prev_rho = rho;
	}
	FL_CHECK_EQ_INT(fl_dp_stats_site_var(&p, 0.5, 0, &var), FL_E_RANGE);
	FL_CHECK_EQ_INT(fl_dp_stats_site_var(&p, 0, 3, &var), FL_E_RANGE);
	/* the sampler's range: sd above 2^20 is refused */
	FL_CHECK_EQ_INT(fl_dp_stats_site_var(&p, 1e4, 1, &var), FL_E_RANGE);
	/* the shares themselves: mean 0, variance S */
	FL_CHECK_EQ_INT(fl_dp_stats_site_var(&p, 0.5, 4, &var), 0);
	v = calloc(n, sizeof(*v));
	FL_CHECK_EQ_INT(fl_dp_stats_add_noise(var, v, n), 0);
	for (size_t i = 0; i < n; i++) {
		sum += (double)v[i];
		sq += (double)v[i] * (double)v[i];
	}
	/* 5 standard errors: mean sd sqrt(S / n), variance sd S sqrt(2 / n) */
	FL_CHECK(fabs(sum / n) < 5 * sqrt((double)var / n));
	FL_CHECK(fabs(sq / n - (double)var) < 5 * (double)var * sqrt(2.0 / n));
	free(v);
	FL_CHECK_EQ_INT(fl_dp_stats_add_noise(var, NULL, 0), FL_E_INVAL);
}

/* A stats job spends one round of its epsilon; a training job with bounds
 * two more than its TRAIN rounds (STATS and EVAL). */
static void test_rounds(void)
{
	fl_jobspec s;
	char msg[FL_ERRMSG_BYTES];

	FL_CHECK_EQ_INT(parse(SPEC_CLS, "max_rows = 10\nbounds = 0:1\n", &s, msg), 0);
	FL_CHECK_EQ_INT((int)fl_dp_plan_noisy_rounds(&s), 1);
	fl_jobspec_clear(&s);
	FL_CHECK_EQ_INT(parse("[job]\nname = j\ndataset = d\nmodel = logistic\n"
			      "label = y\nlabels = 0, 1\nfeatures = a, b\nrounds = 5\n"
			      "[privacy]\nl2_clip = 1\nepsilon = 8\nmax_rows = 9\n"
			      "bounds = 0:1\n", "", &s, msg), 0);
	FL_CHECK_EQ_INT((int)fl_dp_plan_noisy_rounds(&s), 7);
	fl_jobspec_clear(&s);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_spec();
	test_encode();
	test_sensitivity();
	test_noise();
	test_rounds();
	return FL_TEST_DONE();
}
