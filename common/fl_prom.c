/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prom: Prometheus text exposition format writer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_prom.h"
#include "fl_sbuf_int.h"

struct fl_prom_buf {
	fl_sbuf s;
};

fl_prom_buf *fl_prom_buf_new(void)
{
	return calloc(1, sizeof(fl_prom_buf));
}

int fl_prom_buf_finish(fl_prom_buf *b, char **out, size_t *len)
{
	size_t n;
	int r;

	if (b == NULL)
		return FL_E_NOMEM;
	n = b->s.len;
	if (b->s.p == NULL)
		fl_sbuf_printf(&b->s, "%s", "");
	r = fl_sbuf_finish(&b->s, out);
	free(b);
	if (r == 0 && len != NULL)
		*len = n;
	return r;
}

/* Writes s with backslash, newline and (in label values) quote escaped. */
static void prom_escape(fl_prom_buf *b, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fl_sbuf_printf(&b->s, "\\\\");
		else if (*s == '\n')
			fl_sbuf_printf(&b->s, "\\n");
		else if (*s == '"' && quote)
			fl_sbuf_printf(&b->s, "\\\"");
		else
			fl_sbuf_printf(&b->s, "%c", *s);
	}
}

static void prom_value(fl_prom_buf *b, double v)
{
	if (isnan(v))
		fl_sbuf_printf(&b->s, "NaN");
	else if (isinf(v))
		fl_sbuf_printf(&b->s, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		fl_sbuf_printf(&b->s, "%.0f", v);
	else
		fl_sbuf_printf(&b->s, "%.9g", v);
}

void fl_prom_head(fl_prom_buf *b, const char *name, const char *type,
		  const char *help)
{
	fl_sbuf_printf(&b->s, "# HELP %s ", name);
	prom_escape(b, help, 0);
	fl_sbuf_printf(&b->s, "\n# TYPE %s %s\n", name, type);
}

/* name{labels[,extra_k="extra_v"]} */
static void prom_series(fl_prom_buf *b, const char *name,
			const char *const *labels, const char *extra_k,
			const char *extra_v)
{
	int first = 1;

	fl_sbuf_printf(&b->s, "%s", name);
	for (size_t i = 0; labels != NULL && labels[i] != NULL &&
	     labels[i + 1] != NULL; i += 2) {
		fl_sbuf_printf(&b->s, "%s%s=\"", first ? "{" : ",", labels[i]);
		prom_escape(b, labels[i + 1], 1);
		fl_sbuf_printf(&b->s, "\"");
		first = 0;
	}
	if (extra_k != NULL) {
		fl_sbuf_printf(&b->s, "%s%s=\"%s\"", first ? "{" : ",", extra_k, extra_v);
		first = 0;
	}
	if (!first)
		fl_sbuf_printf(&b->s, "}");
}

void fl_prom_sample(fl_prom_buf *b, const char *name,
		    const char *const *labels, double value)
{
	prom_series(b, name, labels, NULL, NULL);
	fl_sbuf_printf(&b->s, " ");
	prom_value(b, value);
	fl_sbuf_printf(&b->s, "\n");
}

void fl_prom_hist_init(fl_prom_hist *h, const double *le, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->le = le;
	h->n = n > FL_PROM_MAX_BUCKETS ? FL_PROM_MAX_BUCKETS : n;
}

void fl_prom_hist_observe(fl_prom_hist *h, double v)
{
	size_t i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

void fl_prom_hist_write(fl_prom_buf *b, const char *name,
			const char *const *labels, const fl_prom_hist *h)
{
	char series[160], le[40];
	uint64_t cum = 0;

	snprintf(series, sizeof(series), "%s_bucket", name);
	for (size_t i = 0; i < h->n; i++) {
		cum += h->counts[i];
		snprintf(le, sizeof(le), "%.9g", h->le[i]);
		prom_series(b, series, labels, "le", le);
		fl_sbuf_printf(&b->s, " %llu\n", (unsigned long long)cum);
	}
	prom_series(b, series, labels, "le", "+Inf");
	fl_sbuf_printf(&b->s, " %llu\n", (unsigned long long)h->count);
	snprintf(series, sizeof(series), "%s_sum", name);
	fl_prom_sample(b, series, labels, h->sum);
	snprintf(series, sizeof(series), "%s_count", name);
	fl_prom_sample(b, series, labels, (double)h->count);
}
