/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_stats: fedctl stats (submit a statistics-only job and print the
 * consortium-wide table), fedctl job stats ID (Control GetStats), and the
 * figures opted-in sites report about themselves in job status. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_util.h"

#define CTL_STATS_POLL_MS 300u

/* A spec being written: FL_MSG_SPEC_MAX bytes; overflow is sticky. */
typedef struct ctl_spec_buf {
	char text[FL_MSG_SPEC_MAX];
	size_t len;
	bool over;
} ctl_spec_buf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void ctl_spec_printf(ctl_spec_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->text) - b->len)
		b->over = true;
	else
		b->len += (size_t)n;
}

/* GetStats; on success *out is filled (fl_msg_job_stats_clear). Exit code. */
static int ctl_stats_get(ctl_ctx *c, uint64_t id, fl_msg_job_stats *out,
			 const char *what)
{
	fl_msg_job_ref ref = { id };

	return ctl_rpc_as(c, what, "bad reply from the coordinator",
			  FL_RPC_CTL_GET_STATS, &ctl_msg_job_ref, &ref,
			  &ctl_msg_job_stats, out);
}

/* Full precision (the figures are checked against plain computations). */
static void ctl_stats_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fputs("null", f);
}

/* ,"k":v at full precision. */
static void ctl_stats_knum(FILE *f, const char *k, double v)
{
	fprintf(f, ",\"%s\":", k);
	ctl_stats_num(f, v);
}

static void ctl_stats_json(FILE *f, const fl_msg_job_stats *s)
{
	size_t i;

	fprintf(f, "{\"job_id\":%llu,\"state\":", (unsigned long long)s->job_id);
	ctl_json_str(f, s->state);
	fprintf(f, ",\"ready\":%s", s->ready ? "true" : "false");
	ctl_stats_knum(f, "count", s->count);
	fprintf(f, ",\"sites\":%u,\"features\":[", s->sites);
	for (i = 0; i < s->nfeatures; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		ctl_json_str(f, s->features[i].name);
		ctl_stats_knum(f, "mean", s->features[i].mean);
		ctl_stats_knum(f, "std", s->features[i].std);
		fputc('}', f);
	}
	fputs("],\"labels\":[", f);
	for (i = 0; i < s->nlabels; i++) {
		fprintf(f, "%s{\"label\":", i ? "," : "");
		ctl_json_str(f, s->labels[i].label);
		ctl_stats_knum(f, "count", s->labels[i].count);
		fputc('}', f);
	}
	fputc(']', f);
	if (s->noisy) {
		fputs(",\"noise\":{\"sigma\":", f);
		ctl_stats_num(f, s->noise_sigma);
		ctl_stats_knum(f, "epsilon", s->epsilon);
		ctl_json_kstr(f, "note", s->note);
		fputs(",\"noisy_sums\":[", f);
		for (i = 0; i < s->nnoisy_sums; i++) {
			fputs(i ? "," : "", f);
			ctl_stats_num(f, s->noisy_sums[i]);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
}

static void ctl_stats_text(FILE *f, const fl_msg_job_stats *s)
{
	size_t i, w = 7;

	if (!s->ready) {
		fprintf(f, "job %llu (%s): no statistics yet (its STATS round has not "
			"finished)\n", (unsigned long long)s->job_id, s->state);
		return;
	}
	if (s->noisy)
		/* no more digits than the noise leaves */
		fprintf(f, "job %llu (%s): about %.0f rows (+- %.0f) from %u sites "
			"(secure, noisy sums; no site's own values)\n%s\n",
			(unsigned long long)s->job_id, s->state, s->count,
			s->noise_sigma, s->sites, s->note);
	else
		fprintf(f, "job %llu (%s): %.0f rows from %u sites (secure sums; no "
			"site's own values)\n", (unsigned long long)s->job_id,
			s->state, s->count, s->sites);
	for (i = 0; i < s->nfeatures; i++)
		if (strlen(s->features[i].name) > w)
			w = strlen(s->features[i].name);
	fprintf(f, "%-*s %16s %16s\n", (int)w, "feature", "mean", "std");
	for (i = 0; i < s->nfeatures; i++)
		fprintf(f, s->noisy ? "%-*s %16.3g %16.3g\n" : "%-*s %16.6g %16.6g\n",
			(int)w, s->features[i].name, s->features[i].mean,
			s->features[i].std);
	if (s->nlabels > 0)
		fprintf(f, "label histogram:\n");
	for (i = 0; i < s->nlabels; i++)
		fprintf(f, s->noisy ? "  %-*s %12.0f (+- %.0f)\n" :
			"  %-*s %12.0f\n", (int)w, s->labels[i].label,
			s->labels[i].count, s->noise_sigma);
}

static void ctl_stats_print(ctl_ctx *c, const fl_msg_job_stats *s)
{
	if (c->json)
		ctl_stats_json(c->out, s);
	else
		ctl_stats_text(c->out, s);
}

int ctl_job_stats(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_stats s;
	uint64_t id;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, NULL, 0, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	memset(&s, 0, sizeof(s));
	if ((rc = ctl_stats_get(c, id, &s, "job stats")) != 0)
		return rc;
	ctl_stats_print(c, &s);
	fl_msg_job_stats_clear(&s);
	return CTL_EXIT_OK;
}


/* Appends "key = a, b" as one item per continuation line (no line limit). */
static void ctl_stats_list(ctl_spec_buf *b, const char *key, const char *csv)
{
	const char *p = csv;
	bool first = true;

	ctl_spec_printf(b, "%s =", key);
	while (*p) {
		size_t n = strcspn(p, ",");

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n > 0)
			ctl_spec_printf(b, "%s%.*s", first ? " " : "\n    ", (int)n, p);
		first = first && n == 0;
		p += n;
		if (*p == ',')
			p++;
	}
	ctl_spec_printf(b, "\n");
}

typedef struct ctl_stats_args {
	const char *dataset, *features, *label, *labels, *min_clients, *timeout,
		*name;
} ctl_stats_args;

/* The stats job's spec text; *out malloc'd. Exit code (message printed). */
static int ctl_stats_spec(ctl_ctx *c, const ctl_stats_args *a, char **out)
{
	char msg[FL_ERRMSG_BYTES] = "";
	ctl_spec_buf *b = NULL;
	fl_jobspec spec;
	char *text = NULL;
	int r;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ctl_report(c, "stats", FL_E_NOMEM, NULL);
	ctl_spec_printf(b, "[job]\nname = %s%s\ntype = stats\ndataset = %s\n"
		       "label = %s\n", a->name ? a->name : "stats-",
		       a->name ? "" : a->dataset, a->dataset, a->label);
	if (a->labels)
		ctl_stats_list(b, "labels", a->labels);
	ctl_stats_list(b, "features", a->features);
	if (a->min_clients)
		ctl_spec_printf(b, "min_clients = %s\n", a->min_clients);
	if (a->timeout)
		ctl_spec_printf(b, "\n[round]\ntimeout = %s\n", a->timeout);
	if (b->over) {
		free(b);
		fprintf(c->err, "fedctl: stats: the spec would exceed %u bytes\n",
			FL_MSG_SPEC_MAX);
		return CTL_EXIT_INVALID;
	}
	text = strdup(b->text);
	free(b);
	if (text == NULL)
		return ctl_report(c, "stats", FL_E_NOMEM, NULL);
	memset(&spec, 0, sizeof(spec));
	if ((r = fl_jobspec_parse(text, strlen(text), &spec, msg)) != 0) {
		fprintf(c->err, "fedctl: stats: %s\n", msg[0] ? msg : fl_strerror(r));
		free(text);
		return CTL_EXIT_INVALID;
	}
	fl_jobspec_clear(&spec);
	*out = text;
	return 0;
}

static int ctl_stats_submit(ctl_ctx *c, char *spec, uint64_t *id)
{
	fl_msg_job_submit sub;
	fl_msg_job_info info;
	int rc;

	memset(&sub, 0, sizeof(sub));
	sub.spec = spec;
	rc = ctl_job_submit_signed(c, "stats", &sub, &info);
	free(sub.spec_cert);
	if (rc == 0)
		*id = info.job_id;
	return rc;
}

static bool ctl_stats_ended(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "failed") == 0 ||
		strcmp(state, "aborted") == 0;
}

/* Polls until the job ends; prints the table (exit 0) or why it failed. */
static int ctl_stats_wait(ctl_ctx *c, uint64_t id, bool watch)
{
	fl_msg_job_stats s;
	fl_msg_job_status st;
	char last[16] = "";
	int rc;

	for (;;) {
		memset(&s, 0, sizeof(s));
		if ((rc = ctl_stats_get(c, id, &s, "stats")) != 0)
			return rc;
		if (watch && strcmp(last, s.state) != 0)
			fprintf(c->err, "job %llu: %s\n", (unsigned long long)id, s.state);
		snprintf(last, sizeof(last), "%s", s.state);
		if (ctl_stats_ended(s.state))
			break;
		fl_msg_job_stats_clear(&s);
		fl_sleep_ms(CTL_STATS_POLL_MS);
	}
	if (strcmp(s.state, "done") == 0 && s.ready) {
		ctl_stats_print(c, &s);
		fl_msg_job_stats_clear(&s);
		return CTL_EXIT_OK;
	}
	fl_msg_job_stats_clear(&s);
	memset(&st, 0, sizeof(st));
	if (ctl_job_get(c, id, &st, "stats") == 0) {
		fprintf(c->err, "fedctl: stats: job %llu %s%s%s\n", (unsigned long long)id,
			st.job.state, st.job.error[0] ? ": " : "", st.job.error);
		fl_msg_job_status_clear(&st);
	}
	return CTL_EXIT_JOB_FAILED;
}

int ctl_stats_run(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	ctl_stats_args a = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	const ctl_opt opts[] = {
		{ "--features", NULL, &a.features, NULL },
		{ "--label", NULL, &a.label, NULL },
		{ "--labels", NULL, &a.labels, NULL },
		{ "--min-clients", NULL, &a.min_clients, NULL },
		{ "--timeout-s", NULL, &a.timeout, NULL },
		{ "--name", NULL, &a.name, NULL },
		{ "--watch", NULL, NULL, NULL },
		{ "--detach", NULL, NULL, NULL },
	};
	ctl_opt o[sizeof(opts) / sizeof(opts[0])];
	const char *pos[1];
	bool watch = false, detach = false;
	char *spec = NULL;
	uint64_t id = 0;
	int rc;

	memcpy(o, opts, sizeof(o));
	o[6].flag = &watch;
	o[7].flag = &detach;
	if ((rc = ctl_args_parse(c, "stats", self, argc, argv, o,
				 sizeof(o) / sizeof(o[0]), pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	a.dataset = pos[0];
	if (!a.features || !a.label) {
		fprintf(c->err, "fedctl: stats: --features and --label are needed (every "
			"site's vector must have the same length)\nusage: fedctl stats DATASET %s\n",
			self->args);
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_stats_spec(c, &a, &spec)) != 0)
		return rc;
	if ((rc = ctl_stats_submit(c, spec, &id)) != 0)
		goto out;
	if (watch)
		fprintf(c->err, "submitted stats job %llu on %s\n",
			(unsigned long long)id, a.dataset);
	if (detach) {
		fprintf(c->out, "%llu\n", (unsigned long long)id);
		goto out;
	}
	rc = ctl_stats_wait(c, id, watch);
out:
	free(spec);
	return rc;
}

const ctl_cmd ctl_stats_cmd = {
	"DATASET", ctl_stats_run,
	"--features F1,F2,... --label COL [--labels A,B,...] [--min-clients N] "
	"[--timeout-s S] [--name NAME] [--watch] [--detach]",
	"Submit a statistics-only job (job spec [job] type = stats) on DATASET and "
	"print the consortium-wide row count, per-feature mean and standard "
	"deviation and (with --labels) the label histogram when it is done. "
	"Every site adds its per-feature count, sum and sum of squares over all "
	"of its rows under secure aggregation, so no site's own values are "
	"revealed; sites whose policy does not allow 'stats' refuse. --watch "
	"prints the job's progress on stderr; --detach only prints the job id "
	"('fedctl job stats ID' later). Exit 1 if the job fails."
};

/* ---- figures reported by opted-in sites (job status) ---- */

int ctl_site_metrics_get(ctl_ctx *c, uint64_t id, fl_msg_site_metrics_list *out)
{
	fl_msg_job_ref ref = { id };
	FILE *keep = c->err, *devnull;
	int rc;

	memset(out, 0, sizeof(*out));
	/* An older coordinator without GetSiteMetrics: no table, no noise. */
	if ((devnull = fopen("/dev/null", "w")) != NULL)
		c->err = devnull;
	rc = ctl_rpc(c, "job status", FL_RPC_CTL_GET_SITE_METRICS, &ctl_msg_job_ref,
		     &ref, &ctl_msg_site_metrics_list, out);
	c->err = keep;
	if (devnull)
		fclose(devnull);
	return rc;
}

static void ctl_sm_json(FILE *f, const fl_msg_site_metrics *e)
{
	fputs("{\"site\":", f);
	ctl_json_str(f, e->site);
	fprintf(f, ",\"round\":%u,\"reported_ms\":%lld,\"metrics\":", e->round,
		(long long)e->reported_ms);
	ctl_json_metrics(f, &e->metrics);
	fputc('}', f);
}

/* The last entry of each round number gets that round's site figures. */
static bool ctl_sm_last_of_round(const fl_msg_job_status *st, size_t i)
{
	return i + 1 == st->nrounds || st->rounds[i + 1].round != st->rounds[i].round;
}

void ctl_job_status_json_sites(FILE *f, const fl_msg_job_status *st,
			       const fl_msg_site_metrics_list *sm)
{
	size_t i, k;

	fputs("{\"job\":", f);
	ctl_json_job_info(f, &st->job);
	fputs(",\"rounds\":[", f);
	for (i = 0; i < st->nrounds; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		bool first = true;

		if (i)
			fputc(',', f);
		if (m == NULL) {
			ctl_json_round_info(f, &st->rounds[i]);
			continue;
		}
		ctl_json_round_info(m, &st->rounds[i]);
		fclose(m);
		/* the round's object without its closing brace, then the list */
		fwrite(buf, 1, len > 0 ? len - 1 : 0, f);
		free(buf);
		fputs(",\"site_metrics\":[", f);
		for (k = 0; ctl_sm_last_of_round(st, i) && k < sm->n; k++) {
			if (sm->entries[k].round != st->rounds[i].round)
				continue;
			if (!first)
				fputc(',', f);
			ctl_sm_json(f, &sm->entries[k]);
			first = false;
		}
		fputs("]}", f);
	}
	fputs("],", f);
	ctl_json_declines(f, st, false, 0);
	ctl_job_privacy_json(f, &st->privacy);
	fputs("}\n", f);
}

void ctl_site_metrics_table(FILE *f, const fl_msg_site_metrics_list *sm)
{
	char a[16], b[16], d[16], e[16];
	uint32_t last = 0;
	size_t k;

	if (sm->n == 0)
		return;
	for (k = 0; k < sm->n; k++)
		if (sm->entries[k].round > last)
			last = sm->entries[k].round;
	fprintf(f, "\nround %u, figures the sites reported about themselves (the "
		"job has site_figures = true):\n%-20s %-8s %-8s %-8s %-8s %s\n",
		last, "SITE", "ROWS", "ACC", "F1", "LOSS", "R2");
	for (k = 0; k < sm->n; k++) {
		const fl_msg_site_metrics *x = &sm->entries[k];

		if (x->round != last)
			continue;
		fprintf(f, "%-20s %-8.0f %-8s %-8s %-8s %s\n", x->site, x->metrics.n,
			ctl_fmt_num(x->metrics.accuracy, true, a, sizeof(a)),
			ctl_fmt_num(x->metrics.macro_f1, true, b, sizeof(b)),
			ctl_fmt_num(x->metrics.loss, true, d, sizeof(d)),
			ctl_fmt_num(x->metrics.r2, true, e, sizeof(e)));
	}
}
