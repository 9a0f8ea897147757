/* SPDX-License-Identifier: Apache-2.0 */
/* fl_csv: RFC 4180-style CSV parser; cells live in one arena, no per-cell malloc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_csv_int.h"
#include "fl_err.h"
#include "fl_util.h"

/* The public table plus the arena that every cell string points into. */
typedef struct fl_csv_int {
	fl_csv pub;
	char *arena;
	size_t *lines;   /* nrows: physical line where each row starts */
} fl_csv_int;

/* Parser cursor: reads at p, writes unquoted text at w (w <= p always). */
typedef struct csv_cur {
	char *p;
	char *end;
	char *w;
	size_t line;
	char *errmsg;
} csv_cur;

static int csv_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Reads one quoted field starting at the opening quote. */
static int csv_field_quoted(csv_cur *c)
{
	size_t start_line = c->line;

	c->p++;
	for (;;) {
		if (c->p >= c->end) {
			fl_errmsg_set(c->errmsg, "line %zu: unterminated quoted field",
				      start_line);
			return FL_E_CSV;
		}
		if (*c->p == '"') {
			if (c->p + 1 < c->end && c->p[1] == '"') {
				*c->w++ = '"';
				c->p += 2;
				continue;
			}
			c->p++;
			break;
		}
		if (*c->p == '\n')
			c->line++;
		*c->w++ = *c->p++;
	}
	while (c->p < c->end && csv_is_blank(*c->p))
		c->p++;
	if (c->p < c->end && *c->p != ',' && *c->p != '\n') {
		fl_errmsg_set(c->errmsg,
			      "line %zu: unexpected character after closing quote",
			      c->line);
		return FL_E_CSV;
	}
	return 0;
}

/*
 * Reads one field and its terminator (',' '\n', or 0 at end of input, in
 * *term) and returns its NUL-terminated text in *cell.
 */
static int csv_field(csv_cur *c, char **cell, char *term)
{
	char *start;
	int r;

	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	start = c->w;
	if (c->p < c->end && *c->p == '"') {
		if ((r = csv_field_quoted(c)) != 0)
			return r;
	} else {
		while (c->p < c->end && *c->p != ',' && *c->p != '\n')
			*c->w++ = *c->p++;
		while (c->w > start && csv_is_blank(c->w[-1]))
			c->w--;
	}
	/* Consume the terminator first: its byte then has room for the NUL. */
	*term = 0;
	if (c->p < c->end) {
		*term = *c->p++;
		if (*term == '\n')
			c->line++;
	}
	*c->w++ = '\0';
	*cell = start;
	return 0;
}

/* Skips blank lines at a record start. Returns 1 if input remains. */
static int csv_skip_blank_lines(csv_cur *c)
{
	for (;;) {
		char *q = c->p;
		while (q < c->end && (csv_is_blank(*q)))
			q++;
		if (q >= c->end) {
			c->p = q;
			return 0;
		}
		if (*q != '\n')
			return 1;
		c->p = q + 1;
		c->line++;
	}
}

/*
 * Reads one record. Cells go to dst[0..max) ; *nfields gets the total count,
 * even past max (those are not stored).
 */
static int csv_record(csv_cur *c, char **dst, size_t max, size_t *nfields)
{
	size_t n = 0;
	char *cell;
	char term;
	int r;

	do {
		if ((r = csv_field(c, &cell, &term)) != 0)
			return r;
		if (n < max)
			dst[n] = cell;
		n++;
	} while (term == ',');
	*nfields = n;
	return 0;
}

static int csv_parse_header(csv_cur *c, fl_csv *t)
{
	char **hdr;
	size_t n;
	int r;

	if (!csv_skip_blank_lines(c)) {
		fl_errmsg_set(c->errmsg, "empty CSV: no header row");
		return FL_E_CSV;
	}
	hdr = calloc(FL_CSV_MAX_COLS, sizeof(*hdr));
	if (hdr == NULL)
		return FL_E_NOMEM;
	t->header = hdr;
	if ((r = csv_record(c, hdr, FL_CSV_MAX_COLS, &n)) != 0)
		return r;
	if (n > FL_CSV_MAX_COLS) {
		fl_errmsg_set(c->errmsg, "line 1: %zu columns, at most %u allowed",
			      n, FL_CSV_MAX_COLS);
		return FL_E_TOOBIG;
	}
	t->ncols = n;
	return 0;
}

static int csv_grow(fl_csv_int *ti, size_t *cap)
{
	fl_csv *t = &ti->pub;
	size_t ncap = *cap ? *cap * 2 : 1024;
	size_t ncols = t->ncols ? t->ncols : 1;
	char **nc;
	size_t *nl;

	if (ncap > SIZE_MAX / sizeof(char *) / ncols)
		return FL_E_NOMEM;
	nc = realloc(t->cells, ncap * ncols * sizeof(char *));
	if (nc == NULL)
		return FL_E_NOMEM;
	t->cells = nc;
	nl = realloc(ti->lines, ncap * sizeof(size_t));
	if (nl == NULL)
		return FL_E_NOMEM;
	ti->lines = nl;
	*cap = ncap;
	return 0;
}

int fl_csv_parse(const char *text, size_t len, fl_csv **out, char *errmsg)
{
	fl_csv_int *ti = NULL;
	fl_csv *t;
	csv_cur c;
	size_t cap = 0, n, line;
	int r;

	if ((text == NULL && len > 0) || out == NULL)
		return FL_E_INVAL;
	if (len > FL_CSV_MAX_BYTES) {
		fl_errmsg_set(errmsg, "CSV is %zu bytes, at most %u allowed", len,
			      FL_CSV_MAX_BYTES);
		return FL_E_TOOBIG;
	}
	if (len > 0 && memchr(text, '\0', len) != NULL) {
		fl_errmsg_set(errmsg, "CSV contains a NUL byte");
		return FL_E_CSV;
	}
	ti = calloc(1, sizeof(*ti));
	if (ti == NULL)
		return FL_E_NOMEM;
	t = &ti->pub;
	ti->arena = malloc(len + 1);
	if (ti->arena == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (len > 0)
		memcpy(ti->arena, text, len);
	ti->arena[len] = '\0';
	c.p = c.w = ti->arena;
	c.end = ti->arena + len;
	c.line = 1;
	c.errmsg = errmsg;
	if ((r = csv_parse_header(&c, t)) != 0)
		goto out;
	while (csv_skip_blank_lines(&c)) {
		if (t->nrows == cap && (r = csv_grow(ti, &cap)) != 0)
			goto out;
		line = c.line;
		r = csv_record(&c, t->cells + t->nrows * t->ncols, t->ncols, &n);
		if (r != 0)
			goto out;
		if (n != t->ncols) {
			fl_errmsg_set(errmsg, "line %zu: expected %zu fields, found %zu",
				      line, t->ncols, n);
			r = FL_E_CSV;
			goto out;
		}
		ti->lines[t->nrows] = line;
		t->nrows++;
	}
	*out = t;
	ti = NULL;
	r = 0;
out:
	if (ti != NULL)
		fl_csv_free(&ti->pub);
	return r;
}

int fl_csv_read(const char *path, fl_csv **out, char *errmsg)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = fl_file_read(path, FL_CSV_MAX_BYTES, &buf, &len);
	if (r != 0) {
		char eb[64];

		fl_errmsg_set(errmsg, "%s: %s", path ? path : "(null)",
			      fl_file_strerror(r, FL_CSV_MAX_BYTES, eb, sizeof(eb)));
		return r;
	}
	r = fl_csv_parse(buf, len, out, errmsg);
	free(buf);
	return r;
}

long fl_csv_column(const fl_csv *csv, const char *name)
{
	if (csv == NULL || name == NULL)
		return -1;
	for (size_t j = 0; j < csv->ncols; j++)
		if (strcmp(csv->header[j], name) == 0)
			return (long)j;
	return -1;
}

size_t fl_csv_row_line(const fl_csv *csv, size_t row)
{
	const fl_csv_int *ti = (const fl_csv_int *)csv;

	if (csv == NULL || row >= csv->nrows || ti->lines == NULL)
		return 0;
	return ti->lines[row];
}

void fl_csv_free(fl_csv *csv)
{
	fl_csv_int *ti = (fl_csv_int *)csv;

	if (csv == NULL)
		return;
	free(ti->arena);
	free(ti->lines);
	free(csv->header);
	free(csv->cells);
	free(ti);
}
