/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_round: the round state machine driven directly, with 3 fake
 * sites and a fake clock: FedAvg of known vectors, refused uploads, a
 * deadline that leaves a silent site out, retries then failure, waiting,
 * abort, and resume after a restart. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "coord_engine.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_test.h"
#include "fl_update.h"

static const char *spec_text(uint32_t rounds, uint32_t min, uint32_t timeout,
			     uint32_t attempts)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "[job]\nname = t\ndataset = d\nmodel = linear\n"
		 "label = y\nrounds = %u\nmin_clients = %u\n[round]\ntimeout = %u\n"
		 "max_attempts = %u\n", rounds, min, timeout, attempts);
	return buf;
}

static void poll_all(coord_engine *e, int64_t now, int n)
{
	static const char *names[] = { "site1", "site2", "site3" };
	fl_msg_poll_req req;
	fl_msg_task t;
	int i;

	memset(&req, 0, sizeof(req));
	req.ndatasets = 1;
	snprintf(req.datasets[0], FL_NAME_BYTES, "d");
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		FL_CHECK_EQ_INT(coord_engine_poll(e, names[i], &req, now, &t), 0);
		fl_msg_task_clear(&t);
	}
}

/* Polls one site and returns its task (caller clears). */
static fl_msg_task poll_one(coord_engine *e, const char *site, int64_t now)
{
	fl_msg_poll_req req;
	fl_msg_task t;

	memset(&req, 0, sizeof(req));
	memset(&t, 0, sizeof(t));
	req.ndatasets = 1;
	snprintf(req.datasets[0], FL_NAME_BYTES, "d");
	FL_CHECK_EQ_INT(coord_engine_poll(e, site, &req, now, &t), 0);
	return t;
}

/* Uploads vec as a site would, sending only nbytes of it (all if SIZE_MAX). */
static int upload_part(coord_engine *e, const char *site, uint64_t job,
		       uint32_t round, uint32_t attempt, enum fl_task_kind kind,
		       const double *vec, size_t words, size_t nbytes, char *msg)
{
	fl_msg_update_header h = { job, round, attempt, kind, FL_ENC_F64, words };
	coord_agg_input *in = NULL;
	uint8_t bytes[8 * 64];
	size_t i;
	int b, r;

	msg[0] = '\0';
	if (words > 64)
		return FL_E_INVAL;
	for (i = 0; i < words; i++) {
		uint64_t u;

		memcpy(&u, &vec[i], 8);
		for (b = 0; b < 8; b++)
			bytes[8 * i + (size_t)b] = (uint8_t)(u >> (8 * b));
	}
	if (nbytes > words * 8)
		nbytes = words * 8;
	if ((r = coord_engine_upload_begin(e, site, &h, 0, msg)) != 0)
		return r;
	if ((r = coord_agg_input_new(words, &in)) == 0 &&
	    (r = coord_agg_input_feed(in, bytes, nbytes / 2)) == 0 &&
	    (r = coord_agg_input_feed(in, bytes + nbytes / 2, nbytes - nbytes / 2)) == 0 &&
	    (r = coord_agg_input_finish(in, msg)) == 0)
		r = coord_engine_upload_commit(e, site, &h, in, msg);
	if (r != 0)
		coord_engine_upload_abort(e, site, &h);
	coord_agg_input_free(in);
	return r;
}

static int upload(coord_engine *e, const char *site, uint64_t job, uint32_t round,
		  uint32_t attempt, enum fl_task_kind kind, const double *vec,
		  size_t words)
{
	char msg[FL_ERRMSG_BYTES];

	return upload_part(e, site, job, round, attempt, kind, vec, words, SIZE_MAX, msg);
}

static fl_model *get_model(coord_engine *e, uint64_t job, uint32_t version)
{
	char msg[FL_ERRMSG_BYTES];
	coord_blob *b = NULL;
	fl_model *m = NULL;

	FL_CHECK_EQ_INT(coord_engine_model(e, NULL, job, version, 0, &b, msg), 0);
	if (b) {
		FL_CHECK_EQ_INT(fl_model_decode(b->data, b->len, &m), 0);
		coord_blob_release(b);
	}
	return m;
}

static const double st1[] = { 10, 10, 20, 30, 50 };
static const double st2[] = { 20, 40, -10, 100, 30 };
static const double st3[] = { 30, 30, 60, 60, 150 };

/* Round 0 with refused uploads along the way; returns model v0. */
static fl_model *run_stats(coord_engine *e, uint64_t job, int64_t t)
{
	static const double d3[] = { 5, 1, 2, 3, 4, 5, 6 };
	double bad[5] = { 10, 10, 20, 30, 50 };
	char msg[FL_ERRMSG_BYTES];
	fl_msg_task task;

	coord_engine_tick(e, t);
	task = poll_one(e, "site1", t + 10);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_STATS);
	FL_CHECK_EQ_INT(task.job_id, job);
	FL_CHECK_EQ_INT(task.round, 0);
	FL_CHECK(task.spec != NULL && strstr(task.spec, "linear") != NULL);
	FL_CHECK(task.deadline_ms > 9000 && task.deadline_ms <= 10000);
	fl_msg_task_clear(&task);

	FL_CHECK_EQ_INT(upload(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5), 0);
	FL_CHECK_EQ_INT(upload_part(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5,
				    SIZE_MAX, msg), FL_E_REPLAY);
	FL_CHECK_EQ_INT(upload_part(e, "site2", job, 0, 2, FL_TASK_STATS, st2, 5,
				    SIZE_MAX, msg), FL_E_ROUND);
	FL_CHECK(strstr(msg, "current round is 0 attempt 1") != NULL);
	FL_CHECK_EQ_INT(upload_part(e, "site2", job, 0, 1, FL_TASK_TRAIN, st2, 5,
				    SIZE_MAX, msg), FL_E_ROUND);
	FL_CHECK_EQ_INT(upload_part(e, "site9", job, 0, 1, FL_TASK_STATS, st2, 5,
				    SIZE_MAX, msg), FL_E_STATE);
	FL_CHECK_EQ_INT(upload_part(e, "site2", job, 0, 1, FL_TASK_STATS, st2, 4,
				    SIZE_MAX, msg), FL_E_RANGE);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 0, 1, FL_TASK_STATS, st2, 5), 0);
	/* d = 3 disagrees with the d = 2 the others sent. */
	FL_CHECK_EQ_INT(upload_part(e, "site3", job, 0, 1, FL_TASK_STATS, d3, 7,
				    SIZE_MAX, msg), FL_E_RANGE);
	FL_CHECK(strstr(msg, "features") != NULL);
	/* A broken stream (half the bytes) and a non-finite value change nothing. */
	FL_CHECK_EQ_INT(upload_part(e, "site3", job, 0, 1, FL_TASK_STATS, st3, 5,
				    20, msg), FL_E_RANGE);
	bad[3] = NAN;
	FL_CHECK_EQ_INT(upload_part(e, "site3", job, 0, 1, FL_TASK_STATS, bad, 5,
				    SIZE_MAX, msg), FL_E_RANGE);
	bad[3] = INFINITY;
	FL_CHECK_EQ_INT(upload_part(e, "site3", job, 0, 1, FL_TASK_STATS, bad, 5,
				    SIZE_MAX, msg), FL_E_RANGE);
	coord_engine_tick(e, t + 100);     /* 2 of 3: keeps waiting */
	task = poll_one(e, "site3", t + 110);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_STATS);
	fl_msg_task_clear(&task);
	FL_CHECK_EQ_INT(upload(e, "site3", job, 0, 1, FL_TASK_STATS, st3, 5), 0);
	coord_engine_tick(e, t + 200);     /* all 3: closes early */
	return get_model(e, job, 0);
}

static void check_stats_model(const fl_model *m0, const char *spec)
{
	double sum[5];
	fl_jobspec js;
	fl_model *ref = NULL;
	int i;

	FL_CHECK(m0 != NULL);
	if (m0 == NULL)
		return;
	FL_CHECK_EQ_INT(m0->d, 2);
	FL_CHECK_EQ_INT(m0->version, 0);
	FL_CHECK_NEAR(m0->mean[0], 80.0 / 60.0, 1e-12);
	FL_CHECK_NEAR(m0->mean[1], 70.0 / 60.0, 1e-12);
	for (i = 0; i < 5; i++)
		sum[i] = st1[i] + st2[i] + st3[i];
	FL_CHECK_EQ_INT(fl_jobspec_parse(spec, strlen(spec), &js, NULL), 0);
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&js, 2, &ref), 0);
	if (ref) {
		FL_CHECK_EQ_INT(fl_update_stats_apply(ref, sum), 0);
		FL_CHECK_NEAR(m0->scale[0], ref->scale[0], 1e-12);
		FL_CHECK_NEAR(m0->scale[1], ref->scale[1], 1e-12);
	}
	fl_model_free(ref);
	fl_jobspec_clear(&js);
}

static void test_fedavg(coord_store *st)
{
	static const double t1[] = { 1, 2, 3, 10, 5, 5, 2, 0, 2, 10, 30 };
	static const double t2[] = { 4, -2, 0, 20, 4, 5, 3, 0, 3, 12, 40 };
	static const double t3[] = { 1, 0, 6, 30, 3, 10, 5, 0, 5, 20, 50 };
	static const double e1[] = { 7, 3, 0, 3, 11, 31 };
	const char *spec = spec_text(2, 2, 10, 2);
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_model *m0, *m1 = NULL, *m2 = NULL;
	fl_msg_round_info *rows = NULL;
	fl_msg_job_info ji;
	fl_msg_task task;
	coord_blob *b = NULL;
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 100000;
	double nan_vec[11];

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, "[job]\nname = x\n", "operator", t,
					    &job, msg), FL_E_SPEC);
	FL_CHECK(msg[0] != '\0');
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec, "operator", t, &job, msg), 0);
	poll_all(e, t, 3);
	m0 = run_stats(e, job, t);
	check_stats_model(m0, spec);

	/* Round 1: FedAvg of three known updates. */
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	task = poll_one(e, "site2", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(task.round, 1);
	FL_CHECK(task.model_bytes > 0);
	fl_msg_task_clear(&task);
	FL_CHECK_EQ_INT(coord_engine_model(e, "site2", job, 0, 0, &b, msg), 0);
	coord_blob_release(b);
	b = NULL;
	FL_CHECK_EQ_INT(coord_engine_model(e, "site9", job, 0, 0, &b, msg), FL_E_DENIED);
	if (m0)
		FL_CHECK_EQ_INT(fl_update_train_len(m0), 11);
	memcpy(nan_vec, t1, sizeof(nan_vec));
	nan_vec[1] = NAN;
	FL_CHECK_EQ_INT(upload_part(e, "site1", job, 1, 1, FL_TASK_TRAIN, nan_vec, 11,
				    SIZE_MAX, msg), FL_E_RANGE);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 1, 1, FL_TASK_TRAIN, t1, 11), 0);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 1, 1, FL_TASK_TRAIN, t2, 11), 0);
	FL_CHECK_EQ_INT(upload(e, "site3", job, 1, 1, FL_TASK_TRAIN, t3, 11), 0);
	coord_engine_tick(e, t + 50);
	m1 = get_model(e, job, 1);
	if (m1) {
		FL_CHECK_EQ_INT(m1->version, 1);
		FL_CHECK_NEAR(m1->w[0], 6.0 / 60.0, 1e-12);
		FL_CHECK_NEAR(m1->w[1], 0.0, 1e-12);
		FL_CHECK_NEAR(m1->w[2], 9.0 / 60.0, 1e-12);
		FL_CHECK_NEAR(m1->mean[0], 80.0 / 60.0, 1e-12);
	}

	/* Round 2: site3 stays silent; the deadline closes it with 2 of 3. */
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 2, 1, FL_TASK_TRAIN, t1, 11), 0);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 2, 1, FL_TASK_TRAIN, t2, 11), 0);
	coord_engine_tick(e, t + 5000);
	task = poll_one(e, "site3", t + 5000);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_TRAIN);   /* still open */
	fl_msg_task_clear(&task);
	coord_engine_tick(e, t + 10000);
	m2 = get_model(e, job, 2);
	if (m2) {
		FL_CHECK_NEAR(m2->w[0], 0.1 + 5.0 / 30.0, 1e-12);
		FL_CHECK_NEAR(m2->w[1], 0.0, 1e-12);
		FL_CHECK_NEAR(m2->w[2], 0.15 + 3.0 / 30.0, 1e-12);
	}
	/* site3 is too late now. */
	FL_CHECK_EQ_INT(upload_part(e, "site3", job, 2, 1, FL_TASK_TRAIN, t3, 11,
				    SIZE_MAX, msg), FL_E_ROUND);

	/* Round 3: EVAL, then the job is done. */
	t += 11000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	task = poll_one(e, "site1", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_EVAL);
	FL_CHECK_EQ_INT(task.round, 3);
	fl_msg_task_clear(&task);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 3, 1, FL_TASK_EVAL, e1, 6), 0);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 3, 1, FL_TASK_EVAL, e1, 6), 0);
	FL_CHECK_EQ_INT(upload(e, "site3", job, 3, 1, FL_TASK_EVAL, e1, 6), 0);
	coord_engine_tick(e, t + 100);
	task = poll_one(e, "site1", t + 200);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	FL_CHECK(task.poll_ms >= 200 && task.poll_ms <= 500);
	fl_msg_task_clear(&task);

	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "done") == 0);
	FL_CHECK_EQ_INT(ji.rounds_done, 2);
	FL_CHECK(ji.metrics.present);
	FL_CHECK_NEAR(ji.metrics.n, 21.0, 1e-12);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 4);
	if (n == 4) {
		FL_CHECK(strcmp(rows[1].state, "done") == 0);
		FL_CHECK_NEAR(rows[1].train_loss, 12.0 / 60.0, 1e-12);
		FL_CHECK(rows[1].eval.present);
		FL_CHECK_NEAR(rows[1].eval.n, 20.0, 1e-12);
		FL_CHECK_EQ_INT(rows[2].selected, 3);
		FL_CHECK_EQ_INT(rows[2].survived, 2);
		FL_CHECK_EQ_INT(rows[2].nparticipants, 2);
		FL_CHECK(strcmp(rows[3].kind, "eval") == 0);
		FL_CHECK_EQ_INT(rows[3].survived, 3);
	}
	coord_store_round_list_free(rows, n);
	fl_model_free(m0);
	fl_model_free(m1);
	fl_model_free(m2);
	coord_engine_free(e);
}

static void test_retry_then_fail(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_round_info *rows = NULL;
	fl_msg_job_info ji;
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 500000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(2, 2, 1, 2), "operator", t,
					    &job, msg), 0);
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5), 0);
	coord_engine_tick(e, t + 999);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 0, 1, FL_TASK_STATS, st2, 5), 0);
	/* site2 made it in time: 2 >= min_clients, so this is not a failure. */
	coord_engine_free(e);
	e = NULL;

	/* A fresh job where only one site answers, twice. */
	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_abort(e, job, "operator", t, msg), 0);
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(2, 2, 1, 2), "operator", t,
					    &job, msg), 0);
	t += 10000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5), 0);
	coord_engine_tick(e, t + 1000);    /* deadline: 1 < 2, attempt 1 fails */
	poll_all(e, t + 1100, 3);
	coord_engine_tick(e, t + 1100);
	FL_CHECK_EQ_INT(upload_part(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5,
				    SIZE_MAX, msg), FL_E_ROUND);
	FL_CHECK(strstr(msg, "current round is 0 attempt 2") != NULL);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 0, 2, FL_TASK_STATS, st1, 5), 0);
	coord_engine_tick(e, t + 2100);    /* attempt 2 fails: job fails */
	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "failed") == 0);
	FL_CHECK(strstr(ji.error, "round 0 failed 2 times") != NULL);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	if (n == 2)
		FL_CHECK(strcmp(rows[0].state, "failed") == 0 &&
			 strcmp(rows[1].state, "failed") == 0 && rows[1].attempt == 2);
	coord_store_round_list_free(rows, n);
	FL_CHECK_EQ_INT(coord_engine_abort(e, job, "operator", t, msg), FL_E_STATE);
	FL_CHECK(strstr(msg, "already failed") != NULL);
	FL_CHECK_EQ_INT(coord_engine_abort(e, 999999, "operator", t, msg), FL_E_NOTFOUND);
	coord_engine_free(e);
}

static void test_wait_abort_resume(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_msg_job_info ji;
	fl_msg_task task;
	uint64_t waiting = 0, job = 0;
	int64_t t = 900000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	/* min_clients 3 but site3 is offline: the job waits. */
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(1, 3, 10, 2), "operator", t,
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

	/* A job that is in round 1 when the coordinator stops. */
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec_text(1, 2, 10, 2), "operator", t,
					    &job, msg), 0);
	t += 100;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	FL_CHECK_EQ_INT(upload(e, "site1", job, 0, 1, FL_TASK_STATS, st1, 5), 0);
	FL_CHECK_EQ_INT(upload(e, "site2", job, 0, 1, FL_TASK_STATS, st2, 5), 0);
	FL_CHECK_EQ_INT(upload(e, "site3", job, 0, 1, FL_TASK_STATS, st3, 5), 0);
	coord_engine_tick(e, t + 50);
	coord_engine_tick(e, t + 100);     /* round 1 attempt 1 starts */
	task = poll_one(e, "site1", t + 110);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(task.attempt, 1);
	fl_msg_task_clear(&task);
	coord_engine_free(e);
	e = NULL;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	task = poll_one(e, "site2", t + 10);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(task.job_id, job);
	FL_CHECK_EQ_INT(task.round, 1);
	FL_CHECK_EQ_INT(task.attempt, 2);
	FL_CHECK(task.model_bytes > 0);
	fl_msg_task_clear(&task);
	coord_engine_free(e);
}

int main(void)
{
	char dir[64], path[128], errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return FL_TEST_DONE();
	coord_store_site_add(st, "site1", "site", 1);
	coord_store_site_add(st, "site2", "site", 1);
	coord_store_site_add(st, "site3", "site", 1);
	test_fedavg(st);
	test_retry_then_fail(st);
	test_wait_abort_resume(st);
	coord_store_close(st);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
