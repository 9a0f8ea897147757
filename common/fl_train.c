/* SPDX-License-Identifier: Apache-2.0 */
/* fl_train: minibatch SGD for the built-in models, gradients with OpenBLAS. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model_int.h"
#include "fl_train.h"
#include "fl_util.h"

/* Scratch for one training run; w is the working copy of the weights. */
typedef struct sgd_ws {
	double *xs;     /* n x d standardised features */
	double *w;      /* nparams */
	double *grad;   /* nparams */
	double *xb;     /* B x d batch */
	double *yb;     /* B */
	double *z;      /* B x k logits, then dloss/dz */
	size_t *perm;   /* n */
	double *w0;     /* nparams: the starting weights (FedProx), or NULL */
	double mu;      /* FedProx mu, 0 = off */
	const double *cw; /* class weights or NULL */
} sgd_ws;

static void sgd_ws_free(sgd_ws *ws)
{
	free(ws->xs);
	free(ws->w);
	free(ws->grad);
	free(ws->xb);
	free(ws->yb);
	free(ws->z);
	free(ws->perm);
	free(ws->w0);
}

static int sgd_ws_alloc(sgd_ws *ws, const fl_model *m, size_t n, size_t b)
{
	memset(ws, 0, sizeof(*ws));
	if (m->d > 0 && n > SIZE_MAX / sizeof(double) / m->d)
		return FL_E_NOMEM;
	ws->xs = malloc(n * m->d * sizeof(double));
	ws->w = malloc(m->nparams * sizeof(double));
	ws->grad = malloc(m->nparams * sizeof(double));
	ws->xb = malloc(b * m->d * sizeof(double));
	ws->yb = malloc(b * sizeof(double));
	ws->z = malloc(b * m->k * sizeof(double));
	ws->perm = malloc(n * sizeof(size_t));
	if (!ws->xs || !ws->w || !ws->grad || !ws->xb || !ws->yb || !ws->z || !ws->perm)
		return FL_E_NOMEM;
	return 0;
}

/* mlp step: backprop, l2 on the weight matrices only, then the update. */
static int sgd_step_mlp(const fl_model *m, sgd_ws *ws, size_t b,
			const fl_train_opts *o, double *loss)
{
	uint32_t sz[5], nl = fl_mlp_sizes(m, sz);
	size_t off = 0;
	int r;

	if ((r = fl_mlp_grad_weighted(m, ws->w, ws->xb, ws->yb, b, ws->cw, ws->grad,
					loss)) != 0)
		return r;
	for (uint32_t l = 0; l < nl; l++) {
		size_t nw = (size_t)sz[l] * sz[l + 1];
		if (o->l2 > 0)
			cblas_daxpy((blasint)nw, o->l2, ws->w + off, 1, ws->grad + off, 1);
		off += nw + sz[l + 1];
	}
	if (ws->mu > 0)
		for (size_t i = 0; i < m->nparams; i++)
			ws->grad[i] += ws->mu * (ws->w[i] - ws->w0[i]);
	cblas_daxpy((blasint)m->nparams, -o->lr, ws->grad, 1, ws->w, 1);
	return 0;
}

/* One SGD step on rows perm[0..b); *loss = the batch loss before the step. */
static int sgd_step(const fl_model *m, sgd_ws *ws, const fl_dataset *ds,
		    const size_t *rows, size_t b, const fl_train_opts *o, double *lossp)
{
	uint32_t d = m->d, k = m->k;
	double *gb = ws->grad + (size_t)d * k, *wb = ws->w + (size_t)d * k;
	double loss, inv = 1.0 / (double)b;

	for (size_t i = 0; i < b; i++) {
		memcpy(ws->xb + i * d, ws->xs + rows[i] * d, d * sizeof(double));
		ws->yb[i] = ds->y[rows[i]];
	}
	if (m->kind == FL_MODEL_MLP)
		return sgd_step_mlp(m, ws, b, o, lossp);
	fl_model_logits(m, ws->w, ws->xb, b, ws->z);
	loss = fl_model_head_weighted(m, ws->z, ws->yb, b, ws->cw);
	/* grad W = xb^T dz / b + l2 W ; the bias is not regularised. */
	memcpy(ws->grad, ws->w, (size_t)d * k * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)d, (blasint)k,
		    (blasint)b, inv, ws->xb, (blasint)d, ws->z, (blasint)k, o->l2,
		    ws->grad, (blasint)k);
	for (uint32_t c = 0; c < k; c++)
		gb[c] = 0.0;
	for (size_t i = 0; i < b; i++)
		for (uint32_t c = 0; c < k; c++)
			gb[c] += ws->z[i * k + c];
	for (uint32_t c = 0; c < k; c++)
		gb[c] *= inv;
	if (ws->mu > 0)   /* FedProx: mu (w - w_global) on weights and biases */
		for (size_t i = 0; i < m->nparams; i++)
			ws->grad[i] += ws->mu * (ws->w[i] - ws->w0[i]);
	cblas_daxpy((blasint)((size_t)d * k), -o->lr, ws->grad, 1, ws->w, 1);
	for (uint32_t c = 0; c < k; c++)
		wb[c] -= o->lr * gb[c];
	*lossp = loss;
	return 0;
}

static void sgd_shuffle(size_t *perm, size_t n, fl_rng *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(fl_rng_next(rng) % i);
		size_t t = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = t;
	}
}

static int sgd_finite(const double *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(w[i]))
			return 0;
	return 1;
}

int fl_train_sgd(fl_model *m, const fl_dataset *ds, const fl_train_opts *opts,
		 double *loss_sum)
{
	return fl_train_sgd_ex(m, ds, opts, NULL, loss_sum);
}

static int sgd_extra_ok(const fl_model *m, const fl_train_extra *ex)
{
	uint32_t c = fl_model_nclasses(m);

	if (ex == NULL)
		return 1;
	if (!(ex->prox_mu >= 0) || !isfinite(ex->prox_mu))
		return 0;
	if (ex->class_weight != NULL) {
		if (c == 0)
			return 0;
		for (uint32_t i = 0; i < c; i++)
			if (!(ex->class_weight[i] >= 0) || !isfinite(ex->class_weight[i]))
				return 0;
	}
	return 1;
}

int fl_train_sgd_ex(fl_model *m, const fl_dataset *ds, const fl_train_opts *opts,
		    const fl_train_extra *ex, double *loss_sum)
{
	sgd_ws ws;
	fl_rng rng;
	size_t b;
	double loss = 0.0;
	int r;

	if (m == NULL || ds == NULL || opts == NULL || opts->epochs == 0 ||
	    opts->batch_size == 0 || !(opts->lr > 0) || !isfinite(opts->lr) ||
	    !(opts->l2 >= 0) || !isfinite(opts->l2) || !sgd_extra_ok(m, ex))
		return FL_E_INVAL;
	if ((r = fl_model_check_data(m, ds)) != 0)
		return r;
	if (ds->n == 0) {
		if (loss_sum != NULL)
			*loss_sum = 0.0;
		return 0;
	}
	b = opts->batch_size < ds->n ? opts->batch_size : ds->n;
	if ((r = sgd_ws_alloc(&ws, m, ds->n, b)) != 0)
		goto out;
	fl_model_standardise(m, ds->x, ds->n, ws.xs);
	memcpy(ws.w, m->w, m->nparams * sizeof(double));
	if (ex != NULL) {
		ws.cw = ex->class_weight;
		ws.mu = ex->prox_mu;
	}
	if (ws.mu > 0) {
		if ((ws.w0 = malloc(m->nparams * sizeof(double))) == NULL) {
			r = FL_E_NOMEM;
			goto out;
		}
		memcpy(ws.w0, m->w, m->nparams * sizeof(double));
	}
	for (size_t i = 0; i < ds->n; i++)
		ws.perm[i] = i;
	fl_rng_seed(&rng, opts->seed);
	for (uint32_t e = 0; e < opts->epochs; e++) {
		sgd_shuffle(ws.perm, ds->n, &rng);
		loss = 0.0;
		for (size_t i0 = 0; i0 < ds->n; i0 += b) {
			size_t nb = ds->n - i0 < b ? ds->n - i0 : b;
			double bl = 0.0;
			if ((r = sgd_step(m, &ws, ds, ws.perm + i0, nb, opts, &bl)) != 0)
				goto out;
			loss += bl;
		}
		if (!sgd_finite(ws.w, m->nparams)) {
			r = FL_E_DIVERGED;
			goto out;
		}
	}
	memcpy(m->w, ws.w, m->nparams * sizeof(double));
	if (loss_sum != NULL)
		*loss_sum = loss;
	r = 0;
out:
	sgd_ws_free(&ws);
	return r;
}

double fl_lr_at(const fl_jobspec *spec, uint32_t round)
{
	double t, R, f = 1.0;

	if (spec == NULL)
		return NAN;
	R = spec->rounds ? (double)spec->rounds : 1.0;
	t = round > 1 ? (double)(round - 1) : 0.0;
	if (t > R - 1)
		t = R - 1;
	switch (spec->lr_schedule) {
	case FL_LR_CONSTANT:
		return spec->lr;
	case FL_LR_STEP:
		f = pow(spec->lr_decay, floor(t / (spec->lr_step ? spec->lr_step : 1)));
		break;
	case FL_LR_EXPONENTIAL:
		f = pow(spec->lr_decay, t);
		break;
	case FL_LR_COSINE:
		f = 0.5 * (1.0 + cos(3.14159265358979323846 * t / R));
		break;
	}
	/* Long decays must not underflow to a zero (invalid) rate. */
	return spec->lr * (f > 1e-12 ? f : 1e-12);
}

int fl_class_weights_balanced(const double *counts, uint32_t c, double *w)
{
	double n = 0.0;

	if (counts == NULL || w == NULL || c == 0)
		return FL_E_INVAL;
	for (uint32_t i = 0; i < c; i++) {
		if (!(counts[i] >= 0) || !isfinite(counts[i]))
			return FL_E_RANGE;
		n += counts[i];
	}
	if (!(n > 0))
		return FL_E_RANGE;
	for (uint32_t i = 0; i < c; i++)
		w[i] = counts[i] > 0 ? n / ((double)c * counts[i]) : 1.0;
	return 0;
}

int fl_train_class_weights(const fl_jobspec *spec, const fl_model *global, double *w,
			   int *use, char *errmsg)
{
	uint32_t c;
	int r;

	if (spec == NULL || global == NULL || w == NULL || use == NULL)
		return FL_E_INVAL;
	c = fl_model_nclasses(global);
	*use = 0;
	switch (spec->cw_mode) {
	case FL_CW_NONE:
		return 0;
	case FL_CW_LIST:
		if (c == 0 || spec->ncw != c) {
			fl_errmsg_set(errmsg, "class_weights lists %u weights but the model "
				      "has %u classes", spec->ncw, c);
			return FL_E_INVAL;
		}
		memcpy(w, spec->class_weights, c * sizeof(double));
		*use = 1;
		return 0;
	case FL_CW_BALANCED:
		if (c == 0 || global->nlabel_counts != c) {
			fl_errmsg_set(errmsg, "class_weights = balanced needs the label "
				      "histogram of the STATS round, and model v%u has none",
				      global->version);
			return FL_E_STATE;
		}
		if ((r = fl_class_weights_balanced(global->label_counts, c, w)) != 0) {
			fl_errmsg_set(errmsg, "the label histogram has no rows");
			return r;
		}
		*use = 1;
		return 0;
	}
	return FL_E_INVAL;
}
