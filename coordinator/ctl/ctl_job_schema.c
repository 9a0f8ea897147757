/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_schema: job submit --schema: resolve 'features = all', check names. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_specinit.h"
#include "fl_util.h"

#define SCHEMA_WRAP 76u

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Whether line [p, end) is "features = all" (an inline ';' comment after
 * a blank may follow). */
static bool line_is_features_all(const char *p, const char *end)
{
	p = skip_blank(p, end);
	if ((size_t)(end - p) < 8 || memcmp(p, "features", 8) != 0)
		return false;
	p = skip_blank(p + 8, end);
	if (p == end || (*p != '=' && *p != ':'))
		return false;
	p = skip_blank(p + 1, end);
	if ((size_t)(end - p) < 3 || memcmp(p, "all", 3) != 0)
		return false;
	p += 3;
	if (p < end && *p != ' ' && *p != '\t' && *p != '\r')
		return false;
	p = skip_blank(p, end);
	return p == end || *p == ';' || *p == '\r';
}

/* Offsets of the [job] section's "features = all" line in text. */
static int find_features_all(const char *text, size_t len, size_t *from, size_t *to)
{
	bool in_job = false;
	size_t start = 0;

	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *p = skip_blank(text + start, text + end);

		if (p < text + end && *p == '[')
			in_job = (size_t)(text + end - p) >= 5 && memcmp(p, "[job]", 5) == 0;
		else if (in_job && line_is_features_all(text + start, text + end)) {
			*from = start;
			*to = end;
			return 0;
		}
		start = end + 1;
	}
	return -1;
}

/* The schema's columns but the label as a features line into *out. */
static int schema_list(ctl_ctx *c, const fl_csv *csv, long lcol, char **out)
{
	size_t cap = 32, len = 0, col = 11;
	char *buf = malloc(cap);

	if (buf == NULL)
		return FL_E_NOMEM;
	len = (size_t)snprintf(buf, cap, "features = ");
	for (size_t j = 0, n = 0; j < csv->ncols; j++) {
		const char *s = csv->header[j];
		size_t w = strlen(s) + 8;

		if ((long)j == lcol)
			continue;
		if (!fl_specinit_name_ok(s) || strcmp(s, "all") == 0) {
			fprintf(c->err, "fedctl: job submit: schema column %zu ('%.64s') "
				"cannot be a feature name in a spec (',' ';' control "
				"characters, a leading '#', or 'all'): list the "
				"features instead of 'features = all'\n", j + 1, s);
			free(buf);
			return FL_E_SPEC;
		}
		if (len + w >= cap) {
			char *nb = realloc(buf, cap = 2 * cap + w);

			if (nb == NULL) {
				free(buf);
				return FL_E_NOMEM;
			}
			buf = nb;
		}
		if (n > 0 && col + w > SCHEMA_WRAP) {
			len += (size_t)snprintf(buf + len, cap - len, ",\n    ");
			col = 4;
		} else if (n > 0) {
			len += (size_t)snprintf(buf + len, cap - len, ", ");
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s", s);
		col += w - 6;
		n++;
	}
	*out = buf;
	return 0;
}

/* Replaces the features = all line of *spec with the schema's list. */
static int schema_expand(ctl_ctx *c, const fl_csv *csv, long lcol, char **spec,
			 size_t *len)
{
	size_t from, to, llen, nlen;
	char *list = NULL, *n;
	int r;

	if (find_features_all(*spec, *len, &from, &to) != 0) {
		fprintf(c->err, "fedctl: job submit: cannot find the 'features = all' "
			"line in [job] to replace\n");
		return FL_E_SPEC;
	}
	if ((r = schema_list(c, csv, lcol, &list)) != 0)
		return r;
	llen = strlen(list);
	nlen = *len - (to - from) + llen;
	if ((n = malloc(nlen + 1)) == NULL) {
		free(list);
		return FL_E_NOMEM;
	}
	memcpy(n, *spec, from);
	memcpy(n + from, list, llen);
	memcpy(n + from + llen, *spec + to, *len - to);
	n[nlen] = '\0';
	free(list);
	free(*spec);
	*spec = n;
	*len = nlen;
	return 0;
}

int ctl_spec_schema(ctl_ctx *c, const char *path, const fl_jobspec *spec,
		    char **text, size_t *len)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_csv *csv = NULL;
	long lcol;
	int r, rc = CTL_EXIT_INVALID;

	if ((r = fl_csv_read(path, &csv, msg)) != 0) {
		fprintf(c->err, "fedctl: job submit: schema %s: %s\n", path,
			msg[0] ? msg : fl_strerror(r));
		return r == FL_E_IO ? CTL_EXIT_USAGE : CTL_EXIT_INVALID;
	}
	if ((lcol = fl_csv_column(csv, spec->label)) < 0) {
		fprintf(c->err, "fedctl: job submit: label '%s' is not a column of the "
			"schema %s\n", spec->label, path);
		goto out;
	}
	for (uint32_t i = 0; i < spec->nfeatures; i++) {
		if (fl_csv_column(csv, spec->features[i]) < 0) {
			fprintf(c->err, "fedctl: job submit: feature '%s' is not a column "
				"of the schema %s\n", spec->features[i], path);
			goto out;
		}
	}
	if (spec->features_all && (r = schema_expand(c, csv, lcol, text, len)) != 0) {
		if (r == FL_E_NOMEM)
			rc = ctl_report(c, "job submit", r, NULL);
		goto out;
	}
	if (*len > FL_MSG_SPEC_MAX) {
		fprintf(c->err, "fedctl: job submit: the spec with the schema's %zu "
			"features is %zu bytes; the limit is %u\n", csv->ncols - 1,
			*len, FL_MSG_SPEC_MAX);
		goto out;
	}
	rc = 0;
out:
	fl_csv_free(csv);
	return rc;
}
