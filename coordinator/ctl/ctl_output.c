/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_output: fedctl's JSON writers and text formatting helpers. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "fl_json.h"

void ctl_json_str(FILE *f, const char *s)
{
	fl_json_str(f, s, FL_JSON_SHORT_ESC);
}

void ctl_json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
	else
		fputs("null", f);
}

static void key(FILE *f, const char *k, bool first)
{
	fprintf(f, "%s\"%s\":", first ? "" : ",", k);
}

void ctl_json_kstr(FILE *f, const char *k, const char *v)
{
	key(f, k, false);
	ctl_json_str(f, v);
}

/* ,"k":number */
static void knum(FILE *f, const char *k, double v)
{
	key(f, k, false);
	ctl_json_num(f, v);
}

void ctl_json_metrics(FILE *f, const fl_msg_metrics *m)
{
	double nan = NAN;

	fprintf(f, "{\"present\":%s", m->present ? "true" : "false");
	knum(f, "n", m->present ? m->n : nan);
	knum(f, "loss", m->present ? m->loss : nan);
	knum(f, "accuracy", m->present ? m->accuracy : nan);
	knum(f, "macro_f1", m->present ? m->macro_f1 : nan);
	knum(f, "r2", m->present ? m->r2 : nan);
	fputc('}', f);
}

void ctl_json_job_info(FILE *f, const fl_msg_job_info *j)
{
	fprintf(f, "{\"job_id\":%llu", (unsigned long long)j->job_id);
	ctl_json_kstr(f, "name", j->name);
	ctl_json_kstr(f, "state", j->state);
	ctl_json_kstr(f, "dataset", j->dataset);
	ctl_json_kstr(f, "model", j->model);
	fprintf(f, ",\"rounds_total\":%u,\"rounds_done\":%u,\"created_ms\":%lld,"
		"\"updated_ms\":%lld", j->rounds_total, j->rounds_done,
		(long long)j->created_ms, (long long)j->updated_ms);
	ctl_json_kstr(f, "error", j->error);
	key(f, "metrics", false);
	ctl_json_metrics(f, &j->metrics);
	ctl_json_kstr(f, "submitted_by", j->submitted_by);
	fputc('}', f);
}

void ctl_json_round_info(FILE *f, const fl_msg_round_info *r)
{
	ctl_json_round_info_phases(f, r, NULL);
}

void ctl_json_round_info_phases(FILE *f, const fl_msg_round_info *r,
				const double *phase_s)
{
	uint32_t i;

	fprintf(f, "{\"round\":%u,\"attempt\":%u", r->round, r->attempt);
	ctl_json_kstr(f, "state", r->state);
	ctl_json_kstr(f, "kind", r->kind);
	fprintf(f, ",\"selected\":%u,\"survived\":%u,\"started_ms\":%lld,"
		"\"finished_ms\":%lld", r->selected, r->survived,
		(long long)r->started_ms, (long long)r->finished_ms);
	knum(f, "train_loss", r->train_loss);
	key(f, "eval", false);
	ctl_json_metrics(f, &r->eval);
	key(f, "participants", false);
	fputc('[', f);
	for (i = 0; i < r->nparticipants; i++) {
		if (i)
			fputc(',', f);
		ctl_json_str(f, r->participants[i]);
	}
	fputc(']', f);
	key(f, "closed_by", false);
	ctl_json_closed_by(f, r->closed_by);
	if (phase_s) {
		key(f, "phase_s", false);
		fputc('{', f);
		for (i = 0; i < FL_MSG_PHASES; i++) {
			key(f, fl_sa_phase_name((enum fl_sa_phase)(i + 1)), i == 0);
			ctl_json_num(f, phase_s[i]);
		}
		fputc('}', f);
	}
	fputc('}', f);
}

void ctl_json_closed_by(FILE *f, const char *closed_by)
{
	uint8_t by[FL_MSG_PHASES];
	bool first = true;

	/* the codec checked the text; an unreadable one shows as {} */
	if (fl_msg_closed_by_parse(closed_by, by) != 0)
		memset(by, 0, sizeof(by));
	fputc('{', f);
	for (uint32_t i = 0; i < FL_MSG_PHASES; i++) {
		if (by[i] == FL_CLOSE_NONE)
			continue;
		key(f, fl_sa_phase_name((enum fl_sa_phase)(i + 1)), first);
		ctl_json_str(f, fl_phase_close_name((enum fl_phase_close)by[i]));
		first = false;
	}
	fputc('}', f);
}

void ctl_json_site_info(FILE *f, const fl_msg_site_info *s)
{
	fputc('{', f);
	key(f, "name", true);
	ctl_json_str(f, s->name);
	ctl_json_kstr(f, "role", s->role);
	fprintf(f, ",\"added_ms\":%lld,\"last_seen_ms\":%lld,\"online\":%s,"
		"\"revoked\":%s}", (long long)s->added_ms, (long long)s->last_seen_ms,
		s->online ? "true" : "false", s->revoked ? "true" : "false");
}

const char *ctl_fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

const char *ctl_fmt_num(double v, bool present, char *buf, size_t len)
{
	if (!present || !isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4f", v);
	return buf;
}

bool ctl_metrics_is_regression(const fl_msg_metrics *m, const char *model)
{
	if (m->present && (isfinite(m->accuracy) || isfinite(m->r2)))
		return !isfinite(m->accuracy);
	return strcmp(model, "linear") == 0;
}

void ctl_round_line(FILE *f, const fl_msg_round_info *r, uint32_t rounds_total,
		    const char *model)
{
	char a[16], b[16], d[16];
	double secs = r->finished_ms > r->started_ms ?
		(double)(r->finished_ms - r->started_ms) / 1000.0 : 0.0;

	/* The statistics round comes before round 1 and the evaluation after
	 * the last: they are named, not numbered past the total. */
	if (strcmp(r->kind, "train") == 0)
		fprintf(f, "round %2u/%u", r->round, rounds_total);
	else if (strcmp(r->kind, "eval") == 0)
		fprintf(f, "eval  after %u rounds", r->round ? r->round - 1 : 0);
	else
		fprintf(f, "%s", r->kind);
	if (r->attempt > 1)
		fprintf(f, "  attempt %u", r->attempt);
	if (strcmp(r->state, "done") != 0)
		fprintf(f, "  %s", r->state);
	fprintf(f, "  sites %u/%u", r->survived, r->selected);
	if (strcmp(r->kind, "train") == 0)
		fprintf(f, "  train_loss %s", ctl_fmt_num(r->train_loss, true, a, sizeof(a)));
	if (r->eval.present && ctl_metrics_is_regression(&r->eval, model))
		fprintf(f, "  r2 %s  loss %s", ctl_fmt_num(r->eval.r2, true, b, sizeof(b)),
			ctl_fmt_num(r->eval.loss, true, d, sizeof(d)));
	else if (r->eval.present)
		fprintf(f, "  acc %s  f1 %s", ctl_fmt_num(r->eval.accuracy, true, b, sizeof(b)),
			ctl_fmt_num(r->eval.macro_f1, true, d, sizeof(d)));
	fprintf(f, "  %.2fs\n", secs);
}
