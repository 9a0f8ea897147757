/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_round: a job's history from its round table: fedctl round show (one
 * round's attempts, participants and timings) and fedctl model list (the
 * model versions with their SHA-256). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ctl.h"
#include "ctl_job.h"
#include "ctl_report.h"
#include "fl_codec_events.h"
#include "fl_err.h"

/* Which rule closed each phase: every site answered, the grace after
 * enough answers, or the deadline. */
static void attempt_closed_by(FILE *f, const fl_msg_round_info *r)
{
	uint8_t by[FL_MSG_PHASES];
	bool any = false;

	if (fl_msg_closed_by_parse(r->closed_by, by) != 0)
		return;
	for (uint32_t i = 0; i < FL_MSG_PHASES; i++) {
		if (by[i] == FL_CLOSE_NONE)
			continue;
		fprintf(f, "%s %s %s", any ? "," : "  phases closed by:",
			fl_sa_phase_name((enum fl_sa_phase)(i + 1)),
			by[i] == FL_CLOSE_ALL ? "all answered" :
			fl_phase_close_name((enum fl_phase_close)by[i]));
		any = true;
	}
	if (any)
		fputc('\n', f);
}

/* How long each phase took (from the job's events), when known. */
static void attempt_phase_times(FILE *f, const double *ph)
{
	bool any = false;

	for (uint32_t i = 0; i < FL_MSG_PHASES; i++) {
		if (!isfinite(ph[i]))
			continue;
		fprintf(f, "%s %s %.2f s%s", any ? "," : "  phase times:",
			fl_sa_phase_name((enum fl_sa_phase)(i + 1)), ph[i],
			i + 1 == FL_SA_UNMASK ? " (to the commit)" : "");
		any = true;
	}
	if (any)
		fputc('\n', f);
}

static void attempt_text(FILE *f, const fl_msg_round_info *r, const double *ph,
			 const char *model)
{
	char t1[32], t2[32], a[16], l[16];

	fprintf(f, "round %u attempt %u (%s): %s, %u of %u selected sites survived\n",
		r->round, r->attempt, r->kind, r->state, r->survived, r->selected);
	fprintf(f, "  started %s UTC, finished %s UTC, %.1f s\n",
		ctl_fmt_time(r->started_ms, t1, sizeof(t1)),
		ctl_fmt_time(r->finished_ms, t2, sizeof(t2)),
		r->finished_ms > r->started_ms ?
		(double)(r->finished_ms - r->started_ms) / 1000.0 : 0.0);
	fprintf(f, "  %s:", strcmp(r->state, "done") == 0 ? "survivors" :
		"sites still in when it ended");
	for (uint32_t i = 0; i < r->nparticipants; i++)
		fprintf(f, " %s", r->participants[i]);
	fprintf(f, "%s\n", r->nparticipants ? "" : " none");
	attempt_closed_by(f, r);
	attempt_phase_times(f, ph);
	if (strcmp(r->kind, "train") == 0 && strcmp(r->state, "done") == 0)
		fprintf(f, "  mean training loss %s\n",
			ctl_fmt_num(r->train_loss, true, l, sizeof(l)));
	if (r->eval.present)
		fprintf(f, "  the model that entered it, on %.0f test rows: %s "
			"%s, loss %s\n", r->eval.n,
			ctl_metrics_is_regression(&r->eval, model) ? "R^2" : "accuracy",
			ctl_fmt_num(ctl_metrics_is_regression(&r->eval, model) ?
				    r->eval.r2 : r->eval.accuracy, true, a, sizeof(a)),
			ctl_fmt_num(r->eval.loss, true, l, sizeof(l)));
}

/* The job's events, for the phase times; quietly none if the coordinator
 * cannot give them (an older one without GetJobEvents). */
static void round_events(ctl_ctx *c, uint64_t id, fl_msg_event_list *ev)
{
	FILE *keep = c->err, *devnull = fopen("/dev/null", "w");

	if (devnull)
		c->err = devnull;
	if (ctl_job_events_all(c, id, ev, "round show") != 0)
		memset(ev, 0, sizeof(*ev));
	c->err = keep;
	if (devnull)
		fclose(devnull);
}

static int round_show(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_status st;
	fl_msg_event_list ev;
	double ph[FL_MSG_PHASES];
	const char *pos[2];
	uint64_t id, round;
	size_t found = 0;
	int rc;

	if ((rc = ctl_args_parse(c, "round", self, argc, argv, NULL, 0, pos, 2, 2)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_job_parse_id(c, pos[0], &id)) != 0)
		return rc;
	if (ctl_parse_u64(pos[1], 0, UINT32_MAX, &round) != 0) {
		fprintf(c->err, "fedctl: round show: '%s' is not a round number "
			"(0 is the statistics round)\n", pos[1]);
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_job_get(c, id, &st, "round show")) != 0)
		return rc;
	round_events(c, id, &ev);
	if (c->json)
		fprintf(c->out, "{\"job_id\":%llu,\"round\":%llu,\"attempts\":[",
			(unsigned long long)id, (unsigned long long)round);
	for (size_t i = 0; i < st.nrounds; i++) {
		const fl_msg_round_info *r = &st.rounds[i];

		if (r->round != round)
			continue;
		ctl_phase_times(&ev, r->round, r->attempt, strcmp(r->state, "done") == 0 ?
				r->finished_ms : 0, ph);
		if (c->json) {
			if (found)
				fputc(',', c->out);
			ctl_json_round_info_phases(c->out, r, ph);
		} else {
			attempt_text(c->out, r, ph, st.job.model);
			ctl_declines_attempt(c->out, &st, r);
		}
		found++;
	}
	if (c->json) {
		fputs("],", c->out);
		ctl_json_declines(c->out, &st, true, (uint32_t)round);
		fputs("}\n", c->out);
	}
	if (found == 0) {
		fprintf(c->err, "fedctl: round show: job %llu has no round %llu yet "
			"('fedctl job status %llu' lists its rounds)\n",
			(unsigned long long)id, (unsigned long long)round,
			(unsigned long long)id);
		rc = CTL_EXIT_NOTFOUND;
	}
	fl_msg_event_list_clear(&ev);
	fl_msg_job_status_clear(&st);
	return rc;
}

int ctl_model_list(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_status st;
	bool no_digest = false;
	const ctl_opt opts[] = { { "--no-digest", NULL, NULL, &no_digest } };
	uint64_t id;
	size_t n = 0;
	int rc;

	if ((rc = ctl_job_args(c, "model", self, argc, argv, opts, 1, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_job_get(c, id, &st, "model list")) != 0)
		return rc;
	if (c->json)
		fprintf(c->out, "{\"job_id\":%llu,\"versions\":[", (unsigned long long)id);
	else
		fprintf(c->out, "%-8s %-6s %-20s %-10s %s\n", "version", "round",
			"made (UTC)", "bytes", no_digest ? "" : "sha256");
	/* Version 0 comes from the statistics round, version r from training
	 * round r: one per round that finished with a new model. */
	for (size_t i = 0; i < st.nrounds && rc == 0; i++) {
		const fl_msg_round_info *r = &st.rounds[i];
		unsigned char h[crypto_hash_sha256_BYTES];
		char hex[2 * crypto_hash_sha256_BYTES + 1] = "", t[32];
		uint8_t *buf = NULL;
		size_t len = 0;

		if (strcmp(r->state, "done") != 0 || strcmp(r->kind, "eval") == 0)
			continue;
		if (!no_digest) {
			if ((rc = ctl_fetch_model(c, id, r->round, false, &buf, &len)) != 0)
				break;
			crypto_hash_sha256(h, buf, len);
			sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
			free(buf);
		}
		if (c->json) {
			fprintf(c->out, "%s{\"version\":%u,\"round\":%u,\"kind\":",
				n ? "," : "", r->round, r->round);
			ctl_json_str(c->out, r->kind);
			fprintf(c->out, ",\"finished_ms\":%lld,\"bytes\":%zu",
				(long long)r->finished_ms, len);
			if (!no_digest)
				ctl_json_kstr(c->out, "sha256", hex);
			fputc('}', c->out);
		} else {
			fprintf(c->out, "%-8u %-6u %-20s %-10zu %s\n", r->round, r->round,
				ctl_fmt_time(r->finished_ms, t, sizeof(t)), len, hex);
		}
		n++;
	}
	if (c->json && rc == 0)
		fprintf(c->out, "]}\n");
	if (rc == 0 && n == 0 && !c->json)
		fprintf(c->out, "(no model yet: the statistics round makes version 0)\n");
	fl_msg_job_status_clear(&st);
	return rc;
}

const ctl_cmd ctl_round_cmds[] = {
	{ "show", round_show, "JOB ROUND",
	  "Show each attempt of a round: kind, state, selected sites and "
	  "survivors (by name), start, end and duration, the training loss and "
	  "the evaluation of the model that entered it, which rule closed "
	  "each secure-aggregation phase (all answered, grace after enough "
	  "answers, deadline) and how long each phase took, from the job's "
	  "events (--json: phase_s, null where unknown). Round 0 is the "
	  "statistics round. Exit 4 if the job has no such round yet." },
};
const size_t ctl_round_ncmds = sizeof(ctl_round_cmds) / sizeof(ctl_round_cmds[0]);
