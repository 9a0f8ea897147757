/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_int: private forward pass and loss heads shared by eval and SGD. */
#ifndef FL_MODEL_INT_H
#define FL_MODEL_INT_H

#include <stddef.h>
#include "fl_dataset.h"
#include "fl_model.h"

/* Largest softmax class count (the metrics arrays hold this many). */
#define FL_MODEL_MAX_CLASSES FL_METRICS_MAX_CLASSES

/* FL_E_INVAL unless ds fits m: same d, and every y a class id in range
 * (classification) or finite (regression). */
int fl_model_check_data(const fl_model *m, const fl_dataset *ds);
/* out[i*d+j] = (x[i*d+j] - mean[j]) / scale[j] for n rows. */
void fl_model_standardise(const fl_model *m, const double *x, size_t n, double *out);
/* z (n x k) = xs (n x d) . W + b, with w laid out as in fl_model. */
void fl_model_logits(const fl_model *m, const double *w, const double *xs,
		     size_t n, double *z);
/* Loss summed over n rows of logits z with targets y (cross-entropy, or
 * squared error for linear). If grad, z is overwritten with dloss/dz
 * (p - onehot(y), or pred - y for linear). */
double fl_model_head(const fl_model *m, double *z, const double *y, size_t n, int grad);
/* fl_model_head with grad, each row's loss and dloss/dz multiplied by the
 * weight of its class cw[y] times n / (sum of the n rows' weights), so the
 * batch mean is the weighted mean (classification); cw NULL = fl_model_head. */
double fl_model_head_weighted(const fl_model *m, double *z, const double *y, size_t n,
			      const double *cw);
/* Class id (or value for linear) from one row of logits. */
double fl_model_decide(const fl_model *m, const double *z);

/* mlp: layer widths d, hidden..., k into sizes[nhidden + 2]; returns the
 * number of weight layers (nhidden + 1). */
uint32_t fl_mlp_sizes(const fl_model *m, uint32_t sizes[5]);
/* mlp: nparams for a shape, or 0 if it overflows FL_MODEL_MAX_PARAMS. */
uint64_t fl_mlp_nparams(uint32_t d, uint32_t k, uint32_t nhidden, const uint32_t *hidden);
/* mlp forward pass: z (n x k) logits for n standardised rows. FL_E_NOMEM. */
int fl_mlp_forward(const fl_model *m, const double *w, const double *xs,
		   size_t n, double *z);
/* mlp backprop: *loss = loss summed over the n rows (as fl_model_head);
 * grad (nparams) = gradient of the mean objective: cross-entropy, or half
 * the squared error for regression (matching fl_model_head's dloss/dz).
 * No l2 term. FL_E_NOMEM. */
int fl_mlp_grad(const fl_model *m, const double *w, const double *xs,
		const double *y, size_t n, double *grad, double *loss);
/* fl_mlp_grad with per-class loss weights cw (NULL = none), as
 * fl_model_head_weighted. */
int fl_mlp_grad_weighted(const fl_model *m, const double *w, const double *xs,
			 const double *y, size_t n, const double *cw, double *grad,
			 double *loss);

#endif
