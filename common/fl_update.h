/* SPDX-License-Identifier: Apache-2.0 */
/* fl_update: the sum-friendly vectors that agents upload. The coordinator
 * only ever needs their sum over sites (so secure aggregation can hide each
 * one), and these functions turn a sum into the next global model. */
#ifndef FL_UPDATE_H
#define FL_UPDATE_H

#include <stddef.h>
#include <stdint.h>
#include "fl_dataset.h"
#include "fl_model.h"
#include "fl_servopt.h"

/*
 * STATS vector, length 1 + 2d: [n, sum x_j (d), sum x_j^2 (d)] over the
 * site's training split. Sum over sites -> global mean and scale.
 */
size_t fl_update_stats_len(uint32_t d);
int fl_update_stats_build(const fl_dataset *train, double *vec);
/* Sets m->mean and m->scale from a summed STATS vector (scale floor 1e-12,
 * constant features get scale 1). FL_E_RANGE if n == 0. */
int fl_update_stats_apply(fl_model *m, const double *sum);

/*
 * STATS vector with the label histogram of a classification job, length
 * 1 + 2d + c: the vector above, then the site's training rows per class id
 * 0..c-1 (c = fl_model_nclasses of the job's model = its label count). The
 * sum over sites is the consortium-wide histogram. For regression (c = 0)
 * the vector above then the label's sum and sum of squares (length 1 + 2d
 * + FL_UPDATE_STATS_LABEL), from which apply sets the model's label
 * standardisation (fl_model_set_label_scale). build: FL_E_INVAL if a label
 * is not a class id below c. apply: as fl_update_stats_apply, and for c > 0
 * (which must equal fl_model_nclasses(m)) stores the summed counts in
 * m->label_counts; FL_E_RANGE if a count is negative or not finite.
 */
#define FL_UPDATE_STATS_LABEL 2u
size_t fl_update_stats_len_hist(uint32_t d, uint32_t nclasses);
int fl_update_stats_build_hist(const fl_dataset *train, uint32_t nclasses, double *vec);
int fl_update_stats_apply_hist(fl_model *m, const double *sum, uint32_t nclasses);

/*
 * R8, no silent wrap (fl_update_bound.c). name: what coordinate i of a
 * STATS vector of d features and nclasses labels holds, for messages:
 * "row count", "feature 'x' sum", "feature 'x' sum of squares", "label 'y'
 * count", "label sum", "label sum of squares" (features / labels may be
 * NULL: then by number). check_sum: a
 * summed STATS vector whose row count, sum of squares or label count is
 * negative, or any value not finite, cannot come from honest sites (the
 * sum wrapped or a site lied): FL_E_WRAP, *bad (may be NULL) = its index.
 * fl_update_stats_apply_hist refuses such a sum with FL_E_WRAP too.
 */
void fl_update_stats_name(size_t i, uint32_t d, uint32_t nclasses,
			  char *const *features, char *const *labels,
			  char *out, size_t cap);
int fl_update_stats_check_sum(const double *sum, uint32_t d, uint32_t nclasses,
			      size_t *bad);

/*
 * Metrics tail, length 6 + 3c (c = fl_model_nclasses): n, loss_sum,
 * correct, sse, sum_y, sum_y2, tp[c], npred[c], ntrue[c].
 */
size_t fl_update_metrics_len(const fl_model *m);
void fl_update_metrics_pack(const fl_metrics *mt, uint32_t nclasses, double *vec);
void fl_update_metrics_unpack(const double *vec, uint32_t nclasses, fl_metrics *mt);

/*
 * TRAIN vector, length nparams + 2 + metrics_len:
 * [n_train * (w_local - w_global) (nparams), n_train, train_loss_sum,
 *  metrics of the *incoming global* model on the site's test split].
 */
size_t fl_update_train_len(const fl_model *m);
int fl_update_train_build(const fl_model *global, const fl_model *local,
			  double n_train, double train_loss_sum,
			  const fl_metrics *eval, double *vec);

/* EVAL vector: just the metrics tail (a final evaluation round). */
size_t fl_update_eval_len(const fl_model *m);

/* Summary of one aggregated round. */
typedef struct fl_round_summary {
	double n_train;
	double train_loss;    /* mean over training examples */
	fl_metrics eval;      /* summed metrics of the incoming model */
} fl_round_summary;

/* FedAvg: global->w += sum_delta / sum_n, version++. Fills *out. FL_E_RANGE
 * if sum n_train is 0; FL_E_DIVERGED if the result is not finite (global is
 * left unchanged). */
int fl_update_train_apply(fl_model *global, const double *sum, fl_round_summary *out);
/* As fl_update_train_apply, but the pseudo-gradient sum_delta / sum_n goes
 * through the server optimiser opt (opt->np == nparams; NULL = FedAvg as
 * above). On error neither global nor opt change. */
int fl_update_train_apply_opt(fl_model *global, const double *sum, fl_servopt *opt,
			      fl_round_summary *out);

#endif
