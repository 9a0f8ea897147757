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

	if ((r = fl_mlp_grad(m, ws->w, ws->xb, ws->yb, b, ws->grad, loss)) != 0)
		return r;
	for (uint32_t l = 0; l < nl; l++) {
		size_t nw = (size_t)sz[l] * sz[l + 1];
		if (o->l2 > 0)
			cblas_daxpy((blasint)nw, o->l2, ws->w + off, 1, ws->grad + off, 1);
		off += nw + sz[l + 1];
	}
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
	loss = fl_model_head(m, ws->z, ws->yb, b, 1);
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
	sgd_ws ws;
	fl_rng rng;
	size_t b;
	double loss = 0.0;
	int r;

	if (m == NULL || ds == NULL || opts == NULL || opts->epochs == 0 ||
	    opts->batch_size == 0 || !(opts->lr > 0) || !isfinite(opts->lr) ||
	    !(opts->l2 >= 0) || !isfinite(opts->l2))
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
