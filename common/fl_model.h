/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model: built-in models (linear, logistic, softmax), their native file
 * format, prediction and evaluation. Parameters are float64. */
#ifndef FL_MODEL_H
#define FL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "fl_dataset.h"
#include "fl_jobspec.h"

#define FL_MODEL_MAX_PARAMS (64u * 1024u * 1024u)

typedef struct fl_model {
	enum fl_model_kind kind;
	uint32_t d;          /* input features */
	uint32_t k;          /* outputs: 1 for linear/logistic, classes for softmax */
	uint32_t version;    /* 0 = initial; r = after training round r */
	double *mean;        /* d: standardisation, x' = (x - mean) / scale */
	double *scale;       /* d, all > 0 */
	size_t nparams;      /* (d + 1) * k */
	double *w;           /* nparams: W (d x k, row-major), then bias (k) */
} fl_model;

/* New model with zero weights, mean 0 and scale 1. *out owned by caller. */
int fl_model_new(enum fl_model_kind kind, uint32_t d, uint32_t k, fl_model **out);
/* Model shape for a spec and a dataset's feature count: k = 1 for linear and
 * logistic, nlabels for softmax. */
int fl_model_new_for_spec(const fl_jobspec *spec, uint32_t d, fl_model **out);
int fl_model_copy(const fl_model *m, fl_model **out);
void fl_model_free(fl_model *m);

/* Native format: magic "FLMODEL1", kind, d, k, version, mean, scale, w, all
 * little-endian. encode: *buf malloc'd, caller frees. decode validates every
 * length and that values are finite: FL_E_PARSE / FL_E_TOOBIG. */
int fl_model_encode(const fl_model *m, uint8_t **buf, size_t *len);
int fl_model_decode(const uint8_t *buf, size_t len, fl_model **out);
/* Human-readable JSON summary (shape, version, standardisation, weights). */
int fl_model_to_json(const fl_model *m, char **out);

/*
 * Sums over a dataset, so they can be added across sites and then turned
 * into global figures. Classification fills the per-class arrays (k entries
 * each, k = number of classes; 2 for logistic); regression fills sse/sum_y.
 */
#define FL_METRICS_MAX_CLASSES 256u
typedef struct fl_metrics {
	double n;            /* examples */
	double loss_sum;     /* cross-entropy or squared error summed */
	double correct;      /* classification */
	double sse, sum_y, sum_y2;  /* regression */
	uint32_t nclasses;
	double tp[FL_METRICS_MAX_CLASSES];
	double npred[FL_METRICS_MAX_CLASSES];
	double ntrue[FL_METRICS_MAX_CLASSES];
} fl_metrics;

/* Number of classes the metrics of a model carry (0 for linear). */
uint32_t fl_model_nclasses(const fl_model *m);
/* Evaluates m on ds (standardising with m's mean/scale); fills *out. */
int fl_model_eval(const fl_model *m, const fl_dataset *ds, fl_metrics *out);
/* Derived figures from summed metrics. NaN where undefined. */
double fl_metrics_accuracy(const fl_metrics *m);
double fl_metrics_loss(const fl_metrics *m);
double fl_metrics_macro_f1(const fl_metrics *m);
double fl_metrics_r2(const fl_metrics *m);
/* Predicts one row: class id (classification) or value (regression). */
double fl_model_predict_row(const fl_model *m, const double *x);

#endif
