/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_watch: fedctl job watch, a progress line per finished round; on
 * a terminal also a progress bar with an ETA, redrawn in place. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_job.h"
#include "fl_err.h"
#include "fl_util.h"

#define WATCH_DEFAULT_MS 1000u
#define WATCH_GRACE_MS 30000   /* tolerate the coordinator being away this long */

typedef struct seen_set {
	uint64_t *keys;
	size_t n, cap;
} seen_set;

static bool seen_has(const seen_set *s, uint64_t k)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->keys[i] == k)
			return true;
	return false;
}

static int seen_add(seen_set *s, uint64_t k)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *p = realloc(s->keys, cap * sizeof(*p));

		if (!p)
			return FL_E_NOMEM;
		s->keys = p;
		s->cap = cap;
	}
	s->keys[s->n++] = k;
	return 0;
}

static bool job_ended(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "failed") == 0 ||
		strcmp(state, "aborted") == 0;
}

#define WATCH_BAR_WIDTH 30

void ctl_watch_bar(FILE *f, uint32_t done, uint32_t total, double eta_s)
{
	uint32_t fill = total ? (uint32_t)((uint64_t)WATCH_BAR_WIDTH *
					   (done > total ? total : done) / total) : 0;

	fputs("\r\033[K[", f);
	for (uint32_t i = 0; i < WATCH_BAR_WIDTH; i++)
		fputc(i < fill ? '#' : '.', f);
	fprintf(f, "] %u/%u rounds", done, total);
	if (isfinite(eta_s) && eta_s >= 0) {
		long s = lround(eta_s);

		if (s >= 3600)
			fprintf(f, "  ETA %ldh%02ldm", s / 3600, s / 60 % 60);
		else
			fprintf(f, "  ETA %ldm%02lds", s / 60, s % 60);
	} else {
		fputs("  ETA -", f);
	}
}

double ctl_watch_eta(const fl_msg_job_status *st)
{
	int64_t first = 0, last = 0;
	uint32_t n = 0, left;

	/* From the first training round's start to the last one's end, so
	 * that the gaps between rounds count too. */
	for (size_t i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *r = &st->rounds[i];

		if (strcmp(r->kind, "train") != 0 || strcmp(r->state, "done") != 0)
			continue;
		if (first == 0 || r->started_ms < first)
			first = r->started_ms;
		if (r->finished_ms > last)
			last = r->finished_ms;
		n++;
	}
	if (n == 0 || last <= first)
		return NAN;
	left = st->job.rounds_total > st->job.rounds_done ?
		st->job.rounds_total - st->job.rounds_done : 0;
	/* and the final evaluation, about as long as a round */
	return (double)(last - first) / 1000.0 / n * (left + 1);
}

/* Prints the rounds that finished since the last poll; with a bar, the
 * bar's line is cleared first and drawn again after them. */
static int print_new_rounds(ctl_ctx *c, const fl_msg_job_status *st, seen_set *seen,
			    bool bar)
{
	size_t i;

	for (i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *r = &st->rounds[i];
		uint64_t k = ((uint64_t)r->round << 32) | r->attempt;

		if (strcmp(r->state, "running") == 0 || seen_has(seen, k))
			continue;
		if (seen_add(seen, k) != 0)
			return FL_E_NOMEM;
		if (bar)
			fputs("\r\033[K", c->out);
		if (c->json) {
			ctl_json_round_info(c->out, r);
			fputc('\n', c->out);
		} else {
			ctl_round_line(c->out, r, st->job.rounds_total, st->job.model);
		}
	}
	if (bar && !job_ended(st->job.state))
		ctl_watch_bar(c->out, st->job.rounds_done, st->job.rounds_total,
			      ctl_watch_eta(st));
	fflush(c->out);
	return 0;
}

static void final_line(ctl_ctx *c, const fl_msg_job_status *st, bool bar)
{
	const fl_msg_job_info *j = &st->job;
	char a[16], b[16], d[16];

	if (c->json) {
		ctl_job_status_json(c->out, st);
		return;
	}
	fprintf(c->out, "%sjob %llu %s after %u/%u rounds", bar ? "\r\033[K" : "",
		(unsigned long long)j->job_id, j->state, j->rounds_done, j->rounds_total);
	if (j->metrics.present && ctl_metrics_is_regression(&j->metrics, j->model))
		fprintf(c->out, ": R^2 %s, loss %s",
			ctl_fmt_num(j->metrics.r2, true, a, sizeof(a)),
			ctl_fmt_num(j->metrics.loss, true, d, sizeof(d)));
	else if (j->metrics.present)
		fprintf(c->out, ": accuracy %s, macro-F1 %s, loss %s",
			ctl_fmt_num(j->metrics.accuracy, true, a, sizeof(a)),
			ctl_fmt_num(j->metrics.macro_f1, true, b, sizeof(b)),
			ctl_fmt_num(j->metrics.loss, true, d, sizeof(d)));
	if (j->error[0])
		fprintf(c->out, " (%s)", j->error);
	fputc('\n', c->out);
}

/* One poll, tolerating a coordinator that is briefly away. *rc is set when
 * the watch must end with that exit code. */
static int poll_job(ctl_ctx *c, uint64_t id, fl_msg_job_status *st,
		    int64_t *away_since, int *rc)
{
	FILE *keep = c->err, *devnull = NULL;
	int r;

	/* While the coordinator is away, say so once rather than per poll. */
	if (*away_since && (devnull = fopen("/dev/null", "w")) != NULL)
		c->err = devnull;
	r = ctl_job_get(c, id, st, "job watch");
	c->err = keep;
	if (devnull)
		fclose(devnull);
	if (r == 0) {
		if (*away_since)
			fprintf(c->err, "fedctl: coordinator reachable again\n");
		*away_since = 0;
		return 0;
	}
	if (r == CTL_EXIT_UNREACHABLE) {
		if (!*away_since) {
			*away_since = fl_mono_ms();
			fprintf(c->err, "fedctl: still watching; retrying for up to %d s\n",
				WATCH_GRACE_MS / 1000);
		} else if (fl_mono_ms() - *away_since > WATCH_GRACE_MS) {
			fprintf(c->err, "fedctl: job watch: the coordinator at %s stayed "
				"unreachable for %d s\n", c->coordinator, WATCH_GRACE_MS / 1000);
			*rc = r;
		}
		return r;
	}
	*rc = r;
	return r;
}

int ctl_job_watch(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *interval = NULL;
	const ctl_opt opts[] = { { "--interval", NULL, &interval, NULL } };
	fl_msg_job_status st;
	seen_set seen = { NULL, 0, 0 };
	uint64_t id, ms = WATCH_DEFAULT_MS;
	int64_t away = 0;
	bool headed = false, bar;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, opts, 1, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (interval && ctl_parse_u64(interval, 10, 3600000, &ms) != 0) {
		fprintf(c->err, "fedctl: job watch: --interval wants milliseconds "
			"(10..3600000), not '%s'\n", interval);
		return CTL_EXIT_USAGE;
	}
	/* A bar only for a person at a terminal; pipes and files get lines. */
	bar = !c->json && isatty(fileno(c->out));
	for (rc = -1; rc < 0; fl_sleep_ms((uint32_t)ms)) {
		if (poll_job(c, id, &st, &away, &rc) != 0)
			continue;
		if (!headed && !c->json) {
			fprintf(c->out, "watching job %llu '%s': %s on %s, %u rounds\n",
				(unsigned long long)id, st.job.name, st.job.model,
				st.job.dataset, st.job.rounds_total);
			headed = true;
		}
		if (print_new_rounds(c, &st, &seen, bar) != 0)
			rc = CTL_EXIT_OTHER;
		else if (job_ended(st.job.state)) {
			final_line(c, &st, bar);
			rc = strcmp(st.job.state, "done") == 0 ? CTL_EXIT_OK :
				CTL_EXIT_JOB_FAILED;
		}
		fl_msg_job_status_clear(&st);
		if (rc >= 0)
			break;
	}
	free(seen.keys);
	return rc;
}
