/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_decline: the sites' declines of a job (JobStatus.declines), as the
 * table under 'fedctl job status', the lines under each attempt of
 * 'fedctl round show' and their --json lists. */
#include <stdio.h>

#include "ctl_job.h"

/* A decline the coordinator inferred (a site online without the job's
 * dataset) has attempt 0: it is about the job, not one attempt. */
static void decline_when(const fl_msg_decline *d, char *buf, size_t cap)
{
	if (d->attempt == 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%u/%u", d->round, d->attempt);
}

void ctl_declines_table(FILE *f, const fl_msg_job_status *st)
{
	char when[32];

	if (st->ndeclines == 0)
		return;
	fprintf(f, "\nsites that declined (names and counts only):\n%-20s %-9s "
		"%-17s %s\n", "SITE", "ROUND/ATT", "REASON", "WHY");
	for (size_t i = 0; i < st->ndeclines; i++) {
		const fl_msg_decline *d = &st->declines[i];

		decline_when(d, when, sizeof(when));
		fprintf(f, "%-20s %-9s %-17s %s\n", d->site, when,
			fl_decline_reason_name(d->reason), d->text);
	}
}

void ctl_declines_attempt(FILE *f, const fl_msg_job_status *st,
			  const fl_msg_round_info *r)
{
	for (size_t i = 0; i < st->ndeclines; i++) {
		const fl_msg_decline *d = &st->declines[i];

		if (d->round != r->round || (d->attempt != r->attempt && d->attempt != 0))
			continue;
		fprintf(f, "  declined: %s: %s: %s\n", d->site,
			fl_decline_reason_name(d->reason), d->text);
	}
}

void ctl_json_declines(FILE *f, const fl_msg_job_status *st, bool has_round,
		       uint32_t round)
{
	bool first = true;

	fputs("\"declines\":[", f);
	for (size_t i = 0; i < st->ndeclines; i++) {
		const fl_msg_decline *d = &st->declines[i];

		if (has_round && d->round != round)
			continue;
		fprintf(f, "%s{\"site\":", first ? "" : ",");
		ctl_json_str(f, d->site);
		fprintf(f, ",\"round\":%u,\"attempt\":%u,\"reason\":", d->round,
			d->attempt);
		ctl_json_str(f, fl_decline_reason_name(d->reason));
		ctl_json_kstr(f, "text", d->text);
		fprintf(f, ",\"at_ms\":%lld}", (long long)d->at_ms);
		first = false;
	}
	fputc(']', f);
}
