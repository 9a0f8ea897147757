/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_round_retry: round attempts that do not simply succeed, driven
 * through the engine's handler-level functions by in-process
 * secure-aggregation clients (coord_round_harness.c) and a fake clock: too
 * few sites (or below the threshold) retry then fail the job, waiting,
 * abort, an R8 stats sum that wraps, the consistency phase with 4 sites,
 * and a site that broke off its upload left out of the round's next
 * attempt. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_engine.h"
#include "coord_round_harness.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_log.h"
#include "fl_model.h"
#include "fl_pki.h"
#include "fl_secagg.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"
#include "fl_sa_context.h"
#include "fl_update.h"
#include "fl_upvec.h"

/* Only site1 answers: too many drops, the attempt is retried, then the job
 * fails. */
static void test_retry_then_fail(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_round_info *rows = NULL;
	fl_msg_job_info ji;
	fl_msg_task task;
	agent a;
	fl_secagg_hdr old;
	fl_secagg_keylist kl;
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 500000;

	memset(&kl, 0, sizeof(kl));
	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(2, 2, 1, 2), "operator", t,
					    &job, msg), 0);
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	FL_CHECK_EQ_INT(agent_advertise(e, &a, 0, t), 0);
	old = a.hdr;
	agent_clear(&a);
	coord_engine_tick(e, t + 500);     /* still within the deadline */
	task = poll_one(e, "site2", t + 510);
	FL_CHECK_EQ_INT(task.phase, FL_SA_ADVERTISE);
	fl_msg_task_clear(&task);
	coord_engine_tick(e, t + 1000);    /* deadline: 2 of 3 dropped */
	poll_all(e, t + 1100, 3);
	coord_engine_tick(e, t + 1100);    /* attempt 2 */
	FL_CHECK_EQ_INT(coord_engine_sa_get_keys(e, "site1", &old, &kl, msg), FL_E_ROUND);
	FL_CHECK(strstr(msg, "current round is 0 attempt 2") != NULL);
	FL_CHECK_EQ_INT(agent_advertise(e, &a, 0, t + 1100), 0);
	FL_CHECK_EQ_INT(a.hdr.attempt, 2);
	agent_clear(&a);
	coord_engine_tick(e, t + 2100);    /* attempt 2 fails: job fails */
	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "failed") == 0);
	FL_CHECK(strstr(ji.error, "round 0 failed 2 times") != NULL);
	FL_CHECK(strstr(ji.error, "dropped") != NULL);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	if (n == 2)
		FL_CHECK(strcmp(rows[0].state, "failed") == 0 &&
			 strcmp(rows[1].state, "failed") == 0 && rows[1].attempt == 2);
	coord_store_round_list_free(rows, n);
	task = poll_one(e, "site1", t + 2200);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);
	FL_CHECK_EQ_INT(coord_engine_abort(e, job, "operator", t, msg), FL_E_STATE);
	FL_CHECK(strstr(msg, "already failed") != NULL);
	FL_CHECK_EQ_INT(coord_engine_abort(e, 999999, "operator", t, msg), FL_E_NOTFOUND);
	coord_engine_free(e);
}

/* dropout = 0.9 lets the threshold decide: with 1 advert of 3 the site has
 * no neighbour with keys, below t = 2 (it could not pair, SECAGG.md R4), so
 * the attempt ends right after the advertise phase, is retried, then the
 * job fails. */
static void test_threshold(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_job_info ji;
	agent a;
	uint64_t job = 0;
	int64_t t = 700000;
	uint32_t att;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text_sa(2, 2, 1, 2,
			"[secagg]\ndropout = 0.9\n"), "operator", t, &job, msg), 0);
	for (att = 1; att <= 2; att++) {
		poll_all(e, t, 3);
		coord_engine_tick(e, t);
		FL_CHECK_EQ_INT(agent_advertise(e, &a, 1, t), 0);
		FL_CHECK_EQ_INT(a.hdr.attempt, att);
		agent_clear(&a);
		coord_engine_tick(e, t += 1000);
		t += 100;
	}
	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "failed") == 0);
	FL_CHECK(strstr(ji.error, "fewer than t=2: it cannot pair") != NULL);
	coord_engine_free(e);
}

/* Sites whose policy is the default T = 3, c = 1 need T + c = 4 sites: 3
 * are too few; with 4, t = 3 of k = 3 (2t > k + 1 + c) and q = 3 (2q >
 * n + c). STATS and a TRAIN round through SA_CONSISTENCY. */
static void test_consistency(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_model *m0 = NULL, *m1 = NULL, *ref = NULL;
	fl_msg_task task;
	uint64_t job = 0;
	int64_t t = 1200000;
	int use[NSITES] = { 1, 1, 1, 1 };

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	poll_T = 3;
	poll_c = 1;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text_sa(1, 2, 10, 1,
			"[secagg]\nconsistency = true\n"), "operator", t, &job, msg), 0);
	poll_all(e, t, 3);
	coord_engine_tick(e, t);          /* 3 sites: too few for T + c = 4 */
	task = poll_one(e, "site1", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);
	poll_all(e, t, 4);
	coord_engine_tick(e, t);
	task = poll_one(e, "site4", t);
	FL_CHECK_EQ_INT(task.sa.n, 4);
	FL_CHECK_EQ_INT(task.sa.k, 3);
	FL_CHECK_EQ_INT(task.sa.t, 3);
	FL_CHECK_EQ_INT(task.sa.client_id, 4);
	FL_CHECK_EQ_INT(task.sa.q, 3);
	FL_CHECK(task.sa.consistency);
	fl_msg_task_clear(&task);
	run_round_n(e, 4, stv, 7, -1, 10, 1, &t);
	m0 = get_model(e, job, 0);
	t += 1000;
	poll_all(e, t, 4);
	coord_engine_tick(e, t);
	run_round_n(e, 4, tv, 11, -1, 10, 1, &t);
	m1 = get_model(e, job, 1);
	ref = plain_fedavg(m0, use);
	check_model_near(m1, ref);
	fl_model_free(ref);
	fl_model_free(m0);
	fl_model_free(m1);
	coord_engine_free(e);
	poll_T = 2;
	poll_c = 0;
}

static void test_wait_abort(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_job_info ji;
	fl_msg_task task;
	uint64_t waiting = 0;
	int64_t t = 900000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	/* min_clients 2, but secure aggregation needs 3 and site3 is offline. */
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(1, 2, 10, 2), "operator", t,
					    &waiting, msg), 0);
	poll_all(e, t - 5000, 3);
	poll_all(e, t, 2);
	coord_engine_tick(e, t);
	coord_engine_tick(e, t + 50);
	task = poll_one(e, "site1", t + 60);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);
	FL_CHECK_EQ_INT(coord_store_job_get(st, waiting, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "pending") == 0);
	FL_CHECK_EQ_INT(coord_engine_abort(e, waiting, "operator", t + 70, msg), 0);
	FL_CHECK_EQ_INT(coord_store_job_get(st, waiting, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "aborted") == 0);
	coord_engine_free(e);
}

/* A site that breaks off its masked upload fails the attempt (its words
 * are in the sum); the next attempt of the round goes without it, and the
 * round completes with the other three. */
static void test_bench_partial(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_round_info *rows = NULL;
	fl_msg_task task;
	agent a[NSITES];
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 1500000;
	int i;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(1, 3, 1, 3), "operator", t,
					    &job, msg), 0);
	/* Jobs the earlier tests left running were resumed: end them. */
	for (uint64_t id = 1; id < job; id++)
		coord_engine_abort(e, id, "operator", t, msg);
	poll_all(e, t, NSITES);
	coord_engine_tick(e, t);
	for (i = 0; i < NSITES; i++)
		FL_CHECK_EQ_INT(agent_advertise(e, &a[i], i, t), 0);
	coord_engine_tick(e, t += 10);
	for (i = 0; i < NSITES; i++)
		FL_CHECK_EQ_INT(agent_share(e, &a[i]), 0);
	coord_engine_tick(e, t += 10);
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_input(e, &a[i], stv[i], 7), 0);
	FL_CHECK_EQ_INT(agent_input_n(e, &a[3], stv[3], 7, true), 0);
	for (i = 0; i < NSITES; i++)
		agent_clear(&a[i]);
	coord_engine_tick(e, t += 1100);   /* input deadline: attempt 1 fails */
	poll_all(e, t += 10, NSITES);
	coord_engine_tick(e, t);           /* attempt 2, without site4 */
	task = poll_one(e, "site4", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);
	task = poll_one(e, "site1", t);
	FL_CHECK(task.kind == FL_TASK_STATS && task.attempt == 2 && task.sa.n == 3);
	fl_msg_task_clear(&task);
	run_round(e, stv, 7, -1, 1, &t);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK(n >= 2);
	if (n >= 2) {
		FL_CHECK(strcmp(rows[0].state, "failed") == 0 && rows[0].attempt == 1);
		FL_CHECK(strcmp(rows[1].state, "done") == 0 && rows[1].attempt == 2 &&
			 rows[1].selected == 3 && rows[1].survived == 3);
		for (size_t k = 0; k < rows[1].nparticipants; k++)
			FL_CHECK(strcmp(rows[1].participants[k], "site4") != 0);
	}
	coord_store_round_list_free(rows, n);
	coord_engine_free(e);
}

/* R8 adversary: two sites ignore their bound and send feature a's sum of
 * squares as 4.5e12 (under 8e12, so the unbounded encoding takes it). The
 * sum 9e12 passes 2^43 and wraps to -8.6e12: the coordinator must refuse
 * the sum (the job fails saying why) instead of building model v0 with
 * feature a silently left unstandardised. */
static void test_stats_wrap_adversary(coord_store *st)
{
	static const double big[] = { 10, 1, 1, 4.5e12, 1, 1, 1 };
	static const double zero[] = { 10, 1, 1, 1, 1, 1, 1 };
	const double *const vec[] = { big, big, zero };
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_job_info ji;
	coord_blob *b = NULL;
	uint64_t job = 0;
	int64_t t = 900000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(1, 2, 10, 2), "operator", t,
					    &job, msg), 0);
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	run_round(e, vec, 7, -1, 10, &t);
	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "failed") == 0);
	FL_CHECK(strstr(ji.error, "R8") != NULL);
	FL_CHECK(strstr(ji.error, "feature 'a' sum of squares") != NULL);
	/* Nothing was built from the wrapped sum. */
	FL_CHECK(coord_engine_model(e, NULL, job, 0, 0, &b, msg) != 0);
	coord_blob_release(b);
	coord_engine_free(e);
}

int main(void)
{
	char dir[64], path[128];
	coord_store *st;

	fl_log_set_level(FL_LOG_WARN);
	if ((st = round_harness_begin(dir, path, NSITES)) == NULL) {
		round_harness_counts(&fl_test_checks, &fl_test_failures);
		return FL_TEST_DONE();
	}
	test_retry_then_fail(st);
	test_threshold(st);
	test_wait_abort(st);
	test_stats_wrap_adversary(st);
	coord_store_site_add(st, "site4", "site", 1);
	test_consistency(st);
	test_bench_partial(st);
	round_harness_end(st, dir, path);
	round_harness_counts(&fl_test_checks, &fl_test_failures);
	return FL_TEST_DONE();
}
