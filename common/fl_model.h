/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model: built-in models (linear, logistic, softmax, mlp), their native
 * file format, prediction and evaluation. Parameters are float64. */
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
	uint32_t k;          /* outputs: 1 for linear/logistic, classes for softmax;
			      * mlp: classes (>= 2, softmax head) or 1 (regression) */
	uint32_t version;    /* 0 = initial; r = after training round r */
	double *mean;        /* d: standardisation, x' = (x - mean) / scale */
	double *scale;       /* d, all > 0 */
	size_t nparams;      /* (d + 1) * k; mlp: sum over layers of (in + 1) * out */
	double *w;           /* nparams: W (d x k, row-major), then bias (k).
			      * mlp: per layer, in order d -> hidden[0] -> ... -> k,
			      * W (in x out, row-major) then bias (out). */
	uint32_t nhidden;    /* mlp: 1..3 hidden ReLU layers; 0 otherwise */
	uint32_t hidden[3];  /* mlp: hidden layer sizes, 1..4096 each */
	/* Label histogram from the STATS round (classification): training rows
	 * per class id over the whole consortium, or NULL/0 if not known. */
	uint32_t nlabel_counts;   /* 0 or fl_model_nclasses(m) */
	double *label_counts;     /* nlabel_counts, owned */
	/* Regression (fl_model_nclasses 0): the label's standardisation from
	 * the STATS round. The model's output z predicts (y - y_mean) /
	 * y_scale; predictions are z * y_scale + y_mean. 0 and 1 (none) for
	 * classification and before the STATS round. */
	double y_mean;
	double y_scale;           /* > 0 */
} fl_model;

/* New model with zero weights, mean 0 and scale 1. *out owned by caller.
 * Not for FL_MODEL_MLP (FL_E_INVAL): use fl_model_new_mlp. */
int fl_model_new(enum fl_model_kind kind, uint32_t d, uint32_t k, fl_model **out);
/* New MLP with zero weights (call fl_model_init): k = 1 is regression
 * (squared error), 2..256 classification (softmax); nhidden 1..3 sizes in
 * hidden[], each 1..4096. */
int fl_model_new_mlp(uint32_t d, uint32_t k, uint32_t nhidden, const uint32_t *hidden,
		     fl_model **out);
/* Model shape for a spec and a dataset's feature count: k = 1 for linear and
 * logistic, nlabels for softmax; mlp: nlabels, or 1 without labels. The
 * weights are initialised with fl_model_init(m, spec->seed). */
int fl_model_new_for_spec(const fl_jobspec *spec, uint32_t d, fl_model **out);
/* Seeded, reproducible initial weights: mlp layers get He-normal weights
 * (Glorot-style for the output layer) from fl_rng, biases 0. A no-op for
 * the linear kinds, which start at zero. */
int fl_model_init(fl_model *m, uint64_t seed);
int fl_model_copy(const fl_model *m, fl_model **out);
/* Sets the label histogram (n values, n == fl_model_nclasses(m) > 0, each
 * finite and >= 0; copied). FL_E_INVAL, FL_E_NOMEM. */
int fl_model_set_label_counts(fl_model *m, const double *counts, uint32_t n);
void fl_model_free(fl_model *m);

/* Sets a regression model's label standardisation (mean finite, scale
 * finite and > 0). FL_E_INVAL otherwise or for a classifier. */
int fl_model_set_label_scale(fl_model *m, double mean, double scale);

/* Native format: magic "FLMODEL1", kind, d, k, version, nparams, mean, scale,
 * w, all little-endian. Kind mlp uses magic "FLMODEL2" and has nhidden u32
 * and hidden[3] u32 (unused ones 0) after nparams. A model that carries a
 * label histogram (nlabel_counts > 0) uses magic "FLMODEL3" for every kind:
 * the FLMODEL2 header (nhidden and hidden all 0 unless mlp), then
 * nlabel_counts u32 and a zero u32, mean, scale, label_counts, w. Models
 * without a histogram keep the FLMODEL1/2 bytes exactly. A regression model
 * with a label standardisation (y_mean != 0 or y_scale != 1) uses magic
 * "FLMODEL4": the FLMODEL2 header, then y_mean and y_scale f64, mean,
 * scale, w. encode: *buf
 * malloc'd, caller frees. decode validates every length and that values are
 * finite (counts >= 0): FL_E_PARSE / FL_E_TOOBIG. */
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
