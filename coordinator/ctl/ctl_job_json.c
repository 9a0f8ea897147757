/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_json: 'fedctl job status --json' and 'job watch --json': a job's
 * status as one JSON object. */
#include <stdio.h>

#include "ctl.h"
#include "ctl_job.h"

void ctl_job_status_json(FILE *f, const fl_msg_job_status *st)
{
	size_t i;

	fputs("{\"job\":", f);
	ctl_json_job_info(f, &st->job);
	fputs(",\"rounds\":[", f);
	for (i = 0; i < st->nrounds; i++) {
		if (i)
			fputc(',', f);
		ctl_json_round_info(f, &st->rounds[i]);
	}
	fputs("],", f);
	ctl_json_declines(f, st, false, 0);
	ctl_job_privacy_json(f, &st->privacy);
	fputs("}\n", f);
}
