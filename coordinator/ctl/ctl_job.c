/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job: fedctl job submit, list, status, abort (watch is ctl_job_watch.c),
 * and the table of the job subcommands; the helpers they share are in
 * ctl_job_get.c and ctl_job_json.c. */
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_spec_sig.h"

static void job_summary(FILE *f, const fl_msg_job_info *j)
{
	char t1[32], t2[32], a[16], b[16], d[16];

	fprintf(f, "job %llu '%s': %s\n", (unsigned long long)j->job_id, j->name,
		j->state);
	fprintf(f, "  dataset %s, model %s, rounds %u/%u\n", j->dataset, j->model,
		j->rounds_done, j->rounds_total);
	fprintf(f, "  submitted by %s at %s UTC, updated %s UTC\n",
		j->submitted_by[0] ? j->submitted_by : "-",
		ctl_fmt_time(j->created_ms, t1, sizeof(t1)),
		ctl_fmt_time(j->updated_ms, t2, sizeof(t2)));
	if (j->metrics.present && ctl_metrics_is_regression(&j->metrics, j->model))
		fprintf(f, "  latest evaluation on %.0f test rows: R^2 %s, loss %s\n",
			j->metrics.n, ctl_fmt_num(j->metrics.r2, true, a, sizeof(a)),
			ctl_fmt_num(j->metrics.loss, true, d, sizeof(d)));
	else if (j->metrics.present)
		fprintf(f, "  latest evaluation on %.0f test rows: accuracy %s, "
			"macro-F1 %s, loss %s\n", j->metrics.n,
			ctl_fmt_num(j->metrics.accuracy, true, a, sizeof(a)),
			ctl_fmt_num(j->metrics.macro_f1, true, b, sizeof(b)),
			ctl_fmt_num(j->metrics.loss, true, d, sizeof(d)));
	if (j->error[0])
		fprintf(f, "  error: %s\n", j->error);
}

/* Parses sub->spec (len bytes) for a quick local message; the server
 * checks again. Exit code. */
static int submit_check(ctl_ctx *c, const char *path, const char *spec, size_t len,
			fl_jobspec *out)
{
	char msg[FL_ERRMSG_BYTES] = "";
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = fl_jobspec_parse(spec, len, out, msg)) != 0) {
		fprintf(c->err, "fedctl: job submit: %s: %s\nhint: fix the spec and "
			"submit again\n", path, msg[0] ? msg : fl_strerror(r));
		return CTL_EXIT_INVALID;
	}
	return 0;
}

/* Reads the spec and, with --schema, resolves 'features = all' and checks
 * the column names against the schema's header. Exit code. */
static int submit_load(ctl_ctx *c, const char *path, const char *schema,
		       fl_msg_job_submit *sub)
{
	fl_jobspec spec;
	size_t len = 0;
	int r, rc;

	if ((r = fl_file_read(path, FL_MSG_SPEC_MAX, &sub->spec, &len)) != 0) {
		if (r == FL_E_TOOBIG)
			fprintf(c->err, "fedctl: job submit: %s is larger than a spec may "
				"be (%u bytes)\n", path, FL_MSG_SPEC_MAX);
		else
			fprintf(c->err, "fedctl: job submit: cannot read %s: %s\n", path,
				fl_strerror(r));
		return r == FL_E_TOOBIG ? CTL_EXIT_INVALID : CTL_EXIT_USAGE;
	}
	if ((rc = submit_check(c, path, sub->spec, len, &spec)) != 0)
		return rc;
	if (spec.features_all && schema == NULL) {
		fprintf(c->err, "fedctl: job submit: %s says 'features = all': give the "
			"consortium's schema (a CSV whose header names the columns) "
			"with --schema FILE\n", path);
		rc = CTL_EXIT_USAGE;
	} else if (schema != NULL) {
		rc = ctl_spec_schema(c, schema, &spec, &sub->spec, &len);
		if (rc == 0 && spec.features_all) {
			fl_jobspec_clear(&spec);
			rc = submit_check(c, path, sub->spec, len, &spec);
		}
	}
	fl_jobspec_clear(&spec);
	return rc;
}

static int job_submit(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *schema = NULL;
	const ctl_opt opts[] = { { "--schema", NULL, &schema, NULL } };
	fl_msg_job_submit sub;
	fl_msg_job_info info;
	int rc;

	memset(&sub, 0, sizeof(sub));
	if ((rc = ctl_args_parse(c, "job", self, argc, argv, opts, 1, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = submit_load(c, pos[0], schema, &sub)) != 0 ||
	    (rc = ctl_job_submit_signed(c, "job submit", &sub, &info)) != 0)
		goto out;
	if (c->json) {
		ctl_json_job_info(c->out, &info);
		fputc('\n', c->out);
	} else {
		fprintf(c->out, "%llu\n", (unsigned long long)info.job_id);
	}
out:
	fl_msg_job_submit_clear(&sub);
	return rc;
}

static int job_list(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_list list;
	size_t i;
	int rc;

	if ((rc = ctl_args_parse(c, "job", self, argc, argv, NULL, 0, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_rpc(c, "job list", FL_RPC_CTL_LIST_JOBS, &ctl_msg_empty, NULL,
			  &ctl_msg_job_list, &list)) != 0)
		return rc;
	if (c->json) {
		fputs("{\"jobs\":[", c->out);
		for (i = 0; i < list.n; i++) {
			if (i)
				fputc(',', c->out);
			ctl_json_job_info(c->out, &list.jobs[i]);
		}
		fputs("]}\n", c->out);
	} else {
		fprintf(c->out, "%-5s %-24s %-8s %-16s %-8s %-7s %s\n", "ID", "NAME",
			"STATE", "DATASET", "MODEL", "ROUNDS", "ACCURACY");
		for (i = 0; i < list.n; i++) {
			const fl_msg_job_info *j = &list.jobs[i];
			char rounds[24], a[16];

			snprintf(rounds, sizeof(rounds), "%u/%u", j->rounds_done, j->rounds_total);
			fprintf(c->out, "%-5llu %-24s %-8s %-16s %-8s %-7s %s\n",
				(unsigned long long)j->job_id, j->name, j->state, j->dataset,
				j->model, rounds, ctl_fmt_num(j->metrics.accuracy,
							       j->metrics.present, a, sizeof(a)));
		}
		if (list.n == 0)
			fprintf(c->out, "(no jobs)\n");
	}
	fl_msg_job_list_clear(&list);
	return 0;
}

static void rounds_table(FILE *f, const fl_msg_job_status *st)
{
	size_t i;

	fprintf(f, "\n%-6s %-4s %-6s %-8s %-6s %-10s %-8s %-8s %-8s %s\n", "ROUND",
		"ATT", "KIND", "STATE", "SITES", "TRAIN_LOSS", "ACC", "F1", "LOSS", "TIME");
	for (i = 0; i < st->nrounds; i++) {
		const fl_msg_round_info *r = &st->rounds[i];
		char sites[24], tl[16], a[16], b[16], d[16], secs[16];

		snprintf(sites, sizeof(sites), "%u/%u", r->survived, r->selected);
		if (r->finished_ms > r->started_ms)
			snprintf(secs, sizeof(secs), "%.2fs",
				 (double)(r->finished_ms - r->started_ms) / 1000.0);
		else
			snprintf(secs, sizeof(secs), "-");
		fprintf(f, "%-6u %-4u %-6s %-8s %-6s %-10s %-8s %-8s %-8s %s\n", r->round,
			r->attempt, r->kind, r->state, sites,
			ctl_fmt_num(r->train_loss, strcmp(r->kind, "train") == 0, tl, sizeof(tl)),
			ctl_fmt_num(r->eval.accuracy, r->eval.present, a, sizeof(a)),
			ctl_fmt_num(r->eval.macro_f1, r->eval.present, b, sizeof(b)),
			ctl_fmt_num(r->eval.loss, r->eval.present, d, sizeof(d)), secs);
	}
	if (st->nrounds == 0)
		fprintf(f, "(no rounds yet)\n");
}

static int job_status(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_site_metrics_list sm;
	fl_msg_job_status st;
	uint64_t id;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, NULL, 0, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_job_get(c, id, &st, "job status")) != 0)
		return rc;
	ctl_site_metrics_get(c, id, &sm);   /* opted-in sites' own figures */
	if (c->json) {
		ctl_job_status_json_sites(c->out, &st, &sm);
	} else {
		job_summary(c->out, &st.job);
		ctl_job_privacy_line(c->out, &st.privacy);
		rounds_table(c->out, &st);
		ctl_declines_table(c->out, &st);
		ctl_site_metrics_table(c->out, &sm);
	}
	fl_msg_site_metrics_list_clear(&sm);
	fl_msg_job_status_clear(&st);
	return 0;
}

static int job_abort(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_ref ref;
	fl_msg_job_info info;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, NULL, 0, &ref.job_id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_rpc(c, "job abort", FL_RPC_CTL_ABORT_JOB, &ctl_msg_job_ref, &ref,
			  &ctl_msg_job_info, &info)) != 0)
		return rc;
	if (c->json) {
		ctl_json_job_info(c->out, &info);
		fputc('\n', c->out);
	} else {
		fprintf(c->out, "job %llu '%s': %s after %u/%u rounds\n",
			(unsigned long long)info.job_id, info.name, info.state,
			info.rounds_done, info.rounds_total);
	}
	return 0;
}

const ctl_cmd ctl_job_cmds[] = {
	{ "init", ctl_job_init, "--csv FILE --label COL --model linear|logistic|"
	  "softmax|mlp [--dataset NAME] [--name NAME] [--min-clients N] "
	  "[--features-all] [-o SPEC]",
	  "Write a complete, commented job spec from a sample of the data (read "
	  "here, nothing is sent): the numeric columns become the features (the "
	  "others are left out, named in a comment), the label's classes or a "
	  "regression (linear; mlp on a number with more than 20 distinct values "
	  "or fractions), and defaults for that model: hidden layers, lr, rounds, "
	  "min_clients 3, class_weights = balanced for uneven classes, split = "
	  "stratified for classes. --dataset defaults to the file's name without "
	  ".csv; --features-all writes 'features = all' (submit it with --schema). "
	  "Prints the spec, or writes SPEC; a summary goes to standard error. "
	  "Exit 6 for a CSV or label that does not fit the model." },
	{ "submit", job_submit, "SPEC_FILE [--schema CSV]",
	  "Submit a job spec (INI), signed with your operator key for the sites "
	  "to check; prints the new job id (--json: the JobInfo). --schema CSV "
	  "(the consortium's agreed header; only its header counts) replaces "
	  "'features = all' with every column of the header but the label, in "
	  "header order, before signing, and checks that the label and features "
	  "are columns of it." },
	{ "list", job_list, "", "List the jobs with their state and progress." },
	{ "status", job_status, "ID", "Show a job, a table of its rounds and the sites that "
	  "declined it, with their reasons." },
	{ "watch", ctl_job_watch, "ID [--interval MS]",
	  "Print a line per finished round until the job ends; exit 0 when it is "
	  "done, 1 if it failed or was aborted. Each line has the sites that "
	  "survived, the training loss and the evaluation of the model that "
	  "entered the round: accuracy and macro-F1, or R^2 for a regression; the "
	  "statistics and evaluation rounds are named 'stats' and 'eval'. On a "
	  "terminal a progress bar with an ETA (from the mean round time so far) "
	  "is redrawn below the lines; elsewhere (a pipe, a file, --json) only "
	  "the lines are printed." },
	{ "logs", ctl_job_logs, "ID [--follow]",
	  "Print a job's events. Rounds started, phases closed, sites dropped, "
	  "attempts failed, models committed and state changes; --follow prints new "
	  "ones as they happen and ends when the job ends (--json: one object a line)." },
	{ "abort", job_abort, "ID", "Abort a pending or running job." },
	{ "privacy", ctl_job_privacy, "ID",
	  "Show a [privacy] job's epsilon: the noise multiplier, rho per round, "
	  "the epsilon of its noisy attempts so far and of its plan, with the "
	  "arithmetic (the coordinator's plan; each site enforces its own "
	  "budget, [policy] max_epsilon)." },
	{ "report", ctl_job_report, "ID [-o FILE] [--format html|svg] [--spec FILE]",
	  "Write a job's training report. One self-contained HTML file (inline CSS "
	  "and SVG, no scripts, nothing fetched from anywhere): the curves per "
	  "round (train and test loss; accuracy and macro-F1, or R^2 for a "
	  "regression, from the secure evaluation of each round's model), the "
	  "sites selected, survived and dropped per round, round and "
	  "secure-aggregation phase durations with the rule that closed each "
	  "phase, the final metrics, the model's SHA-256 and the job's ledger head. "
	  "-o FILE (default: standard output); --format svg writes the curves alone "
	  "as one SVG file; --spec FILE adds the job spec's text, refused (exit 6) "
	  "unless its SHA-256 is the one the ledger records. Exit 4 for an unknown "
	  "job, 7 if FILE cannot be written." },
	{ "stats", ctl_job_stats, "ID",
	  "Print the consortium-wide statistics of a job's STATS round: rows, sites, "
	  "per-feature mean and standard deviation, label histogram (training jobs "
	  "too; --json: one object). With [privacy] bounds and max_rows the "
	  "figures are noisy: it shows the noise's sigma and epsilon, rounds to "
	  "what the noise leaves, shows negative noisy counts as 0 and (--json) "
	  "gives the noisy sums as summed (noise.noisy_sums)." },
};
const size_t ctl_job_ncmds = sizeof(ctl_job_cmds) / sizeof(ctl_job_cmds[0]);
