/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dataset: numeric feature matrices and labels built from CSV tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv_int.h"
#include "fl_dataset.h"
#include "fl_err.h"
#include "fl_util.h"

static int ds_alloc(size_t n, uint32_t d, uint32_t k, fl_dataset **out)
{
	fl_dataset *ds;

	if (d > 0 && n > SIZE_MAX / sizeof(double) / d)
		return FL_E_NOMEM;
	ds = calloc(1, sizeof(*ds));
	if (ds == NULL)
		return FL_E_NOMEM;
	ds->n = n;
	ds->d = d;
	ds->k = k;
	ds->x = malloc((n * d > 0 ? n * d : 1) * sizeof(double));
	ds->y = malloc((n > 0 ? n : 1) * sizeof(double));
	if (ds->x == NULL || ds->y == NULL) {
		fl_dataset_free(ds);
		return FL_E_NOMEM;
	}
	*out = ds;
	return 0;
}

/* Resolves the feature column indices into cols (d entries). */
static int ds_feature_cols(const fl_csv *csv, long lcol, char *const *features,
			   uint32_t nfeat, size_t *cols, uint32_t *d, char *errmsg)
{
	uint32_t n = 0;

	if (nfeat == 0) {
		for (size_t j = 0; j < csv->ncols; j++)
			if ((long)j != lcol)
				cols[n++] = j;
		*d = n;
		return 0;
	}
	for (uint32_t i = 0; i < nfeat; i++) {
		long c = fl_csv_column(csv, features[i]);
		if (c < 0) {
			fl_errmsg_set(errmsg, "feature column '%.64s' is not in the CSV header",
				      features[i]);
			return FL_E_CSV;
		}
		if (c == lcol) {
			fl_errmsg_set(errmsg, "feature column '%.64s' is the label column",
				      features[i]);
			return FL_E_CSV;
		}
		cols[n++] = (size_t)c;
	}
	*d = n;
	return 0;
}

/* Maps a label cell to its class id, or -1. */
static long ds_label_id(const char *cell, char *const *labels, uint32_t nlabels,
			const double *lnum, const unsigned char *lisnum)
{
	double v;

	for (uint32_t i = 0; i < nlabels; i++)
		if (strcmp(cell, labels[i]) == 0)
			return (long)i;
	if (fl_parse_double(cell, &v) != 0)
		return -1;
	for (uint32_t i = 0; i < nlabels; i++)
		if (lisnum[i] && lnum[i] == v)
			return (long)i;
	return -1;
}

static void ds_label_list(char *const *labels, uint32_t nlabels, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < nlabels && off + 1 < cap; i++) {
		int w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", labels[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static int ds_fill_label(const fl_csv *csv, size_t i, const char *cell,
			 char *const *labels, uint32_t nlabels, const double *lnum,
			 const unsigned char *lisnum, const char *lname,
			 double *y, char *errmsg)
{
	char list[160];
	long id;

	if (nlabels == 0) {
		if (fl_parse_double(cell, y) == 0)
			return 0;
		fl_errmsg_set(errmsg, "line %zu: column '%.64s': '%.40s' is not a number",
			      fl_csv_row_line(csv, i), lname, cell);
		return FL_E_CSV;
	}
	id = ds_label_id(cell, labels, nlabels, lnum, lisnum);
	if (id >= 0) {
		*y = (double)id;
		return 0;
	}
	ds_label_list(labels, nlabels, list, sizeof(list));
	fl_errmsg_set(errmsg, "line %zu: label '%.40s' is not one of the job's labels (%s)",
		      fl_csv_row_line(csv, i), cell, list);
	return FL_E_CSV;
}

int fl_dataset_from_csv(const fl_csv *csv, const char *label,
			char *const *labels, uint32_t nlabels,
			char *const *features, uint32_t nfeat,
			fl_dataset **out, char *errmsg)
{
	fl_dataset *ds = NULL;
	size_t *cols = NULL;
	double *lnum = NULL;
	unsigned char *lisnum = NULL;
	uint32_t d = 0;
	long lcol;
	int r;

	if (csv == NULL || label == NULL || out == NULL ||
	    (nlabels > 0 && labels == NULL) || (nfeat > 0 && features == NULL))
		return FL_E_INVAL;
	lcol = fl_csv_column(csv, label);
	if (lcol < 0) {
		fl_errmsg_set(errmsg, "label column '%.64s' is not in the CSV header", label);
		return FL_E_CSV;
	}
	cols = malloc((csv->ncols + nfeat + 1) * sizeof(*cols));
	lnum = malloc((nlabels + 1) * sizeof(*lnum));
	lisnum = calloc(nlabels + 1, 1);
	if (cols == NULL || lnum == NULL || lisnum == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < nlabels; i++)
		lisnum[i] = fl_parse_double(labels[i], &lnum[i]) == 0;
	if ((r = ds_feature_cols(csv, lcol, features, nfeat, cols, &d, errmsg)) != 0)
		goto out;
	if ((r = ds_alloc(csv->nrows, d, nlabels, &ds)) != 0)
		goto out;
	for (size_t i = 0; i < csv->nrows; i++) {
		char *const *row = csv->cells + i * csv->ncols;
		for (uint32_t j = 0; j < d; j++) {
			if (fl_parse_double(row[cols[j]], &ds->x[i * d + j]) != 0) {
				fl_errmsg_set(errmsg,
					      "line %zu: column '%.64s': '%.40s' is not a number",
					      fl_csv_row_line(csv, i), csv->header[cols[j]],
					      row[cols[j]]);
				r = FL_E_CSV;
				goto out;
			}
		}
		r = ds_fill_label(csv, i, row[lcol], labels, nlabels, lnum, lisnum,
				  label, &ds->y[i], errmsg);
		if (r != 0)
			goto out;
	}
	*out = ds;
	ds = NULL;
	r = 0;
out:
	fl_dataset_free(ds);
	free(cols);
	free(lnum);
	free(lisnum);
	return r;
}

/* Copies the rows of all into a new train and test dataset by is_test
 * (ntest rows marked), each in file order. */
static int ds_split_by(const fl_dataset *all, const unsigned char *is_test,
		       size_t ntest, fl_dataset **train, fl_dataset **test)
{
	fl_dataset *tr = NULL, *te = NULL;
	size_t a = 0, b = 0;
	int r;

	if ((r = ds_alloc(all->n - ntest, all->d, all->k, &tr)) != 0 ||
	    (r = ds_alloc(ntest, all->d, all->k, &te)) != 0)
		goto out;
	for (size_t i = 0; i < all->n; i++) {
		fl_dataset *dst = is_test[i] ? te : tr;
		size_t *pos = is_test[i] ? &b : &a;
		memcpy(dst->x + *pos * all->d, all->x + i * all->d, all->d * sizeof(double));
		dst->y[*pos] = all->y[i];
		(*pos)++;
	}
	*train = tr;
	*test = te;
	tr = te = NULL;
out:
	fl_dataset_free(tr);
	fl_dataset_free(te);
	return r;
}

/* Row i's draw in [0, 1) for the split. */
static double ds_draw(uint64_t seed, size_t i)
{
	return (double)(fl_mix64(seed ^ (uint64_t)i) >> 11) * 0x1.0p-53;
}

int fl_dataset_split(const fl_dataset *all, double test_fraction,
		     uint64_t seed, fl_dataset **train, fl_dataset **test)
{
	unsigned char *is_test = NULL;
	size_t ntest = 0;
	int r;

	if (all == NULL || train == NULL || test == NULL || !(test_fraction >= 0.0))
		return FL_E_INVAL;
	is_test = malloc(all->n > 0 ? all->n : 1);
	if (is_test == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < all->n; i++) {
		is_test[i] = ds_draw(seed, i) < test_fraction;
		ntest += is_test[i];
	}
	r = ds_split_by(all, is_test, ntest, train, test);
	free(is_test);
	return r;
}

typedef struct ds_rank { uint32_t c; double u; size_t i; } ds_rank;

static int ds_rank_cmp(const void *pa, const void *pb)
{
	const ds_rank *a = pa, *b = pb;

	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

int fl_dataset_split_stratified(const fl_dataset *all, double test_fraction,
				uint64_t seed, fl_dataset **train, fl_dataset **test)
{
	unsigned char *is_test = NULL;
	ds_rank *rk = NULL;
	size_t ntest = 0, g, e;
	int r = FL_E_NOMEM;

	if (all == NULL || train == NULL || test == NULL || all->k == 0 ||
	    !(test_fraction >= 0.0 && test_fraction <= 1.0))
		return FL_E_INVAL;
	for (size_t i = 0; i < all->n; i++)
		if (!(all->y[i] >= 0 && all->y[i] < (double)all->k) ||
		    all->y[i] != floor(all->y[i]))
			return FL_E_INVAL;
	if ((is_test = calloc(all->n > 0 ? all->n : 1, 1)) == NULL ||
	    (rk = malloc((all->n > 0 ? all->n : 1) * sizeof(*rk))) == NULL)
		goto out;
	for (size_t i = 0; i < all->n; i++) {
		rk[i].c = (uint32_t)all->y[i];
		rk[i].u = ds_draw(seed, i);
		rk[i].i = i;
	}
	qsort(rk, all->n, sizeof(*rk), ds_rank_cmp);
	for (g = 0; g < all->n; g = e) {
		size_t want;

		for (e = g; e < all->n && rk[e].c == rk[g].c; e++)
			;
		want = (size_t)floor(test_fraction * (double)(e - g) + 0.5);
		for (size_t j = g; j < g + want; j++)
			is_test[rk[j].i] = 1;
		ntest += want;
	}
	r = ds_split_by(all, is_test, ntest, train, test);
out:
	free(rk);
	free(is_test);
	return r;
}

int fl_dataset_append(fl_dataset *a, const fl_dataset *b)
{
	double *nx, *ny;
	size_t n;

	if (a == NULL || b == NULL || a->d != b->d || a->k != b->k)
		return FL_E_INVAL;
	if (b->n == 0)
		return 0;
	n = a->n + b->n;
	if (a->d > 0 && n > SIZE_MAX / sizeof(double) / a->d)
		return FL_E_NOMEM;
	nx = realloc(a->x, (n * a->d > 0 ? n * a->d : 1) * sizeof(double));
	if (nx == NULL)
		return FL_E_NOMEM;
	a->x = nx;
	ny = realloc(a->y, n * sizeof(double));
	if (ny == NULL)
		return FL_E_NOMEM;
	a->y = ny;
	if (a->d > 0)
		memcpy(a->x + a->n * a->d, b->x, b->n * a->d * sizeof(double));
	memcpy(a->y + a->n, b->y, b->n * sizeof(double));
	a->n = n;
	return 0;
}

void fl_dataset_free(fl_dataset *ds)
{
	if (ds == NULL)
		return;
	free(ds->x);
	free(ds->y);
	free(ds);
}
