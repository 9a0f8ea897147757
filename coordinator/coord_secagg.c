/* SPDX-License-Identifier: Apache-2.0 */
/* coord_secagg: the phases of one secure-aggregation round attempt
 * (SA_ADVERTISE -> SA_SHARE -> SA_INPUT -> SA_CONSISTENCY -> SA_UNMASK),
 * driven by one fl_secagg_server. Runs under the engine mutex. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_events.h"
#include "coord_dp_stats.h"
#include "coord_engine_int.h"
#include "coord_metrics.h"
#include "coord_testhook.h"
#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_msg.h"

/* The strictest policy among the selected sites: the largest T and c they
 * declared (a site that declared nothing counts with the defaults). */
static void coord_sa_policy(const coord_round_state *rs, uint32_t *T, uint32_t *c)
{
	*T = 0;
	*c = 0;
	for (uint32_t i = 0; i < rs->nsel; i++) {
		uint32_t t = rs->sel[i].min_honest ? rs->sel[i].min_honest :
			FL_POLICY_DEFAULT_MIN_HONEST;
		uint32_t cc = rs->sel[i].min_honest ? rs->sel[i].colluders :
			FL_POLICY_DEFAULT_COLLUDERS;

		*T = t > *T ? t : *T;
		*c = cc > *c ? cc : *c;
	}
}

int coord_secagg_begin(const coord_job *j, coord_round_state *rs,
		       int64_t now_ms, char *errmsg)
{
	const fl_jobspec *s = &j->spec;
	fl_secagg_params *p = &rs->sp;
	uint32_t n = rs->nsel, T, c;
	const char **names = NULL;
	char why[FL_ERRMSG_BYTES];
	int r;

	if (n < 2) {
		fl_errmsg_set(errmsg, "secure aggregation needs at least 2 sites");
		return FL_E_INVAL;
	}
	if (rs->kind == FL_TASK_STATS && s->nfeatures == 0) {
		fl_errmsg_set(errmsg, "secure aggregation needs the feature list: add "
			      "'features = ...' to [job] so that every site's "
			      "statistics vector has the same length");
		return FL_E_SPEC;
	}
	if ((r = coord_agg_layout(rs->kind, j->model, s->nfeatures, s->sa_clip,
				  s->sa_bits, &rs->layout)) != 0) {
		fl_errmsg_set(errmsg, "no vector layout for a %s round: %s",
			      coord_task_kind_name(rs->kind), fl_strerror(r));
		return r;
	}
	memset(p, 0, sizeof(*p));
	p->job_id = j->id;
	p->round = rs->round;
	p->attempt = rs->attempt;
	p->n = n;
	coord_sa_policy(rs, &T, &c);
	coord_sa_params_choose(j, rs, T, c, &p->k, &p->t);
	/* Sites sign the survivor list in every round (SECAGG.md R4, R5). */
	p->consistency = true;
	p->q = fl_secagg_quorum(n, c);
	p->m = fl_upvec_words(&rs->layout);
	randombytes_buf(p->round_seed, sizeof(p->round_seed));
	if ((r = coord_dp_begin(j, rs, errmsg)) != 0 ||
	    (r = coord_dp_stats_begin(j, rs, errmsg)) != 0)
		return r;
	if (fl_secagg_params_check(p) != 0 ||
	    fl_secagg_params_safe(p, T, c, why) != 0) {
		fl_errmsg_set(errmsg, "secure aggregation cannot run with n=%u sites, "
			      "k=%u neighbours and threshold t=%u under the sites' "
			      "policies (T=%u honest sites, c=%u colluders): %s", n,
			      p->k, p->t, T, c, fl_secagg_params_check(p) != 0 ?
			      "it needs 1 <= t <= k and 2t > k + 1" : why);
		return FL_E_SPEC;
	}
	if (fl_upvec_check(&rs->layout, n) != 0) {
		fl_errmsg_set(errmsg, "[secagg] bits = %u and clip = %g cannot sum %u "
			      "sites without overflow", rs->layout.q.bits,
			      rs->layout.q.clip, n);
		return FL_E_SPEC;
	}
	rs->weight_scale = 1.0;
	/* under [privacy] sites send unweighted, clipped updates */
	if (rs->kind == FL_TASK_TRAIN && !rs->dp) {
		if (!(j->weight_n > 0)) {
			fl_errmsg_set(errmsg, "the job has no training-row count N from "
				      "its STATS round");
			return FL_E_STATE;
		}
		rs->weight_scale = j->weight_n;
	}
	rs->has_model = rs->kind != FL_TASK_STATS && j->blob;
	if (rs->has_model)
		crypto_hash_sha256(rs->model_sha256, j->blob->data, j->blob->len);
	if (!(names = malloc((size_t)n * sizeof(*names)))) {
		fl_errmsg_set(errmsg, "out of memory");
		return FL_E_NOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		names[i] = rs->sel[i].name;
	rs->names = fl_msg_names_dup(names, n);
	free(names);
	if (!rs->names) {
		fl_errmsg_set(errmsg, "out of memory");
		return FL_E_NOMEM;
	}
	if ((r = fl_secagg_server_new(p, &rs->sa)) != 0) {
		fl_errmsg_set(errmsg, "cannot start secure aggregation: %s",
			      fl_strerror(r));
		return r;
	}
	rs->phase = FL_SA_ADVERTISE;
	rs->phase_deadline_ms = now_ms + (int64_t)s->timeout_s * 1000;
	return 0;
}

void coord_secagg_end(coord_round_state *rs)
{
	fl_secagg_server_free(rs->sa);
	rs->sa = NULL;
	fl_secagg_keylist_clear(&rs->keys);
	fl_secagg_unmask_req_clear(&rs->ureq);
	free(rs->names);
	rs->names = NULL;
	rs->phase = FL_SA_OFF;
}

void coord_secagg_task(const coord_job *j, const coord_slot *s, int64_t now_ms,
		       fl_msg_task *t)
{
	const coord_round_state *rs = &j->rs;
	int64_t left = rs->phase_deadline_ms - now_ms;

	t->phase = rs->phase;
	t->deadline_ms = left > 0 ? (uint32_t)(left > UINT32_MAX ? UINT32_MAX : left) : 0;
	t->sa.client_id = (uint32_t)(s - rs->sel) + 1;
	t->sa.n = rs->sp.n;
	t->sa.t = rs->sp.t;
	/* tests only: a lying coordinator (noisy rounds) */
	if (rs->kind == FL_TASK_TRAIN || rs->dp_stats)
		t->sa.t = coord_testhook_sa_t(j->id, t->sa.t);
	t->sa.k = rs->sp.k;
	t->sa.words = rs->sp.m;
	memcpy(t->sa.round_seed, rs->sp.round_seed, sizeof(t->sa.round_seed));
	t->sa.consistency = rs->sp.consistency;
	t->sa.clip = rs->layout.q.clip;
	t->sa.bits = rs->layout.q.bits;
	t->sa.nreal = rs->layout.nreal;
	t->sa.weight_scale = rs->weight_scale;
	t->sa.q = rs->sp.q;
	t->sa.has_model = rs->has_model;
	memcpy(t->sa.model_sha256, rs->model_sha256, sizeof(t->sa.model_sha256));
	/* A copy: the task is cleared after it is sent. */
	t->sa.names = rs->names ? fl_msg_names_dup((const char *const *)rs->names,
						   rs->nsel) : NULL;
}

/* Drops the sites that did not answer the closing phase; returns how many
 * sites are out of the attempt in all. */
static uint32_t coord_sa_drop_silent(const coord_job *j, coord_round_state *rs)
{
	uint32_t i, out = 0;

	for (i = 0; i < rs->nsel; i++) {
		coord_slot *s = &rs->sel[i];

		if (!s->out && (coord_secagg_slot_busy(rs, s) ||
				(rs->phase == FL_SA_INPUT && !s->uploaded))) {
			s->out = 1;
			s->missed = (uint8_t)rs->phase;
			fl_warn("job %llu round %u attempt %u: site '%s' missed the "
				"%s phase; dropped from the attempt",
				(unsigned long long)j->id, rs->round, rs->attempt,
				s->name, fl_sa_phase_name(rs->phase));
			coord_event(j->id, rs->round, rs->attempt, COORD_EV_SITE_DROPPED, s->name,
				    "missed the %s phase", fl_sa_phase_name(rs->phase));
		}
		out += s->out;
	}
	return out;
}

static int coord_sa_too_many_out(const coord_job *j, const coord_round_state *rs,
				 uint32_t out, char *why, size_t whycap)
{
	double f = j->spec.sa_dropout > 0 ? j->spec.sa_dropout : COORD_SA_DEFAULT_DROPOUT;

	if ((double)out <= f * rs->nsel)
		return 0;
	snprintf(why, whycap, "%u of %u sites dropped by the %s phase (dropout "
		 "allows %.2f)", out, rs->nsel, fl_sa_phase_name(rs->phase), f);
	return 1;
}

static void coord_sa_next(const coord_job *j, coord_round_state *rs,
			  enum fl_sa_phase next, int64_t now_ms)
{
	fl_debug("job %llu round %u attempt %u: secagg %s -> %s (%.1f s into the "
		 "attempt)", (unsigned long long)j->id, rs->round, rs->attempt,
		 fl_sa_phase_name(rs->phase), fl_sa_phase_name(next),
		 (double)(now_ms - rs->started_ms) / 1000.0);
	coord_metrics_phase_done((int)rs->phase, (now_ms - rs->phase_started_ms) / 1e3);
	coord_event(j->id, rs->round, rs->attempt, COORD_EV_PHASE_CLOSED, NULL, "%s -> %s",
		    fl_sa_phase_name(rs->phase), fl_sa_phase_name(next));
	rs->phase = next;
	rs->phase_started_ms = now_ms;
	rs->phase_deadline_ms = now_ms + (int64_t)j->spec.timeout_s * 1000;
	coord_testhook(fl_sa_phase_name(next), rs->round);
}

/* Closes INPUT: the unmask request names the survivors. */
static int coord_sa_close_input(coord_round_state *rs)
{
	uint32_t i;
	int r;

	if ((r = fl_secagg_server_close_input(rs->sa, &rs->ureq)) != 0)
		return r;
	rs->nsurvivors = 0;
	for (i = 0; i < rs->ureq.nsurvivors; i++) {
		uint32_t id = rs->ureq.survivors[i];

		if (id >= 1 && id <= rs->nsel) {
			rs->sel[id - 1].survivor = 1;
			rs->nsurvivors++;
		}
	}
	return 0;
}

static int coord_sa_close_consistency(coord_round_state *rs)
{
	fl_secagg_unmask_req req;
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = fl_secagg_server_close_consistency(rs->sa, &req)) != 0)
		return r;
	fl_secagg_unmask_req_clear(&rs->ureq);
	rs->ureq = req;
	return 0;
}

/* Closes UNMASK: removes the masks and decodes the sum, refusing one that
 * wrapped (R8; why says which value). */
static int coord_sa_finish(const coord_job *j, coord_round_state *rs,
			   coord_agg **sum, char *why, size_t whycap)
{
	uint32_t *words;
	size_t bytes = (size_t)rs->sp.m * sizeof(uint32_t);
	int r;

	if ((words = malloc(bytes)) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_secagg_server_finish(rs->sa, words)) == 0 && rs->dp)
		r = coord_agg_decode_dp(&rs->layout, &rs->dpp, rs->sp.n,
					rs->nsurvivors, words, sum, why, whycap);
	else if (r == 0 && rs->dp_stats)
		/* R8's bound holds; noisy counts may be negative (no spec:
		 * no non-negativity check) */
		r = coord_agg_decode_checked(&rs->layout, rs->kind, NULL,
					     rs->sp.n, rs->nsurvivors, words, 1.0,
					     sum, why, whycap);
	else if (r == 0)
		r = coord_agg_decode_checked(&rs->layout, rs->kind, &j->spec,
					     rs->sp.n, rs->nsurvivors, words,
					     rs->weight_scale, sum, why, whycap);
	sodium_memzero(words, bytes);
	free(words);
	return r;
}

static void coord_sa_why(const coord_round_state *rs, int r, char *why,
			 size_t whycap)
{
	uint32_t i, alive = 0;

	for (i = 0; i < rs->nsel; i++)
		alive += !rs->sel[i].out;
	if (r == FL_E_THRESHOLD)
		snprintf(why, whycap, "secure aggregation %s phase: only %u of %u "
			 "sites left, below the threshold t=%u",
			 fl_sa_phase_name(rs->phase), alive, rs->nsel, rs->sp.t);
	else if (r == FL_E_ABORTED)
		snprintf(why, whycap, "secure aggregation %s phase aborted (a "
			 "masked upload broke off)", fl_sa_phase_name(rs->phase));
	else
		snprintf(why, whycap, "secure aggregation %s phase failed: %s",
			 fl_sa_phase_name(rs->phase), fl_strerror(r));
}

/* After the advertise phase: every site that advertised needs t neighbours
 * with keys, or it will refuse to share (SECAGG.md R4). Rather than wait
 * for the share deadline, end the attempt now (the next one goes without
 * the silent sites). 1 and why if so. */
static int coord_sa_doomed(const coord_round_state *rs, char *why, size_t whycap)
{
	fl_secagg_graph *g = NULL;
	uint32_t *nb = NULL;
	int doomed = 0;

	if (fl_secagg_graph_new(rs->sp.n, rs->sp.k, rs->sp.round_seed, &g) != 0 ||
	    !(nb = malloc((size_t)rs->sp.k * sizeof(*nb))))
		goto out;
	for (uint32_t u = 1; u <= rs->nsel && !doomed; u++) {
		uint32_t live = 0, k;

		if (rs->sel[u - 1].out)
			continue;
		k = fl_secagg_graph_neighbours(g, u, nb);
		for (uint32_t i = 0; i < k; i++)
			live += !rs->sel[nb[i] - 1].out;
		if (live < rs->sp.t) {
			snprintf(why, whycap, "after the advertise phase site '%s' has "
				 "only %u of its %u neighbours with round keys, fewer "
				 "than t=%u: it cannot pair (SECAGG.md R4)",
				 rs->sel[u - 1].name, live, k, rs->sp.t);
			doomed = 1;
		}
	}
out:
	free(nb);
	fl_secagg_graph_free(g);
	return doomed;
}

enum coord_sa_step coord_secagg_tick(coord_job *j, int64_t now_ms,
				     coord_agg **sum, char *why, size_t whycap)
{
	coord_round_state *rs = &j->rs;
	enum fl_phase_close rule;
	uint32_t out;
	int r = 0;

	if (rs->sa == NULL) {
		snprintf(why, whycap, "no secure-aggregation state");
		return COORD_SA_FAILED;
	}
	if ((rule = coord_sa_close_rule(j, rs, now_ms)) == FL_CLOSE_NONE)
		return COORD_SA_WAIT;
	rs->closed_by[rs->phase - 1] = (uint8_t)rule;
	out = coord_sa_drop_silent(j, rs);
	if (rs->phase != FL_SA_UNMASK && coord_sa_too_many_out(j, rs, out, why, whycap))
		return COORD_SA_FAILED;
	switch (rs->phase) {
	case FL_SA_ADVERTISE:
		if (out > 0 && coord_sa_doomed(rs, why, whycap))
			return COORD_SA_FAILED;
		if ((r = fl_secagg_server_keylist(rs->sa, &rs->keys)) == 0)
			coord_sa_next(j, rs, FL_SA_SHARE, now_ms);
		break;
	case FL_SA_SHARE:
		if ((r = fl_secagg_server_close_shares(rs->sa)) == 0)
			coord_sa_next(j, rs, FL_SA_INPUT, now_ms);
		break;
	case FL_SA_INPUT:
		if ((r = coord_sa_close_input(rs)) == 0)
			coord_sa_next(j, rs, rs->sp.consistency ? FL_SA_CONSISTENCY :
				      FL_SA_UNMASK, now_ms);
		break;
	case FL_SA_CONSISTENCY:
		if ((r = coord_sa_close_consistency(rs)) == 0)
			coord_sa_next(j, rs, FL_SA_UNMASK, now_ms);
		break;
	case FL_SA_UNMASK:
		if ((r = coord_sa_finish(j, rs, sum, why, whycap)) == 0) {
			coord_metrics_phase_done(FL_SA_UNMASK,
						 (now_ms - rs->phase_started_ms) / 1e3);
			fl_debug("job %llu round %u attempt %u: secagg unmask -> done",
				 (unsigned long long)j->id, rs->round, rs->attempt);
			return COORD_SA_DONE;
		}
		if (r == FL_E_WRAP)
			return COORD_SA_WRAPPED;   /* why is set */
		break;
	case FL_SA_OFF:
		r = FL_E_STATE;
		break;
	}
	if (r != 0) {
		coord_sa_why(rs, r, why, whycap);
		return COORD_SA_FAILED;
	}
	return COORD_SA_WAIT;
}
