/* SPDX-License-Identifier: Apache-2.0 */
/* test_mlp: MLP gradients vs finite differences, codec, init, real-data quality. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_dataset.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_model_int.h"
#include "fl_test.h"
#include "fl_train.h"
#include "fl_update.h"
#include "fl_util.h"

#define GN 7
#define GD 4

/* Relative error of the analytic gradient vs central differences of the
 * mean objective (cross-entropy, or half squared error). */
static double grad_check(uint32_t k, uint32_t nh, const uint32_t *hidden)
{
	double x[GN * GD], y[GN], loss, lp, lm, worst = 0.0, *g = NULL;
	fl_model *m = NULL;
	fl_rng rng;
	const double h = 1e-5, half = k == 1 ? 0.5 : 1.0;

	if (fl_model_new_mlp(GD, k, nh, hidden, &m) != 0 || fl_model_init(m, 7) != 0)
		goto out;
	fl_rng_seed(&rng, 3);
	for (size_t i = 0; i < m->nparams; i++)   /* biases non-zero too */
		m->w[i] += 0.1 * fl_rng_normal(&rng);
	for (int i = 0; i < GN * GD; i++)
		x[i] = fl_rng_normal(&rng);
	for (int i = 0; i < GN; i++)
		y[i] = k == 1 ? fl_rng_normal(&rng) : (double)(fl_rng_next(&rng) % k);
	g = malloc(m->nparams * sizeof(double));
	if (g == NULL || fl_mlp_grad(m, m->w, x, y, GN, g, &loss) != 0)
		goto out;
	for (size_t i = 0; i < m->nparams; i++) {
		double w0 = m->w[i], num, den;
		m->w[i] = w0 + h;
		fl_mlp_grad(m, m->w, x, y, GN, g + 0, &lp);
		m->w[i] = w0 - h;
		fl_mlp_grad(m, m->w, x, y, GN, g + 0, &lm);
		m->w[i] = w0;
		/* g was overwritten: recompute the analytic one at w0. */
		fl_mlp_grad(m, m->w, x, y, GN, g, &loss);
		num = half * (lp - lm) / (2 * h) / GN;
		den = fmax(fabs(num) + fabs(g[i]), 1e-8);
		if (fabs(num - g[i]) / den > worst)
			worst = fabs(num - g[i]) / den;
	}
	free(g);
	fl_model_free(m);
	return worst;
out:
	free(g);
	fl_model_free(m);
	return INFINITY;
}

static void test_gradients(void)
{
	static const uint32_t h1[] = { 5 }, h2[] = { 6, 3 };
	double e;

	e = grad_check(3, 1, h1);
	printf("grad check softmax 1 layer: %.3g\n", e);
	FL_CHECK(e < 1e-5);
	e = grad_check(3, 2, h2);
	printf("grad check softmax 2 layers: %.3g\n", e);
	FL_CHECK(e < 1e-5);
	e = grad_check(1, 1, h1);
	printf("grad check squared 1 layer: %.3g\n", e);
	FL_CHECK(e < 1e-5);
	e = grad_check(1, 2, h2);
	printf("grad check squared 2 layers: %.3g\n", e);
	FL_CHECK(e < 1e-5);
}

static void test_shape_init(void)
{
	static const uint32_t h[] = { 4, 3 }, bad[] = { 0 };
	fl_model *a = NULL, *b = NULL, *c = NULL;

	FL_CHECK_EQ_INT(fl_model_new_mlp(5, 2, 2, h, &a), 0);
	FL_CHECK_EQ_INT(fl_model_new_mlp(5, 2, 2, h, &b), 0);
	FL_CHECK_EQ_INT(fl_model_new_mlp(5, 2, 1, bad, &c), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_new_mlp(5, 2, 4, h, &c), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_MLP, 5, 2, &c), FL_E_INVAL);
	if (a == NULL || b == NULL)
		goto out;
	FL_CHECK_EQ_INT(a->nparams, 6 * 4 + 5 * 3 + 4 * 2);
	FL_CHECK_EQ_INT(fl_model_nclasses(a), 2);
	FL_CHECK_EQ_INT(fl_model_init(a, 11), 0);
	FL_CHECK_EQ_INT(fl_model_init(b, 11), 0);
	FL_CHECK(memcmp(a->w, b->w, a->nparams * sizeof(double)) == 0);
	FL_CHECK(a->w[0] != 0.0);
	FL_CHECK_NEAR(a->w[5 * 4], 0.0, 0);   /* first bias */
	FL_CHECK_EQ_INT(fl_model_init(b, 12), 0);
	FL_CHECK(memcmp(a->w, b->w, a->nparams * sizeof(double)) != 0);
	FL_CHECK_EQ_INT(fl_model_copy(a, &c), 0);
	if (c != NULL) {
		FL_CHECK_EQ_INT(c->nhidden, 2);
		FL_CHECK(memcmp(a->w, c->w, a->nparams * sizeof(double)) == 0);
	}
out:
	fl_model_free(a);
	fl_model_free(b);
	fl_model_free(c);
}

static void test_spec(void)
{
	static const char *ok = "[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\n"
				"hidden = 8, 4\n[round]\nseed = 5\n";
	static const char *bad[] = {
		"[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\n",
		"[job]\nname = j\ndataset = d\nmodel = linear\nlabel = y\nhidden = 3\n",
		"[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\nhidden = 1,2,3,4\n",
		"[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\nhidden = 5000\n",
		"[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\nhidden = 3\nloss = softmax\n",
		("[job]\nname = j\ndataset = d\nmodel = mlp\nlabel = y\nhidden = 3\nlabels = a, b\n"
		 "loss = squared\n"),
	};
	char err[FL_ERRMSG_BYTES] = "", *txt = NULL;
	fl_jobspec s, s2;
	fl_model *m = NULL, *m2 = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FL_CHECK_EQ_INT(fl_jobspec_parse(bad[i], strlen(bad[i]), &s, err), FL_E_SPEC);
		FL_CHECK(err[0] != '\0');
	}
	FL_CHECK_EQ_INT(fl_jobspec_parse(ok, strlen(ok), &s, err), 0);
	FL_CHECK_EQ_INT(s.model, FL_MODEL_MLP);
	FL_CHECK_EQ_INT(s.nhidden, 2);
	FL_CHECK_EQ_INT(s.hidden[1], 4);
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &txt), 0);
	if (txt != NULL) {
		FL_CHECK_EQ_INT(fl_jobspec_parse(txt, strlen(txt), &s2, err), 0);
		FL_CHECK_EQ_INT(s2.nhidden, 2);
		FL_CHECK_EQ_INT(s2.hidden[0], 8);
		fl_jobspec_clear(&s2);
	}
	/* Same spec, same initial weights everywhere. */
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&s, 3, &m), 0);
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&s, 3, &m2), 0);
	if (m != NULL && m2 != NULL) {
		FL_CHECK_EQ_INT(m->k, 1);
		FL_CHECK_EQ_INT(m->nparams, 4 * 8 + 9 * 4 + 5 * 1);
		FL_CHECK(memcmp(m->w, m2->w, m->nparams * sizeof(double)) == 0);
	}
	free(txt);
	fl_model_free(m);
	fl_model_free(m2);
	fl_jobspec_clear(&s);
}

static void test_codec(void)
{
	static const uint32_t h[] = { 3, 2 };
	fl_model *m = NULL, *d = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *json = NULL;
	double nan = NAN;

	FL_CHECK_EQ_INT(fl_model_new_mlp(4, 3, 2, h, &m), 0);
	if (m == NULL)
		return;
	fl_model_init(m, 9);
	m->version = 5;
	m->mean[1] = 2.5;
	m->scale[2] = 3.0;
	FL_CHECK_EQ_INT(fl_model_encode(m, &buf, &len), 0);
	if (buf == NULL)
		goto out;
	FL_CHECK(memcmp(buf, "FLMODEL2", 8) == 0);
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), 0);
	if (d != NULL) {
		FL_CHECK_EQ_INT(d->kind, FL_MODEL_MLP);
		FL_CHECK_EQ_INT(d->nhidden, 2);
		FL_CHECK_EQ_INT(d->hidden[0], 3);
		FL_CHECK_EQ_INT(d->hidden[1], 2);
		FL_CHECK_EQ_INT(d->version, 5);
		FL_CHECK_EQ_INT(d->nparams, m->nparams);
		FL_CHECK(memcmp(d->w, m->w, m->nparams * sizeof(double)) == 0);
		FL_CHECK_NEAR(d->scale[2], 3.0, 0);
		fl_model_free(d);
		d = NULL;
	}
	FL_CHECK_EQ_INT(fl_model_decode(buf, len - 1, &d), FL_E_PARSE);
	buf[7] = '1';   /* FLMODEL1 with an mlp kind */
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), FL_E_PARSE);
	buf[7] = '2';
	buf[32] = 4;    /* nhidden 4 */
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), FL_E_PARSE);
	buf[32] = 2;
	buf[36] = 4;    /* hidden[0] 4: nparams no longer matches */
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), FL_E_PARSE);
	buf[36] = 3;
	buf[44] = 1;    /* unused hidden[2] must be 0 */
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), FL_E_PARSE);
	buf[44] = 0;
	memcpy(buf + len - 8, &nan, 8);
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), FL_E_PARSE);
	FL_CHECK(d == NULL);
	FL_CHECK_EQ_INT(fl_model_to_json(m, &json), 0);
	if (json != NULL)
		FL_CHECK(strstr(json, "\"hidden\": [3, 2]") != NULL);
	/* Seed corpus for fuzz_model (written when FL_WRITE_CORPUS is set). */
	if (getenv("FL_WRITE_CORPUS") != NULL) {
		FILE *f;
		memcpy(buf + len - 8, &m->w[m->nparams - 1], 8);
		if ((f = fopen(getenv("FL_WRITE_CORPUS"), "wb")) != NULL) {
			fwrite(buf, 1, len, f);
			fclose(f);
		}
	}
out:
	free(json);
	free(buf);
	fl_model_free(m);
}

/* Loads a CSV, splits it 75/25 (seed 0), builds an mlp, standardises. */
static int load_mlp(const char *path, const char *label, char **labels, uint32_t nl,
		    uint32_t nh, const uint32_t *hidden, fl_dataset **tr,
		    fl_dataset **te, fl_model **m)
{
	char err[FL_ERRMSG_BYTES] = "";
	fl_csv *c = NULL;
	fl_dataset *all = NULL;
	double *st = NULL;
	int r;

	if ((r = fl_csv_read(path, &c, err)) != 0 ||
	    (r = fl_dataset_from_csv(c, label, labels, nl, NULL, 0, &all, err)) != 0 ||
	    (r = fl_dataset_split(all, 0.25, 0, tr, te)) != 0 ||
	    (r = fl_model_new_mlp(all->d, nl ? nl : 1, nh, hidden, m)) != 0 ||
	    (r = fl_model_init(*m, 1)) != 0)
		goto out;
	st = malloc(fl_update_stats_len(all->d) * sizeof(double));
	r = st == NULL ? FL_E_NOMEM : fl_update_stats_build(*tr, st);
	if (r == 0)
		r = fl_update_stats_apply(*m, st);
out:
	if (r != 0)
		fprintf(stderr, "%s: %s %s\n", path, fl_strerror(r), err);
	free(st);
	fl_dataset_free(all);
	fl_csv_free(c);
	return r;
}

static void test_shuttle(void)
{
	static const uint32_t h[] = { 32 };
	char *labels[] = { "Rad.Flow", "High", "Bypass", "Fpv.Open", "Fpv.Close",
			   "Bpv.Open", "Bpv.Close" };
	fl_dataset *tr = NULL, *te = NULL;
	fl_model *m = NULL;
	fl_train_opts o = { 4, 32, 0.1, 0.0, 0 };
	fl_metrics mt;

	if (load_mlp(FL_DATA_DIR "/shuttle.csv", "Class", labels, 7, 1, h, &tr, &te, &m) != 0) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(fl_train_sgd(m, tr, &o, NULL), 0);
	FL_CHECK_EQ_INT(fl_model_eval(m, te, &mt), 0);
	printf("shuttle mlp(32): test accuracy %.4f, macro-F1 %.4f\n",
	       fl_metrics_accuracy(&mt), fl_metrics_macro_f1(&mt));
	FL_CHECK(fl_metrics_accuracy(&mt) >= 0.99);
	FL_CHECK_EQ_INT(mt.nclasses, 7);
out:
	fl_model_free(m);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

static void test_concrete(void)
{
	static const uint32_t h[] = { 64, 32 };
	fl_dataset *tr = NULL, *te = NULL;
	fl_model *m = NULL, *before = NULL;
	fl_train_opts o = { 300, 16, 0.002, 1e-4, 0 };
	fl_metrics mt;

	if (load_mlp(FL_DATA_DIR "/concrete.csv", "compressive_strength", NULL, 0, 2, h,
		     &tr, &te, &m) != 0) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(fl_train_sgd(m, tr, &o, NULL), 0);
	FL_CHECK_EQ_INT(fl_model_eval(m, te, &mt), 0);
	printf("concrete mlp(64,32): test R^2 %.4f\n", fl_metrics_r2(&mt));
	FL_CHECK(fl_metrics_r2(&mt) >= 0.80);
	FL_CHECK(isnan(fl_metrics_accuracy(&mt)));
	/* A huge step diverges and leaves the model unchanged. */
	FL_CHECK_EQ_INT(fl_model_copy(m, &before), 0);
	o.lr = 50;
	o.epochs = 3;
	FL_CHECK_EQ_INT(fl_train_sgd(m, tr, &o, NULL), FL_E_DIVERGED);
	if (before != NULL)
		FL_CHECK(memcmp(before->w, m->w, m->nparams * sizeof(double)) == 0);
out:
	fl_model_free(m);
	fl_model_free(before);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

int main(void)
{
	test_gradients();
	test_shape_init();
	test_spec();
	test_codec();
	test_shuttle();
	test_concrete();
	return FL_TEST_DONE();
}
