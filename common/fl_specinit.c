/* SPDX-License-Identifier: Apache-2.0 */
/* fl_specinit: infer a job spec's columns, label kind and defaults from a CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_specinit.h"
#include "fl_util.h"

/* A whole cell as a finite number, as fl_dataset reads it. */
static int si_num(const char *s, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v) ? 0 : -1;
}

int fl_specinit_name_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= FL_NAME_BYTES || v[0] == '#' || v[0] == ' ' ||
	    v[n - 1] == ' ')
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ';' || *p == ',')
			return 0;
	return 1;
}

static int si_model(const char *s)
{
	for (int k = FL_MODEL_LINEAR; k <= FL_MODEL_MLP; k++)
		if (strcmp(s, fl_model_kind_name((enum fl_model_kind)k)) == 0)
			return k;
	return -1;
}

/* The label's distinct values: one entry per class with its row count. */
typedef struct si_val {
	const char *s;
	double v;
	size_t count;
} si_val;

static int si_cmp_num(const void *a, const void *b)
{
	double x = ((const si_val *)a)->v, y = ((const si_val *)b)->v;

	return (x > y) - (x < y);
}

static int si_cmp_str(const void *a, const void *b)
{
	return strcmp(((const si_val *)a)->s, ((const si_val *)b)->s);
}

/* Sorted distinct label values of column lcol into *vals (malloc'd). */
static int si_distinct(const fl_csv *csv, size_t lcol, bool allnum,
		       si_val **vals, size_t *nvals)
{
	si_val *v = malloc(csv->nrows * sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return FL_E_NOMEM;
	for (size_t r = 0; r < csv->nrows; r++) {
		v[r].s = csv->cells[r * csv->ncols + lcol];
		v[r].v = 0.0;
		v[r].count = 1;
		if (allnum)
			(void)si_num(v[r].s, &v[r].v);
	}
	qsort(v, csv->nrows, sizeof(*v), allnum ? si_cmp_num : si_cmp_str);
	for (size_t r = 0; r < csv->nrows; r++) {
		if (n > 0 && (allnum ? v[n - 1].v == v[r].v : strcmp(v[n - 1].s, v[r].s) == 0))
			v[n - 1].count++;
		else
			v[n++] = v[r];
	}
	*vals = v;
	*nvals = n;
	return 0;
}

/* Whether name is the label's or an already kept feature's. */
static bool si_name_taken(const fl_csv *csv, size_t lcol, const fl_specinit_plan *p,
			  const char *name)
{
	if (strcmp(csv->header[lcol], name) == 0)
		return true;
	for (size_t i = 0; i < p->nfeat; i++)
		if (strcmp(csv->header[p->feat[i]], name) == 0)
			return true;
	return false;
}

/* Splits the columns other than lcol into numeric features and left-out ones. */
static int si_columns(const fl_csv *csv, size_t lcol, fl_specinit_plan *p)
{
	double x;

	p->feat = malloc(csv->ncols * sizeof(size_t));
	p->feat_sumsq = calloc(csv->ncols, sizeof(double));
	p->dropped = malloc(csv->ncols * sizeof(size_t));
	p->dropped_bad = malloc(csv->ncols * sizeof(size_t));
	if (!p->feat || !p->feat_sumsq || !p->dropped || !p->dropped_bad)
		return FL_E_NOMEM;
	for (size_t j = 0; j < csv->ncols; j++) {
		double sq = 0.0;
		size_t bad = 0;

		if (j == lcol)
			continue;
		for (size_t r = 0; r < csv->nrows; r++) {
			if (si_num(csv->cells[r * csv->ncols + j], &x) != 0)
				bad++;
			else
				sq += x * x;
		}
		p->feat_sumsq[p->nfeat] = sq;
		/* A column named "all" would read back as 'features = all'; a
		 * repeated name (or the label's) cannot be told apart by name. */
		if (bad == 0 && fl_specinit_name_ok(csv->header[j]) &&
		    strcmp(csv->header[j], "all") != 0 &&
		    !si_name_taken(csv, lcol, p, csv->header[j])) {
			p->feat[p->nfeat++] = j;
		} else {
			p->dropped_bad[p->ndropped] = bad;
			p->dropped[p->ndropped++] = j;
		}
	}
	return 0;
}

/* Whether the label classifies (for mlp, from its values). */
static int si_decide(const fl_specinit_opts *o, fl_specinit_plan *p,
		     bool allnum, bool allint, size_t ndistinct, char *errmsg)
{
	bool many = allnum && (!allint || ndistinct > FL_SPECINIT_MAX_CLASSES);

	switch (p->model) {
	case FL_MODEL_LINEAR:
		if (!allnum) {
			fl_errmsg_set(errmsg, "label '%s' is not numeric in every row: "
				      "model linear needs a numeric target (for "
				      "classes use --model logistic, softmax or mlp)",
				      o->label);
			return FL_E_SPEC;
		}
		p->classification = false;
		return 0;
	case FL_MODEL_LOGISTIC:
	case FL_MODEL_SOFTMAX:
		if (many) {
			fl_errmsg_set(errmsg, "label '%s' has %zu distinct numeric values%s: "
				      "a regression target? use --model linear or mlp",
				      o->label, ndistinct, allint ? "" : " (not whole numbers)");
			return FL_E_SPEC;
		}
		p->classification = true;
		return 0;
	case FL_MODEL_MLP:
		p->classification = !many;
		return 0;
	}
	return FL_E_INVAL;
}

/* Copies the class names and checks that they fit the model and a spec. */
static int si_classes(const fl_specinit_opts *o, fl_specinit_plan *p,
		      const si_val *v, size_t n, char *errmsg)
{
	size_t lo = SIZE_MAX, hi = 0;

	if (n < 2 || n > FL_JOBSPEC_MAX_LABELS) {
		fl_errmsg_set(errmsg, "label '%s' has %zu distinct values in the sample: "
			      "classification needs 2..%u classes", o->label, n,
			      FL_JOBSPEC_MAX_LABELS);
		return FL_E_SPEC;
	}
	if (p->model == FL_MODEL_LOGISTIC && n != 2) {
		fl_errmsg_set(errmsg, "model logistic needs exactly 2 classes; label '%s' "
			      "has %zu (use --model softmax or mlp)", o->label, n);
		return FL_E_SPEC;
	}
	if ((p->classes = calloc(n, sizeof(char *))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!fl_specinit_name_ok(v[i].s)) {
			fl_errmsg_set(errmsg, "a class of label '%s' cannot be written in a "
				      "spec (1..%d characters, no ',' ';' control "
				      "characters, leading '#' or surrounding blanks)",
				      o->label, FL_NAME_BYTES - 1);
			return FL_E_SPEC;
		}
		if ((p->classes[i] = strdup(v[i].s)) == NULL)
			return FL_E_NOMEM;
		p->nclasses++;
		lo = v[i].count < lo ? v[i].count : lo;
		hi = v[i].count > hi ? v[i].count : hi;
	}
	p->uneven = (double)lo < FL_SPECINIT_UNEVEN * (double)hi;
	return 0;
}

/* The label column: whether all numbers, all whole numbers; no empty cell. */
static int si_label_scan(const fl_csv *csv, size_t lcol, const char *label,
			 bool *allnum, bool *allint, char *errmsg)
{
	size_t empty = 0;
	double x;

	*allnum = *allint = true;
	for (size_t r = 0; r < csv->nrows; r++) {
		const char *s = csv->cells[r * csv->ncols + lcol];

		empty += s[0] == '\0';
		if (si_num(s, &x) != 0)
			*allnum = *allint = false;
		else if (x != floor(x))
			*allint = false;
	}
	if (empty > 0) {
		fl_errmsg_set(errmsg, "label column '%s' is empty in %zu of %zu rows",
			      label, empty, csv->nrows);
		return FL_E_CSV;
	}
	return 0;
}

static int si_check_input(const fl_csv *csv, const fl_specinit_opts *o,
			  fl_specinit_plan *p, long *lcol, char *errmsg)
{
	if (!o->label || !o->model || !o->dataset) {
		fl_errmsg_set(errmsg, "--label, --model and a dataset name are required");
		return FL_E_INVAL;
	}
	if ((p->model = si_model(o->model)) < 0) {
		fl_errmsg_set(errmsg, "--model must be linear, logistic, softmax or mlp, "
			      "not '%.32s'", o->model);
		return FL_E_INVAL;
	}
	if (!fl_specinit_name_ok(o->dataset) || (o->name && !fl_specinit_name_ok(o->name))) {
		fl_errmsg_set(errmsg, "the dataset and job names must be 1..%d printable "
			      "characters without ',' or ';'", FL_NAME_BYTES - 1);
		return FL_E_INVAL;
	}
	if ((*lcol = fl_csv_column(csv, o->label)) < 0) {
		fl_errmsg_set(errmsg, "no column '%.64s' in the CSV header (%zu columns, "
			      "the first '%.64s')", o->label, csv->ncols, csv->header[0]);
		return FL_E_CSV;
	}
	if (!fl_specinit_name_ok(o->label)) {
		fl_errmsg_set(errmsg, "label column '%.64s' cannot be written in a spec",
			      o->label);
		return FL_E_CSV;
	}
	if (csv->nrows == 0) {
		fl_errmsg_set(errmsg, "the CSV has a header but no rows: job init needs "
			      "a sample of the data to tell numbers from text");
		return FL_E_CSV;
	}
	return 0;
}

int fl_specinit_infer(const fl_csv *csv, const fl_specinit_opts *o,
		      fl_specinit_plan *plan, char *errmsg)
{
	fl_specinit_plan p;
	si_val *vals = NULL;
	size_t nvals = 0;
	bool allnum, allint;
	long lcol;
	int r;

	if (!csv || !o || !plan)
		return FL_E_INVAL;
	memset(&p, 0, sizeof(p));
	p.nrows = csv->nrows;
	if ((r = si_check_input(csv, o, &p, &lcol, errmsg)) != 0 ||
	    (r = si_columns(csv, (size_t)lcol, &p)) != 0 ||
	    (r = si_label_scan(csv, (size_t)lcol, o->label, &allnum, &allint,
			       errmsg)) != 0 ||
	    (r = si_distinct(csv, (size_t)lcol, allnum, &vals, &nvals)) != 0 ||
	    (r = si_decide(o, &p, allnum, allint, nvals, errmsg)) != 0)
		goto out;
	if (p.nfeat == 0) {
		fl_errmsg_set(errmsg, "no numeric feature column besides the label "
			      "'%s' (%zu columns left out)", o->label, p.ndropped);
		r = FL_E_CSV;
		goto out;
	}
	if (p.classification && (r = si_classes(o, &p, vals, nvals, errmsg)) != 0)
		goto out;
	*plan = p;
	memset(&p, 0, sizeof(p));
out:
	free(vals);
	fl_specinit_plan_clear(&p);
	return r;
}

void fl_specinit_plan_clear(fl_specinit_plan *plan)
{
	if (plan == NULL)
		return;
	for (uint32_t i = 0; i < plan->nclasses; i++)
		free(plan->classes[i]);
	free(plan->classes);
	free(plan->feat);
	free(plan->feat_sumsq);
	free(plan->dropped);
	free(plan->dropped_bad);
	memset(plan, 0, sizeof(*plan));
}
