/* SPDX-License-Identifier: Apache-2.0 */
/* test_algo: FedProx, lr schedules, class weights, the STATS label histogram
 * through secure-sum words, and the server optimisers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_dataset.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_servopt.h"
#include "fl_test.h"
#include "fl_train.h"
#include "fl_update.h"
#include "fl_upvec.h"
#include "fl_util.h"

#define TD 4
#define TK 3

static const char base_spec[] =
	"[job]\nname = a\ndataset = d\nmodel = softmax\nlabel = y\n"
	"labels = a, b, c\nfeatures = f1, f2, f3, f4\nrounds = 20\n";

static int spec_parse(const char *extra, fl_jobspec *s, char *err)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "%s%s", base_spec, extra);
	return fl_jobspec_parse(buf, strlen(buf), s, err);
}

static void test_spec(void)
{
	char err[FL_ERRMSG_BYTES], *txt = NULL;
	fl_jobspec s, s2;

	FL_CHECK_EQ_INT(spec_parse("", &s, err), 0);
	FL_CHECK(s.prox_mu == 0.0 && s.lr_schedule == FL_LR_CONSTANT &&
		 s.cw_mode == FL_CW_NONE && s.optimizer == FL_SOPT_FEDAVG &&
		 s.server_lr == 1.0 && s.tau == 1e-3);
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &txt), 0);
	/* Defaults keep the canonical text free of the new keys. */
	FL_CHECK(txt && strstr(txt, "prox_mu") == NULL && strstr(txt, "[server]") == NULL);
	free(txt);
	fl_jobspec_clear(&s);

	FL_CHECK_EQ_INT(spec_parse("[train]\nprox_mu = 0.01\nlr_schedule = step\n"
				   "lr_decay = 0.5\nlr_step = 3\nclass_weights = 1, 2.5,\n"
				   "  0.5\n[server]\noptimizer = fedyogi\nserver_lr = 0.03\n"
				   "momentum = 0.8\nbeta2 = 0.95\ntau = 0.01\n", &s, err), 0);
	FL_CHECK(s.prox_mu == 0.01 && s.lr_schedule == FL_LR_STEP && s.lr_decay == 0.5 &&
		 s.lr_step == 3 && s.cw_mode == FL_CW_LIST && s.ncw == 3 &&
		 s.optimizer == FL_SOPT_FEDYOGI && s.server_lr == 0.03 &&
		 s.momentum == 0.8 && s.beta2 == 0.95 && s.tau == 0.01);
	FL_CHECK(s.ncw == 3 && s.class_weights[1] == 2.5 && s.class_weights[2] == 0.5);
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &txt), 0);
	FL_CHECK_EQ_INT(txt ? fl_jobspec_parse(txt, strlen(txt), &s2, err) : -1, 0);
	FL_CHECK(s2.prox_mu == s.prox_mu && s2.lr_schedule == s.lr_schedule &&
		 s2.lr_step == s.lr_step && s2.ncw == 3 && s2.class_weights[2] == 0.5 &&
		 s2.optimizer == s.optimizer && s2.tau == s.tau && s2.beta2 == s.beta2);
	free(txt);
	fl_jobspec_clear(&s2);
	fl_jobspec_clear(&s);

	FL_CHECK_EQ_INT(spec_parse("[train]\nclass_weights = balanced\n", &s, err), 0);
	FL_CHECK(s.cw_mode == FL_CW_BALANCED);
	fl_jobspec_clear(&s);
	FL_CHECK_EQ_INT(spec_parse("[server]\noptimizer = sgd\n", &s, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "optimizer") != NULL);
	FL_CHECK_EQ_INT(spec_parse("[train]\nclass_weights = 1, 2\n", &s, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "one weight per label") != NULL);
	FL_CHECK_EQ_INT(spec_parse("[train]\nclass_weights = 1, x, 2\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[train]\nclass_weights = 1, -1, 2\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[train]\nprox_mu = -1\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[train]\nlr_decay = 0\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[train]\nlr_schedule = linear\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[server]\nbeta2 = 1\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[server]\ntau = 0\n", &s, err), FL_E_SPEC);
	FL_CHECK_EQ_INT(spec_parse("[server]\nlr = 1\n", &s, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "unknown key") != NULL);
	FL_CHECK_EQ_INT(spec_parse("[server]\ntau = 1\ntau = 2\n", &s, err), FL_E_SPEC);
	{
		static const char lin[] = "[job]\nname = a\ndataset = d\nmodel = linear\n"
			"label = y\n[train]\nclass_weights = balanced\n";
		FL_CHECK_EQ_INT(fl_jobspec_parse(lin, strlen(lin), &s, err), FL_E_SPEC);
	}
	FL_CHECK(strstr(err, "classification") != NULL);
}

static void test_lr(void)
{
	char err[FL_ERRMSG_BYTES];
	fl_jobspec s;

	FL_CHECK_EQ_INT(spec_parse("[train]\nlr = 0.2\n", &s, err), 0);
	FL_CHECK(fl_lr_at(&s, 1) == 0.2 && fl_lr_at(&s, 17) == 0.2);
	s.lr_schedule = FL_LR_STEP;
	s.lr_decay = 0.5;
	s.lr_step = 2;
	FL_CHECK_NEAR(fl_lr_at(&s, 0), 0.2, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 2), 0.2, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 3), 0.1, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 5), 0.05, 1e-15);
	s.lr_schedule = FL_LR_EXPONENTIAL;
	s.lr_decay = 0.9;
	FL_CHECK_NEAR(fl_lr_at(&s, 1), 0.2, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 3), 0.2 * 0.81, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 500), fl_lr_at(&s, 20), 0);  /* past the end */
	s.lr_decay = 1e-6;
	FL_CHECK(fl_lr_at(&s, 20) > 0);   /* no underflow to an invalid 0 */
	s.lr_decay = 0.9;
	s.lr_schedule = FL_LR_COSINE;
	FL_CHECK_NEAR(fl_lr_at(&s, 1), 0.2, 1e-15);
	FL_CHECK_NEAR(fl_lr_at(&s, 11), 0.1, 1e-12);   /* halfway of 20 */
	FL_CHECK(fl_lr_at(&s, 20) > 0 && fl_lr_at(&s, 20) < 0.01);
	fl_jobspec_clear(&s);
}

/* n rows, TD features; class shares skew toward class `bias`. */
static fl_dataset *make_data(size_t n, uint32_t bias, uint64_t seed)
{
	fl_dataset *ds = calloc(1, sizeof(*ds));
	fl_rng rng;

	if (ds == NULL)
		return NULL;
	ds->n = n;
	ds->d = TD;
	ds->k = TK;
	ds->x = malloc(n * TD * sizeof(double));
	ds->y = malloc(n * sizeof(double));
	if (!ds->x || !ds->y) {
		fl_dataset_free(ds);
		return NULL;
	}
	fl_rng_seed(&rng, seed);
	for (size_t i = 0; i < n; i++) {
		double u = fl_rng_uniform(&rng);
		uint32_t c = u < 0.7 ? bias : u < 0.9 ? (bias + 1) % TK : (bias + 2) % TK;
		ds->y[i] = c;
		for (uint32_t j = 0; j < TD; j++)
			ds->x[i * TD + j] = fl_rng_normal(&rng) + (j == c ? 2.0 : 0.0) + 3.0;
	}
	return ds;
}

static double dist(const fl_model *a, const fl_model *b)
{
	double s = 0;

	for (size_t i = 0; i < a->nparams; i++)
		s += (a->w[i] - b->w[i]) * (a->w[i] - b->w[i]);
	return sqrt(s);
}

static fl_model *model_of(enum fl_model_kind kind)
{
	static const uint32_t hid[1] = { 8 };
	fl_model *m = NULL;

	if (kind == FL_MODEL_MLP)
		fl_model_new_mlp(TD, TK, 1, hid, &m);
	else
		fl_model_new(kind, TD, kind == FL_MODEL_SOFTMAX ? TK : 1, &m);
	if (m && kind == FL_MODEL_MLP)
		fl_model_init(m, 7);
	if (m)
		for (uint32_t j = 0; j < TD; j++)
			m->mean[j] = 3.0;
	return m;
}

static void test_prox(enum fl_model_kind kind)
{
	fl_dataset *ds = make_data(400, 2, 11);
	fl_model *g = model_of(kind), *a = NULL, *b = NULL, *c = NULL;
	fl_train_opts o = { 3, 16, 0.1, 1e-3, 5 };
	fl_train_extra none = { 0.0, NULL }, prox = { 5.0, NULL };
	double la, lb, lc, da, dc;

	if (kind == FL_MODEL_LOGISTIC)
		for (size_t i = 0; ds && i < ds->n; i++)
			ds->y[i] = ds->y[i] == 2 ? 1 : 0;
	if (!ds || !g || fl_model_copy(g, &a) || fl_model_copy(g, &b) ||
	    fl_model_copy(g, &c)) {
		FL_CHECK(0);
		goto out;
	}
	if (kind == FL_MODEL_LOGISTIC)
		ds->k = 2;
	FL_CHECK_EQ_INT(fl_train_sgd(a, ds, &o, &la), 0);
	FL_CHECK_EQ_INT(fl_train_sgd_ex(b, ds, &o, &none, &lb), 0);
	FL_CHECK_EQ_INT(fl_train_sgd_ex(c, ds, &o, &prox, &lc), 0);
	/* mu = 0 is the plain path, bit for bit. */
	FL_CHECK(memcmp(a->w, b->w, a->nparams * sizeof(double)) == 0 && la == lb);
	da = dist(a, g);
	dc = dist(c, g);
	FL_CHECK(da > 0.1);
	FL_CHECK(dc < 0.5 * da);
	if (!(dc < 0.5 * da))
		fprintf(stderr, "prox kind %d: |w-g| %g (mu 0) vs %g (mu 5)\n", kind, da, dc);
out:
	fl_model_free(g);
	fl_model_free(a);
	fl_model_free(b);
	fl_model_free(c);
	fl_dataset_free(ds);
}

/* One full-batch step with a tiny lr gives the gradient of the weighted
 * mean loss: compare with central differences of the loss that the same
 * call reports (before its step). */
static double wloss(const fl_model *m, const fl_dataset *ds, const fl_train_extra *ex)
{
	fl_model *c = NULL;
	fl_train_opts o = { 1, (uint32_t)ds->n, 1e-300, 0.0, 1 };
	double l = NAN;

	if (fl_model_copy(m, &c) == 0 && fl_train_sgd_ex(c, ds, &o, ex, &l) != 0)
		l = NAN;
	fl_model_free(c);
	return l / (double)ds->n;
}

static void test_weighted_grad(enum fl_model_kind kind)
{
	static const double cw[TK] = { 0.3, 2.5, 1.2 };
	fl_dataset *ds = make_data(60, 0, 3);
	fl_model *m = model_of(kind), *s = NULL;
	fl_train_extra ex = { 0.0, cw };
	fl_train_opts o = { 1, 60, 1e-4, 0.0, 1 };
	double l0, lw, maxerr = 0, h = 1e-5;

	if (!ds || !m) {
		FL_CHECK(0);
		goto out;
	}
	if (kind == FL_MODEL_LOGISTIC) {
		ds->k = 2;
		for (size_t i = 0; i < ds->n; i++)
			ds->y[i] = ds->y[i] == 1 ? 1 : 0;
	}
	for (size_t i = 0; i < m->nparams; i++)   /* away from w = 0 */
		m->w[i] += 0.05 * (double)((i * 7) % 5) - 0.1;
	l0 = wloss(m, ds, NULL);
	lw = wloss(m, ds, &ex);
	FL_CHECK(isfinite(l0) && isfinite(lw) && fabs(l0 - lw) > 1e-3);
	FL_CHECK_EQ_INT(fl_model_copy(m, &s), 0);
	if (!s)
		goto out;
	FL_CHECK_EQ_INT(fl_train_sgd_ex(s, ds, &o, &ex, NULL), 0);
	for (size_t i = 0; i < m->nparams; i++) {
		double g = (m->w[i] - s->w[i]) / o.lr, keep = m->w[i], lp, lm, e;

		m->w[i] = keep + h;
		lp = wloss(m, ds, &ex);
		m->w[i] = keep - h;
		lm = wloss(m, ds, &ex);
		m->w[i] = keep;
		e = fabs(g - (lp - lm) / (2 * h)) / (1.0 + fabs(g));
		if (e > maxerr)
			maxerr = e;
	}
	FL_CHECK(maxerr < 1e-5);
	if (!(maxerr < 1e-5))
		fprintf(stderr, "weighted grad kind %d: max rel err %g\n", kind, maxerr);
	/* Weights are refused on regression and when negative. */
	{
		static const double bad[TK] = { 1, -1, 1 };
		fl_train_extra eb = { 0.0, bad }, em = { -1.0, NULL };
		FL_CHECK_EQ_INT(fl_train_sgd_ex(s, ds, &o, &eb, NULL), FL_E_INVAL);
		FL_CHECK_EQ_INT(fl_train_sgd_ex(s, ds, &o, &em, NULL), FL_E_INVAL);
	}
out:
	fl_model_free(m);
	fl_model_free(s);
	fl_dataset_free(ds);
}

/* Three sites' STATS vectors (with histogram) -> quantised words -> sum ->
 * decode -> model: the histogram equals a plain count over all rows. */
static void test_histogram(void)
{
	fl_dataset *site[3] = { make_data(120, 0, 21), make_data(75, 1, 22),
				make_data(230, 2, 23) };
	size_t len = fl_update_stats_len_hist(TD, TK);
	fl_upvec_layout l = { 0, len, { 1.0, 20 } };
	size_t words = fl_upvec_words(&l);
	uint32_t *enc = calloc(words, 4), *sum = calloc(words, 4);
	double *v = calloc(len, sizeof(double)), *dec = calloc(len, sizeof(double));
	double plain[TK] = { 0 }, w[TK], n = 0, sx[TD] = { 0 }, sxx[TD] = { 0 };
	fl_model *m = model_of(FL_MODEL_SOFTMAX), *back = NULL;
	char err[FL_ERRMSG_BYTES];
	uint8_t *buf = NULL;
	size_t blen = 0;
	fl_jobspec spec;
	int use = -1;

	FL_CHECK_EQ_INT(len, 1 + 2 * TD + TK);
	/* regression: the label's sum and sum of squares follow */
	FL_CHECK_EQ_INT(fl_update_stats_len_hist(TD, 0),
			fl_update_stats_len(TD) + FL_UPDATE_STATS_LABEL);
	if (!site[0] || !site[1] || !site[2] || !enc || !sum || !v || !dec || !m) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(fl_upvec_check(&l, 3), 0);
	for (int s = 0; s < 3; s++) {
		FL_CHECK_EQ_INT(fl_update_stats_build_hist(site[s], TK, v), 0);
		FL_CHECK_EQ_INT(fl_upvec_encode(&l, v, enc), 0);
		for (size_t i = 0; i < words; i++)
			sum[i] += enc[i];
		for (size_t i = 0; i < site[s]->n; i++) {
			plain[(uint32_t)site[s]->y[i]] += 1;
			for (uint32_t j = 0; j < TD; j++) {
				double x = site[s]->x[i * TD + j];

				sx[j] += x;
				sxx[j] += x * x;
			}
		}
		n += (double)site[s]->n;
	}
	FL_CHECK_EQ_INT(fl_upvec_decode_sum(&l, 3, sum, dec), 0);
	FL_CHECK_EQ_INT(fl_update_stats_apply_hist(m, dec, TK), 0);
	FL_CHECK_EQ_INT(m->nlabel_counts, TK);
	for (uint32_t c = 0; c < TK && m->label_counts; c++)
		FL_CHECK(m->label_counts[c] == plain[c]);
	/* Every feature's secure-sum mean and standard deviation equal the
	 * plain ones over the union of the sites' rows. */
	for (uint32_t j = 0; j < TD; j++) {
		FL_CHECK_NEAR(m->mean[j], sx[j] / n, 1e-4);
		FL_CHECK_NEAR(m->scale[j], sqrt(sxx[j] / n - (sx[j] / n) * (sx[j] / n)),
			      1e-3);
	}
	/* A wrong class count is refused; regression takes none. */
	FL_CHECK_EQ_INT(fl_update_stats_apply_hist(m, dec, 2), FL_E_INVAL);
	v[0] = -1;
	site[0]->y[0] = TK;   /* not a class id */
	FL_CHECK_EQ_INT(fl_update_stats_build_hist(site[0], TK, v), FL_E_INVAL);

	/* Balanced weights n / (c * count_c) from the model's histogram. */
	FL_CHECK_EQ_INT(spec_parse("[train]\nclass_weights = balanced\n", &spec, err), 0);
	FL_CHECK_EQ_INT(fl_train_class_weights(&spec, m, w, &use, err), 0);
	FL_CHECK_EQ_INT(use, 1);
	for (uint32_t c = 0; c < TK; c++)
		FL_CHECK_NEAR(w[c], n / (TK * plain[c]), 1e-12);
	{
		static const double cnt[3] = { 10, 30, 60 };
		static const double zero[2] = { 0, 4 };
		double bw[3];
		FL_CHECK_EQ_INT(fl_class_weights_balanced(cnt, 3, bw), 0);
		FL_CHECK_NEAR(bw[0], 100.0 / 30.0, 1e-12);
		FL_CHECK_NEAR(bw[1], 100.0 / 90.0, 1e-12);
		FL_CHECK_NEAR(bw[2], 100.0 / 180.0, 1e-12);
		FL_CHECK_EQ_INT(fl_class_weights_balanced(zero, 2, bw), 0);
		FL_CHECK(bw[0] == 1.0 && bw[1] == 0.5);
		FL_CHECK_EQ_INT(fl_class_weights_balanced(zero, 1, bw), FL_E_RANGE);
	}
	/* The histogram survives the native format (FLMODEL3) and copies. */
	FL_CHECK_EQ_INT(fl_model_encode(m, &buf, &blen), 0);
	FL_CHECK(buf && memcmp(buf, "FLMODEL3", 8) == 0);
	FL_CHECK_EQ_INT(buf ? fl_model_decode(buf, blen, &back) : -1, 0);
	FL_CHECK(back && back->nlabel_counts == TK && back->label_counts[2] == plain[2] &&
		 memcmp(back->w, m->w, m->nparams * 8) == 0);
	if (buf) {
		buf[blen - m->nparams * 8 - 1] ^= 0x80;   /* last count -> negative */
		fl_model_free(back);
		back = NULL;
		FL_CHECK_EQ_INT(fl_model_decode(buf, blen, &back), FL_E_PARSE);
	}
	/* Without a histogram: balanced cannot work; the old format stays. */
	fl_model_free(back);
	back = model_of(FL_MODEL_SOFTMAX);
	FL_CHECK_EQ_INT(fl_train_class_weights(&spec, back, w, &use, err), FL_E_STATE);
	free(buf);
	buf = NULL;
	FL_CHECK_EQ_INT(fl_model_encode(back, &buf, &blen), 0);
	FL_CHECK(buf && memcmp(buf, "FLMODEL1", 8) == 0);
	fl_jobspec_clear(&spec);
out:
	for (int s = 0; s < 3; s++)
		fl_dataset_free(site[s]);
	free(enc);
	free(sum);
	free(v);
	free(dec);
	free(buf);
	fl_model_free(m);
	fl_model_free(back);
}

static int opt_spec(enum fl_server_opt k, double eta, fl_jobspec *s)
{
	char err[FL_ERRMSG_BYTES];
	int r = spec_parse("", s, err);

	s->optimizer = k;
	s->server_lr = eta;
	return r;
}

/* Hand-computed with Algorithm 2 of Reddi et al. (beta1 0.9, beta2 0.99,
 * tau 1e-3, eta 0.1, v_{-1} = tau^2) for x = (1, 2), then deltas
 * (0.5, -0.2) and (-0.1, 0.3). */
static void test_servopt(void)
{
	static const double d1[2] = { 0.5, -0.2 }, d2[2] = { -0.1, 0.3 };
	static const struct { enum fl_server_opt k; double x1[2], x2[2]; } want[] = {
		{ FL_SOPT_FEDADAM, { 1.0980201901209485, 1.9048739483244113 },
		  { 1.1656476639862206, 1.9372944553312945 } },
		{ FL_SOPT_FEDYOGI, { 1.0980199980004, 1.9048750780274961 },
		  { 1.1653276903080922, 1.937246811190951 } },
		{ FL_SOPT_FEDADAGRAD, { 1.00998001999998, 1.9900498750007813 },
		  { 1.0168306363914668, 1.9933688582096512 } },
		{ FL_SOPT_FEDAVGM, { 1.05, 1.98 }, { 1.085, 1.992 } },
	};
	for (size_t t = 0; t < sizeof(want) / sizeof(want[0]); t++) {
		fl_jobspec s;
		fl_servopt *o = NULL, *o2 = NULL;
		double x[2] = { 1.0, 2.0 };
		uint8_t *buf = NULL;
		size_t len = 0;

		FL_CHECK_EQ_INT(opt_spec(want[t].k, 0.1, &s), 0);
		FL_CHECK_EQ_INT(fl_servopt_new(&s, 2, &o), 0);
		if (!o)
			continue;
		FL_CHECK(fl_servopt_stateful(want[t].k));
		FL_CHECK_EQ_INT(fl_servopt_step(o, x, d1), 0);
		FL_CHECK_NEAR(x[0], want[t].x1[0], 1e-12);
		FL_CHECK_NEAR(x[1], want[t].x1[1], 1e-12);
		/* The state round-trips; the second step continues from it. */
		FL_CHECK_EQ_INT(fl_servopt_encode(o, &buf, &len), 0);
		FL_CHECK_EQ_INT(fl_servopt_decode(&s, 2, buf, len, &o2), 0);
		FL_CHECK_EQ_INT(fl_servopt_step(o2 ? o2 : o, x, d2), 0);
		FL_CHECK_NEAR(x[0], want[t].x2[0], 1e-12);
		FL_CHECK_NEAR(x[1], want[t].x2[1], 1e-12);
		FL_CHECK(o2 && o2->steps == 2);
		FL_CHECK_EQ_INT(fl_servopt_decode(&s, 3, buf, len, &o2), FL_E_PARSE);
		FL_CHECK_EQ_INT(fl_servopt_decode(&s, 2, buf, len - 1, &o2), FL_E_PARSE);
		s.optimizer = want[t].k == FL_SOPT_FEDADAM ? FL_SOPT_FEDYOGI : FL_SOPT_FEDADAM;
		FL_CHECK_EQ_INT(fl_servopt_decode(&s, 2, buf, len, &o2), FL_E_PARSE);
		free(buf);
		fl_servopt_free(o);
		fl_servopt_free(o2);
		fl_jobspec_clear(&s);
	}
}

/* fedavg with server_lr 1 through the optimiser is today's FedAvg exactly;
 * a diverging step changes nothing. */
static void test_fedavg_exact(void)
{
	fl_dataset *ds = make_data(200, 1, 9);
	fl_model *g = model_of(FL_MODEL_SOFTMAX), *a = NULL, *b = NULL, *loc = NULL;
	fl_train_opts o = { 2, 16, 0.1, 0.0, 3 };
	fl_jobspec s;
	fl_servopt *opt = NULL;
	fl_round_summary sa, sb;
	double *vec = NULL;

	FL_CHECK_EQ_INT(opt_spec(FL_SOPT_FEDAVG, 1.0, &s), 0);
	if (!ds || !g || fl_model_copy(g, &loc) || fl_model_copy(g, &a) ||
	    fl_model_copy(g, &b) || !(vec = calloc(fl_update_train_len(g), 8))) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(fl_train_sgd(loc, ds, &o, NULL), 0);
	FL_CHECK_EQ_INT(fl_update_train_build(g, loc, 200, 10, NULL, vec), 0);
	FL_CHECK_EQ_INT(fl_servopt_new(&s, g->nparams, &opt), 0);
	FL_CHECK(!fl_servopt_stateful(FL_SOPT_FEDAVG) && opt && !opt->m && !opt->v);
	FL_CHECK_EQ_INT(fl_update_train_apply(a, vec, &sa), 0);
	FL_CHECK_EQ_INT(fl_update_train_apply_opt(b, vec, opt, &sb), 0);
	FL_CHECK(memcmp(a->w, b->w, a->nparams * 8) == 0 && a->version == b->version);
	FL_CHECK(dist(a, g) > 0.01);
	fl_servopt_free(opt);
	opt = NULL;
	s.optimizer = FL_SOPT_FEDAVGM;
	s.server_lr = 100;
	FL_CHECK_EQ_INT(fl_servopt_new(&s, g->nparams, &opt), 0);
	vec[0] = 1e308;
	vec[g->nparams] = 1e-300;   /* tiny n: delta overflows */
	FL_CHECK_EQ_INT(fl_update_train_apply_opt(b, vec, opt, &sb), FL_E_DIVERGED);
	FL_CHECK(memcmp(a->w, b->w, a->nparams * 8) == 0 && opt && opt->steps == 0 &&
		 opt->m[0] == 0);
out:
	fl_servopt_free(opt);
	fl_jobspec_clear(&s);
	free(vec);
	fl_model_free(g);
	fl_model_free(a);
	fl_model_free(b);
	fl_model_free(loc);
	fl_dataset_free(ds);
}

/* Regression: the STATS round's label sums give the model's label
 * standardisation; predictions are in the label's units; FLMODEL4 keeps
 * it; a bad scale is refused. */
static void test_label_scale(void)
{
	fl_dataset ds;
	double x[6] = { 1, 2, 3, 4, 5, 6 }, y[3] = { 10, 20, 60 };
	double v[3 + 2 * 2], want_mean = 30.0, want_sd = sqrt((100 + 400 + 3600) / 3.0 - 900);
	uint8_t *buf = NULL;
	size_t blen = 0;
	fl_model *m = NULL, *back = NULL, *cls = NULL;

	memset(&ds, 0, sizeof(ds));
	ds.n = 3;
	ds.d = 2;
	ds.x = x;
	ds.y = y;
	FL_CHECK_EQ_INT(fl_update_stats_len_hist(2, 0), 7);
	FL_CHECK_EQ_INT(fl_update_stats_build_hist(&ds, 0, v), 0);
	FL_CHECK_NEAR(v[5], 90.0, 0);
	FL_CHECK_NEAR(v[6], 4100.0, 0);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LINEAR, 2, 1, &m), 0);
	if (m == NULL)
		return;
	FL_CHECK_EQ_INT(fl_update_stats_apply_hist(m, v, 0), 0);
	FL_CHECK_NEAR(m->y_mean, want_mean, 1e-12);
	FL_CHECK_NEAR(m->y_scale, want_sd, 1e-9);
	/* output 0 predicts the mean; output 1 one standard deviation above */
	FL_CHECK_NEAR(fl_model_predict_row(m, x), want_mean, 1e-9);
	m->w[2] = 1.0;   /* bias */
	FL_CHECK_NEAR(fl_model_predict_row(m, x), want_mean + want_sd, 1e-9);
	FL_CHECK_EQ_INT(fl_model_encode(m, &buf, &blen), 0);
	FL_CHECK(buf != NULL && memcmp(buf, "FLMODEL4", 8) == 0);
	FL_CHECK_EQ_INT(buf ? fl_model_decode(buf, blen, &back) : -1, 0);
	if (back) {
		FL_CHECK_NEAR(back->y_mean, m->y_mean, 0);
		FL_CHECK_NEAR(back->y_scale, m->y_scale, 0);
		fl_model_free(back);
		back = NULL;
	}
	/* a zero scale on the wire is refused */
	if (buf && blen > 64) {
		memset(buf + 56, 0, 8);   /* y_scale, after the FLMODEL2 header and y_mean */
		FL_CHECK_EQ_INT(fl_model_decode(buf, blen, &back), FL_E_PARSE);
	}
	free(buf);
	FL_CHECK_EQ_INT(fl_model_set_label_scale(m, 1.0, 0.0), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_set_label_scale(m, NAN, 1.0), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LOGISTIC, 2, 1, &cls), 0);
	FL_CHECK_EQ_INT(fl_model_set_label_scale(cls, 1.0, 2.0), FL_E_INVAL);
	/* no label scale: the old FLMODEL1 bytes */
	m->y_mean = 0.0;
	m->y_scale = 1.0;
	buf = NULL;
	FL_CHECK_EQ_INT(fl_model_encode(m, &buf, &blen), 0);
	FL_CHECK(buf != NULL && memcmp(buf, "FLMODEL1", 8) == 0);
	free(buf);
	fl_model_free(cls);
	fl_model_free(m);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_spec();
	test_lr();
	test_prox(FL_MODEL_LOGISTIC);
	test_prox(FL_MODEL_SOFTMAX);
	test_prox(FL_MODEL_MLP);
	test_weighted_grad(FL_MODEL_LOGISTIC);
	test_weighted_grad(FL_MODEL_SOFTMAX);
	test_weighted_grad(FL_MODEL_MLP);
	test_histogram();
	test_servopt();
	test_fedavg_exact();
	test_label_scale();
	return FL_TEST_DONE();
}
