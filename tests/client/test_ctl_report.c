/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_report: fedctl job report's renderers on plain structs (no
 * coordinator): points per curve, classification vs regression curves,
 * escaping of hostile text, no script and no URL; the phase times from
 * events; job watch's round lines and progress bar. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "ctl_job.h"
#include "ctl_report.h"
#include "fl_codec_events.h"
#include "fl_test.h"

#define NTRAIN 5

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static bool has_ci(const char *hay, const char *needle)
{
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, strlen(needle)) == 0)
			return true;
	return false;
}

/* A job: stats round 0, train rounds 1..NTRAIN, eval round NTRAIN + 1. */
static void fill(ctl_report_doc *r, ctl_report_round *rounds, bool regression,
		 const char *name)
{
	memset(r, 0, sizeof(*r));
	r->job.job_id = 7;
	snprintf(r->job.name, sizeof(r->job.name), "%s", name);
	snprintf(r->job.state, sizeof(r->job.state), "done");
	snprintf(r->job.dataset, sizeof(r->job.dataset), "shuttle<b>");
	snprintf(r->job.model, sizeof(r->job.model), regression ? "mlp" : "softmax");
	r->job.rounds_total = r->job.rounds_done = NTRAIN;
	r->job.metrics.present = true;
	r->job.metrics.n = 500;
	r->job.metrics.accuracy = regression ? NAN : 0.95123;
	r->job.metrics.macro_f1 = regression ? NAN : 0.8;
	r->job.metrics.r2 = regression ? 0.87654 : NAN;
	r->job.metrics.loss = 0.2;
	r->regression = regression;
	r->rounds = rounds;
	r->nrounds = NTRAIN + 2;
	r->model_version = NTRAIN;
	memset(r->model_sha256, 'a', 64);
	memset(r->ledger_head, 'b', 64);
	r->ledger_seq = 9;
	r->ledger_entries = NTRAIN + 2;
	for (uint32_t i = 0; i < NTRAIN + 2; i++) {
		ctl_report_round *rr = &rounds[i];

		memset(rr, 0, sizeof(*rr));
		rr->round = i;
		snprintf(rr->kind, sizeof(rr->kind), "%s", i == 0 ? "stats" :
			 i == NTRAIN + 1 ? "eval" : "train");
		snprintf(rr->state, sizeof(rr->state), "done");
		rr->attempts = 1;
		rr->selected = 4;
		rr->survived = i == 2 ? 3 : 4;
		rr->secs = 1.0 + i;
		for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++)
			rr->phase_s[p] = 0.1 * (p + 1);
		snprintf(rr->closed_by, sizeof(rr->closed_by), "advertise=all share=grace");
		rr->train_loss = strcmp(rr->kind, "train") == 0 ? 1.0 / (i + 1) : NAN;
		if (i <= NTRAIN) {
			rr->after.present = true;
			rr->after.n = 500;
			rr->after.loss = 0.5 / (i + 1);
			rr->after.accuracy = regression ? NAN : 0.5 + 0.09 * i;
			rr->after.macro_f1 = regression ? NAN : 0.4 + 0.08 * i;
			rr->after.r2 = regression ? 0.1 * i : NAN;
		}
	}
}

static char *render(const ctl_report_doc *r, bool svg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	FL_CHECK(f != NULL);
	FL_CHECK_EQ_INT(svg ? ctl_report_svg(f, r) : ctl_report_html(f, r), 0);
	fclose(f);
	return buf;
}

static void test_classification(void)
{
	static const char hostile[] = "<script>alert('x')</script>&\"q\"";
	ctl_report_round rounds[NTRAIN + 2];
	ctl_report_doc r;
	char *h;

	fill(&r, rounds, false, hostile);
	r.spec_text = "[job]\nname = </pre><script src=\"x.js\"></script>\n";
	r.spec_checked = true;
	h = render(&r, false);
	FL_CHECK(h != NULL);
	/* one point per training round on each curve, none for stats or eval */
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"train_loss\""), NTRAIN);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"eval_loss\""), NTRAIN);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"accuracy\""), NTRAIN);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"macro_f1\""), NTRAIN);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"r2\""), 0);
	FL_CHECK(strstr(h, "data-curve=\"accuracy\" data-round=\"5\" "
			"data-value=\"0.95\"") != NULL);
	FL_CHECK(strstr(h, "data-round=\"0\" data-value") == NULL);
	/* participation: three bars a round, stats and eval included */
	FL_CHECK_EQ_INT(count(h, "data-series=\"selected\""), NTRAIN + 2);
	FL_CHECK(strstr(h, "data-series=\"dropped\" data-round=\"2\" data-kind=\"train\" "
			"data-value=\"1\"") != NULL);
	/* durations: a bar a phase a round */
	FL_CHECK_EQ_INT(count(h, "data-series=\"unmask\""), NTRAIN + 2);
	FL_CHECK(strstr(h, "(grace)") != NULL);
	/* the final metrics at stable ids */
	FL_CHECK(strstr(h, "id=\"final-accuracy\">0.9512<") != NULL);
	FL_CHECK(strstr(h, "id=\"final-f1\">0.8000<") != NULL);
	FL_CHECK(strstr(h, "id=\"final-r2\"") == NULL);
	FL_CHECK(strstr(h, "id=\"model-sha256\">aaaa") != NULL);
	FL_CHECK(strstr(h, "id=\"ledger-head\">bbbb") != NULL);
	/* hostile text escaped; no script, no URL anywhere */
	FL_CHECK(!has_ci(h, "<script"));
	FL_CHECK(!has_ci(h, "http://") && !has_ci(h, "https:"));
	FL_CHECK(!has_ci(h, "src=\"") && !has_ci(h, "href=\"") && !has_ci(h, "url("));
	FL_CHECK(strstr(h, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;q&quot;")
		 != NULL);
	FL_CHECK(strstr(h, "shuttle&lt;b&gt;") != NULL);
	FL_CHECK(strstr(h, "&lt;/pre&gt;") != NULL);
	FL_CHECK(count(h, "</pre>") == 1);
	FL_CHECK(strncmp(h, "<!DOCTYPE html>", 15) == 0);
	free(h);

	/* The curves alone: one SVG document with the same points. */
	h = render(&r, true);
	FL_CHECK(strncmp(h, "<?xml", 5) == 0 && strstr(h, "<svg xmlns=") != NULL);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\""), 4 * NTRAIN);
	FL_CHECK_EQ_INT(count(h, "<svg"), count(h, "</svg>"));
	FL_CHECK(!has_ci(h, "<script") && !has_ci(h, "https:"));
	free(h);
}

static void test_regression_and_gaps(void)
{
	ctl_report_round rounds[NTRAIN + 2];
	ctl_report_doc r;
	char *h;

	fill(&r, rounds, true, "concrete");
	rounds[3].after.present = false;         /* round 3 not evaluated */
	h = render(&r, false);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"r2\""), NTRAIN - 1);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"train_loss\""), NTRAIN);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"accuracy\""), 0);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\" data-curve=\"macro_f1\""), 0);
	FL_CHECK(strstr(h, "id=\"final-r2\">0.8765<") != NULL);
	FL_CHECK(strstr(h, "id=\"final-accuracy\"") == NULL);
	FL_CHECK(strstr(h, "data-curve=\"r2\" data-round=\"3\"") == NULL);
	FL_CHECK(strstr(h, "regression") != NULL);
	FL_CHECK(strstr(h, "nan") == NULL && strstr(h, "NaN") == NULL);
	free(h);

	/* A job with no round yet still renders (empty charts, no points). */
	r.nrounds = 0;
	r.job.metrics.present = false;
	h = render(&r, false);
	FL_CHECK_EQ_INT(count(h, "class=\"pt\""), 0);
	FL_CHECK(strstr(h, "id=\"final-r2\">-<") != NULL);
	free(h);
}

static void test_phase_times(void)
{
	fl_msg_job_event ev[] = {
		{ 1, 1000, 2, 1, "round_started", "", "train round, 4 sites selected" },
		{ 2, 1500, 2, 1, "phase_closed", "", "advertise -> share" },
		{ 3, 1600, 2, 2, "phase_closed", "", "advertise -> share" },  /* other attempt */
		{ 4, 1750, 2, 1, "phase_closed", "", "share -> input" },
		{ 5, 2750, 2, 1, "phase_closed", "", "input -> unmask" },
		{ 6, 2800, 3, 1, "phase_closed", "", "bogus -> text" },
	};
	fl_msg_event_list l;
	double ph[CTL_REPORT_PHASES];

	memset(&l, 0, sizeof(l));
	l.events = ev;
	l.n = sizeof(ev) / sizeof(ev[0]);
	ctl_phase_times(&l, 2, 1, 3000, ph);
	FL_CHECK_NEAR(ph[0], 0.5, 1e-9);
	FL_CHECK_NEAR(ph[1], 0.25, 1e-9);
	FL_CHECK_NEAR(ph[2], 1.0, 1e-9);
	FL_CHECK(isnan(ph[3]));                   /* no consistency phase */
	FL_CHECK_NEAR(ph[4], 0.25, 1e-9);         /* unmask: to the commit */
	ctl_phase_times(&l, 2, 1, 0, ph);         /* still running */
	FL_CHECK(isnan(ph[4]));
	ctl_phase_times(&l, 3, 1, 3000, ph);
	for (uint32_t p = 0; p < CTL_REPORT_PHASES; p++)
		FL_CHECK(isnan(ph[p]));
}

static char *round_line(const char *kind, uint32_t round, bool regression)
{
	fl_msg_round_info r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	memset(&r, 0, sizeof(r));
	r.round = round;
	r.attempt = 1;
	snprintf(r.state, sizeof(r.state), "done");
	snprintf(r.kind, sizeof(r.kind), "%s", kind);
	r.selected = r.survived = 4;
	r.started_ms = 1000;
	r.finished_ms = 1500;
	r.train_loss = 0.25;
	r.eval.present = true;
	r.eval.accuracy = regression ? NAN : 0.9;
	r.eval.macro_f1 = regression ? NAN : 0.8;
	r.eval.r2 = regression ? 0.75 : NAN;
	r.eval.loss = 3.5;
	ctl_round_line(f, &r, 20, "mlp");
	fclose(f);
	return buf;
}

static void test_watch(void)
{
	fl_msg_job_status st;
	fl_msg_round_info rr[3];
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	s = round_line("train", 3, true);         /* an MLP regression */
	FL_CHECK(strcmp(s, "round  3/20  sites 4/4  train_loss 0.2500  r2 0.7500  "
			"loss 3.5000  0.50s\n") == 0);
	free(s);
	s = round_line("eval", 21, false);
	FL_CHECK(strcmp(s, "eval  after 20 rounds  sites 4/4  acc 0.9000  f1 0.8000  "
			"0.50s\n") == 0);
	free(s);
	s = round_line("stats", 0, false);
	FL_CHECK(strncmp(s, "stats  sites 4/4", 16) == 0);
	free(s);

	FL_CHECK(ctl_metrics_is_regression(&(fl_msg_metrics){ true, 1, 1, NAN, NAN, 0.5 }, "mlp"));
	FL_CHECK(!ctl_metrics_is_regression(&(fl_msg_metrics){ true, 1, 1, 0.9, 0.9, NAN }, "mlp"));
	FL_CHECK(ctl_metrics_is_regression(&(fl_msg_metrics){ false, 0, 0, 0, 0, 0 }, "linear"));
	FL_CHECK(!ctl_metrics_is_regression(&(fl_msg_metrics){ false, 0, 0, 0, 0, 0 }, "softmax"));

	f = open_memstream(&s, &len);
	ctl_watch_bar(f, 7, 20, 65.2);
	ctl_watch_bar(f, 0, 20, NAN);
	fclose(f);
	FL_CHECK(strcmp(s, "\r\033[K[##########....................] 7/20 rounds  ETA 1m05s"
			"\r\033[K[..............................] 0/20 rounds  ETA -") == 0);
	free(s);

	/* ETA: two training rounds in 4 s (gap included), 8 + eval left. */
	memset(&st, 0, sizeof(st));
	memset(rr, 0, sizeof(rr));
	st.job.rounds_total = 10;
	st.job.rounds_done = 2;
	st.rounds = rr;
	st.nrounds = 3;
	for (int i = 0; i < 3; i++) {
		snprintf(rr[i].kind, sizeof(rr[i].kind), i ? "train" : "stats");
		snprintf(rr[i].state, sizeof(rr[i].state), "done");
		rr[i].started_ms = 1000 + 2000 * i;
		rr[i].finished_ms = 2500 + 2000 * i;
	}
	FL_CHECK_NEAR(ctl_watch_eta(&st), 3.5 / 2 * 9, 1e-9);
	st.nrounds = 1;
	FL_CHECK(isnan(ctl_watch_eta(&st)));
}

int main(void)
{
	test_classification();
	test_regression_and_gaps();
	test_phase_times();
	test_watch();
	return FL_TEST_DONE();
}
