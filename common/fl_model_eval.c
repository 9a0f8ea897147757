/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_eval: summed evaluation metrics and the figures derived from them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model.h"
#include "fl_model_int.h"

/* Rows per block, so evaluation memory stays bounded on large files. */
#define EVAL_BLOCK 4096u

static void eval_block(const fl_model *m, const double *z, const double *y,
		       size_t n, fl_metrics *mt)
{
	for (size_t i = 0; i < n; i++) {
		double pred = fl_model_decide(m, z + i * m->k);
		if (mt->nclasses == 0) {
			double e = pred - y[i];
			mt->sse += e * e;
			mt->sum_y += y[i];
			mt->sum_y2 += y[i] * y[i];
			continue;
		}
		if (!(pred >= 0 && pred < (double)mt->nclasses))
			pred = 0;   /* non-finite logits from a failed forward pass */
		uint32_t p = (uint32_t)pred, t = (uint32_t)y[i];
		mt->npred[p] += 1.0;
		mt->ntrue[t] += 1.0;
		if (p == t) {
			mt->tp[t] += 1.0;
			mt->correct += 1.0;
		}
	}
}

int fl_model_eval(const fl_model *m, const fl_dataset *ds, fl_metrics *out)
{
	fl_metrics *mt = NULL;
	double *xs = NULL, *z;
	size_t blk;
	int r;

	if (out == NULL)
		return FL_E_INVAL;
	if ((r = fl_model_check_data(m, ds)) != 0)
		return r;
	blk = ds->n < EVAL_BLOCK ? (ds->n ? ds->n : 1) : EVAL_BLOCK;
	mt = calloc(1, sizeof(*mt));
	xs = malloc(blk * ((size_t)m->d + m->k) * sizeof(double));   /* and z */
	if (mt == NULL || xs == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	z = xs + blk * m->d;
	mt->nclasses = fl_model_nclasses(m);
	for (size_t i0 = 0; i0 < ds->n; i0 += blk) {
		size_t n = ds->n - i0 < blk ? ds->n - i0 : blk;
		fl_model_standardise(m, ds->x + i0 * m->d, n, xs);
		fl_model_logits(m, m->w, xs, n, z);
		eval_block(m, z, ds->y + i0, n, mt);
		mt->loss_sum += fl_model_head(m, z, ds->y + i0, n, 0);
	}
	mt->n = (double)ds->n;
	*out = *mt;
	r = 0;
out:
	free(mt);
	free(xs);
	return r;
}

double fl_metrics_accuracy(const fl_metrics *m)
{
	if (m == NULL || m->nclasses == 0 || !(m->n > 0))
		return NAN;
	return m->correct / m->n;
}

double fl_metrics_loss(const fl_metrics *m)
{
	if (m == NULL || !(m->n > 0))
		return NAN;
	return m->loss_sum / m->n;
}

double fl_metrics_macro_f1(const fl_metrics *m)
{
	double sum = 0.0;
	uint32_t used = 0;

	if (m == NULL || m->nclasses == 0 || m->nclasses > FL_METRICS_MAX_CLASSES)
		return NAN;
	for (uint32_t c = 0; c < m->nclasses; c++) {
		if (m->ntrue[c] > 0 || m->npred[c] > 0) {
			sum += 2.0 * m->tp[c] / (m->npred[c] + m->ntrue[c]);
			used++;
		}
	}
	return used ? sum / used : NAN;
}

double fl_metrics_r2(const fl_metrics *m)
{
	double den;

	if (m == NULL || m->nclasses != 0 || !(m->n > 0))
		return NAN;
	den = m->sum_y2 - m->sum_y * m->sum_y / m->n;
	if (!(den > 0))
		return NAN;
	return 1.0 - m->sse / den;
}
