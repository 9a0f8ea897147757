/* SPDX-License-Identifier: Apache-2.0 */
/* test_train: SGD vs closed form, real-data accuracy, model codec, FedAvg. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_dataset.h"
#include "fl_err.h"
#include "fl_model.h"
#include "fl_test.h"
#include "fl_train.h"
#include "fl_update.h"
#include "fl_util.h"

#define LD 4
#define LN 2000

/* Solves a (n x n, row-major) x = b by Gaussian elimination with pivoting. */
static int gauss_solve(double *a, double *b, int n)
{
	for (int c = 0; c < n; c++) {
		int p = c;
		for (int i = c + 1; i < n; i++)
			if (fabs(a[i * n + c]) > fabs(a[p * n + c]))
				p = i;
		if (fabs(a[p * n + c]) < 1e-12)
			return -1;
		for (int j = 0; j < n; j++) {
			double t = a[c * n + j];
			a[c * n + j] = a[p * n + j];
			a[p * n + j] = t;
		}
		double t = b[c];
		b[c] = b[p];
		b[p] = t;
		for (int i = c + 1; i < n; i++) {
			double f = a[i * n + c] / a[c * n + c];
			for (int j = c; j < n; j++)
				a[i * n + j] -= f * a[c * n + j];
			b[i] -= f * b[c];
		}
	}
	for (int i = n - 1; i >= 0; i--) {
		for (int j = i + 1; j < n; j++)
			b[i] -= a[i * n + j] * b[j];
		b[i] /= a[i * n + i];
	}
	return 0;
}

static void test_linear(void)
{
	static const double wtrue[LD] = { 1.5, -2.0, 0.5, 3.0 };
	double ata[(LD + 1) * (LD + 1)] = { 0 }, atb[LD + 1] = { 0 }, loss = -1;
	fl_dataset ds = { LN, LD, 0, NULL, NULL };
	fl_model *m = NULL, *before = NULL;
	fl_train_opts o = { 60, 32, 0.02, 0.0, 42 };
	fl_metrics mt;
	fl_rng rng;

	ds.x = malloc(LN * LD * sizeof(double));
	ds.y = malloc(LN * sizeof(double));
	if (ds.x == NULL || ds.y == NULL)
		goto out;
	fl_rng_seed(&rng, 1);
	for (int i = 0; i < LN; i++) {
		double row[LD + 1], y = 0.7;
		for (int j = 0; j < LD; j++) {
			row[j] = ds.x[i * LD + j] = fl_rng_normal(&rng) + 0.2 * j;
			y += wtrue[j] * row[j];
		}
		row[LD] = 1.0;
		ds.y[i] = y + 0.3 * fl_rng_normal(&rng);
		for (int a = 0; a <= LD; a++) {
			for (int b = 0; b <= LD; b++)
				ata[a * (LD + 1) + b] += row[a] * row[b];
			atb[a] += row[a] * ds.y[i];
		}
	}
	FL_CHECK_EQ_INT(gauss_solve(ata, atb, LD + 1), 0);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LINEAR, LD, 1, &m), 0);
	if (m == NULL)
		goto out;
	FL_CHECK_EQ_INT(fl_train_sgd(m, &ds, &o, &loss), 0);
	for (int j = 0; j <= LD; j++)
		FL_CHECK_NEAR(m->w[j], atb[j], 0.02);
	/* Noise variance 0.09: the mean squared error is close to it. */
	FL_CHECK_NEAR(loss / LN, 0.09, 0.02);
	FL_CHECK_EQ_INT(fl_model_eval(m, &ds, &mt), 0);
	FL_CHECK(fl_metrics_r2(&mt) > 0.98);
	FL_CHECK(isnan(fl_metrics_accuracy(&mt)));
	FL_CHECK_NEAR(mt.loss_sum, mt.sse, 1e-9);
	FL_CHECK_NEAR(fl_model_predict_row(m, ds.x), m->w[0] * ds.x[0] + m->w[1] * ds.x[1] +
		      m->w[2] * ds.x[2] + m->w[3] * ds.x[3] + m->w[4], 1e-9);

	/* A huge step size diverges and leaves the model unchanged. */
	FL_CHECK_EQ_INT(fl_model_copy(m, &before), 0);
	o.lr = 100;
	o.epochs = 5;
	FL_CHECK_EQ_INT(fl_train_sgd(m, &ds, &o, NULL), FL_E_DIVERGED);
	if (before != NULL)
		FL_CHECK(memcmp(before->w, m->w, m->nparams * sizeof(double)) == 0);
	ds.d = LD - 1;
	FL_CHECK_EQ_INT(fl_train_sgd(m, &ds, &o, NULL), FL_E_INVAL);
out:
	fl_model_free(m);
	fl_model_free(before);
	free(ds.x);
	free(ds.y);
}

/* Loads a CSV, splits it 75/25 (seed 0) and sets global standardisation. */
static int load_split(const char *path, const char *label, char **labels,
		      uint32_t nl, enum fl_model_kind kind, fl_dataset **tr,
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
	    (r = fl_model_new(kind, all->d, kind == FL_MODEL_SOFTMAX ? nl : 1, m)) != 0)
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

static void test_logistic(void)
{
	char *labels[] = { "0", "1" };
	fl_dataset *tr = NULL, *te = NULL;
	fl_model *m = NULL;
	fl_train_opts o = { 20, 16, 0.1, 0.0, 0 };
	fl_metrics mt;
	double loss;

	if (load_split(FL_DATA_DIR "/breast_cancer.csv", "label", labels, 2,
		       FL_MODEL_LOGISTIC, &tr, &te, &m) != 0) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(tr->n + te->n, 569);
	FL_CHECK_EQ_INT(fl_train_sgd(m, tr, &o, &loss), 0);
	FL_CHECK_EQ_INT(fl_model_eval(m, te, &mt), 0);
	printf("breast_cancer logistic: test accuracy %.4f, f1 %.4f, loss %.4f\n",
	       fl_metrics_accuracy(&mt), fl_metrics_macro_f1(&mt), fl_metrics_loss(&mt));
	FL_CHECK(fl_metrics_accuracy(&mt) >= 0.94);
	FL_CHECK_EQ_INT(mt.nclasses, 2);
	FL_CHECK_NEAR(mt.ntrue[0] + mt.ntrue[1], te->n, 0);
	FL_CHECK(fl_metrics_loss(&mt) < 0.3);
out:
	fl_model_free(m);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

static void test_softmax(void)
{
	char *labels[] = { "Rad.Flow", "High", "Bypass", "Fpv.Open", "Fpv.Close",
			   "Bpv.Open", "Bpv.Close" };
	fl_dataset *tr = NULL, *te = NULL;
	fl_model *m = NULL;
	fl_train_opts o = { 5, 32, 0.1, 0.0, 0 };
	fl_metrics mt;
	double pred_sum = 0;

	if (load_split(FL_DATA_DIR "/shuttle.csv", "Class", labels, 7,
		       FL_MODEL_SOFTMAX, &tr, &te, &m) != 0) {
		FL_CHECK(0);
		goto out;
	}
	FL_CHECK_EQ_INT(fl_train_sgd(m, tr, &o, NULL), 0);
	FL_CHECK_EQ_INT(fl_model_eval(m, te, &mt), 0);
	printf("shuttle softmax: test accuracy %.4f, macro-F1 %.4f\n",
	       fl_metrics_accuracy(&mt), fl_metrics_macro_f1(&mt));
	FL_CHECK(fl_metrics_accuracy(&mt) >= 0.95);
	for (uint32_t c = 0; c < 7; c++)
		pred_sum += mt.npred[c];
	FL_CHECK_NEAR(pred_sum, te->n, 0);
	FL_CHECK_EQ_INT((int)fl_model_predict_row(m, te->x) >= 0, 1);
out:
	fl_model_free(m);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

static void test_metrics(void)
{
	fl_metrics mt;

	memset(&mt, 0, sizeof(mt));
	mt.nclasses = 3;
	mt.n = 10;
	mt.correct = 6;
	/* class 0: tp 4, pred 5, true 6 ; class 1: tp 2, pred 5, true 3 ;
	 * class 2: never true nor predicted -> left out. */
	mt.tp[0] = 4; mt.npred[0] = 5; mt.ntrue[0] = 6;
	mt.tp[1] = 2; mt.npred[1] = 5; mt.ntrue[1] = 4;
	FL_CHECK_NEAR(fl_metrics_accuracy(&mt), 0.6, 1e-12);
	FL_CHECK_NEAR(fl_metrics_macro_f1(&mt), (8.0 / 11 + 4.0 / 9) / 2, 1e-12);
	FL_CHECK(isnan(fl_metrics_r2(&mt)));
	mt.n = 0;
	FL_CHECK(isnan(fl_metrics_accuracy(&mt)));
}

static void test_codec(void)
{
	fl_model *m = NULL, *d = NULL;
	uint8_t *buf = NULL, *bad = NULL;
	size_t len = 0;
	char *json = NULL;
	double nan = NAN;

	if (fl_model_new(FL_MODEL_SOFTMAX, 3, 4, &m) != 0) {
		FL_CHECK(0);
		return;
	}
	FL_CHECK_EQ_INT(m->nparams, 16);
	for (size_t i = 0; i < m->nparams; i++)
		m->w[i] = 0.25 * (double)i - 1.0 / 3;
	m->mean[1] = -7.5;
	m->scale[2] = 2.5e-3;
	m->version = 9;
	FL_CHECK_EQ_INT(fl_model_encode(m, &buf, &len), 0);
	FL_CHECK_EQ_INT(fl_model_decode(buf, len, &d), 0);
	if (d != NULL) {
		FL_CHECK_EQ_INT(d->kind, FL_MODEL_SOFTMAX);
		FL_CHECK_EQ_INT(d->d, 3);
		FL_CHECK_EQ_INT(d->k, 4);
		FL_CHECK_EQ_INT(d->version, 9);
		FL_CHECK(memcmp(d->w, m->w, 16 * sizeof(double)) == 0);
		FL_CHECK(memcmp(d->mean, m->mean, 3 * sizeof(double)) == 0);
		FL_CHECK(memcmp(d->scale, m->scale, 3 * sizeof(double)) == 0);
		fl_model_free(d);
		d = NULL;
	}
	FL_CHECK_EQ_INT(fl_model_decode(buf, len - 1, &d), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_model_decode(buf, 10, &d), FL_E_PARSE);
	bad = malloc(len + 8);
	if (bad != NULL) {
		memcpy(bad, buf, len);
		memset(bad + len, 0, 8);
		FL_CHECK_EQ_INT(fl_model_decode(bad, len + 8, &d), FL_E_PARSE);
		memcpy(bad + len - 8, &nan, 8);   /* last weight NaN */
		FL_CHECK_EQ_INT(fl_model_decode(bad, len, &d), FL_E_PARSE);
		memcpy(bad, buf, len);
		bad[0] = 'X';
		FL_CHECK_EQ_INT(fl_model_decode(bad, len, &d), FL_E_PARSE);
		memcpy(bad, buf, len);
		memset(bad + 32 + 3 * 8, 0, 8);   /* scale[0] = 0 */
		FL_CHECK_EQ_INT(fl_model_decode(bad, len, &d), FL_E_PARSE);
		memcpy(bad, buf, len);
		bad[8] = 7;                        /* kind */
		FL_CHECK_EQ_INT(fl_model_decode(bad, len, &d), FL_E_PARSE);
		memcpy(bad, buf, len);
		bad[24] = 17;                      /* nparams */
		FL_CHECK_EQ_INT(fl_model_decode(bad, len, &d), FL_E_PARSE);
		memcpy(bad, buf, len);
		bad[15] = 0x7f;                    /* d huge */
		FL_CHECK(fl_model_decode(bad, len, &d) != 0);
	}
	FL_CHECK(d == NULL);
	FL_CHECK_EQ_INT(fl_model_to_json(m, &json), 0);
	FL_CHECK(json != NULL && strstr(json, "\"kind\": \"softmax\"") != NULL);
	FL_CHECK(json != NULL && strstr(json, "\"version\": 9") != NULL);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LOGISTIC, 3, 2, &d), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LINEAR, 0, 1, &d), FL_E_INVAL);
	free(json);
	free(bad);
	free(buf);
	fl_model_free(m);
}

/* Two sites train from the same global model; FedAvg weights by n. */
static void test_fedavg(void)
{
	char *labels[] = { "0", "1" };
	fl_dataset *tr = NULL, *te = NULL, *a = NULL, *b = NULL;
	fl_model *g = NULL, *la = NULL, *lb = NULL;
	fl_train_opts o = { 2, 8, 0.05, 0.001, 3 };
	double *va = NULL, *vb = NULL, lossa = 0, lossb = 0;
	fl_metrics ea, eb;
	fl_round_summary sum;
	size_t len;

	if (load_split(FL_DATA_DIR "/breast_cancer.csv", "label", labels, 2,
		       FL_MODEL_LOGISTIC, &tr, &te, &g) != 0) {
		FL_CHECK(0);
		goto out;
	}
	/* Uneven sites: split the training rows 100 / rest. */
	if (fl_dataset_split(tr, 0.25, 99, &a, &b) != 0)
		goto out;
	FL_CHECK(a->n != b->n);
	FL_CHECK_EQ_INT(fl_model_copy(g, &la), 0);
	FL_CHECK_EQ_INT(fl_model_copy(g, &lb), 0);
	if (la == NULL || lb == NULL)
		goto out;
	FL_CHECK_EQ_INT(fl_model_eval(g, te, &ea), 0);
	eb = ea;
	FL_CHECK_EQ_INT(fl_train_sgd(la, a, &o, &lossa), 0);
	FL_CHECK_EQ_INT(fl_train_sgd(lb, b, &o, &lossb), 0);
	len = fl_update_train_len(g);
	FL_CHECK_EQ_INT(len, g->nparams + 2 + 6 + 6);
	va = malloc(len * sizeof(double));
	vb = malloc(len * sizeof(double));
	if (va == NULL || vb == NULL)
		goto out;
	FL_CHECK_EQ_INT(fl_update_train_build(g, la, (double)a->n, lossa, &ea, va), 0);
	FL_CHECK_EQ_INT(fl_update_train_build(g, lb, (double)b->n, lossb, &eb, vb), 0);
	for (size_t i = 0; i < len; i++)
		va[i] += vb[i];
	FL_CHECK_EQ_INT(fl_update_train_apply(g, va, &sum), 0);
	for (size_t i = 0; i < g->nparams; i++) {
		double want = ((double)a->n * la->w[i] + (double)b->n * lb->w[i]) /
			      (double)(a->n + b->n);
		FL_CHECK_NEAR(g->w[i], want, 1e-12);
	}
	FL_CHECK_EQ_INT(g->version, 1);
	FL_CHECK_NEAR(sum.n_train, (double)(a->n + b->n), 0);
	FL_CHECK_NEAR(sum.train_loss, (lossa + lossb) / (double)(a->n + b->n), 1e-12);
	FL_CHECK_NEAR(sum.eval.n, 2.0 * te->n, 0);
	FL_CHECK_NEAR(sum.eval.correct, 2.0 * ea.correct, 0);
	FL_CHECK_NEAR(sum.eval.ntrue[1], 2.0 * ea.ntrue[1], 0);
	FL_CHECK_EQ_INT(sum.eval.nclasses, 2);
	va[g->nparams] = 0;
	FL_CHECK_EQ_INT(fl_update_train_apply(g, va, &sum), FL_E_RANGE);
out:
	free(va);
	free(vb);
	fl_model_free(g);
	fl_model_free(la);
	fl_model_free(lb);
	fl_dataset_free(tr);
	fl_dataset_free(te);
	fl_dataset_free(a);
	fl_dataset_free(b);
}

static void test_stats(void)
{
	double x[] = { 1, 5, 3, 5, 5, 5 }, y[] = { 0, 0, 0 };
	fl_dataset ds = { 3, 2, 0, x, y };
	fl_model *m = NULL;
	double v[5];

	if (fl_model_new(FL_MODEL_LINEAR, 2, 1, &m) != 0)
		return;
	FL_CHECK_EQ_INT(fl_update_stats_len(2), 5);
	FL_CHECK_EQ_INT(fl_update_stats_build(&ds, v), 0);
	FL_CHECK_EQ_INT(fl_update_stats_apply(m, v), 0);
	FL_CHECK_NEAR(m->mean[0], 3, 1e-12);
	FL_CHECK_NEAR(m->scale[0], sqrt(8.0 / 3), 1e-12);
	FL_CHECK_NEAR(m->mean[1], 5, 1e-12);
	FL_CHECK_NEAR(m->scale[1], 1, 0);   /* constant feature */
	v[0] = 0;
	FL_CHECK_EQ_INT(fl_update_stats_apply(m, v), FL_E_RANGE);
	fl_model_free(m);
}

int main(void)
{
	test_linear();
	test_logistic();
	test_softmax();
	test_metrics();
	test_codec();
	test_fedavg();
	test_stats();
	return FL_TEST_DONE();
}
