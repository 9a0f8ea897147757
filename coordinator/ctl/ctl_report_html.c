/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_report_html: the job report as one self-contained HTML document:
 * inline CSS and SVG, no script, nothing fetched. Every text that comes
 * from the coordinator is escaped. */
#include <math.h>
#include <string.h>

#include "ctl.h"
#include "ctl_report.h"
#include "fl_err.h"

void ctl_report_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char report_css[] =
"body{font-family:sans-serif;margin:24px;color:#222;max-width:1160px}"
"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;"
"border-bottom:1px solid #ddd;padding-bottom:4px}"
".sub{color:#666;font-size:13px}"
"table{border-collapse:collapse;font-size:13px}"
"td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
"th{background:#f4f4f4}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
".kv th{width:170px}.charts{display:flex;flex-wrap:wrap;gap:12px}"
".chart{border:1px solid #ddd}"
".final{display:flex;gap:14px;margin:8px 0}"
".final>div{border:1px solid #ddd;border-radius:6px;padding:8px 16px;min-width:110px}"
".final .v{font-size:24px;font-weight:bold}.final .k{font-size:12px;color:#666}"
"code,pre{font-family:monospace;font-size:12px}pre{background:#f6f6f6;"
"padding:8px;border:1px solid #ddd;white-space:pre-wrap}"
".ok{color:#2a7d2a}.bad{color:#b22}";

static void kv_row(FILE *f, const char *k, const char *v)
{
	fprintf(f, "<tr><th>%s</th><td>", k);
	ctl_report_esc(f, v);
	fputs("</td></tr>\n", f);
}

static void final_box(FILE *f, const char *id, const char *label, double v,
		      bool present)
{
	char b[16];

	fprintf(f, "<div><div class=\"k\">%s</div><div class=\"v\" id=\"%s\">%s"
		"</div></div>\n", label, id, ctl_fmt_num(v, present, b, sizeof(b)));
}

static void html_summary(FILE *f, const ctl_report_doc *r)
{
	const fl_msg_job_info *j = &r->job;
	char t[32], b[64];

	fputs("<h2>Job</h2>\n<table class=\"kv\" id=\"job\">\n", f);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)j->job_id);
	kv_row(f, "id", b);
	kv_row(f, "name", j->name);
	kv_row(f, "state", j->state);
	kv_row(f, "dataset", j->dataset);
	kv_row(f, "model", j->model);
	kv_row(f, "task", r->regression ? "regression" : "classification");
	snprintf(b, sizeof(b), "%u of %u", j->rounds_done, j->rounds_total);
	kv_row(f, "training rounds done", b);
	kv_row(f, "submitted by", j->submitted_by[0] ? j->submitted_by : "-");
	kv_row(f, "created (UTC)", ctl_fmt_time(j->created_ms, t, sizeof(t)));
	kv_row(f, "updated (UTC)", ctl_fmt_time(j->updated_ms, t, sizeof(t)));
	if (j->error[0])
		kv_row(f, "error", j->error);
	fputs("</table>\n", f);
}

static void html_final(FILE *f, const ctl_report_doc *r)
{
	const fl_msg_metrics *m = &r->job.metrics;
	char b[32];

	fputs("<h2>Final metrics</h2>\n<p class=\"sub\">The latest secure "
	      "evaluation of the global model on the sites' test rows (summed "
	      "across sites; no site's own figures)", f);
	if (m->present)
		fprintf(f, ", on %.0f rows", m->n);
	fputs(".</p>\n<div class=\"final\" id=\"final-metrics\">\n", f);
	if (r->regression) {
		final_box(f, "final-r2", "R\xc2\xb2", m->r2, m->present);
	} else {
		final_box(f, "final-accuracy", "accuracy", m->accuracy, m->present);
		final_box(f, "final-f1", "macro-F1", m->macro_f1, m->present);
	}
	final_box(f, "final-loss", "test loss", m->loss, m->present);
	snprintf(b, sizeof(b), "%.0f", m->present ? m->n : 0.0);
	fprintf(f, "<div><div class=\"k\">test rows</div><div class=\"v\" "
		"id=\"final-n\">%s</div></div>\n</div>\n", m->present ? b : "-");
}

static void phase_cells(FILE *f, const ctl_report_round *rr)
{
	uint8_t by[FL_MSG_PHASES];
	if (fl_msg_closed_by_parse(rr->closed_by, by) != 0)
		memset(by, 0, sizeof(by));
	for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++) {
		if (isfinite(rr->phase_s[p]))
			fprintf(f, "<td class=\"n\">%.2f", rr->phase_s[p]);
		else
			fputs("<td class=\"n\">-", f);
		if (by[p] != FL_CLOSE_NONE)
			fprintf(f, " <span class=\"sub\">(%s)</span>",
				fl_phase_close_name((enum fl_phase_close)by[p]));
		fputs("</td>", f);
	}
}

static void html_rounds(FILE *f, const ctl_report_doc *r)
{
	char a[16], b[16], c[16], d[16];

	fputs("<h2>Rounds</h2>\n<p class=\"sub\">One row a round (its last attempt). "
	      "The metrics are those of the model the round produced; phase "
	      "times in seconds, with the rule that closed the phase (all: every "
	      "site answered, grace: the grace period after enough answers, "
	      "deadline).</p>\n<table id=\"rounds\">\n<tr><th>round</th><th>kind"
	      "</th><th>state</th><th>attempts</th><th>selected</th><th>survived"
	      "</th><th>dropped</th><th>train loss</th>", f);
	fputs(r->regression ? "<th>R\xc2\xb2</th>" : "<th>accuracy</th><th>macro-F1</th>", f);
	fputs("<th>test loss</th><th>seconds</th>", f);
	for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++)
		fprintf(f, "<th>%s%s</th>", fl_sa_phase_name((enum fl_sa_phase)(p + 1)),
			p + 1 == FL_SA_UNMASK ? " (to the commit)" : "");
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->nrounds; i++) {
		const ctl_report_round *rr = &r->rounds[i];
		const fl_msg_metrics *m = &rr->after;

		fprintf(f, "<tr data-round=\"%u\"><td class=\"n\">%u</td><td>", rr->round,
			rr->round);
		ctl_report_esc(f, rr->kind);
		fputs("</td><td>", f);
		ctl_report_esc(f, rr->state);
		fprintf(f, "</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td "
			"class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"n\">%s</td>",
			rr->attempts, rr->selected, rr->survived,
			rr->selected > rr->survived ? rr->selected - rr->survived : 0,
			ctl_fmt_num(rr->train_loss, true, a, sizeof(a)));
		if (r->regression)
			fprintf(f, "<td class=\"n\">%s</td>",
				ctl_fmt_num(m->r2, m->present, b, sizeof(b)));
		else
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
				ctl_fmt_num(m->accuracy, m->present, b, sizeof(b)),
				ctl_fmt_num(m->macro_f1, m->present, c, sizeof(c)));
		fprintf(f, "<td class=\"n\">%s</td>", ctl_fmt_num(m->loss, m->present,
								   d, sizeof(d)));
		if (isfinite(rr->secs))
			fprintf(f, "<td class=\"n\">%.2f</td>", rr->secs);
		else
			fputs("<td class=\"n\">-</td>", f);
		phase_cells(f, rr);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void html_ledger(FILE *f, const ctl_report_doc *r)
{
	char b[32];

	fputs("<h2>Model and ledger</h2>\n<table class=\"kv\" id=\"ledger\">\n", f);
	if (r->model_version >= 0)
		snprintf(b, sizeof(b), "%lld", (long long)r->model_version);
	else
		snprintf(b, sizeof(b), "-");
	kv_row(f, "model version", b);
	fputs("<tr><th>model SHA-256</th><td><code id=\"model-sha256\">", f);
	ctl_report_esc(f, r->model_sha256[0] ? r->model_sha256 : "-");
	fputs("</code></td></tr>\n<tr><th>ledger head</th><td><code id=\"ledger-head\">", f);
	ctl_report_esc(f, r->ledger_head[0] ? r->ledger_head : "-");
	fprintf(f, "</code></td></tr>\n");
	snprintf(b, sizeof(b), "%llu", (unsigned long long)r->ledger_seq);
	kv_row(f, "head entry seq", r->ledger_head[0] ? b : "-");
	snprintf(b, sizeof(b), "%zu", r->ledger_entries);
	kv_row(f, "entries of this job", b);
	fputs("</table>\n<p class=\"sub\">The head is the hash of this job's newest "
	      "signed ledger entry; check the chain offline with 'fedctl ledger "
	      "export' and 'fedctl ledger verify'.</p>\n", f);
}

static void html_spec(FILE *f, const ctl_report_doc *r)
{
	fputs("<h2>Job spec</h2>\n<table class=\"kv\" id=\"spec\">\n", f);
	kv_row(f, "spec SHA-256 (ledger)", r->spec_sha256[0] ? r->spec_sha256 : "-");
	kv_row(f, "signed by", r->spec_signer[0] ? r->spec_signer : "-");
	fputs("</table>\n", f);
	if (r->spec_text) {
		fprintf(f, "<p class=\"%s\">%s</p>\n<pre id=\"spec-text\">",
			r->spec_checked ? "ok" : "bad", r->spec_checked ?
			"The text below has the SHA-256 the ledger records." :
			"The ledger has no entry for this job yet: the text below "
			"is not checked against it.");
		ctl_report_esc(f, r->spec_text);
		fputs("</pre>\n", f);
	} else {
		fputs("<p class=\"sub\">The spec text is not part of this report "
		      "('fedctl job report --spec FILE' adds it, checked against the "
		      "ledger's SHA-256).</p>\n", f);
	}
}

int ctl_report_html(FILE *f, const ctl_report_doc *r)
{
	char t[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>fedc "
	      "job ", f);
	fprintf(f, "%llu: ", (unsigned long long)r->job.job_id);
	ctl_report_esc(f, r->job.name);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Job %llu: ",
		report_css, (unsigned long long)r->job.job_id);
	ctl_report_esc(f, r->job.name);
	fputs("</h1>\n<div class=\"sub\">fedc training report, made ", f);
	fputs(ctl_fmt_time(r->generated_ms, t, sizeof(t)), f);
	fputs(" UTC by fedctl job report. Every figure comes from the coordinator's "
	      "round table, job events and signed ledger; none is a single site's."
	      "</div>\n", f);
	html_summary(f, r);
	html_final(f, r);
	fputs("<h2>Training curves</h2>\n<div class=\"charts\" id=\"curves\">\n", f);
	ctl_report_svg_curves(f, r);
	fputs("</div>\n<h2>Participation and durations</h2>\n<div class=\"charts\" "
	      "id=\"per-round\">\n", f);
	ctl_report_svg_rounds(f, r);
	fputs("</div>\n", f);
	html_rounds(f, r);
	html_ledger(f, r);
	html_spec(f, r);
	fputs("</body>\n</html>\n", f);
	fflush(f);
	return ferror(f) ? FL_E_IO : 0;
}
