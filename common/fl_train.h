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

#endif
