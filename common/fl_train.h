/* SPDX-License-Identifier: Apache-2.0 */
/* fl_train: minibatch SGD for the built-in models, with OpenBLAS. */
#ifndef FL_TRAIN_H
#define FL_TRAIN_H

#include <stdint.h>
#include "fl_dataset.h"
#include "fl_model.h"

typedef struct fl_train_opts {
	uint32_t epochs;
	uint32_t batch_size;
	double lr;
	double l2;
	uint64_t seed;   /* shuffle order; reproducible */
} fl_train_opts;

/*
 * Trains m in place on ds (features standardised with m's mean/scale).
 * *loss_sum (may be NULL) receives the training loss summed over the last
 * epoch's examples. Errors: FL_E_INVAL (shape mismatch), FL_E_DIVERGED
 * (non-finite weights; m is left unchanged), FL_E_NOMEM.
 */
int fl_train_sgd(fl_model *m, const fl_dataset *ds, const fl_train_opts *opts,
		 double *loss_sum);

/* Options of the federated algorithms; a NULL fl_train_extra, or all zero,
 * trains exactly as fl_train_sgd. */
typedef struct fl_train_extra {
	/* FedProx: adds (mu/2)||w - w_start||^2 to the objective (w_start = m's
	 * weights on entry, the global model), gradient mu (w - w_start), on
	 * every parameter. 0 = off. */
	double prox_mu;
	/* Per-class loss weights (fl_model_nclasses(m) values, >= 0), or NULL:
	 * each batch minimises the weighted mean sum_i w_{y_i} loss_i /
	 * sum_i w_{y_i} (logistic, softmax and mlp-softmax; as PyTorch's
	 * weighted cross-entropy). *loss_sum is then the sum over batches of
	 * batch size x weighted mean. */
	const double *class_weight;
} fl_train_extra;

/* fl_train_sgd with the options in ex (may be NULL). FL_E_INVAL also for a
 * negative or non-finite mu or weight, or weights on a regression model. */
int fl_train_sgd_ex(fl_model *m, const fl_dataset *ds, const fl_train_opts *opts,
		    const fl_train_extra *ex, double *loss_sum);

/*
 * The learning rate of TRAIN round `round` (1..spec->rounds; 0 counts as 1,
 * later rounds as the last) under spec->lr_schedule, with t = round - 1:
 * constant lr; step lr * lr_decay^floor(t / lr_step); exponential
 * lr * lr_decay^t; cosine lr * (1 + cos(pi t / rounds)) / 2. The factor
 * never drops below 1e-12 (so the rate stays positive).
 */
double fl_lr_at(const fl_jobspec *spec, uint32_t round);

/* Balanced weights n / (c * count_i), n = sum of counts; a class with no
 * rows gets 1. FL_E_RANGE if n is 0 or a count is negative. */
int fl_class_weights_balanced(const double *counts, uint32_t c, double *w);

/*
 * The class weights of a job for training from global (w has room for
 * fl_model_nclasses(global) values): *use = 0 for class_weights = none,
 * else w holds the spec's list or the balanced weights from the global
 * model's label histogram. FL_E_STATE (with a message) if balanced is
 * asked and the model carries no histogram, FL_E_INVAL if the spec's list
 * does not fit the model.
 */
int fl_train_class_weights(const fl_jobspec *spec, const fl_model *global, double *w,
			   int *use, char *errmsg);

#endif
