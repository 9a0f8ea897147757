/* SPDX-License-Identifier: Apache-2.0 */
/* coord_engine: active jobs, the site registry, tasks and models. The
 * secure-aggregation messages and masked uploads are in coord_secagg_api.c. */
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord_events.h"
#include "coord_engine_int.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* ---- jobs ---- */

static void coord_job_free(coord_job *j)
{
	if (j == NULL)
		return;
	coord_round_reset(&j->rs);
	free(j->benched);
	free(j->decl);
	fl_jobspec_clear(&j->spec);
	free(j->spec_text);
	free(j->spec_cert);
	fl_model_free(j->model);
	fl_servopt_free(j->opt);
	coord_blob_release(j->blob);
	free(j);
}

static void coord_engine_job_link(coord_engine *e, coord_job *j)
{
	coord_job **pp = &e->jobs;

	while (*pp && (*pp)->id < j->id)
		pp = &(*pp)->next;
	j->next = *pp;
	*pp = j;
}

/* Ends a job (done/failed): unlinks and frees it. */
static void coord_engine_job_remove(coord_engine *e, coord_job *j)
{
	coord_job **pp = &e->jobs;

	while (*pp && *pp != j)
		pp = &(*pp)->next;
	if (*pp)
		*pp = j->next;
	coord_job_free(j);
}

coord_job *coord_engine_job_find(coord_engine *e, uint64_t id)
{
	coord_job *j;

	for (j = e->jobs; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

/* A job object from its spec text; *out owned by caller. */
static int coord_job_new(uint64_t id, const char *text, coord_job **out,
			 char *errmsg)
{
	coord_job *j;
	int r;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return FL_E_NOMEM;
	j->id = id;
	j->next_attempt = 1;
	if ((j->spec_text = strdup(text)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_jobspec_parse(text, strlen(text), &j->spec, errmsg)) != 0)
		goto out;
	/* Until the STATS round builds model v0, j->model is a model of the
	 * job's shape: its class count sizes the STATS label histogram. */
	if (j->spec.nfeatures > 0 &&
	    (r = fl_model_new_for_spec(&j->spec, j->spec.nfeatures, &j->model)) != 0) {
		fl_errmsg_set(errmsg, "cannot build a model for this spec: %s",
			      fl_strerror(r));
		fl_jobspec_clear(&j->spec);
		goto out;
	}
	*out = j;
	j = NULL;
out:
	if (j) {
		free(j->spec_text);
		free(j);
	}
	return r;
}

/* Loads the server optimiser state that produced the job's model (TRAIN
 * rounds done, stateful optimiser). Missing or unreadable state marks the
 * job failed and returns 1 (the caller drops it). */
static int coord_engine_resume_servopt(coord_engine *e, coord_job *j)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int r;

	if (j->model == NULL || j->next_round < 2 || j->model->version == 0 ||
	    !fl_servopt_stateful(j->spec.optimizer))
		return 0;
	r = coord_store_servopt_get(e->st, j->id, j->model->version, &blob, &len);
	if (r == 0)
		r = fl_servopt_decode(&j->spec, j->model->nparams, blob, len, &j->opt);
	free(blob);
	if (r == 0)
		return 0;
	fl_error("job %llu: no usable %s server optimiser state for model v%u (%s); "
		 "marking it failed", (unsigned long long)j->id,
		 fl_server_opt_name(j->spec.optimizer), j->model->version,
		 fl_strerror(r));
	coord_store_job_set_state(e->st, j->id, "failed",
				  "server optimiser state missing at resume", fl_time_ms());
	return 1;
}

/* Rebuilds one stored job in memory at its resume point. */
static int coord_engine_resume_job(coord_engine *e, uint64_t id)
{
	char errmsg[FL_ERRMSG_BYTES] = "", *spec = NULL;
	fl_msg_job_info info;
	coord_job *j = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint32_t ver = 0;
	int r;

	if ((r = coord_store_job_get(e->st, id, &info, &spec)) != 0)
		goto out;
	if ((r = coord_job_new(id, spec, &j, errmsg)) != 0) {
		fl_error("job %llu: stored spec no longer parses: %s; marking it failed",
			 (unsigned long long)id, errmsg);
		r = coord_store_job_set_state(e->st, id, "failed",
					      "spec no longer parses", fl_time_ms());
		goto out;
	}
	if ((r = coord_store_job_get_spec_sig(e->st, id, j->spec_sig,
					      &j->spec_sig_len, &j->spec_cert)) != 0)
		goto out;
	if (j->spec_sig_len == 0)
		fl_warn("job %llu: its spec is not signed by an admin (submitted "
			"before signed specs); sites will refuse its rounds",
			(unsigned long long)id);
	j->running = strcmp(info.state, "running") == 0;
	j->rounds_done = info.rounds_done;
	if ((r = coord_store_job_resume_point(e->st, id, &j->next_round,
					      &j->next_attempt)) != 0 ||
	    (r = coord_store_job_get_weight(e->st, id, &j->weight_n)) != 0)
		goto out;
	if (j->next_round > 1 && !(j->weight_n > 0)) {
		fl_error("job %llu: no training-row count N stored (database from an "
			 "older coordinator); marking it failed", (unsigned long long)id);
		r = coord_store_job_set_state(e->st, id, "failed",
					      "training-row count missing at resume",
					      fl_time_ms());
		goto out;
	}
	if (j->next_round > 0) {
		fl_model_free(j->model);   /* the pre-STATS shape model */
		j->model = NULL;
		if ((r = coord_store_model_get(e->st, id, j->next_round - 1, 0, &blob,
					       &len, &ver)) != 0 ||
		    (r = fl_model_decode(blob, len, &j->model)) != 0 ||
		    (r = coord_blob_new(j->model, &j->blob)) != 0) {
			fl_error("job %llu: cannot load model v%u to resume (%s); "
				 "marking it failed", (unsigned long long)id,
				 j->next_round - 1, fl_strerror(r));
			r = coord_store_job_set_state(e->st, id, "failed",
						      "model missing at resume",
						      fl_time_ms());
			goto out;
		}
	}
	if ((r = coord_engine_resume_servopt(e, j)) != 0) {
		r = 0;   /* the job is marked failed; the others resume */
		goto out;
	}
	fl_info("job %llu '%s' resumes at round %u attempt %u", (unsigned long long)id,
		j->spec.name, j->next_round, j->next_attempt);
	coord_engine_job_link(e, j);
	j = NULL;
out:
	coord_job_free(j);
	free(blob);
	free(spec);
	return r;
}

/* A condition variable whose timed waits use the monotonic clock. */
static void coord_engine_cv_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

int coord_engine_new(coord_store *st, const coord_engine_opts *opts,
		     coord_engine **out)
{
	coord_engine *e;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	int r;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return FL_E_NOMEM;
	pthread_mutex_init(&e->mu, NULL);
	coord_engine_cv_init(&e->kick_cv);
	e->st = st;
	coord_events_sink(st);
	e->opts = *opts;
	if (e->opts.poll_ms == 0)
		e->opts.poll_ms = COORD_POLL_MS;
	if ((r = coord_store_job_active(st, &ids, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = coord_engine_resume_job(e, ids[i])) != 0)
			goto out;
	*out = e;
	e = NULL;
out:
	free(ids);
	coord_engine_free(e);
	return r;
}

void coord_engine_free(coord_engine *e)
{
	if (e == NULL)
		return;
	coord_engine_stop(e);
	coord_events_sink(NULL);
	while (e->jobs)
		coord_engine_job_remove(e, e->jobs);
	free(e->sites);
	pthread_cond_destroy(&e->kick_cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

void coord_engine_set_notify(coord_engine *e, void (*fn)(void *), void *arg)
{
	e->notify = fn;
	e->notify_arg = arg;
}

uint32_t coord_engine_hold_ms(const coord_engine *e)
{
	uint32_t h = e->opts.offline_after_ms / 2;

	return h < 1000 ? 1000 : h;
}

void coord_engine_kick(coord_engine *e)
{
	e->kicked = 1;
	pthread_cond_signal(&e->kick_cv);
}

/* A digest of what the agents' tasks depend on: each active job's round,
 * attempt, kind and phase. */
static uint64_t coord_engine_state_sig(const coord_engine *e)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	const coord_job *j;

	for (j = e->jobs; j; j = j->next) {
		h = fl_mix64(h ^ j->id);
		h = fl_mix64(h ^ ((uint64_t)j->rs.active << 40 |
				  (uint64_t)j->rs.kind << 32 | j->rs.round));
		h = fl_mix64(h ^ ((uint64_t)j->rs.phase << 32 | j->rs.attempt));
	}
	return h;
}

void coord_engine_tick(coord_engine *e, int64_t now_ms)
{
	coord_job *j, *next;
	uint64_t before, after;

	pthread_mutex_lock(&e->mu);
	before = coord_engine_state_sig(e);
	for (j = e->jobs; j; j = next) {
		next = j->next;   /* the job may end and be freed */
		fl_log_ctx_set(j->id, j->rs.round, j->rs.attempt, NULL);
		/* a job that ended (done or failed) leaves the list here */
		if (coord_round_tick_job(e, j, now_ms) == COORD_ROUND_ENDED)
			coord_engine_job_remove(e, j);
		fl_log_ctx_clear();
	}
	after = coord_engine_state_sig(e);
	/* One change often enables the next (a round committed, the next
	 * one can start): tick again at once rather than a tick later. */
	if (before != after)
		coord_engine_kick(e);
	pthread_mutex_unlock(&e->mu);
	if (before != after && e->notify)
		e->notify(e->notify_arg);
}

/*
 * Gives the pages of freed heap memory back to the system. Each phase of a
 * round frees what hundreds of calls allocated, in the middle of the heap
 * where glibc's automatic trim (top of the heap only) does not reach, and
 * the next phase allocates again elsewhere: without this the resident
 * size only grows (tests/load, 200 sites: peak RSS 78 -> 71 MiB, 72 -> 61
 * MiB after the job). A walk of the free lists every 100 ms costs little.
 */
static void coord_engine_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Waits up to COORD_TICK_MS, or less when kicked (coord_engine_kick). */
static void coord_engine_wait(coord_engine *e)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)COORD_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->mu);
	while (!e->kicked && !e->stop &&
	       pthread_cond_timedwait(&e->kick_cv, &e->mu, &ts) == 0)
		;
	e->kicked = 0;
	pthread_mutex_unlock(&e->mu);
}

static void *coord_engine_thread(void *arg)
{
	coord_engine *e = arg;
	int64_t next_trim = fl_mono_ms();

	while (!e->stop) {
		coord_engine_tick(e, fl_time_ms());
		if (fl_mono_ms() >= next_trim) {
			coord_engine_trim();
			next_trim = fl_mono_ms() +
				    (int64_t)COORD_TICK_MS * COORD_TRIM_TICKS;
		}
		coord_engine_wait(e);
	}
	return NULL;
}

int coord_engine_start(coord_engine *e)
{
	if (e->thread_on)
		return FL_E_STATE;
	e->stop = 0;
	if (pthread_create(&e->thread, NULL, coord_engine_thread, e) != 0)
		return FL_E_NOMEM;
	e->thread_on = 1;
	return 0;
}

void coord_engine_stop(coord_engine *e)
{
	if (!e->thread_on)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = 1;
	pthread_cond_signal(&e->kick_cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->thread, NULL);
	e->thread_on = 0;
}

int coord_engine_submit(coord_engine *e, const char *spec, const char *who,
			int64_t now_ms, uint64_t *job_id, char *errmsg)
{
	return coord_engine_submit_signed(e, spec, NULL, who, now_ms, job_id, errmsg);
}

/* Keeps the signature with the job in memory and in the store. On a store
 * failure the job is marked failed: it must never run unsigned. */
static int coord_job_sign(coord_engine *e, coord_job *j, const coord_spec_sig *sig,
			  int64_t now_ms, char *errmsg)
{
	int r;

	if (sig == NULL)
		return 0;
	memcpy(j->spec_sig, sig->sig, sig->sig_len);
	j->spec_sig_len = sig->sig_len;
	if ((j->spec_cert = strdup(sig->cert_pem)) == NULL)
		r = FL_E_NOMEM;
	else
		r = coord_store_job_set_spec_sig(e->st, j->id, sig->sig, sig->sig_len,
						 sig->cert_pem);
	if (r != 0) {
		fl_errmsg_set(errmsg, "cannot store the spec signature: %s",
			      fl_strerror(r));
		coord_store_job_set_state(e->st, j->id, "failed",
					  "spec signature not stored", now_ms);
	}
	return r;
}

int coord_engine_submit_signed(coord_engine *e, const char *spec,
			       const coord_spec_sig *sig, const char *who,
			       int64_t now_ms, uint64_t *job_id, char *errmsg)
{
	fl_msg_job_info info;
	coord_job *j = NULL;
	char detail[160];
	uint64_t id = 0;
	int r;

	if (sig && (sig->sig_len == 0 || sig->sig_len > FL_MSG_SPEC_SIG_MAX ||
		    !sig->sig || !sig->cert_pem)) {
		fl_errmsg_set(errmsg, "the spec signature is empty or too long");
		return FL_E_INVAL;
	}
	if ((r = coord_job_new(0, spec, &j, errmsg)) != 0)
		goto out;
	if (j->spec.nfeatures == 0) {
		/* Every site's masked STATS vector must have the same length m,
		 * fixed before any site uploads: 'all' is resolved before the
		 * spec is signed. */
		fl_errmsg_set(errmsg, j->spec.features_all ?
			      "'features = all' must be resolved before signing: "
			      "submit with 'fedctl job submit --schema HEADER.csv'" :
			      "secure aggregation needs the feature list: add "
			      "'features = ...' to [job]");
		r = FL_E_SPEC;
		goto out;
	}
	if ((r = coord_dp_submit_check(j, errmsg)) != 0)
		goto out;
	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "%s", j->spec.name);
	snprintf(info.dataset, sizeof(info.dataset), "%s", j->spec.dataset);
	snprintf(info.model, sizeof(info.model), "%s", fl_model_kind_name(j->spec.model));
	snprintf(info.submitted_by, sizeof(info.submitted_by), "%s", who);
	info.rounds_total = j->spec.stats_only ? 0 : j->spec.rounds;
	if ((r = coord_store_job_insert(e->st, &info, spec, now_ms, &id)) != 0) {
		fl_errmsg_set(errmsg, "cannot store the job: %s", fl_strerror(r));
		goto out;
	}
	j->id = id;
	if ((r = coord_job_sign(e, j, sig, now_ms, errmsg)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "job %llu '%s'%s", (unsigned long long)id,
		 j->spec.name, sig ? ", spec signed" : "");
	coord_store_audit(e->st, who, "submit job", detail, now_ms);
	fl_info("job %llu '%s' submitted by %s: %s on %s, %u rounds, min_clients %u",
		(unsigned long long)id, j->spec.name, who, info.model,
		j->spec.dataset, j->spec.rounds, j->spec.min_clients);
	pthread_mutex_lock(&e->mu);
	coord_engine_job_link(e, j);
	pthread_mutex_unlock(&e->mu);
	j = NULL;
	*job_id = id;
out:
	coord_job_free(j);
	return r;
}

int coord_engine_abort(coord_engine *e, uint64_t job_id, const char *who,
		       int64_t now_ms, char *errmsg)
{
	fl_msg_job_info info;
	char detail[64];
	coord_job *j;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((j = coord_engine_job_find(e, job_id)) == NULL) {
		pthread_mutex_unlock(&e->mu);
		if ((r = coord_store_job_get(e->st, job_id, &info, NULL)) == FL_E_NOTFOUND)
			fl_errmsg_set(errmsg, "no job %llu", (unsigned long long)job_id);
		else if (r == 0) {
			fl_errmsg_set(errmsg, "job %llu is already %s; only pending or "
				      "running jobs can be aborted",
				      (unsigned long long)job_id, info.state);
			r = FL_E_STATE;
		}
		return r;
	}
	r = coord_store_job_set_state(e->st, job_id, "aborted", "aborted by operator",
				      now_ms);
	if (r == 0 && j->rs.active) {
		fl_msg_round_info ri;

		memset(&ri, 0, sizeof(ri));
		ri.round = j->rs.round;
		ri.attempt = j->rs.attempt;
		snprintf(ri.kind, sizeof(ri.kind), "%s", coord_task_kind_name(j->rs.kind));
		snprintf(ri.state, sizeof(ri.state), "failed");
		ri.selected = j->rs.nsel;
		ri.survived = j->rs.nsurvivors;
		ri.started_ms = j->rs.started_ms;
		ri.finished_ms = now_ms;
		ri.train_loss = 0;
		coord_store_round_put(e->st, job_id, &ri);
	}
	if (r == 0)
		coord_engine_job_remove(e, j);
	pthread_mutex_unlock(&e->mu);
	if (r != 0) {
		fl_errmsg_set(errmsg, "cannot abort job %llu: %s",
			      (unsigned long long)job_id, fl_strerror(r));
		return r;
	}
	snprintf(detail, sizeof(detail), "job %llu", (unsigned long long)job_id);
	coord_store_audit(e->st, who, "abort job", detail, now_ms);
	fl_info("job %llu aborted by %s", (unsigned long long)job_id, who);
	return 0;
}

/* ---- sites and polls ---- */

/* Records a poll in the cache; returns whether the store needs an update. */
static int coord_engine_site_touch(coord_engine *e, const char *name,
				   const fl_msg_poll_req *req, int64_t now_ms,
				   int *flush)
{
	coord_site *s, *tmp;
	int changed;

	if ((s = coord_engine_site_find(e, name)) == NULL) {
		if (e->nsites == e->capsites) {
			size_t cap = e->capsites ? e->capsites * 2 : 16;

			if ((tmp = realloc(e->sites, cap * sizeof(*tmp))) == NULL)
				return FL_E_NOMEM;
			e->sites = tmp;
			e->capsites = cap;
		}
		s = &e->sites[e->nsites++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	changed = s->ndatasets != req->ndatasets ||
		memcmp(s->datasets, req->datasets,
		       sizeof(s->datasets[0]) * req->ndatasets) != 0;
	s->ndatasets = req->ndatasets;
	memcpy(s->datasets, req->datasets, sizeof(s->datasets[0]) * req->ndatasets);
	s->min_honest = req->min_honest;
	s->colluders = req->colluders;
	s->last_seen_ms = now_ms;
	/* Throttle store writes: polls come several times a second. */
	*flush = changed || now_ms - s->flushed_ms >= 5000;
	if (*flush)
		s->flushed_ms = now_ms;
	return 0;
}

static void coord_task_fill(const coord_job *j, const coord_slot *slot,
			    int64_t now_ms, uint32_t poll_ms, fl_msg_task *t)
{
	t->job_id = j->id;
	t->round = j->rs.round;
	t->attempt = j->rs.attempt;
	t->kind = j->rs.kind;
	t->poll_ms = poll_ms;
	t->model_bytes = j->rs.kind != FL_TASK_STATS && j->blob ? j->blob->len : 0;
	coord_secagg_task(j, slot, now_ms, t);
}

int coord_engine_poll(coord_engine *e, const char *site,
		      const fl_msg_poll_req *req, int64_t now_ms,
		      fl_msg_task *task)
{
	char datasets[COORD_DATASETS_BYTES] = "";
	fl_msg_task t;
	coord_job *j;
	coord_slot *slot;
	int flush = 0, r;
	uint32_t i;

	memset(&t, 0, sizeof(t));
	pthread_mutex_lock(&e->mu);
	if ((r = coord_engine_site_touch(e, site, req, now_ms, &flush)) != 0)
		goto out;
	t.kind = FL_TASK_NONE;
	t.poll_ms = e->opts.poll_ms;
	for (j = e->jobs; j; j = j->next) {
		slot = coord_round_slot(j, site);
		if (slot == NULL || !coord_secagg_slot_busy(&j->rs, slot))
			continue;
		if ((t.spec = strdup(j->spec_text)) == NULL ||
		    (j->spec_cert && (t.spec_cert = strdup(j->spec_cert)) == NULL)) {
			r = FL_E_NOMEM;
			goto out;
		}
		memcpy(t.spec_sig, j->spec_sig, j->spec_sig_len);
		t.spec_sig_len = j->spec_sig_len;
		coord_task_fill(j, slot, now_ms, e->opts.poll_ms, &t);
		break;
	}
out:
	pthread_mutex_unlock(&e->mu);
	if (r == 0 && flush) {
		for (i = 0; i < req->ndatasets; i++) {
			size_t used = strlen(datasets);

			snprintf(datasets + used, sizeof(datasets) - used, "%s%s",
				 i ? "," : "", req->datasets[i]);
		}
		coord_store_site_seen(e->st, site, datasets, now_ms);
	}
	if (r == 0)
		*task = t;
	else
		fl_msg_task_clear(&t);
	return r;
}

int64_t coord_engine_site_last_seen(coord_engine *e, const char *site)
{
	coord_site *s;
	int64_t v;

	pthread_mutex_lock(&e->mu);
	s = coord_engine_site_find(e, site);
	v = s ? s->last_seen_ms : 0;
	pthread_mutex_unlock(&e->mu);
	return v;
}

uint32_t coord_engine_offline_after_ms(const coord_engine *e)
{
	return e->opts.offline_after_ms;
}

/* ---- models ---- */

int coord_engine_model(coord_engine *e, const char *site, uint64_t job_id,
		       uint32_t version, int latest, coord_blob **out,
		       char *errmsg)
{
	coord_blob *b = NULL;
	coord_job *j;
	uint8_t *data = NULL;
	size_t len = 0;
	uint32_t ver = 0;
	int r;

	pthread_mutex_lock(&e->mu);
	j = coord_engine_job_find(e, job_id);
	if (site != NULL && (j == NULL || coord_round_slot(j, site) == NULL ||
			     coord_round_slot(j, site)->out)) {
		pthread_mutex_unlock(&e->mu);
		fl_errmsg_set(errmsg, "site '%s' is not selected in a current round "
			      "of job %llu", site, (unsigned long long)job_id);
		return FL_E_DENIED;
	}
	if (j && j->blob && (latest || j->blob->version == version))
		b = coord_blob_retain(j->blob);
	pthread_mutex_unlock(&e->mu);
	if (b) {
		*out = b;
		return 0;
	}
	r = coord_store_model_get(e->st, job_id, version, latest, &data, &len, &ver);
	if (r == FL_E_NOTFOUND) {
		if (latest)
			fl_errmsg_set(errmsg, "job %llu has no model yet",
				      (unsigned long long)job_id);
		else
			fl_errmsg_set(errmsg, "job %llu has no model version %u",
				      (unsigned long long)job_id, version);
		return r;
	}
	if (r != 0) {
		fl_errmsg_set(errmsg, "cannot read the model: %s", fl_strerror(r));
		return r;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		free(data);
		return FL_E_NOMEM;
	}
	b->data = data;
	b->len = len;
	b->version = ver;
	b->refs = 1;
	*out = b;
	return 0;
}
