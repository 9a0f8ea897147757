/* SPDX-License-Identifier: Apache-2.0 */
/* fl_update: build sum-friendly STATS/TRAIN/EVAL vectors and apply their sums. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_update.h"

int fl_update_stats_build(const fl_dataset *train, double *vec)
{
	uint32_t d;

	if (train == NULL || vec == NULL)
		return FL_E_INVAL;
	d = train->d;
	memset(vec, 0, fl_update_stats_len(d) * sizeof(double));
	vec[0] = (double)train->n;
	for (size_t i = 0; i < train->n; i++) {
		const double *x = train->x + i * d;
		for (uint32_t j = 0; j < d; j++) {
			vec[1 + j] += x[j];
			vec[1 + d + j] += x[j] * x[j];
		}
	}
	return 0;
}

int fl_update_stats_apply(fl_model *m, const double *sum)
{
	double *mean = NULL, *scale = NULL, n;
	uint32_t d;
	int r = FL_E_RANGE;

	if (m == NULL || sum == NULL)
		return FL_E_INVAL;
	d = m->d;
	n = sum[0];
	if (!(n > 0) || !isfinite(n))
		return FL_E_RANGE;
	mean = malloc(d * sizeof(double));
	scale = malloc(d * sizeof(double));
	if (mean == NULL || scale == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t j = 0; j < d; j++) {
		double mu = sum[1 + j] / n;
		double var = sum[1 + d + j] / n - mu * mu;
		if (!isfinite(mu) || !isfinite(var))
			goto out;
		if (var < 0)
			var = 0;
		mean[j] = mu;
		scale[j] = sqrt(var);
		if (scale[j] < 1e-12)
			scale[j] = 1.0;   /* constant feature */
	}
	memcpy(m->mean, mean, d * sizeof(double));
	memcpy(m->scale, scale, d * sizeof(double));
	r = 0;
out:
	free(mean);
	free(scale);
	return r;
}

int fl_update_stats_build_hist(const fl_dataset *train, uint32_t nclasses, double *vec)
{
	double *h;
	int r;

	if (train == NULL || vec == NULL || nclasses > FL_METRICS_MAX_CLASSES)
		return FL_E_INVAL;
	if ((r = fl_update_stats_build(train, vec)) != 0)
		return r;
	h = vec + fl_update_stats_len(train->d);
	memset(h, 0, (nclasses ? nclasses : FL_UPDATE_STATS_LABEL) * sizeof(double));
	for (size_t i = 0; i < train->n && nclasses == 0; i++) {
		h[0] += train->y[i];   /* regression: the label's sums */
		h[1] += train->y[i] * train->y[i];
	}
	for (size_t i = 0; i < train->n && nclasses > 0; i++) {
		double y = train->y[i];
		if (!(y >= 0 && y < (double)nclasses) || y != floor(y))
			return FL_E_INVAL;
		h[(uint32_t)y] += 1.0;
	}
	return 0;
}

/* Regression: the label's mean and scale from its summed sums (a constant
 * label gets scale 1). */
static int stats_apply_label(fl_model *m, double n, const double *ys)
{
	double mu = ys[0] / n, var = ys[1] / n - mu * mu;

	if (fl_model_nclasses(m) != 0)
		return 0;   /* a classifier's shape: nothing to scale */
	if (!isfinite(mu) || !isfinite(var))
		return FL_E_RANGE;
	var = var > 0 ? var : 0;
	return fl_model_set_label_scale(m, mu, sqrt(var) >= 1e-12 ? sqrt(var) : 1.0);
}

int fl_update_stats_apply_hist(fl_model *m, const double *sum, uint32_t nclasses)
{
	const double *h;
	double *c = NULL;
	int r;

	if (m == NULL || sum == NULL ||
	    (nclasses != 0 && nclasses != fl_model_nclasses(m)))
		return FL_E_INVAL;
	if ((r = fl_update_stats_check_sum(sum, m->d, nclasses, NULL)) != 0)
		return r;
	if (nclasses == 0) {
		if ((r = fl_update_stats_apply(m, sum)) != 0)
			return r;
		return stats_apply_label(m, sum[0], sum + fl_update_stats_len(m->d));
	}
	h = sum + fl_update_stats_len(m->d);
	if ((c = malloc(nclasses * sizeof(double))) == NULL)
		return FL_E_NOMEM;
	for (uint32_t i = 0; i < nclasses; i++) {
		/* Sums of whole counts; round away quantisation noise, if any. */
		c[i] = floor(h[i] + 0.5);
		if (!isfinite(h[i]) || c[i] < 0) {
			r = FL_E_RANGE;
			goto out;
		}
	}
	if ((r = fl_update_stats_apply(m, sum)) != 0)
		goto out;
	r = fl_model_set_label_counts(m, c, nclasses);
out:
	free(c);
	return r;
}

size_t fl_update_metrics_len(const fl_model *m)
{
	return 6 + 3 * (size_t)fl_model_nclasses(m);
}

void fl_update_metrics_pack(const fl_metrics *mt, uint32_t nclasses, double *vec)
{
	if (nclasses > FL_METRICS_MAX_CLASSES)
		nclasses = FL_METRICS_MAX_CLASSES;
	vec[0] = mt->n;
	vec[1] = mt->loss_sum;
	vec[2] = mt->correct;
	vec[3] = mt->sse;
	vec[4] = mt->sum_y;
	vec[5] = mt->sum_y2;
	for (uint32_t c = 0; c < nclasses; c++) {
		vec[6 + c] = mt->tp[c];
		vec[6 + nclasses + c] = mt->npred[c];
		vec[6 + 2 * nclasses + c] = mt->ntrue[c];
	}
}

void fl_update_metrics_unpack(const double *vec, uint32_t nclasses, fl_metrics *mt)
{
	if (nclasses > FL_METRICS_MAX_CLASSES)
		nclasses = FL_METRICS_MAX_CLASSES;
	memset(mt, 0, sizeof(*mt));
	mt->n = vec[0];
	mt->loss_sum = vec[1];
	mt->correct = vec[2];
	mt->sse = vec[3];
	mt->sum_y = vec[4];
	mt->sum_y2 = vec[5];
	mt->nclasses = nclasses;
	for (uint32_t c = 0; c < nclasses; c++) {
		mt->tp[c] = vec[6 + c];
		mt->npred[c] = vec[6 + nclasses + c];
		mt->ntrue[c] = vec[6 + 2 * nclasses + c];
	}
}

size_t fl_update_train_len(const fl_model *m)
{
	return m->nparams + 2 + fl_update_metrics_len(m);
}

size_t fl_update_eval_len(const fl_model *m)
{
	return fl_update_metrics_len(m);
}

int fl_update_train_build(const fl_model *global, const fl_model *local,
			  double n_train, double train_loss_sum,
			  const fl_metrics *eval, double *vec)
{
	size_t np;

	if (global == NULL || local == NULL || vec == NULL ||
	    global->kind != local->kind || global->d != local->d ||
	    global->k != local->k || global->nparams != local->nparams)
		return FL_E_INVAL;
	np = global->nparams;
	for (size_t i = 0; i < np; i++)
		vec[i] = n_train * (local->w[i] - global->w[i]);
	vec[np] = n_train;
	vec[np + 1] = train_loss_sum;
	if (eval != NULL) {
		fl_update_metrics_pack(eval, fl_model_nclasses(global), vec + np + 2);
	} else {
		memset(vec + np + 2, 0, fl_update_metrics_len(global) * sizeof(double));
	}
	return 0;
}

int fl_update_train_apply(fl_model *global, const double *sum, fl_round_summary *out)
{
	return fl_update_train_apply_opt(global, sum, NULL, out);
}

int fl_update_train_apply_opt(fl_model *global, const double *sum, fl_servopt *opt,
			      fl_round_summary *out)
{
	double *w, n;
	size_t np;
	int r;

	if (global == NULL || sum == NULL || (opt != NULL && opt->np != global->nparams))
		return FL_E_INVAL;
	np = global->nparams;
	n = sum[np];
	if (!(n > 0) || !isfinite(n))
		return FL_E_RANGE;
	w = malloc(np * sizeof(double));
	if (w == NULL)
		return FL_E_NOMEM;
	if (opt != NULL) {
		/* w holds the pseudo-gradient, then the step goes into a copy. */
		double *x = malloc(np * sizeof(double));

		for (size_t i = 0; i < np && x != NULL; i++)
			w[i] = sum[i] / n;
		r = x == NULL ? FL_E_NOMEM : 0;
		if (r == 0) {
			memcpy(x, global->w, np * sizeof(double));
			r = fl_servopt_step(opt, x, w);
		}
		if (r == 0)
			memcpy(w, x, np * sizeof(double));
		free(x);
		if (r != 0) {
			free(w);
			return r;
		}
	} else {
		for (size_t i = 0; i < np; i++) {
			w[i] = global->w[i] + sum[i] / n;
			if (!isfinite(w[i])) {
				free(w);
				return FL_E_DIVERGED;
			}
		}
	}
	memcpy(global->w, w, np * sizeof(double));
	free(w);
	global->version++;
	if (out != NULL) {
		out->n_train = n;
		out->train_loss = sum[np + 1] / n;
		fl_update_metrics_unpack(sum + np + 2, fl_model_nclasses(global), &out->eval);
	}
	return 0;
}
