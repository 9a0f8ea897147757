/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job: helpers shared by fedctl's job commands (ctl_job_get.c,
 * ctl_job_json.c) and the job subcommands' entry points. */
#ifndef CTL_JOB_H
#define CTL_JOB_H

#include "ctl.h"

/* ctl_job_get.c: parses a job id; prints a message and returns
 * CTL_EXIT_USAGE if bad. */
int ctl_job_parse_id(ctl_ctx *c, const char *s, uint64_t *id);
/* ctl_job_get.c: a command of group whose one positional is a job id:
 * ctl_args_parse with opts, then ctl_job_parse_id. Returns 0,
 * CTL_HELP_SHOWN or an exit code (message printed). */
int ctl_job_args(ctl_ctx *c, const char *group, const ctl_cmd *self, int argc,
		 char **argv, const ctl_opt *opts, size_t nopts, uint64_t *id);
/* ctl_job_logs.c: fedctl job logs ID [--follow]. */
int ctl_job_logs(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* One GetJobEvents call: the events of job id after *after (at most
 * FL_EVENTS_MAX_LIST; out cleared with fl_msg_event_list_clear); *after
 * moves to the last one. Exit code, after printing "fedctl: WHAT: ...". */
struct fl_msg_event_list;
int ctl_job_events_fetch(ctl_ctx *c, uint64_t id, uint64_t *after,
			 struct fl_msg_event_list *out, const char *what);
/* All the events of job id, page after page, into *all
 * (fl_msg_event_list_clear). Exit code, after printing "fedctl: WHAT: ...". */
int ctl_job_events_all(ctl_ctx *c, uint64_t id, struct fl_msg_event_list *all,
		       const char *what);
/* ctl_report.c: fedctl job report ID [-o FILE] [--format html|svg]. */
int ctl_job_report(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* ctl_job_get.c: GetJob; on success *out is filled
 * (fl_msg_job_status_clear). Exit code. */
int ctl_job_get(ctl_ctx *c, uint64_t id, fl_msg_job_status *out, const char *what);
/* ctl_job_json.c: the job's status as one JSON object and a newline. */
void ctl_job_status_json(FILE *f, const fl_msg_job_status *st);
/* ctl_job_init.c: fedctl job init. */
int ctl_job_init(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* ctl_job_schema.c: job submit --schema PATH. Checks that the label and the
 * features of spec (parsed from *text) are columns of the schema CSV's
 * header; if spec->features_all, replaces the '[job] features = all' line
 * of *text (*len bytes, malloc'd, replaced) with the header's columns but
 * the label, in header order. Exit code, after printing what is wrong. */
struct fl_jobspec;
int ctl_spec_schema(ctl_ctx *c, const char *path, const struct fl_jobspec *spec,
		    char **text, size_t *len);
/* ctl_job_privacy.c: the summary line of a [privacy] job (nothing
 * without), its JSON member (",\"privacy\":{...}", nothing without) and
 * 'fedctl job privacy ID'. */
void ctl_job_privacy_line(FILE *f, const fl_msg_job_privacy *p);
void ctl_job_privacy_json(FILE *f, const fl_msg_job_privacy *p);
int ctl_job_privacy(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
int ctl_job_watch(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* job watch's progress bar: "\r", erase the line, "[####....] 7/20 rounds
 * ETA 1m05s" (ETA - when eta_s is NaN), no newline. */
void ctl_watch_bar(FILE *f, uint32_t done, uint32_t total, double eta_s);
/* Seconds left: the mean time a training round took so far (gaps
 * included) times the rounds left plus the final evaluation; NaN before
 * the first training round is done. */
double ctl_watch_eta(const fl_msg_job_status *st);

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
