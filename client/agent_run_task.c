/* SPDX-License-Identifier: Apache-2.0 */
/* agent_run_task: a task's input phase, from data to the masked upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_channel.h"
#include "agent_dp.h"
#include "agent_int.h"
#include "agent_metrics.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_train.h"
#include "fl_update.h"
#include "fl_wipe.h"

/* Downloads the model that entered this round and checks it fits the data. */
static int fetch_global(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
			const fl_dataset *ds, fl_model **out,
			uint8_t sha[static crypto_hash_sha256_BYTES])
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_rpc_status st;
	fl_model *m = NULL;
	int64_t t0 = fl_mono_ms();
	int r;

	if (t->round == 0) {
		fl_error("job %llu round 0 %s: no model precedes round 0; skipping",
			 (unsigned long long)t->job_id, fl_agent_task_name(t->kind));
		return FL_E_ROUND;
	}
	r = fl_agent_model_fetch_sha(a->ch, t->job_id, t->round - 1,
				     agent_call_timeout(t), &m, sha, &st, msg);
	fl_debug("job %llu round %u: model version %u downloaded in %lld ms",
		 (unsigned long long)t->job_id, t->round, t->round - 1,
		 (long long)(fl_mono_ms() - t0));
	if (r != 0) {
		fl_log(agent_is_net_err(r) ? FL_LOG_WARN : FL_LOG_ERROR,
		       "job %llu round %u %s: cannot get model version %u: %s",
		       (unsigned long long)t->job_id, t->round,
		       fl_agent_task_name(t->kind), t->round - 1, msg);
		return r;
	}
	if ((r = fl_agent_model_check(spec, m, ds, msg)) != 0) {
		fl_error("job %llu round %u %s: %s; skipping", (unsigned long long)t->job_id,
			 t->round, fl_agent_task_name(t->kind), msg);
		fl_model_free(m);
		return r;
	}
	*out = m;
	return 0;
}

/* Notes in rec the version and SHA-256 of the global model used: h, the
 * digest of its native encoding, i.e. of the blob the coordinator stored
 * (decode then encode gives the same bytes) and put in the round ledger. */
static int note_model(const fl_msg_task *t, const fl_model *m,
		      const uint8_t h[static crypto_hash_sha256_BYTES],
		      fl_agent_record *rec)
{
	/* R2: train only on the model whose digest every site signed */
	if (!t->sa.has_model ||
	    sodium_memcmp(h, t->sa.model_sha256, crypto_hash_sha256_BYTES) != 0) {
		fl_warn("refused job %llu round %u attempt %u (%s input): R2: the "
			"model the coordinator serves is not the one in the round "
			"context that every site signed", (unsigned long long)t->job_id,
			t->round, t->attempt, fl_agent_task_name(t->kind));
		agent_metrics_refused("R2");
		return FL_E_CONTEXT;
	}
	sodium_bin2hex(rec->model_sha256, sizeof(rec->model_sha256), h,
		       crypto_hash_sha256_BYTES);
	rec->model_version = m->version;
	rec->has_model = true;
	return 0;
}

/* Computes the task's vector; *what gets the task's part of the log line;
 * rec gets the model used (note_model). */
static int build_vec(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		     const fl_dataset *train, const fl_dataset *test,
		     double **vec, size_t *n, char *what, size_t whatlen,
		     fl_agent_record *rec, fl_metrics *own)
{
	fl_agent_train_info info;
	fl_metrics mt;
	fl_model *global = NULL;
	uint8_t h[crypto_hash_sha256_BYTES];
	int r;

	switch (t->kind) {
	case FL_TASK_STATS:
		if ((r = fl_agent_stats_vec(train, vec, n)) == 0)
			snprintf(what, whatlen, "%zu rows", train->n);
		return r;
	case FL_TASK_TRAIN:
		/* R7: N, the consortium's training rows, is at least ours; a
		 * smaller weight scale would inflate this site's update */
		if (!spec->dp && !(t->sa.weight_scale >= (double)train->n)) {
			fl_warn("refused job %llu round %u attempt %u (train input): R7: "
				"the weight scale %g is below this site's %zu training "
				"rows", (unsigned long long)t->job_id, t->round,
				t->attempt, t->sa.weight_scale, train->n);
			agent_metrics_refused("R7");
			return FL_E_UNSAFE;
		}
		if ((r = fetch_global(a, t, spec, train, &global, h)) != 0)
			return r;
		if ((r = note_model(t, global, h, rec)) != 0)
			break;
		{
			fl_external_cfg ext;
			char xerr[FL_ERRMSG_BYTES] = "";
			bool use_ext = a->cfg.trainer_program[0] &&
				(a->cfg.trainer_models &
				 FL_POLICY_MODEL_BIT(global->kind)) != 0;

			ext.program = a->cfg.trainer_program;
			ext.workroot = a->ext_root;
			ext.timeout_s = a->cfg.trainer_timeout_s;
			r = fl_agent_train_vec_ext(spec, t->job_id, t->round, global,
						   train, test, use_ext ? &ext : NULL,
						   vec, n, &info, xerr);
			if (r != 0 && xerr[0])
				fl_error("job %llu round %u: %s trainer: %s",
					 (unsigned long long)t->job_id, t->round,
					 use_ext ? "external" : "built-in", xerr);
			if (r == FL_E_DIVERGED)
				(void)agent_decline(a, t, FL_DECLINE_DIVERGED, "the "
						    "local training loss %s at lr %g; "
						    "lower [train] lr", xerr[0] &&
						    strstr(xerr, "finite") ? "was not "
						    "finite" : "exploded",
						    fl_lr_at(spec, t->round));
			else if (r != 0 && r != FL_E_NOMEM && !agent_is_net_err(r))
				(void)agent_decline(a, t, FL_DECLINE_TRAINER, "the %s "
						    "trainer failed: %s", use_ext ?
						    "external" : "built-in",
						    fl_strerror(r));
			if (r == 0)
				*own = info.eval;   /* the incoming global model */
			if (r == 0)
				snprintf(what, whatlen, "%.0f rows%s, local loss %.3f",
					 info.n_train, use_ext ? " (external trainer)" : "",
					 info.local_loss);
		}
		break;
	case FL_TASK_EVAL:
		if ((r = fetch_global(a, t, spec, test, &global, h)) != 0)
			return r;
		if ((r = note_model(t, global, h, rec)) != 0)
			break;
		if (fl_jobspec_privacy_stats(spec) && !spec->stats_only) {
			/* noisy: at most max_rows test rows (bounded sensitivity) */
			fl_dataset cut = *test;

			cut.n = cut.n < spec->dp_max_rows ? cut.n : spec->dp_max_rows;
			r = fl_agent_eval_vec(global, &cut, vec, n, &mt);
		} else
			r = fl_agent_eval_vec(global, test, vec, n, &mt);
		if (r == 0)
			*own = mt;
		if (r == 0 && fl_model_nclasses(global) == 0)
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
	if (r != 0 && !agent_is_net_err(r))
		fl_error("job %llu round %u %s: %s; skipping", (unsigned long long)t->job_id,
			 t->round, fl_agent_task_name(t->kind), fl_strerror(r));
	fl_model_free(global);
	return r;
}

static int upload(fl_agent *a, const fl_msg_task *t, const uint32_t *words,
		  fl_secagg_client *c, const char *what)
{
	fl_msg_update_header h;
	fl_rpc_status st;
	int r;

	memset(&h, 0, sizeof(h));
	AGENT_TASK_REF(h, t);
	h.kind = t->kind;
	h.encoding = FL_ENC_U32;
	h.words = t->sa.words;
	h.has_context = true;
	memcpy(h.context, a->sa.ctx, sizeof(h.context));
	/* The coordinator admits a few uploads at a time and defers the rest
	 * before they send anything: retry until the phase closes. */
	for (int64_t until = fl_mono_ms() + t->deadline_ms;;) {
		uint32_t wait = 50u + (uint32_t)(fl_mix64((uint64_t)fl_mono_ms() ^
						(uint64_t)(uintptr_t)a) % 200u);

		r = fl_agent_upload(a->ch, &h, words, t->sa.words, c,
				    agent_call_timeout(t), &st);
		if (r != FL_E_BUSY || fl_mono_ms() + wait >= until)
			break;
		fl_sleep_ms(wait);
	}
	if (r == 0) {
		fl_info("job %llu round %u attempt %u %s: %s, uploaded %llu masked "
			"words", (unsigned long long)t->job_id, t->round, t->attempt,
			fl_agent_task_name(t->kind), what,
			(unsigned long long)t->sa.words);
		agent_channel_recycle(a, t->sa.words * sizeof(uint32_t));
		agent_metrics_contributed(fl_agent_task_name(t->kind));
		return 0;
	}
	fl_log(agent_is_net_err(r) ? FL_LOG_WARN : FL_LOG_ERROR,
	       "job %llu round %u attempt %u %s: masked upload refused: %s (%s)",
	       (unsigned long long)t->job_id, t->round, t->attempt,
	       fl_agent_task_name(t->kind), st.detail[0] ? st.detail : "no detail",
	       fl_strerror(r));
	return r;
}

/* The site-local record of what was just contributed (never sent), written
 * while the agent waits for the next phase; *vec passes to the writer. */
static void record(fl_agent *a, const fl_msg_task *t, double **vec,
		   size_t n, size_t rows, const fl_agent_record *model)
{
	fl_agent_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.has_model = model->has_model;
	rec.model_version = model->model_version;
	memcpy(rec.model_sha256, model->model_sha256, sizeof(rec.model_sha256));
	AGENT_TASK_REF(rec, t);
	rec.kind = t->kind;
	rec.rows = rows;
	rec.nreal = t->sa.nreal;
	rec.weight_scale = t->sa.weight_scale;
	rec.vec = *vec;
	rec.n = n;
	*vec = NULL;
	agent_record_bg_start(a, &rec);
}

int agent_task_data(fl_agent *a, const fl_msg_task *t, fl_jobspec *spec,
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

int agent_task_input(fl_agent *a, const fl_msg_task *t, fl_secagg_client *c)
{
	char what[160] = "", msg[FL_ERRMSG_BYTES] = "";
	const fl_dataset *train = NULL, *test = NULL;
	fl_jobspec spec;
	fl_agent_record used;
	fl_metrics own;
	double *vec = NULL;
	uint32_t *words = NULL;
	size_t n = 0;
	int64_t t0 = fl_mono_ms(), t1, t2, t3;
	int r;

	memset(&spec, 0, sizeof(spec));
	memset(&used, 0, sizeof(used));
	memset(&own, 0, sizeof(own));
	if ((r = agent_task_data(a, t, &spec, &train, &test)) != 0)
		goto out;
	t1 = fl_mono_ms();
	if ((r = build_vec(a, t, &spec, train, test, &vec, &n, what, sizeof(what),
			   &used, &own)) != 0)
		goto out;
	t2 = fl_mono_ms();
	agent_metrics_train_seconds((double)(t2 - t1) / 1000.0);
	/* noisy statistics are clamped to the spec's bounds: no R8 decline */
	if (t->kind == FL_TASK_STATS && !fl_jobspec_privacy_stats(&spec) &&
	    (r = fl_agent_stats_check(&spec, train, vec, n, t->sa.n, msg)) != 0) {
		fl_error("job %llu round %u attempt %u stats: %s; not uploading",
			 (unsigned long long)t->job_id, t->round, t->attempt, msg);
		/* the job cannot run on this data: say so (names and the
		 * bound only), so it fails at once instead of by deadlines */
		(void)agent_decline(a, t, FL_DECLINE_DATA, "%s", msg);
		goto out;
	}
	if (spec.dp && t->kind == FL_TASK_TRAIN)
		r = agent_dp_encode(a, t, &spec, vec, n, &words, msg);
	else if (t->kind == FL_TASK_STATS && fl_jobspec_privacy_stats(&spec))
		r = agent_dp_stats_encode(a, t, &spec, train, &words, msg);
	else if (t->kind == FL_TASK_EVAL && fl_jobspec_privacy_stats(&spec))
		r = agent_dp_eval_encode(a, t, &spec, vec, n, &words, msg);
	else
		r = fl_agent_sa_encode(&t->sa, vec, n, &words, msg);
	if (r != 0) {
		fl_error("job %llu round %u attempt %u %s: %s; not uploading",
			 (unsigned long long)t->job_id, t->round, t->attempt,
			 fl_agent_task_name(t->kind), msg);
		goto out;
	}
	t3 = fl_mono_ms();
	if ((r = upload(a, t, words, c, what)) != 0)
		goto out;
	fl_debug("job %llu round %u attempt %u %s: data %lld ms, model and "
		 "training %lld ms, masking %lld ms, upload %lld ms",
		 (unsigned long long)t->job_id, t->round, t->attempt,
		 fl_agent_task_name(t->kind), (long long)(t1 - t0),
		 (long long)(t2 - t1), (long long)(t3 - t2),
		 (long long)(fl_mono_ms() - t3));
	record(a, t, &vec, n, t->kind == FL_TASK_EVAL ? test->n : train->n, &used);
	/* Only for a job with site_figures = true, when this site opted in. */
	(void)agent_report_own(a, t, &spec, &own);
out:
	/* The plain vector is this site's contribution: leave no copy behind. */
	fl_wipe_free(vec, n * sizeof(*vec));
	fl_wipe_free(words, (size_t)t->sa.words * sizeof(*words));
	fl_jobspec_clear(&spec);
	return r;
}
