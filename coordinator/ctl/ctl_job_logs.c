/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_logs: fedctl job logs ID [--follow], a job's events. */
#include <inttypes.h>
#include <string.h>

#include "ctl_job.h"
#include "fl_codec_events.h"
#include "fl_util.h"

#define LOGS_FOLLOW_MS 500u
/* Polls after the job's state turned final without its job_state event
 * (a job that ended before events were kept) before --follow gives up. */
#define LOGS_FINAL_POLLS 6

static bool logs_ended(const char *state)
{
	return strcmp(state, "done") == 0 || strcmp(state, "failed") == 0 ||
		strcmp(state, "aborted") == 0;
}

int ctl_job_events_fetch(ctl_ctx *c, uint64_t id, uint64_t *after,
			 fl_msg_event_list *out, const char *what)
{
	fl_msg_event_req req = { id, *after };
	int rc;

	rc = ctl_rpc(c, what, FL_RPC_CTL_GET_JOB_EVENTS, &ctl_msg_event_req, &req,
		     &ctl_msg_event_list, out);
	if (rc == 0 && out->n)
		*after = out->events[out->n - 1].id;
	return rc;
}

static void logs_print(ctl_ctx *c, const fl_msg_job_event *e)
{
	char t[32];

	if (c->json) {
		fprintf(c->out, "{\"id\":%" PRIu64 ",\"ts_ms\":%" PRId64 ",\"round\":%u,"
			"\"attempt\":%u,\"kind\":", e->id, e->ts_ms, e->round, e->attempt);
		ctl_json_str(c->out, e->kind);
		ctl_json_kstr(c->out, "site", e->site);
		ctl_json_kstr(c->out, "text", e->text);
		fputs("}\n", c->out);
		return;
	}
	fprintf(c->out, "%s ", ctl_fmt_time(e->ts_ms, t, sizeof(t)));
	if (e->round || e->attempt)
		fprintf(c->out, "round %u.%u ", e->round, e->attempt);
	fprintf(c->out, "%s", e->kind);
	if (e->site[0])
		fprintf(c->out, " [%s]", e->site);
	fprintf(c->out, ": %s\n", e->text);
}

/* True if e is the event of the job's end (the engine writes it just
 * after the final state, so the state can be seen a moment before it). */
static bool logs_final_event(const fl_msg_job_event *e)
{
	static const char *const ends[] = { "done", "failed", "aborted" };

	if (strcmp(e->kind, "job_state") != 0)
		return false;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(ends[i]);

		if (strncmp(e->text, ends[i], n) == 0 &&
		    (e->text[n] == '\0' || e->text[n] == ':'))
			return true;
	}
	return false;
}

int ctl_job_logs(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	bool follow = false;
	const ctl_opt opts[] = { { "--follow", "-f", NULL, &follow } };
	fl_msg_event_list l;
	uint64_t id, after = 0;
	bool more, final_seen = false;
	int rc, final_polls = 0;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, opts, 1, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	for (;;) {
		memset(&l, 0, sizeof(l));
		if ((rc = ctl_job_events_fetch(c, id, &after, &l, "job logs")) != 0)
			return rc;
		for (size_t i = 0; i < l.n; i++) {
			logs_print(c, &l.events[i]);
			final_seen |= logs_final_event(&l.events[i]);
		}
		fflush(c->out);
		/* A full page: more are waiting. --follow ends once the job's
		 * state is final and the event of its end has been printed. */
		more = l.n == FL_EVENTS_MAX_LIST;
		if (logs_ended(l.job_state))
			final_polls++;
		if (!more && (!follow || (logs_ended(l.job_state) &&
					  (final_seen || final_polls > LOGS_FINAL_POLLS)))) {
			fl_msg_event_list_clear(&l);
			return CTL_EXIT_OK;
		}
		fl_msg_event_list_clear(&l);
		if (!more)
			fl_sleep_ms(LOGS_FOLLOW_MS);
	}
}
