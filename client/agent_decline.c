/* SPDX-License-Identifier: Apache-2.0 */
/* agent_decline: a site says why it does not take part in a task (Agent
 * Decline): its data does not fit the job (which column, how many rows),
 * its policy refuses (which rule), or its training failed or diverged.
 * The text names columns, rules and counts only, never a value from the
 * site's data (the coordinator is not trusted with them). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_codec.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_log.h"

int agent_decline(fl_agent *a, const fl_msg_task *t, enum fl_decline_reason reason,
		  const char *fmt, ...)
{
	fl_msg_decline d;
	uint8_t *req = NULL;
	size_t len = 0;
	va_list ap;
	int r;

	memset(&d, 0, sizeof(d));
	AGENT_TASK_REF(d, t);
	d.reason = reason;
	va_start(ap, fmt);
	vsnprintf(d.text, sizeof(d.text), fmt, ap);
	va_end(ap);
	fl_warn("job %llu round %u attempt %u: declining: %s: %s",
		(unsigned long long)t->job_id, t->round, t->attempt,
		fl_decline_reason_name(reason), d.text);
	if ((r = fl_codec_encode_decline(&d, &req, &len)) != 0) {
		fl_warn("job %llu: cannot encode the decline: %s",
			(unsigned long long)t->job_id, fl_strerror(r));
		return r;
	}
	r = agent_channel_tell(a, t, FL_RPC_AGENT_DECLINE, req, len, "the decline");
	free(req);
	return r;
}

/* A whole cell that is a finite number. */
static int cell_num(const char *s, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	*v = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0' && isfinite(*v) ? 0 : -1;
}

/* Whether a label cell is one of the job's labels (by text, or as the
 * same number, as fl_dataset reads it). */
static int label_known(const fl_jobspec *spec, const char *cell)
{
	double v, w;
	int num = cell_num(cell, &v) == 0;

	for (uint32_t i = 0; i < spec->nlabels; i++)
		if (strcmp(cell, spec->labels[i]) == 0 ||
		    (num && cell_num(spec->labels[i], &w) == 0 && v == w))
			return 1;
	return 0;
}

/* Feature columns of the spec that the header lacks: how many, the first. */
static uint32_t missing_features(const fl_jobspec *spec, const fl_csv *csv,
				 const char **first)
{
	uint32_t n = 0;

	*first = NULL;
	for (uint32_t i = 0; i < spec->nfeatures; i++)
		if (fl_csv_column(csv, spec->features[i]) < 0 && n++ == 0)
			*first = spec->features[i];
	return n;
}

/* The first column (label or feature used by the job) with cells that are
 * not numbers, and how many. */
static size_t bad_numbers(const fl_jobspec *spec, const fl_csv *csv, long lcol,
			  const char **col)
{
	double v;

	for (size_t j = 0; j < csv->ncols; j++) {
		size_t bad = 0;
		int used = spec->nfeatures == 0 ? (long)j != lcol : 0;

		for (uint32_t i = 0; !used && i < spec->nfeatures; i++)
			used = strcmp(csv->header[j], spec->features[i]) == 0;
		if ((long)j == lcol)
			used = spec->nlabels == 0;
		if (!used)
			continue;
		for (size_t r = 0; r < csv->nrows; r++)
			bad += cell_num(csv->cells[r * csv->ncols + j], &v) != 0;
		if (bad > 0) {
			*col = csv->header[j];
			return bad;
		}
	}
	return 0;
}

enum fl_decline_reason fl_agent_data_diagnose_csv(const fl_jobspec *spec,
						  const fl_csv *csv, char *text,
						  size_t cap)
{
	const char *col = NULL;
	size_t bad = 0;
	uint32_t nmiss;
	long lcol;

	if ((lcol = fl_csv_column(csv, spec->label)) < 0) {
		snprintf(text, cap, "label column '%.64s' is not in the data (%zu "
			 "columns)", spec->label, csv->ncols);
		return FL_DECLINE_COLUMN;
	}
	if ((nmiss = missing_features(spec, csv, &col)) == 1) {
		snprintf(text, cap, "feature column '%.64s' is not in the data",
			 col);
		return FL_DECLINE_COLUMN;
	}
	if (nmiss > 1) {
		snprintf(text, cap, "%u of the job's %u feature columns are not in "
			 "the data, the first '%.64s'", nmiss, spec->nfeatures, col);
		return FL_DECLINE_COLUMN;
	}
	for (uint32_t i = 0; i < spec->nfeatures; i++)
		if (strcmp(spec->features[i], spec->label) == 0) {
			snprintf(text, cap, "feature column '%.64s' is the label "
				 "column", spec->label);
			return FL_DECLINE_COLUMN;
		}
	if (spec->nlabels > 0) {
		for (size_t r = 0; r < csv->nrows; r++)
			bad += !label_known(spec, csv->cells[r * csv->ncols + (size_t)lcol]);
		if (bad > 0) {
			snprintf(text, cap, "%zu of %zu rows have a '%.64s' that is "
				 "not one of the job's %u labels", bad, csv->nrows,
				 spec->label, spec->nlabels);
			return FL_DECLINE_LABEL;
		}
	}
	if ((bad = bad_numbers(spec, csv, lcol, &col)) > 0) {
		snprintf(text, cap, "%zu of %zu cells of column '%.64s' are not "
			 "numbers", bad, csv->nrows, col);
		return FL_DECLINE_DATA;
	}
	if (csv->nrows == 0) {
		snprintf(text, cap, "the data has no rows");
		return FL_DECLINE_DATA;
	}
	return FL_DECLINE_NONE;
}

int agent_decline_data(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		       int err)
{
	char text[FL_MSG_DECLINE_TEXT_MAX + 1] = "", msg[FL_ERRMSG_BYTES] = "";
	enum fl_decline_reason why = FL_DECLINE_NONE;
	const char *path;
	fl_csv *csv = NULL;

	if (err == FL_E_NOMEM || !spec->dataset[0] || !spec->label[0])
		return err;   /* a passing failure, or no spec to speak of */
	if ((path = fl_agent_config_dataset(&a->cfg, spec->dataset)) == NULL)
		return agent_decline(a, t, FL_DECLINE_DATASET, "the site holds no "
				     "dataset '%.64s' in its [data]", spec->dataset);
	if (fl_agent_source_read(path, &csv, msg) != 0)
		return agent_decline(a, t, FL_DECLINE_DATA, "the data file of '%.64s' "
				     "cannot be read as CSV", spec->dataset);
	why = fl_agent_data_diagnose_csv(spec, csv, text, sizeof(text));
	fl_csv_free(csv);
	if (why == FL_DECLINE_NONE)
		return agent_decline(a, t, FL_DECLINE_DATA, "the data of '%.64s' "
				     "cannot be used: %s", spec->dataset, fl_strerror(err));
	return agent_decline(a, t, why, "%s", text);
}
