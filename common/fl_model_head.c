/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_head: the loss heads (cross-entropy, logistic, squared error) and
 * the decision from one row of logits; below both fl_model and the mlp. */
#include <math.h>
#include <stdint.h>

#include "fl_model.h"
#include "fl_model_int.h"

static double head_sigmoid(double z)
{
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	double e = exp(z);
	return e / (1.0 + e);
}

/* Softmax row: returns the loss -log p_y via log-sum-exp; if grad, the row
 * becomes p - onehot(y). */
static double head_softmax_row(double *z, uint32_t k, uint32_t y, int grad)
{
	double mx = z[0], s = 0.0, lse;

	for (uint32_t c = 1; c < k; c++)
		if (z[c] > mx)
			mx = z[c];
	for (uint32_t c = 0; c < k; c++)
		s += exp(z[c] - mx);
	lse = log(s) + mx;
	double loss = lse - z[y];
	if (grad) {
		for (uint32_t c = 0; c < k; c++)
			z[c] = exp(z[c] - lse);
		z[y] -= 1.0;
	}
	return loss;
}

double fl_model_head(const fl_model *m, double *z, const double *y, size_t n, int grad)
{
	double loss = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (m->kind == FL_MODEL_SOFTMAX || (m->kind == FL_MODEL_MLP && m->k >= 2)) {
			loss += head_softmax_row(z + i * m->k, m->k, (uint32_t)y[i], grad);
		} else if (m->kind == FL_MODEL_LOGISTIC) {
			double p = head_sigmoid(z[i]);
			double pc = fmin(fmax(p, 1e-12), 1.0 - 1e-12);
			loss -= y[i] * log(pc) + (1.0 - y[i]) * log(1.0 - pc);
			if (grad)
				z[i] = p - y[i];
		} else {
			/* regression: against the standardised label */
			double e = z[i] - (y[i] - m->y_mean) / m->y_scale;
			loss += e * e;
			if (grad)
				z[i] = e;
		}
	}
	return loss;
}

double fl_model_head_weighted(const fl_model *m, double *z, const double *y, size_t n,
			      const double *cw)
{
	double loss = 0.0, wsum = 0.0, f;

	if (cw == NULL)
		return fl_model_head(m, z, y, n, 1);
	/* A weighted mean (as PyTorch's weighted cross-entropy): the weights
	 * are rescaled to average 1 over the batch, so a rare class's large
	 * weight steers the step without blowing up its size. */
	for (size_t i = 0; i < n; i++)
		wsum += cw[(uint32_t)y[i]];
	f = wsum > 0 ? (double)n / wsum : 0.0;
	for (size_t i = 0; i < n; i++) {
		double wc = cw[(uint32_t)y[i]] * f;

		loss += wc * fl_model_head(m, z + i * m->k, y + i, 1, 1);
		for (uint32_t c = 0; c < m->k; c++)
			z[i * m->k + c] *= wc;
	}
	return loss;
}

double fl_model_decide(const fl_model *m, const double *z)
{
	uint32_t best = 0;

	if (m->kind == FL_MODEL_LINEAR || (m->kind == FL_MODEL_MLP && m->k == 1))
		return z[0] * m->y_scale + m->y_mean;   /* in the label's units */
	if (m->kind == FL_MODEL_LOGISTIC)
		return z[0] >= 0.0 ? 1.0 : 0.0;   /* p >= 0.5 */
	for (uint32_t c = 1; c < m->k; c++)
		if (z[c] > z[best])
			best = c;
	return (double)best;
}
