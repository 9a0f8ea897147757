/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_report: fedctl job report: collects a job's rounds (GetJob), phase
 * timings (GetJobEvents: phase_closed) and ledger head (GetLedger) into a
 * ctl_report_doc, and writes it as HTML or SVG (ctl_report_html.c, _svg.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_job.h"
#include "ctl_ledger_int.h"
#include "ctl_report.h"
#include "fl_codec_events.h"
#include "fl_err.h"
#include "fl_util.h"

static ctl_report_round *round_find(ctl_report_doc *r, uint32_t round)
{
	for (size_t i = 0; i < r->nrounds; i++)
		if (r->rounds[i].round == round)
			return &r->rounds[i];
	return NULL;
}

static int round_cmp(const void *a, const void *b)
{
	const ctl_report_round *x = a, *y = b;

	return x->round < y->round ? -1 : x->round > y->round;
}

/* One report round a round number, from its last attempt. */
static int rounds_build(ctl_report_doc *r, const fl_msg_job_status *st)
{
	if (st->nrounds && (r->rounds = calloc(st->nrounds, sizeof(*r->rounds))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *ri = &st->rounds[i];
		ctl_report_round *rr = round_find(r, ri->round);

		if (rr == NULL) {
			rr = &r->rounds[r->nrounds++];
			memset(rr, 0, sizeof(*rr));
			rr->round = ri->round;
		} else if (ri->attempt < rr->attempts) {
			continue;
		}
		rr->attempts = ri->attempt;
		snprintf(rr->kind, sizeof(rr->kind), "%s", ri->kind);
		snprintf(rr->state, sizeof(rr->state), "%s", ri->state);
		rr->selected = ri->selected;
		rr->survived = ri->survived;
		rr->secs = ri->finished_ms > ri->started_ms ?
			(double)(ri->finished_ms - ri->started_ms) / 1000.0 : NAN;
		for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++)
			rr->phase_s[p] = NAN;
		snprintf(rr->closed_by, sizeof(rr->closed_by), "%s", ri->closed_by);
		rr->train_loss = strcmp(ri->kind, "train") == 0 &&
			strcmp(ri->state, "done") == 0 ? ri->train_loss : NAN;
	}
	qsort(r->rounds, r->nrounds, sizeof(*r->rounds), round_cmp);
	/* A round's model is evaluated as the next round enters with it. */
	for (size_t i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *ri = &st->rounds[i];
		ctl_report_round *prev;

		if (ri->round == 0 || !ri->eval.present ||
		    (prev = round_find(r, ri->round - 1)) == NULL)
			continue;
		if (!prev->after.present || strcmp(ri->state, "done") == 0)
			prev->after = ri->eval;
	}
	return 0;
}

/* Regression when the evaluations carry R^2 but no accuracy (a model
 * without labels); without any evaluation, from the model's name. */
static bool report_regression(const fl_msg_job_status *st)
{
	if (st->job.metrics.present)
		return ctl_metrics_is_regression(&st->job.metrics, st->job.model);
	for (size_t i = 0; i < st->nrounds; i++)
		if (st->rounds[i].eval.present)
			return ctl_metrics_is_regression(&st->rounds[i].eval, st->job.model);
	return ctl_metrics_is_regression(&st->job.metrics, st->job.model);
}

/* The phase a "X -> Y" phase_closed text closed: 0..4, or -1. */
static int closed_phase(const char *text)
{
	const char *arrow = strstr(text, " -> ");

	if (!arrow)
		return -1;
	for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++) {
		const char *n = fl_sa_phase_name((enum fl_sa_phase)(p + 1));

		if (strlen(n) == (size_t)(arrow - text) && strncmp(text, n, strlen(n)) == 0)
			return (int)p;
	}
	return -1;
}

void ctl_phase_times(const fl_msg_event_list *l, uint32_t round, uint32_t attempt,
		     int64_t finished_ms, double out[static CTL_REPORT_PHASES])
{
	int64_t mark = 0;
	bool unmasking = false;
	int p;

	for (uint32_t k = 0; k < CTL_REPORT_PHASES; k++)
		out[k] = NAN;
	for (size_t i = 0; i < l->n; i++) {
		const fl_msg_job_event *e = &l->events[i];

		if (e->round != round || e->attempt != attempt)
			continue;
		if (strcmp(e->kind, "round_started") == 0) {
			mark = e->ts_ms;
		} else if (strcmp(e->kind, "phase_closed") == 0 &&
			   (p = closed_phase(e->text)) >= 0 && mark > 0) {
			out[p] = e->ts_ms >= mark ? (double)(e->ts_ms - mark) / 1000.0 : NAN;
			mark = e->ts_ms;
			unmasking = strcmp(strstr(e->text, " -> ") + 4,
					   fl_sa_phase_name(FL_SA_UNMASK)) == 0;
		}
	}
	/* The unmask phase has no phase_closed event: it ends with the
	 * round's commit, so it runs from the last close to the end. */
	if (unmasking && finished_ms >= mark && mark > 0 &&
	    !isfinite(out[FL_SA_UNMASK - 1]))
		out[FL_SA_UNMASK - 1] = (double)(finished_ms - mark) / 1000.0;
}

int ctl_job_events_all(ctl_ctx *c, uint64_t id, fl_msg_event_list *all,
		       const char *what)
{
	fl_msg_event_list l;
	uint64_t after = 0;
	int rc;

	memset(all, 0, sizeof(*all));
	do {
		fl_msg_job_event *ne;

		memset(&l, 0, sizeof(l));
		if ((rc = ctl_job_events_fetch(c, id, &after, &l, what)) != 0)
			break;
		if (l.n && (ne = realloc(all->events, (all->n + l.n) *
					sizeof(*ne))) == NULL) {
			fl_msg_event_list_clear(&l);
			rc = ctl_report(c, what, FL_E_NOMEM, NULL);
			break;
		}
		if (l.n) {
			all->events = ne;
			memcpy(all->events + all->n, l.events, l.n * sizeof(*ne));
			all->n += l.n;
		}
		snprintf(all->job_state, sizeof(all->job_state), "%s", l.job_state);
		free(l.events);
		/* a full page: more are waiting */
	} while (l.n == FL_EVENTS_MAX_LIST);
	if (rc != 0)
		fl_msg_event_list_clear(all);
	return rc;
}

static int events_collect(ctl_ctx *c, uint64_t id, const fl_msg_job_status *st,
			  ctl_report_doc *r)
{
	fl_msg_event_list all;
	int rc;

	if ((rc = ctl_job_events_all(c, id, &all, "job report")) != 0)
		return rc;
	for (size_t i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *ri = &st->rounds[i];
		ctl_report_round *rr = round_find(r, ri->round);

		if (rr && ri->attempt == rr->attempts)
			ctl_phase_times(&all, ri->round, ri->attempt,
					strcmp(ri->state, "done") == 0 ? ri->finished_ms : 0,
					rr->phase_s);
	}
	fl_msg_event_list_clear(&all);
	return 0;
}

/* The 64 hex digits after "spec_sha256":" in an entry's text, or "". */
static void spec_digest(const char *text, char out[static FL_MSG_HASH_HEX_BYTES])
{
	static const char key[] = "\"spec_sha256\":\"";
	const char *p = strstr(text, key);
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += sizeof(key) - 1;
	while (n < 64 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
		n++;
	if (n == 64 && p[n] == '"') {
		memcpy(out, p, 64);
		out[64] = '\0';
	}
}

static int ledger_collect(ctl_ctx *c, uint64_t id, ctl_report_doc *r)
{
	fl_msg_ledger_list all;
	ctl_ledger_fields fl;
	char why[256];
	int rc;

	memset(&all, 0, sizeof(all));
	r->model_version = -1;
	if ((rc = ctl_ledger_fetch(c, id, &all, "job report")) != 0)
		return rc;
	for (size_t i = 0; i < all.n; i++) {
		memset(&fl, 0, sizeof(fl));
		if (ctl_ledger_fields_parse(all.entries[i].text, &fl, why, sizeof(why)) != 0 ||
		    fl.job != id) {
			ctl_ledger_fields_clear(&fl);
			continue;
		}
		r->ledger_entries++;
		r->ledger_seq = all.entries[i].seq;
		snprintf(r->ledger_head, sizeof(r->ledger_head), "%s", all.entries[i].hash_hex);
		if (fl.model_version >= 0 && fl.model_sha256[0]) {
			r->model_version = fl.model_version;
			snprintf(r->model_sha256, sizeof(r->model_sha256), "%s", fl.model_sha256);
		}
		spec_digest(all.entries[i].text, r->spec_sha256);
		snprintf(r->spec_signer, sizeof(r->spec_signer), "%s", fl.spec_signer);
		ctl_ledger_fields_clear(&fl);
	}
	fl_msg_ledger_list_clear(&all);
	return 0;
}

/* --spec FILE: the text, and whether its SHA-256 is the ledger's. A file
 * that the ledger contradicts is refused (CTL_EXIT_INVALID). */
static int spec_attach(ctl_ctx *c, const char *path, ctl_report_doc *r, char **text)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[FL_MSG_HASH_HEX_BYTES];
	char eb[64];
	size_t len = 0;
	int e;

	if ((e = fl_file_read(path, FL_MSG_SPEC_MAX, text, &len)) != 0) {
		fprintf(c->err, "fedctl: job report: cannot read %s: %s\n", path,
			fl_file_strerror(e, FL_MSG_SPEC_MAX, eb, sizeof(eb)));
		return CTL_EXIT_USAGE;
	}
	crypto_hash_sha256(h, (const unsigned char *)*text, len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	if (r->spec_sha256[0] && strcmp(hex, r->spec_sha256) != 0) {
		fprintf(c->err, "fedctl: job report: %s is not job %llu's spec: its "
			"SHA-256 is %s, the ledger records %s\n", path,
			(unsigned long long)r->job.job_id, hex, r->spec_sha256);
		return CTL_EXIT_INVALID;
	}
	r->spec_text = *text;
	r->spec_checked = r->spec_sha256[0] != '\0';
	return 0;
}

/* Renders into memory first so that a failed call leaves no file behind. */
static int report_write(ctl_ctx *c, const ctl_report_doc *r, bool svg, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	FILE *f;
	int e, rc = 0;

	if (m == NULL)
		return ctl_report(c, "job report", FL_E_NOMEM, NULL);
	e = svg ? ctl_report_svg(m, r) : ctl_report_html(m, r);
	if (fclose(m) != 0 || e != 0) {
		free(buf);
		return ctl_report(c, "job report", FL_E_NOMEM, NULL);
	}
	if (out == NULL || strcmp(out, "-") == 0) {
		if (fwrite(buf, 1, len, c->out) != len || fflush(c->out) != 0)
			rc = CTL_EXIT_OTHER;
	} else if ((f = fopen(out, "w")) == NULL) {
		fprintf(c->err, "fedctl: job report: cannot write %s: %s\n", out,
			strerror(errno));
		rc = CTL_EXIT_OTHER;
	} else {
		if (fwrite(buf, 1, len, f) != len)
			rc = CTL_EXIT_OTHER;
		if (fclose(f) != 0)
			rc = CTL_EXIT_OTHER;
		if (rc != 0)
			fprintf(c->err, "fedctl: job report: cannot write %s: %s\n", out,
				strerror(errno));
		else
			fprintf(c->err, "fedctl: job report: wrote %s (%zu bytes)\n", out, len);
	}
	free(buf);
	return rc;
}

int ctl_job_report(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *out = NULL, *format = NULL, *spec = NULL;
	const ctl_opt opts[] = {
		{ "--output", "-o", &out, NULL },
		{ "--format", NULL, &format, NULL },
		{ "--spec", NULL, &spec, NULL },
	};
	fl_msg_job_status st;
	ctl_report_doc r;
	char *spec_text = NULL;
	uint64_t id;
	bool svg = false;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, opts, 3, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (format && strcmp(format, "svg") == 0) {
		svg = true;
	} else if (format && strcmp(format, "html") != 0) {
		fprintf(c->err, "fedctl: job report: --format is html or svg, not "
			"'%s'\n", format);
		return CTL_EXIT_USAGE;
	}
	memset(&r, 0, sizeof(r));
	if ((rc = ctl_job_get(c, id, &st, "job report")) != 0)
		return rc;
	r.job = st.job;
	r.regression = report_regression(&st);
	r.generated_ms = (int64_t)time(NULL) * 1000;
	if (rounds_build(&r, &st) != 0)
		rc = ctl_report(c, "job report", FL_E_NOMEM, NULL);
	if (rc == 0)
		rc = events_collect(c, id, &st, &r);
	fl_msg_job_status_clear(&st);
	if (rc == 0)
		rc = ledger_collect(c, id, &r);
	if (rc == 0 && spec)
		rc = spec_attach(c, spec, &r, &spec_text);
	if (rc == 0)
		rc = report_write(c, &r, svg, out);
	free(spec_text);
	free(r.rounds);
	return rc;
}
