/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model: model lifecycle and forward pass (OpenBLAS); the loss heads are in
 * fl_model_head.c. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model.h"
#include "fl_model_int.h"

/* Allocates a model of nparams np with zero weights. */
static int model_alloc(enum fl_model_kind kind, uint32_t d, uint32_t k, uint64_t np,
		       fl_model **out)
{
	fl_model *m;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return FL_E_NOMEM;
	m->kind = kind;
	m->d = d;
	m->k = k;
	m->nparams = (size_t)np;
	m->mean = calloc(d, sizeof(double));
	m->scale = malloc(d * sizeof(double));
	m->w = calloc(m->nparams, sizeof(double));
	if (m->mean == NULL || m->scale == NULL || m->w == NULL) {
		fl_model_free(m);
		return FL_E_NOMEM;
	}
	for (uint32_t j = 0; j < d; j++)
		m->scale[j] = 1.0;
	m->y_scale = 1.0;
	*out = m;
	return 0;
}

int fl_model_set_label_scale(fl_model *m, double mean, double scale)
{
	if (m == NULL || fl_model_nclasses(m) != 0 || !isfinite(mean) ||
	    !isfinite(scale) || !(scale > 0))
		return FL_E_INVAL;
	m->y_mean = mean;
	m->y_scale = scale;
	return 0;
}

int fl_model_new(enum fl_model_kind kind, uint32_t d, uint32_t k, fl_model **out)
{
	uint64_t np;

	if (out == NULL || d == 0 || k == 0)
		return FL_E_INVAL;
	if (kind == FL_MODEL_SOFTMAX ? (k < 2 || k > FL_MODEL_MAX_CLASSES)
	    : (kind == FL_MODEL_LINEAR || kind == FL_MODEL_LOGISTIC) ? k != 1 : 1)
		return FL_E_INVAL;
	np = ((uint64_t)d + 1) * k;
	if (np > FL_MODEL_MAX_PARAMS)
		return FL_E_TOOBIG;
	return model_alloc(kind, d, k, np, out);
}

int fl_model_new_mlp(uint32_t d, uint32_t k, uint32_t nhidden, const uint32_t *hidden,
		     fl_model **out)
{
	uint64_t np;
	int r;

	if (out == NULL || d == 0 || k == 0 || k > FL_MODEL_MAX_CLASSES || hidden == NULL ||
	    nhidden == 0 || nhidden > FL_JOBSPEC_MAX_HIDDEN)
		return FL_E_INVAL;
	for (uint32_t i = 0; i < nhidden; i++)
		if (hidden[i] == 0 || hidden[i] > FL_JOBSPEC_MAX_UNITS)
			return FL_E_INVAL;
	if ((np = fl_mlp_nparams(d, k, nhidden, hidden)) == 0)
		return FL_E_TOOBIG;
	if ((r = model_alloc(FL_MODEL_MLP, d, k, np, out)) != 0)
		return r;
	(*out)->nhidden = nhidden;
	memcpy((*out)->hidden, hidden, nhidden * sizeof(uint32_t));
	return 0;
}

int fl_model_new_for_spec(const fl_jobspec *spec, uint32_t d, fl_model **out)
{
	int r;

	if (spec == NULL || out == NULL)
		return FL_E_INVAL;
	if (spec->model == FL_MODEL_MLP)
		r = fl_model_new_mlp(d, spec->nlabels ? spec->nlabels : 1, spec->nhidden,
				     spec->hidden, out);
	else
		r = fl_model_new(spec->model, d,
				 spec->model == FL_MODEL_SOFTMAX ? spec->nlabels : 1, out);
	if (r == 0 && (r = fl_model_init(*out, spec->seed)) != 0) {
		fl_model_free(*out);
		*out = NULL;
	}
	return r;
}

int fl_model_copy(const fl_model *m, fl_model **out)
{
	fl_model *c = NULL;
	int r;

	if (m == NULL || out == NULL)
		return FL_E_INVAL;
	r = m->kind == FL_MODEL_MLP ? fl_model_new_mlp(m->d, m->k, m->nhidden, m->hidden, &c)
				    : fl_model_new(m->kind, m->d, m->k, &c);
	if (r != 0)
		return r;
	c->version = m->version;
	c->y_mean = m->y_mean;
	c->y_scale = m->y_scale;
	memcpy(c->mean, m->mean, m->d * sizeof(double));
	memcpy(c->scale, m->scale, m->d * sizeof(double));
	memcpy(c->w, m->w, m->nparams * sizeof(double));
	if (m->nlabel_counts > 0 &&
	    (r = fl_model_set_label_counts(c, m->label_counts, m->nlabel_counts)) != 0) {
		fl_model_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int fl_model_set_label_counts(fl_model *m, const double *counts, uint32_t n)
{
	double *c;

	if (m == NULL || counts == NULL || n == 0 || n != fl_model_nclasses(m))
		return FL_E_INVAL;
	for (uint32_t i = 0; i < n; i++)
		if (!isfinite(counts[i]) || counts[i] < 0)
			return FL_E_INVAL;
	if ((c = malloc(n * sizeof(double))) == NULL)
		return FL_E_NOMEM;
	memcpy(c, counts, n * sizeof(double));
	free(m->label_counts);
	m->label_counts = c;
	m->nlabel_counts = n;
	return 0;
}

void fl_model_free(fl_model *m)
{
	if (m == NULL)
		return;
	free(m->mean);
	free(m->scale);
	free(m->w);
	free(m->label_counts);
	free(m);
}

uint32_t fl_model_nclasses(const fl_model *m)
{
	if (m == NULL)
		return 0;
	switch (m->kind) {
	case FL_MODEL_LINEAR: return 0;
	case FL_MODEL_LOGISTIC: return 2;
	case FL_MODEL_SOFTMAX: return m->k;
	case FL_MODEL_MLP: return m->k >= 2 ? m->k : 0;
	}
	return 0;
}

int fl_model_check_data(const fl_model *m, const fl_dataset *ds)
{
	uint32_t c = fl_model_nclasses(m);

	if (m == NULL || ds == NULL || ds->d != m->d || (ds->n > 0 && ds->y == NULL))
		return FL_E_INVAL;
	for (size_t i = 0; i < ds->n; i++) {
		double y = ds->y[i];
		if (!isfinite(y))
			return FL_E_INVAL;
		if (c > 0 && (y < 0 || y >= (double)c || y != floor(y)))
			return FL_E_INVAL;
	}
	return 0;
}

void fl_model_standardise(const fl_model *m, const double *x, size_t n, double *out)
{
	uint32_t d = m->d;

	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < d; j++)
			out[i * d + j] = (x[i * d + j] - m->mean[j]) / m->scale[j];
}

void fl_model_logits(const fl_model *m, const double *w, const double *xs,
		     size_t n, double *z)
{
	const double *bias = w + (size_t)m->d * m->k;
	uint32_t k = m->k;

	if (n == 0)
		return;
	if (m->kind == FL_MODEL_MLP) {
		if (fl_mlp_forward(m, w, xs, n, z) != 0)
			for (size_t i = 0; i < n * k; i++)
				z[i] = NAN;
		return;
	}
	for (size_t i = 0; i < n; i++)
		memcpy(z + i * k, bias, k * sizeof(double));
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)m->d, 1.0,
			    xs, (blasint)m->d, w, 1, 1.0, z, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n,
			    (blasint)k, (blasint)m->d, 1.0, xs, (blasint)m->d, w,
			    (blasint)k, 1.0, z, (blasint)k);
}

double fl_model_predict_row(const fl_model *m, const double *x)
{
	double zbuf[16] = { 0 }, *z = zbuf, *xs, v;

	if (m == NULL || x == NULL)
		return NAN;
	xs = calloc(m->d ? m->d : 1, sizeof(double));
	if (m->k > 16)
		z = malloc(m->k * sizeof(double));
	if (xs == NULL || z == NULL) {
		v = NAN;
		goto out;
	}
	fl_model_standardise(m, x, 1, xs);
	fl_model_logits(m, m->w, xs, 1, z);
	v = fl_model_decide(m, z);
out:
	free(xs);
	if (z != zbuf)
		free(z);
	return v;
}
