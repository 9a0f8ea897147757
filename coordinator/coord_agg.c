/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agg: masked upload words in, decoded float64 sums out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_agg.h"
#include "fl_dp_vec.h"
#include "fl_err.h"
#include "fl_update.h"
#include "fl_util.h"

#define COORD_AGG_DEFAULT_CLIP 1.0
#define COORD_AGG_DEFAULT_BITS 20u

struct coord_agg {
	size_t len;
	uint32_t count;
	double *sum;
};

int coord_agg_le_words(const uint8_t *data, size_t len, uint32_t *out,
		       size_t cap, size_t *count, char *errmsg)
{
	size_t i, n = len / 4;

	if (len % 4 != 0) {
		fl_errmsg_set(errmsg, "update chunk has %zu bytes, not a whole number "
			      "of 32-bit words", len);
		return FL_E_PARSE;
	}
	if (n > cap) {
		fl_errmsg_set(errmsg, "update chunk has %zu words, more than %zu", n, cap);
		return FL_E_TOOBIG;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p = data + 4 * i;

		out[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			(uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
	*count = n;
	return 0;
}

int coord_agg_layout(enum fl_task_kind kind, const fl_model *model, uint32_t d,
		     double clip, uint32_t bits, fl_upvec_layout *out)
{
	fl_upvec_layout l;

	memset(&l, 0, sizeof(l));
	l.q.clip = clip > 0 ? clip : COORD_AGG_DEFAULT_CLIP;
	l.q.bits = bits ? bits : COORD_AGG_DEFAULT_BITS;
	switch (kind) {
	case FL_TASK_STATS:
		if (d == 0)
			return FL_E_INVAL;
		/* A model of the job's shape (before STATS) adds its classes'
		 * label histogram. */
		l.nwide = fl_update_stats_len_hist(d, model ? fl_model_nclasses(model) : 0);
		break;
	case FL_TASK_TRAIN:
		if (model == NULL)
			return FL_E_INVAL;
		l.nreal = model->nparams;
		l.nwide = fl_update_train_len(model) - model->nparams;
		break;
	case FL_TASK_EVAL:
		if (model == NULL)
			return FL_E_INVAL;
		l.nwide = fl_update_eval_len(model);
		break;
	case FL_TASK_NONE:
		return FL_E_INVAL;
	}
	*out = l;
	return 0;
}

/* A zeroed aggregate of l's length for n sites; caller frees. */
static int coord_agg_alloc(const fl_upvec_layout *l, uint32_t n, coord_agg **out)
{
	coord_agg *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return FL_E_NOMEM;
	a->len = l->nreal + l->nwide;
	a->count = n;
	if ((a->sum = calloc(a->len ? a->len : 1, sizeof(double))) == NULL) {
		free(a);
		return FL_E_NOMEM;
	}
	*out = a;
	return 0;
}

/* nsites 0: the unchecked decode. */
static int coord_agg_decode_n(const fl_upvec_layout *l, uint32_t nsites,
			      uint32_t n, const uint32_t *sum, double weight_scale,
			      coord_agg **out, size_t *bad)
{
	coord_agg *a = NULL;
	size_t i;
	int r;

	if ((r = coord_agg_alloc(l, n, &a)) != 0)
		return r;
	r = nsites ? fl_upvec_decode_sum_bounded(l, nsites, n, sum, a->sum, bad) :
		fl_upvec_decode_sum(l, n, sum, a->sum);
	if (r != 0)
		goto out;
	for (i = 0; i < l->nreal; i++)
		a->sum[i] *= weight_scale;
	*out = a;
	a = NULL;
out:
	coord_agg_free(a);
	return r;
}

int coord_agg_decode(const fl_upvec_layout *l, uint32_t n, const uint32_t *sum,
		     double weight_scale, coord_agg **out)
{
	return coord_agg_decode_n(l, 0, n, sum, weight_scale, out, NULL);
}

/* Names wide value i (STATS: by feature and label, from the spec). */
static void coord_agg_name(const fl_upvec_layout *l, enum fl_task_kind kind,
			   const fl_jobspec *spec, size_t i, char *out, size_t cap)
{
	uint32_t d = spec ? spec->nfeatures : 0, c;

	/* the job's labels are its classes (none: regression) */
	c = spec ? spec->nlabels : 0;
	if (kind == FL_TASK_STATS && d > 0 && l->nwide == fl_update_stats_len_hist(d, c)) {
		fl_update_stats_name(i, d, c, spec->features, spec->labels, out, cap);
		return;
	}
	snprintf(out, cap, "value %zu after the model's parameters", i + 1);
}

int coord_agg_decode_checked(const fl_upvec_layout *l, enum fl_task_kind kind,
			     const fl_jobspec *spec, uint32_t nsites, uint32_t n,
			     const uint32_t *sum, double weight_scale,
			     coord_agg **out, char *why, size_t cap)
{
	coord_agg *a = NULL;
	char what[FL_NAME_BYTES + 48];
	double lim = (double)n * fl_upvec_wide_bound(nsites);
	size_t bad = 0;
	uint32_t d = spec ? spec->nfeatures : 0;
	int r;

	if (nsites == 0)
		return FL_E_INVAL;
	r = coord_agg_decode_n(l, nsites, n, sum, weight_scale, &a, &bad);
	if (r == FL_E_WRAP) {
		coord_agg_name(l, kind, spec, bad, what, sizeof(what));
		snprintf(why, cap, "R8: the summed %s is beyond +-%.2g, more than %u "
			 "of %u sites can send within their bound %.2g: the sum "
			 "wrapped or a site ignored its bound; the round's sum is "
			 "not used", what, lim, n, nsites, fl_upvec_wide_bound(nsites));
		goto out;
	}
	if (r != 0)
		goto out;
	if (kind == FL_TASK_STATS && d > 0 &&
	    l->nwide == fl_update_stats_len_hist(d, spec->nlabels) &&
	    (r = fl_update_stats_check_sum(a->sum, d, spec->nlabels, &bad)) != 0) {
		coord_agg_name(l, kind, spec, bad, what, sizeof(what));
		snprintf(why, cap, "R8: the summed %s decodes as %.2g, outside "
			 "[0, %.2g] for %u of %u sites: the sum wrapped or a site "
			 "ignored its bound; the round's sum is not used", what,
			 a->sum[bad], lim, n, nsites);
		goto out;
	}
	*out = a;
	a = NULL;
out:
	coord_agg_free(a);
	return r;
}

int coord_agg_decode_dp(const fl_upvec_layout *l, const fl_dp_vec_params *dp,
			uint32_t nsites, uint32_t n, const uint32_t *sum,
			coord_agg **out, char *why, size_t cap)
{
	fl_upvec_layout w = *l;
	coord_agg *a = NULL;
	size_t bad = 0;
	int r;

	if (dp->dim != l->nreal || nsites == 0)
		return FL_E_INVAL;
	if ((r = coord_agg_alloc(l, n, &a)) != 0)
		return r;
	if ((r = fl_dp_vec_decode_sum(dp, sum, a->sum)) != 0)
		goto out;
	w.nreal = 0;
	r = fl_upvec_decode_sum_bounded(&w, nsites, n, sum + dp->pdim,
					a->sum + l->nreal, &bad);
	if (r == FL_E_WRAP)
		snprintf(why, cap, "R8: summed value %zu after the model's "
			 "parameters is beyond what %u of %u sites can send; the "
			 "round's sum is not used", bad + 1, n, nsites);
	if (r != 0)
		goto out;
	*out = a;
	a = NULL;
out:
	coord_agg_free(a);
	return r;
}

const double *coord_agg_sum(const coord_agg *a)
{
	return a->sum;
}

size_t coord_agg_len(const coord_agg *a)
{
	return a->len;
}

uint32_t coord_agg_count(const coord_agg *a)
{
	return a->count;
}

void coord_agg_free(coord_agg *a)
{
	if (a == NULL)
		return;
	free(a->sum);
	free(a);
}
