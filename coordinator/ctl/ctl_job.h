/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job: helpers shared by fedctl's job commands (ctl_job.c and
 * ctl_job_watch.c). */
#ifndef CTL_JOB_H
#define CTL_JOB_H

#include "ctl.h"

/* Parses a job id; prints a message and returns CTL_EXIT_USAGE if bad. */
int ctl_job_parse_id(ctl_ctx *c, const char *s, uint64_t *id);
/* ctl_job_logs.c: fedctl job logs ID [--follow]. */
int ctl_job_logs(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* GetJob; on success *out is filled (fl_msg_job_status_clear). Exit code. */
int ctl_job_get(ctl_ctx *c, uint64_t id, fl_msg_job_status *out, const char *what);
void ctl_job_status_json(FILE *f, const fl_msg_job_status *st);
int ctl_job_watch(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);

/* ctl_decline.c: the sites' declines. The table under job status (nothing
 * when none); the lines of one attempt (and the job-wide inferred ones of
 * its round) under round show; the "declines":[...] member for --json
 * (only round's when has_round). */
void ctl_declines_table(FILE *f, const fl_msg_job_status *st);
void ctl_declines_attempt(FILE *f, const fl_msg_job_status *st,
			  const fl_msg_round_info *r);
void ctl_json_declines(FILE *f, const fl_msg_job_status *st, bool has_round,
		       uint32_t round);

#endif
