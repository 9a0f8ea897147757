/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_report_svg: the report's charts as SVG: training curves (one point a
 * train round, each identifiable from the DOM), participation and
 * durations per round. Plain drawing, no script, no external reference. */
#include <math.h>
#include <string.h>

#include "ctl_report.h"
#include "fl_err.h"

#define CH_W 560                   /* a chart's size in px */
#define CH_H 260
#define CH_L 56                    /* plot margins */
#define CH_R 16
#define CH_T 50
#define CH_B 44
#define PLOT_W (CH_W - CH_L - CH_R)
#define PLOT_H (CH_H - CH_T - CH_B)
#define CH_TICKS 5

enum curve { CV_TRAIN_LOSS, CV_ACCURACY, CV_F1, CV_R2, CV_EVAL_LOSS };

static const struct {
	const char *id, *label, *color;
} curves[] = {
	[CV_TRAIN_LOSS] = { "train_loss", "train loss", "#d62728" },
	[CV_ACCURACY] = { "accuracy", "accuracy", "#1f77b4" },
	[CV_F1] = { "macro_f1", "macro-F1", "#2ca02c" },
	[CV_R2] = { "r2", "R\xc2\xb2", "#9467bd" },
	[CV_EVAL_LOSS] = { "eval_loss", "test loss", "#ff7f0e" },
};

static const char *const phase_colors[CTL_REPORT_PHASES] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759"
};
#define OTHER_COLOR "#bab0ac"

static bool is_train_done(const ctl_report_round *rr)
{
	return strcmp(rr->kind, "train") == 0 && strcmp(rr->state, "done") == 0;
}

static double curve_value(const ctl_report_round *rr, enum curve c)
{
	const fl_msg_metrics *m = &rr->after;

	switch (c) {
	case CV_TRAIN_LOSS: return rr->train_loss;
	case CV_ACCURACY: return m->present ? m->accuracy : NAN;
	case CV_F1: return m->present ? m->macro_f1 : NAN;
	case CV_R2: return m->present ? m->r2 : NAN;
	case CV_EVAL_LOSS: return m->present ? m->loss : NAN;
	}
	return NAN;
}

/* The last train round shown on the x axis (at least 1). */
static uint32_t x_last(const ctl_report_doc *r)
{
	uint32_t n = r->job.rounds_total;

	for (size_t i = 0; i < r->nrounds; i++)
		if (strcmp(r->rounds[i].kind, "train") == 0 && r->rounds[i].round > n)
			n = r->rounds[i].round;
	return n ? n : 1;
}

static double x_of(uint32_t round, uint32_t last)
{
	if (last <= 1)
		return CH_L + PLOT_W / 2.0;
	return CH_L + (double)(round - 1) * PLOT_W / (double)(last - 1);
}

/* The y range of the finite values of cs over the train rounds. */
static void y_range(const ctl_report_doc *r, const enum curve *cs, size_t ncs,
		    double *lo, double *hi)
{
	double a = INFINITY, b = -INFINITY, pad;

	for (size_t i = 0; i < r->nrounds; i++) {
		if (!is_train_done(&r->rounds[i]))
			continue;
		for (size_t k = 0; k < ncs; k++) {
			double v = curve_value(&r->rounds[i], cs[k]);

			if (isfinite(v)) {
				a = fmin(a, v);
				b = fmax(b, v);
			}
		}
	}
	if (!isfinite(a)) {
		a = 0;
		b = 1;
	}
	if (b - a < 1e-9) {
		pad = fabs(a) > 1e-9 ? fabs(a) * 0.05 : 0.5;
		a -= pad;
		b += pad;
	}
	pad = (b - a) * 0.06;
	*lo = a - pad;
	*hi = b + pad;
}

static double y_of(double v, double lo, double hi)
{
	return CH_T + PLOT_H - (v - lo) / (hi - lo) * PLOT_H;
}

static void chart_open(FILE *f, const char *id, const char *title)
{
	fprintf(f, "<svg class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\">\n<title>%s</title>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
		"<text x=\"%d\" y=\"20\" class=\"ct\" font-family=\"sans-serif\" "
		"font-size=\"14\" font-weight=\"bold\">%s</text>\n",
		id, CH_W, CH_H, CH_W, CH_H, title, CH_W, CH_H, CH_L, title);
}

/* Axes with y ticks from lo to hi (fmt for their labels). */
static void axes(FILE *f, double lo, double hi, const char *ylabel)
{
	fprintf(f, "<g class=\"axes\" font-family=\"sans-serif\" font-size=\"11\" "
		"fill=\"#333\">\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n", CH_L, CH_T, CH_L, CH_T + PLOT_H, CH_L,
		CH_T + PLOT_H, CH_L + PLOT_W, CH_T + PLOT_H);
	for (int i = 0; i < CH_TICKS; i++) {
		double v = lo + (hi - lo) * i / (CH_TICKS - 1);
		double y = y_of(v, lo, hi);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"#e4e4e4\"/><text x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">%.3g</text>\n", CH_L + 1, y, CH_L + PLOT_W,
			y, CH_L - 4, y + 4, v);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n</g>\n",
		CH_L + PLOT_W / 2, CH_H - 8, ylabel);
}

static void x_labels_rounds(FILE *f, uint32_t last)
{
	uint32_t step = last > 20 ? (last + 9) / 10 : 1;

	fputs("<g class=\"xl\" font-family=\"sans-serif\" font-size=\"11\" "
	      "fill=\"#333\" text-anchor=\"middle\">\n", f);
	for (uint32_t k = 1; k <= last; k += step)
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">%u</text>\n", x_of(k, last),
			CH_T + PLOT_H + 16, k);
	fputs("</g>\n", f);
}

static void legend(FILE *f, const char *const *labels, const char *const *colors,
		   size_t n)
{
	int x = CH_L;

	fputs("<g class=\"legend\" font-family=\"sans-serif\" font-size=\"11\">\n", f);
	for (size_t k = 0; k < n; k++, x += 110)
		fprintf(f, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"37\">%s</text>\n", x,
			colors[k], x + 14, labels[k]);
	fputs("</g>\n", f);
}

/* One curve: a polyline through its points and a circle a point. */
static void curve_draw(FILE *f, const ctl_report_doc *r, enum curve c, double lo,
		       double hi, uint32_t last)
{
	const char *col = curves[c].color;
	bool first = true;

	fprintf(f, "<g class=\"curve\" data-curve=\"%s\">\n<polyline fill=\"none\" "
		"stroke=\"%s\" stroke-width=\"2\" points=\"", curves[c].id, col);
	for (size_t i = 0; i < r->nrounds; i++) {
		double v = curve_value(&r->rounds[i], c);

		if (!is_train_done(&r->rounds[i]) || !isfinite(v))
			continue;
		fprintf(f, "%s%.1f,%.1f", first ? "" : " ",
			x_of(r->rounds[i].round, last), y_of(v, lo, hi));
		first = false;
	}
	fputs("\"/>\n", f);
	for (size_t i = 0; i < r->nrounds; i++) {
		const ctl_report_round *rr = &r->rounds[i];
		double v = curve_value(rr, c);

		if (!is_train_done(rr) || !isfinite(v))
			continue;
		fprintf(f, "<circle class=\"pt\" data-curve=\"%s\" data-round=\"%u\" "
			"data-value=\"%.10g\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
			"fill=\"%s\"><title>round %u: %s %.4f</title></circle>\n",
			curves[c].id, rr->round, v, x_of(rr->round, last),
			y_of(v, lo, hi), col, rr->round, curves[c].label, v);
	}
	fputs("</g>\n", f);
}

static void line_chart(FILE *f, const ctl_report_doc *r, const char *id,
		       const char *title, const enum curve *cs, size_t ncs)
{
	const char *labels[4], *colors[4];
	uint32_t last = x_last(r);
	double lo, hi;

	y_range(r, cs, ncs, &lo, &hi);
	chart_open(f, id, title);
	axes(f, lo, hi, "training round");
	x_labels_rounds(f, last);
	for (size_t k = 0; k < ncs; k++) {
		labels[k] = curves[cs[k]].label;
		colors[k] = curves[cs[k]].color;
		curve_draw(f, r, cs[k], lo, hi, last);
	}
	legend(f, labels, colors, ncs);
	fputs("</svg>\n", f);
}

static const enum curve loss_curves[] = { CV_TRAIN_LOSS, CV_EVAL_LOSS };
static const enum curve cls_curves[] = { CV_ACCURACY, CV_F1 };
static const enum curve reg_curves[] = { CV_R2 };

static void loss_chart(FILE *f, const ctl_report_doc *r)
{
	line_chart(f, r, "chart-loss", "Loss per round (train, and test of the "
		   "round's model)", loss_curves, 2);
}

static void quality_chart(FILE *f, const ctl_report_doc *r)
{
	if (r->regression)
		line_chart(f, r, "chart-quality", "R\xc2\xb2 on the test rows, per "
			   "round's model", reg_curves, 1);
	else
		line_chart(f, r, "chart-quality", "Accuracy and macro-F1 on the test "
			   "rows, per round's model", cls_curves, 2);
}

void ctl_report_svg_curves(FILE *f, const ctl_report_doc *r)
{
	loss_chart(f, r);
	quality_chart(f, r);
}

/* ---- per-round bar charts (every round: stats, train, eval) ---- */

static double bar_x(size_t i, size_t n)
{
	return CH_L + (i + 0.5) * (double)PLOT_W / (double)(n ? n : 1);
}

static void round_labels(FILE *f, const ctl_report_doc *r)
{
	fputs("<g class=\"xl\" font-family=\"sans-serif\" font-size=\"10\" "
	      "fill=\"#333\" text-anchor=\"middle\">\n", f);
	for (size_t i = 0; i < r->nrounds; i++) {
		const ctl_report_round *rr = &r->rounds[i];

		if (r->nrounds > 24 && i % ((r->nrounds + 11) / 12) != 0)
			continue;
		if (strcmp(rr->kind, "train") == 0)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\">%u</text>\n",
				bar_x(i, r->nrounds), CH_T + PLOT_H + 14, rr->round);
		else
			fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
				bar_x(i, r->nrounds), CH_T + PLOT_H + 14,
				strcmp(rr->kind, "stats") == 0 ? "stats" : "eval");
	}
	fputs("</g>\n", f);
}

static void bar(FILE *f, const char *series, uint32_t round, const char *kind,
		double value, double x, double w, double y0, double y1,
		const char *color)
{
	fprintf(f, "<rect class=\"bar\" data-series=\"%s\" data-round=\"%u\" "
		"data-kind=\"%s\" data-value=\"%.10g\" x=\"%.1f\" y=\"%.1f\" "
		"width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s round %u: %s "
		"%.6g</title></rect>\n", series, round, kind, value, x, y1, w,
		y0 - y1 > 0 ? y0 - y1 : 0, color, kind, round, series, value);
}

static void participation(FILE *f, const ctl_report_doc *r)
{
	static const char *const names[] = { "selected", "survived", "dropped" };
	static const char *const colors[] = { "#9ca3af", "#2ca02c", "#d62728" };
	double hi = 1, slot = (double)PLOT_W / (double)(r->nrounds ? r->nrounds : 1);
	double w = slot / 4.0;

	for (size_t i = 0; i < r->nrounds; i++)
		hi = fmax(hi, r->rounds[i].selected);
	chart_open(f, "chart-participation", "Sites per round: selected, survived, dropped");
	axes(f, 0, hi, "round");
	round_labels(f, r);
	for (size_t i = 0; i < r->nrounds; i++) {
		const ctl_report_round *rr = &r->rounds[i];
		double v[3] = { rr->selected, rr->survived,
				rr->selected > rr->survived ? rr->selected - rr->survived : 0 };

		for (int k = 0; k < 3; k++)
			bar(f, names[k], rr->round, rr->kind, v[k],
			    bar_x(i, r->nrounds) - 1.5 * w + k * w, w * 0.9,
			    y_of(0, 0, hi), y_of(v[k], 0, hi), colors[k]);
	}
	legend(f, names, colors, 3);
	fputs("</svg>\n", f);
}

static void durations(FILE *f, const ctl_report_doc *r)
{
	const char *names[CTL_REPORT_PHASES + 1], *colors[CTL_REPORT_PHASES + 1];
	double hi = 0.001, w = (double)PLOT_W / (double)(r->nrounds ? r->nrounds : 1) * 0.6;

	for (size_t i = 0; i < r->nrounds; i++)
		if (isfinite(r->rounds[i].secs))
			hi = fmax(hi, r->rounds[i].secs);
	chart_open(f, "chart-durations", "Round duration by secure-aggregation phase (s)");
	axes(f, 0, hi * 1.05, "round");
	round_labels(f, r);
	for (size_t i = 0; i < r->nrounds; i++) {
		const ctl_report_round *rr = &r->rounds[i];
		double acc = 0, x = bar_x(i, r->nrounds) - w / 2;

		for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++) {
			double s = rr->phase_s[p];

			if (!isfinite(s) || s < 0)
				continue;
			bar(f, fl_sa_phase_name((enum fl_sa_phase)(p + 1)), rr->round,
			    rr->kind, s, x, w, y_of(acc, 0, hi * 1.05),
			    y_of(acc + s, 0, hi * 1.05), phase_colors[p]);
			acc += s;
		}
		if (isfinite(rr->secs) && rr->secs > acc)
			bar(f, "other", rr->round, rr->kind, rr->secs - acc, x, w,
			    y_of(acc, 0, hi * 1.05), y_of(rr->secs, 0, hi * 1.05),
			    OTHER_COLOR);
	}
	for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++) {
		names[p] = fl_sa_phase_name((enum fl_sa_phase)(p + 1));
		colors[p] = phase_colors[p];
	}
	names[CTL_REPORT_PHASES] = "other";
	colors[CTL_REPORT_PHASES] = OTHER_COLOR;
	/* six entries do not fit in a row of 110 px each: a narrower legend */
	fputs("<g class=\"legend\" font-family=\"sans-serif\" font-size=\"10\">\n", f);
	for (size_t k = 0; k <= CTL_REPORT_PHASES; k++)
		fprintf(f, "<rect x=\"%zu\" y=\"%d\" width=\"9\" height=\"9\" "
			"fill=\"%s\"/><text x=\"%zu\" y=\"%d\">%s</text>\n",
			(size_t)CH_L + 80 * k, 28, colors[k],
			(size_t)CH_L + 80 * k + 12, 36, names[k]);
	fputs("</g>\n</svg>\n", f);
}

void ctl_report_svg_rounds(FILE *f, const ctl_report_doc *r)
{
	participation(f, r);
	durations(f, r);
}

int ctl_report_svg(FILE *f, const ctl_report_doc *r)
{
	/* The namespace name is an identifier, never fetched. */
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\""
		"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
		"%d %d\">\n<title>job %llu: training curves</title>\n<g>\n",
		CH_W, 2 * CH_H + 10, CH_W, 2 * CH_H + 10,
		(unsigned long long)r->job.job_id);
	/* the second chart sits below the first */
	fputs("<g transform=\"translate(0,0)\">\n", f);
	loss_chart(f, r);
	fprintf(f, "</g>\n<g transform=\"translate(0,%d)\">\n", CH_H + 10);
	quality_chart(f, r);
	fputs("</g>\n</g>\n</svg>\n", f);
	fflush(f);
	return ferror(f) ? FL_E_IO : 0;
}
