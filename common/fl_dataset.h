/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dataset: numeric features and labels, built from a CSV table. */
#ifndef FL_DATASET_H
#define FL_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "fl_csv.h"

typedef struct fl_dataset {
	size_t n;        /* rows */
	uint32_t d;      /* features */
	uint32_t k;      /* classes, 0 for regression */
	double *x;       /* n * d, row-major */
	double *y;       /* n: class id 0..k-1, or the regression target */
} fl_dataset;

/*
 * Builds a dataset from a table. label names the label column. If nlabels >
 * 0 the task is classification: each label cell must equal one of labels[]
 * (after unquoting/trimming; "1" and "1.0" match numerically), and its index
 * is the class id, so every site agrees on ids. If nlabels == 0 the label is
 * a numeric regression target. features lists the feature columns; nfeat ==
 * 0 means every column but the label. Cells must be numbers.
 * On success *out is new (fl_dataset_free). Errors: FL_E_CSV with the
 * line number (header is line 1) and column in errmsg, FL_E_NOMEM.
 */
int fl_dataset_from_csv(const fl_csv *csv, const char *label,
			char *const *labels, uint32_t nlabels,
			char *const *features, uint32_t nfeat,
			fl_dataset **out, char *errmsg);

/*
 * Deterministic split: row i goes to test iff fl_mix64(seed ^ i) maps below
 * test_fraction. The same seed and file give the same split on every site.
 * On success *train and *test are new datasets.
 */
int fl_dataset_split(const fl_dataset *all, double test_fraction,
		     uint64_t seed, fl_dataset **train, fl_dataset **test);
/*
 * Stratified split of a classification dataset (all->k classes, labels
 * are class ids): of each class's n_c rows the round(test_fraction * n_c)
 * whose fl_mix64(seed ^ i) are smallest go to test, the others to train,
 * each part in file order. Deterministic like fl_dataset_split. FL_E_INVAL
 * when all->k is 0 or a label is not a class id.
 */
int fl_dataset_split_stratified(const fl_dataset *all, double test_fraction,
				uint64_t seed, fl_dataset **train, fl_dataset **test);
/* Appends the rows of b to *a (same d and k). */
int fl_dataset_append(fl_dataset *a, const fl_dataset *b);
void fl_dataset_free(fl_dataset *ds);

#endif
