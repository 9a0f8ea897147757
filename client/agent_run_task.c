/* SPDX-License-Identifier: Apache-2.0 */
/* agent_run_task: one task from the coordinator, from data to upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_update.h"

static const char *task_name(enum fl_task_kind k)
{
	switch (k) {
	case FL_TASK_STATS: return "stats";
	case FL_TASK_TRAIN: return "train";
	case FL_TASK_EVAL: return "eval";
	case FL_TASK_NONE: break;
	}
	return "none";
}

static bool is_net_err(int r)
{
	return r == FL_E_NET || r == FL_E_TIMEOUT;
}

static uint32_t call_timeout(const fl_msg_task *t)
{
	return t->deadline_ms > AGENT_MIN_CALL_TIMEOUT_MS ? t->deadline_ms :
		AGENT_MIN_CALL_TIMEOUT_MS;
}

/* Downloads the model that entered this round and checks it fits the data. */
static int fetch_global(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
			const fl_dataset *ds, fl_model **out)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_rpc_status st;
	fl_model *m = NULL;
	int r;

	if (t->round == 0) {
		fl_error("job %llu round 0 %s: no model precedes round 0; skipping",
			 (unsigned long long)t->job_id, task_name(t->kind));
		return FL_E_ROUND;
	}
	r = fl_agent_model_fetch(a->ch, t->job_id, t->round - 1, call_timeout(t),
				 &m, &st, msg);
	if (r != 0) {
		fl_log(is_net_err(r) ? FL_LOG_WARN : FL_LOG_ERROR,
		       "job %llu round %u %s: cannot get model version %u: %s",
		       (unsigned long long)t->job_id, t->round, task_name(t->kind),
		       t->round - 1, msg);
		return r;
	}
	if ((r = fl_agent_model_check(spec, m, ds, msg)) != 0) {
		fl_error("job %llu round %u %s: %s; skipping", (unsigned long long)t->job_id,
			 t->round, task_name(t->kind), msg);
		fl_model_free(m);
		return r;
	}
	*out = m;
	return 0;
}

/* Computes the task's vector; *what gets the task's part of the log line. */
static int build_vec(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		     const fl_dataset *train, const fl_dataset *test,
		     double **vec, size_t *n, char *what, size_t whatlen)
{
	fl_agent_train_info info;
	fl_metrics mt;
	fl_model *global = NULL;
	int r;

	switch (t->kind) {
	case FL_TASK_STATS:
		if ((r = fl_agent_stats_vec(train, vec, n)) == 0)
			snprintf(what, whatlen, "%zu rows", train->n);
		return r;
	case FL_TASK_TRAIN:
		if ((r = fetch_global(a, t, spec, train, &global)) != 0)
			return r;
		r = fl_agent_train_vec(spec, t->job_id, t->round, global, train,
				       test, vec, n, &info);
		if (r == 0)
			snprintf(what, whatlen, "%zu rows, local loss %.3f", train->n,
				 info.local_loss);
		break;
	case FL_TASK_EVAL:
		if ((r = fetch_global(a, t, spec, test, &global)) != 0)
			return r;
		r = fl_agent_eval_vec(global, test, vec, n, &mt);
		if (r == 0 && global->kind == FL_MODEL_LINEAR)
			snprintf(what, whatlen, "%zu test rows, loss %.4g", test->n,
				 fl_metrics_loss(&mt));
		else if (r == 0)
			snprintf(what, whatlen, "%zu test rows, accuracy %.4f", test->n,
				 fl_metrics_accuracy(&mt));
		break;
	case FL_TASK_NONE:
	default:
		return FL_E_INVAL;
	}
	if (r != 0 && !is_net_err(r))
		fl_error("job %llu round %u %s: %s; skipping", (unsigned long long)t->job_id,
			 t->round, task_name(t->kind), fl_strerror(r));
	fl_model_free(global);
	return r;
}

static int upload(fl_agent *a, const fl_msg_task *t, const double *vec, size_t n,
		  const char *what)
{
	fl_msg_update_header h;
	fl_rpc_status st;
	int r;

	memset(&h, 0, sizeof(h));
	h.job_id = t->job_id;
	h.round = t->round;
	h.attempt = t->attempt;
	h.kind = t->kind;
	h.encoding = FL_ENC_F64;
	h.words = n;
	r = fl_agent_upload(a->ch, &h, vec, n, call_timeout(t), &st);
	if (r == 0) {
		fl_info("job %llu round %u %s: %s, uploaded %zu words",
			(unsigned long long)t->job_id, t->round, task_name(t->kind),
			what, n);
		return 0;
	}
	fl_log(is_net_err(r) ? FL_LOG_WARN : FL_LOG_ERROR,
	       "job %llu round %u %s: upload refused: %s (%s)",
	       (unsigned long long)t->job_id, t->round, task_name(t->kind),
	       st.detail[0] ? st.detail : "no detail", fl_strerror(r));
	return r;
}

/* Parses the spec and finds the site's data for it; logs why not. */
static int task_data(fl_agent *a, const fl_msg_task *t, fl_jobspec *spec,
		     const fl_dataset **train, const fl_dataset **test)
{
	char msg[FL_ERRMSG_BYTES] = "";
	const char *path;
	int r, fresh = 0;

	if (!t->spec) {
		fl_error("job %llu round %u: the task carries no job spec; skipping",
			 (unsigned long long)t->job_id, t->round);
		return FL_E_SPEC;
	}
	if ((r = fl_jobspec_parse(t->spec, strlen(t->spec), spec, msg)) != 0) {
		fl_error("job %llu: bad job spec: %s; skipping",
			 (unsigned long long)t->job_id, msg);
		return r;
	}
	if ((path = fl_agent_config_dataset(&a->cfg, spec->dataset)) == NULL) {
		fl_warn("job %llu: this site holds no dataset '%s' (see [data] in the "
			"config); skipping", (unsigned long long)t->job_id, spec->dataset);
		return FL_E_NOTFOUND;
	}
	r = fl_agent_cache_get(&a->cache, t->job_id, spec, path, train, test,
			       &fresh, msg);
	if (r != 0) {
		fl_error("job %llu: cannot load dataset '%s': %s; skipping",
			 (unsigned long long)t->job_id, spec->dataset, msg);
		return r;
	}
	if (fresh)
		fl_info("job %llu: loaded dataset '%s' from %s: %zu training rows, "
			"%zu test rows, %u features", (unsigned long long)t->job_id,
			spec->dataset, path, (*train)->n, (*test)->n, (*train)->d);
	return 0;
}

int agent_task_run(fl_agent *a, const fl_msg_task *t)
{
	char what[160] = "";
	const fl_dataset *train = NULL, *test = NULL;
	fl_jobspec spec;
	double *vec = NULL;
	size_t n = 0;
	int r;

	memset(&spec, 0, sizeof(spec));
	if (fl_agent_done_has(&a->done, t->job_id, t->round, t->attempt)) {
		fl_debug("job %llu round %u attempt %u: already done",
			 (unsigned long long)t->job_id, t->round, t->attempt);
		return 0;
	}
	if ((r = task_data(a, t, &spec, &train, &test)) != 0 ||
	    (r = build_vec(a, t, &spec, train, test, &vec, &n, what, sizeof(what))) != 0 ||
	    (r = upload(a, t, vec, n, what)) != 0)
		goto out;
out:
	/* Anything but a network failure would fail the same way again in this
	 * attempt: remember the task so it is neither redone nor resent. */
	if (!is_net_err(r))
		fl_agent_done_add(&a->done, t->job_id, t->round, t->attempt);
	free(vec);
	fl_jobspec_clear(&spec);
	return r;
}
