/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_grace: when secure-aggregation phases close ([round] grace and
 * quorum, coord_sa_close.c), driven through the engine with a fake clock and
 * five in-process sites (T = 2, c = 0: n = 5, k = 4, t = q = 3) in stats
 * jobs of one round: everyone answers (rule "all" for every phase); one
 * site silent in ADVERTISE, two in INPUT, one in UNMASK (closed at
 * answers-reached + grace,
 * not at the deadline, recorded "grace"); an open upload holds the grace;
 * quorum = 1 above the protocol minimum, or answers below it, wait to the
 * deadline ("deadline"), and so does a phase whose answers reach the count
 * but leave a site short of the neighbours it needs. The sites are
 * coord_round_harness.c's agents. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_engine.h"
#include "coord_round_harness.h"
#include "coord_store.h"
#include "fl_log.h"
#include "fl_secagg.h"
#include "fl_test.h"

#define NS MAX_SITES  /* site1..site5 */
#define TIMEOUT_MS 60000
#define GRACE_MS 2000
#define VLEN 5          /* stats vector of 2 features, no labels */

static const double vec[VLEN] = { 10, 10, 20, 30, 50 };

/* The phase that site i is asked for now (FL_SA_OFF: nothing to do, as
 * for a site that already answered the current phase). */
static enum fl_sa_phase phase_of(coord_engine *e, int i, int64_t now)
{
	fl_msg_task t = poll_one(e, names[i], now);
	enum fl_sa_phase p = t.kind == FL_TASK_NONE ? FL_SA_OFF : t.phase;

	fl_msg_task_clear(&t);
	return p;
}

/* The harness's agent; only the caller checks each step's result. */
static int agent_advertise_at(coord_engine *e, agent *a, int i, int64_t now)
{
	return agent_advertise_steps(e, a, i, now, false);
}

/* GetShares, encode and mask; then upload all words (commit: true) or
 * open the stream and send all but the commit (commit: false; the caller
 * commits later with upload_commit). */
static int agent_input_at(coord_engine *e, agent *a, bool commit,
			  fl_msg_update_header *h)
{
	const char *site = names[a->idx];
	char msg[FL_ERRMSG_BYTES];
	uint32_t *x = NULL;
	int r;

	if ((r = agent_mask(e, a, vec, VLEN, h, &x)) == 0 &&
	    (r = coord_engine_upload_begin(e, site, h, 1, msg)) == 0 &&
	    (r = coord_engine_upload_chunk(e, site, h, x, h->words, msg)) == 0 &&
	    commit)
		r = coord_engine_upload_commit(e, site, h, msg);
	free(x);
	return r;
}

/* Added to the spec of the next jobs (e.g. a SecAgg+ [secagg] section). */
static const char *spec_extra = "";

/* A stats job of one round on all five sites (polled and selected). */
static coord_engine *start_job(coord_store *st, uint32_t quorum, int64_t t,
			       uint64_t *job)
{
	coord_engine_opts o = { 600000, 300 };
	char spec[640], msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;

	snprintf(spec, sizeof(spec), "[job]\nname = g\ndataset = d\nmodel = linear\n"
		 "label = y\nfeatures = a, b\nmin_clients = 3\ntype = stats\n"
		 "[round]\ntimeout = %u\ngrace = %u\nquorum = %u\nmax_attempts = 1\n%s",
		 TIMEOUT_MS / 1000, GRACE_MS / 1000, quorum, spec_extra);
	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return NULL;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec, "operator", t, job, msg), 0);
	for (int i = 0; i < NS; i++)
		FL_CHECK_EQ_INT(phase_of(e, i, t), FL_SA_OFF);
	coord_engine_tick(e, t);
	for (int i = 0; i < NS; i++)
		FL_CHECK_EQ_INT(phase_of(e, i, t), FL_SA_ADVERTISE);
	return e;
}

/* The stored record of the job's round 0 attempt 1: closed_by, state and
 * duration. */
static void check_record(coord_store *st, uint64_t job, const char *state,
			 const char *closed_by, int64_t secs_ms, uint32_t survived)
{
	fl_msg_round_info *rl = NULL;
	size_t n = 0;

	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rl, &n), 0);
	FL_CHECK_EQ_INT(n, 1);
	if (n == 1) {
		FL_CHECK(strcmp(rl[0].state, state) == 0);
		FL_CHECK(strcmp(rl[0].closed_by, closed_by) == 0);
		if (strcmp(rl[0].closed_by, closed_by) != 0)
			fprintf(stderr, "closed_by: got '%s', want '%s'\n",
				rl[0].closed_by, closed_by);
		FL_CHECK_EQ_INT(rl[0].finished_ms - rl[0].started_ms, secs_ms);
		FL_CHECK_EQ_INT(rl[0].survived, survived);
	}
	coord_store_round_list_free(rl, n);
}

/* Runs one attempt. silent_adv: sites from this index on never advertise;
 * silent_in: sites from this index on (of those left) never upload;
 * silent_un: sites from this index on never answer UNMASK.
 * slow: index of a site whose upload stays open over the grace (-1: none).
 * Phases that wait for the silent sites are ticked at reach + grace - 1
 * (still open) and reach + grace (closed), or to the deadline when the
 * answers stay below what the attempt needs (expect_deadline). */
static void run_un(coord_store *st, uint32_t quorum, int silent_adv, int silent_in,
		   int silent_un, int slow, int expect_deadline, const char *state,
		   const char *closed_by)
{
	int64_t t0 = 1000000, t = t0, t_in;
	fl_msg_update_header h[NS];
	uint64_t job = 0;
	agent a[NS];
	int i, nin = silent_in < silent_adv ? silent_in : silent_adv;
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = start_job(st, quorum, t, &job);

	if (e == NULL)
		return;
	memset(a, 0, sizeof(a));
	for (i = 0; i < silent_adv; i++)
		FL_CHECK_EQ_INT(agent_advertise_at(e, &a[i], i, t), 0);
	coord_engine_tick(e, t += 10);
	if (silent_adv < NS) {
		/* enough adverts: the grace runs from this tick */
		coord_engine_tick(e, t + GRACE_MS - 1);
		FL_CHECK_EQ_INT(phase_of(e, NS - 1, t + GRACE_MS - 1), FL_SA_ADVERTISE);
		coord_engine_tick(e, t += GRACE_MS);
		FL_CHECK_EQ_INT(phase_of(e, NS - 1, t), FL_SA_OFF);
	}
	FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_SHARE);
	for (i = 0; i < silent_adv; i++)
		FL_CHECK_EQ_INT(agent_share(e, &a[i]), 0);
	coord_engine_tick(e, t_in = t += 10);
	FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_INPUT);
	for (i = 0; i < nin; i++)
		FL_CHECK_EQ_INT(agent_input_at(e, &a[i], i != slow, &h[i]), 0);
	coord_engine_tick(e, t += 10);
	if (nin < silent_adv && expect_deadline) {
		coord_engine_tick(e, t_in + TIMEOUT_MS - 1);   /* never by grace */
		FL_CHECK_EQ_INT(phase_of(e, NS - 1, t_in + TIMEOUT_MS - 1), FL_SA_INPUT);
		coord_engine_tick(e, t = t_in + TIMEOUT_MS);    /* the deadline */
	} else if (nin < silent_adv) {
		coord_engine_tick(e, t + GRACE_MS - 1);
		FL_CHECK_EQ_INT(phase_of(e, NS - 1, t + GRACE_MS - 1), FL_SA_INPUT);
		coord_engine_tick(e, t += GRACE_MS);
		if (slow >= 0) {
			/* the grace is up but an upload is open: still waiting */
			coord_engine_tick(e, t += 500);
			FL_CHECK_EQ_INT(phase_of(e, NS - 1, t), FL_SA_INPUT);
			FL_CHECK_EQ_INT(coord_engine_upload_commit(e, names[slow], &h[slow],
								   msg), 0);
			/* and until no upload was open for 500 ms (deferred
			 * uploads come back within 250 ms) */
			coord_engine_tick(e, t += 10);
			FL_CHECK_EQ_INT(phase_of(e, NS - 1, t), FL_SA_INPUT);
			coord_engine_tick(e, t += 490);
		}
	}
	if (strcmp(state, "done") == 0) {
		FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_CONSISTENCY);
		for (i = 0; i < nin; i++)
			FL_CHECK_EQ_INT(agent_consistency(e, &a[i]), 0);
		coord_engine_tick(e, t += 10);
		FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_UNMASK);
		for (i = 0; i < nin && i < silent_un; i++)
			FL_CHECK_EQ_INT(agent_unmask(e, &a[i]), 0);
		coord_engine_tick(e, t += 10);
		if (silent_un < nin) {
			coord_engine_tick(e, t + GRACE_MS - 1);
			FL_CHECK_EQ_INT(phase_of(e, nin - 1, t + GRACE_MS - 1),
					FL_SA_UNMASK);
			coord_engine_tick(e, t += GRACE_MS);
		}
	}
	FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_OFF);
	check_record(st, job, state, closed_by, t - t0,
		     strcmp(state, "done") == 0 ? (uint32_t)nin : 0);
	(void)msg;
	for (i = 0; i < NS; i++)
		agent_clear(&a[i]);
	coord_engine_free(e);
}

static void run(coord_store *st, uint32_t quorum, int silent_adv, int silent_in,
		int slow, int expect_deadline, const char *state,
		const char *closed_by)
{
	run_un(st, quorum, silent_adv, silent_in, NS, slow, expect_deadline, state,
	       closed_by);
}

/* site4 and site5 never advertise: 3 adverts reach t = q = 3, but each
 * advertiser then has 2 neighbours with keys, fewer than t (R4): closing
 * early could not finish, so the phase waits to its deadline. */
static void test_adv_short(coord_store *st)
{
	int64_t t0 = 1000000, t = t0;
	uint64_t job = 0;
	agent a[3];
	coord_engine *e = start_job(st, 0, t, &job);

	if (e == NULL)
		return;
	for (int i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_advertise_at(e, &a[i], i, t), 0);
	coord_engine_tick(e, t += 10);
	coord_engine_tick(e, t += GRACE_MS);
	coord_engine_tick(e, t += 10 * GRACE_MS);
	FL_CHECK_EQ_INT(phase_of(e, NS - 1, t), FL_SA_ADVERTISE);
	coord_engine_tick(e, t = t0 + TIMEOUT_MS);
	FL_CHECK_EQ_INT(phase_of(e, 0, t), FL_SA_OFF);
	check_record(st, job, "failed", "advertise=deadline", TIMEOUT_MS, 0);
	for (int i = 0; i < 3; i++)
		agent_clear(&a[i]);
	coord_engine_free(e);
}

int main(void)
{
	char dir[64], path[128];
	coord_store *st;

	fl_log_set_level(FL_LOG_WARN);
	if ((st = round_harness_begin(dir, path, NS)) == NULL) {
		round_harness_counts(&fl_test_checks, &fl_test_failures);
		return FL_TEST_DONE();
	}
	for (int i = 3; i < NS; i++)   /* site1..site3 are in */
		coord_store_site_add(st, names[i], "site", 1);
	/* everyone answers every phase */
	run(st, 0, NS, NS, -1, 0, "done", "advertise=all share=all input=all "
	    "consistency=all unmask=all");
	/* site5 never advertises: 4 of 5 adverts, closed 2 s after the 4th */
	run(st, 0, NS - 1, NS - 1, -1, 0, "done", "advertise=grace share=all "
	    "input=all consistency=all unmask=all");
	/* site4 and site5 never upload: 3 = t = q uploads suffice */
	run(st, 0, NS, NS - 2, -1, 0, "done", "advertise=all share=all "
	    "input=grace consistency=all unmask=all");
	/* site5 never uploads and site4's upload is still open when the grace
	 * (from the 3rd upload) is up: the phase waits for it */
	run(st, 0, NS, NS - 1, 3, 0, "done", "advertise=all share=all "
	    "input=grace consistency=all unmask=all");
	/* quorum = 1: 3 uploads are one short of 3 + 1, wait to the deadline
	 * (which then closes the phase with the same 3) */
	run(st, 1, NS, NS - 2, -1, 1, "done", "advertise=all share=all "
	    "input=deadline consistency=all unmask=all");
	/* site5 never returns its unmask shares: every secret still has t = 3
	 * of them from the other four, closed 2 s after the 4th answer */
	run_un(st, 0, NS, NS, NS - 1, -1, 0, "done", "advertise=all share=all "
	       "input=all consistency=all unmask=grace");
	/* 2 uploads, below t = 3: wait to the deadline; the attempt fails */
	run(st, 0, NS, NS - 3, -1, 1, "failed", "advertise=all share=all "
	    "input=deadline");
	test_adv_short(st);
	/* SecAgg+ (k = 2 of n = 5; t = 2): every site gets the same key list,
	 * so the survivor-list signatures over its digest check at every
	 * site, with all answering and with one silent in the input phase */
	spec_extra = "[secagg]\nneighbours = 2\n";
	run(st, 0, NS, NS, -1, 0, "done", "advertise=all share=all input=all "
	    "consistency=all unmask=all");
	run(st, 0, NS, NS - 1, -1, 0, "done", "advertise=all share=all "
	    "input=grace consistency=all unmask=all");
	round_harness_end(st, dir, path);
	round_harness_counts(&fl_test_checks, &fl_test_failures);
	return FL_TEST_DONE();
}
