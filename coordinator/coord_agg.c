/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agg: decode uploaded F64 vectors and add them into a running sum. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coord_agg.h"
#include "fl_err.h"
#include "fl_util.h"

struct coord_agg_input {
	uint64_t words;
	size_t have;        /* bytes received */
	uint8_t *bytes;     /* words * 8 */
	double *vec;        /* decoded after finish */
};

struct coord_agg {
	uint64_t words;
	uint32_t count;
	double *sum;
};

int coord_agg_input_new(uint64_t words, coord_agg_input **out)
{
	coord_agg_input *in;

	if (words == 0 || words > COORD_AGG_MAX_WORDS)
		return FL_E_RANGE;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return FL_E_NOMEM;
	in->words = words;
	if ((in->bytes = malloc((size_t)words * 8u)) == NULL) {
		free(in);
		return FL_E_NOMEM;
	}
	*out = in;
	return 0;
}

int coord_agg_input_feed(coord_agg_input *in, const uint8_t *data, size_t len)
{
	size_t cap = (size_t)in->words * 8u;

	if (len > cap - in->have)
		return FL_E_TOOBIG;
	if (len)
		memcpy(in->bytes + in->have, data, len);
	in->have += len;
	return 0;
}

static double coord_agg_le_double(const uint8_t *p)
{
	uint64_t u = 0;
	double d;
	int i;

	for (i = 7; i >= 0; i--)
		u = (u << 8) | p[i];
	memcpy(&d, &u, sizeof(d));
	return d;
}

int coord_agg_input_finish(coord_agg_input *in, char *errmsg)
{
	size_t i, want = (size_t)in->words * 8u;

	if (in->have != want) {
		fl_errmsg_set(errmsg, "update has %zu bytes, expected %zu (%llu words)",
			      in->have, want, (unsigned long long)in->words);
		return FL_E_RANGE;
	}
	/* Decode in place: a double is exactly its 8 bytes. */
	in->vec = (double *)(void *)in->bytes;
	for (i = 0; i < in->words; i++) {
		double v = coord_agg_le_double(in->bytes + 8 * i);

		if (!isfinite(v)) {
			fl_errmsg_set(errmsg, "update word %zu is not a finite number", i);
			in->vec = NULL;
			return FL_E_RANGE;
		}
		in->vec[i] = v;
	}
	return 0;
}

const double *coord_agg_input_vec(const coord_agg_input *in)
{
	return in->vec;
}

uint64_t coord_agg_input_words(const coord_agg_input *in)
{
	return in->words;
}

void coord_agg_input_free(coord_agg_input *in)
{
	if (in == NULL)
		return;
	free(in->bytes);
	free(in);
}

int coord_agg_new(uint64_t words, coord_agg **out)
{
	coord_agg *a;

	if (words == 0 || words > COORD_AGG_MAX_WORDS)
		return FL_E_RANGE;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return FL_E_NOMEM;
	if ((a->sum = calloc((size_t)words, sizeof(double))) == NULL) {
		free(a);
		return FL_E_NOMEM;
	}
	a->words = words;
	*out = a;
	return 0;
}

int coord_agg_add(coord_agg *a, const double *vec, uint64_t words)
{
	uint64_t i;

	if (words != a->words)
		return FL_E_INVAL;
	for (i = 0; i < words; i++)
		a->sum[i] += vec[i];
	a->count++;
	return 0;
}

const double *coord_agg_sum(const coord_agg *a)
{
	return a->sum;
}

uint64_t coord_agg_words(const coord_agg *a)
{
	return a->words;
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
