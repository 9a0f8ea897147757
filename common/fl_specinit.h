/* SPDX-License-Identifier: Apache-2.0 */
/* fl_specinit: a commented job spec written from a sample CSV (fedctl job init). */
#ifndef FL_SPECINIT_H
#define FL_SPECINIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_csv.h"

/* A numeric label with more distinct values than this is a regression
 * target (for model mlp, which does both). */
#define FL_SPECINIT_MAX_CLASSES 20u
/* Classes are uneven (class_weights = balanced) when the smallest class has
 * fewer rows than this fraction of the largest. */
#define FL_SPECINIT_UNEVEN 0.5

typedef struct fl_specinit_opts {
	const char *label;      /* label column (required) */
	const char *model;      /* linear | logistic | softmax | mlp (required) */
	const char *dataset;    /* the sites' dataset name (required) */
	const char *name;       /* job name; NULL: "<dataset>-<model>" */
	uint32_t min_clients;   /* 0: 3 */
	bool features_all;      /* write 'features = all' instead of the list */
} fl_specinit_opts;

/* What the sample says; filled by fl_specinit_infer. */
typedef struct fl_specinit_plan {
	int model;              /* enum fl_model_kind */
	bool classification;
	uint32_t nclasses;
	char **classes;         /* nclasses label values, sorted (numerically if
				 * all are numbers), owned */
	bool uneven;            /* smallest class < FL_SPECINIT_UNEVEN * largest */
	size_t nfeat;
	size_t *feat;           /* column indices of the numeric features, owned */
	double *feat_sumsq;     /* their sums of squares over the sample, owned
				 * (the secure statistics round sums these) */
	size_t ndropped;
	size_t *dropped;        /* non-numeric columns left out, owned */
	size_t *dropped_bad;    /* how many of their cells are not numbers */
	size_t nrows;
} fl_specinit_plan;

/*
 * Reads the sample: finds the label column, keeps every other column whose
 * cells are all finite numbers, and decides classification or regression
 * (logistic and softmax classify, linear regresses, mlp classifies a label
 * that is text or has at most FL_SPECINIT_MAX_CLASSES distinct whole
 * numbers). On success fills *plan (free with fl_specinit_plan_clear).
 * Errors, with the reason in errmsg: FL_E_CSV (no such label column, no
 * rows, no numeric feature, empty label cells), FL_E_SPEC (the model does
 * not fit the label: logistic with other than 2 classes, a label value
 * that cannot be a spec name, a text label for linear, too many classes),
 * FL_E_INVAL (bad options), FL_E_NOMEM.
 */
int fl_specinit_infer(const fl_csv *csv, const fl_specinit_opts *o,
		      fl_specinit_plan *plan, char *errmsg);
/*
 * The commented spec text for plan (from csv and o, as given to
 * fl_specinit_infer): *out is malloc'd, the caller frees it. The spec
 * carries no cell values other than the class names and no counts.
 * Errors: FL_E_INVAL (features_all with left-out columns, with errmsg),
 * FL_E_NOMEM.
 */
int fl_specinit_write(const fl_csv *csv, const fl_specinit_opts *o,
		      const fl_specinit_plan *plan, char **out, char *errmsg);
void fl_specinit_plan_clear(fl_specinit_plan *plan);
/* 1 if v can be a name in a spec list (1..FL_NAME_BYTES-1 characters, no
 * ',' ';' or control characters, no leading '#', no surrounding blank). */
int fl_specinit_name_ok(const char *v);

#endif
