/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_decline: the decline rule of the engine (coord_decline.c)
 * with a fake clock and no network: a job whose dataset no online site
 * holds fails at its first tick with an inferred decline per site; a
 * misspelt column that every selected site declines fails the job once
 * every site said why (not at the phase deadline); a single decliner is
 * left out and the job goes on without it; declines from sites outside
 * the attempt are refused; the declines table keeps one row per site and
 * attempt; the job's error groups the reasons; a global model whose loss
 * is not finite or explodes fails with what to change. */
#include <math.h>
#include <string.h>

#include "coord_engine.h"
#include "coord_events.h"
#include "coord_engine_int.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_update.h"

#define NSITES 4
static const char *names[NSITES] = { "site1", "site2", "site3", "site4" };

static const char *spec(const char *dataset, uint32_t min)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "[job]\nname = t\ndataset = %s\nmodel = linear\n"
		 "label = y\nfeatures = a, b\nrounds = 2\nmin_clients = %u\n"
		 "[round]\ntimeout = 30\nmax_attempts = 3\n", dataset, min);
	return buf;
}

static void poll_all(coord_engine *e, int64_t now, fl_msg_task *tasks)
{
	for (int i = 0; i < NSITES; i++) {
		fl_msg_poll_req req;
		fl_msg_task t;

		memset(&req, 0, sizeof(req));
		memset(&t, 0, sizeof(t));
		req.min_honest = 2;
		req.colluders = 0;
		req.ndatasets = 1;
		snprintf(req.datasets[0], FL_NAME_BYTES, "d");
		FL_CHECK_EQ_INT(coord_engine_poll(e, names[i], &req, now, &t), 0);
		if (tasks)
			tasks[i] = t;
		else
			fl_msg_task_clear(&t);
	}
}

static fl_msg_decline decline_of(uint64_t job, const fl_msg_task *t,
				 enum fl_decline_reason reason, const char *text)
{
	fl_msg_decline d;

	memset(&d, 0, sizeof(d));
	d.job_id = job;
	d.round = t->round;
	d.attempt = t->attempt;
	d.reason = reason;
	snprintf(d.text, sizeof(d.text), "%s", text);
	return d;
}

static void job_state(coord_store *st, uint64_t job, const char *want,
		      const char *in_error)
{
	fl_msg_job_info ji;

	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, want) == 0);
	if (strcmp(ji.state, want) != 0)
		fprintf(stderr, "job %llu is %s (%s), not %s\n",
			(unsigned long long)job, ji.state, ji.error, want);
	if (in_error) {
		FL_CHECK(strstr(ji.error, in_error) != NULL);
		if (!strstr(ji.error, in_error))
			fprintf(stderr, "error '%s' lacks '%s'\n", ji.error, in_error);
	}
}

static size_t declines_of(coord_store *st, uint64_t job, enum fl_decline_reason r)
{
	fl_msg_decline *d = NULL;
	size_t n = 0, k = 0;

	FL_CHECK_EQ_INT(coord_store_decline_list(st, job, &d, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += d[i].reason == r;
	free(d);
	return k;
}

/* No online site holds the dataset: fails at once, one inferred decline
 * per site (attempt 0), instead of waiting "0 of 4 sites online". */
static void test_no_dataset(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	coord_engine *e = NULL;
	char msg[FL_ERRMSG_BYTES] = "";
	uint64_t job = 0;
	int64_t t = 100000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	poll_all(e, t, NULL);
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec("nosuch", 3), "operator", t,
					    &job, msg), 0);
	coord_engine_tick(e, t + 10);
	job_state(st, job, "failed", "dataset_missing (site1 site2 site3 site4)");
	FL_CHECK_EQ_INT(declines_of(st, job, FL_DECLINE_DATASET), NSITES);
	coord_engine_free(e);
}

/* Every selected site declines at advertise: the job fails when the last
 * one did, long before the 30 s deadline, with all four reasons. */
static void test_all_decline(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	coord_engine *e = NULL;
	char msg[FL_ERRMSG_BYTES] = "";
	fl_msg_task tasks[NSITES];
	fl_msg_decline d;
	uint64_t job = 0;
	int64_t t = 200000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec("d", 3), "operator", t, &job, msg), 0);
	poll_all(e, t, NULL);
	coord_engine_tick(e, t += 10);
	poll_all(e, t, tasks);
	FL_CHECK_EQ_INT(tasks[0].kind, FL_TASK_STATS);
	FL_CHECK_EQ_INT(tasks[0].phase, FL_SA_ADVERTISE);
	/* not a site of the attempt, or another attempt: refused */
	d = decline_of(job, &tasks[0], FL_DECLINE_COLUMN, "x");
	d.attempt++;
	FL_CHECK_EQ_INT(coord_engine_decline(e, "site1", &d, t, msg), FL_E_STATE);
	d = decline_of(job, &tasks[0], FL_DECLINE_COLUMN, "x");
	FL_CHECK_EQ_INT(coord_engine_decline(e, "site9", &d, t, msg), FL_E_STATE);
	d.job_id = job + 100;
	FL_CHECK_EQ_INT(coord_engine_decline(e, "site1", &d, t, msg), FL_E_NOTFOUND);
	for (int i = 0; i < NSITES; i++) {
		d = decline_of(job, &tasks[i], FL_DECLINE_COLUMN,
			       "feature column 'b' is not in the data");
		FL_CHECK_EQ_INT(coord_engine_decline(e, names[i], &d, t, msg), 0);
		coord_engine_tick(e, t += 10);
		/* hopeless after the second, but the others may still say why */
		if (i < NSITES - 1)
			job_state(st, job, "running", NULL);
	}
	job_state(st, job, "failed", "column_missing (site1 site2 site3 site4): "
		  "feature column 'b' is not in the data");
	FL_CHECK_EQ_INT(declines_of(st, job, FL_DECLINE_COLUMN), NSITES);
	for (int i = 0; i < NSITES; i++)
		fl_msg_task_clear(&tasks[i]);
	coord_engine_free(e);
}

/* One site declines: the round goes on without it, and the next attempt
 * does not select it again. */
static void test_one_declines(coord_store *st)
{
	coord_engine_opts o = { 3000, 300 };
	coord_engine *e = NULL;
	char msg[FL_ERRMSG_BYTES] = "";
	fl_msg_task tasks[NSITES];
	fl_msg_round_info *rows = NULL;
	fl_msg_decline d;
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 300000;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec("d", 3), "operator", t, &job, msg), 0);
	poll_all(e, t, NULL);
	coord_engine_tick(e, t += 10);
	poll_all(e, t, tasks);
	d = decline_of(job, &tasks[3], FL_DECLINE_POLICY, "allowed_models: linear is not allowed");
	FL_CHECK_EQ_INT(coord_engine_decline(e, "site4", &d, t, msg), 0);
	coord_engine_tick(e, t += 1500);
	job_state(st, job, "running", NULL);
	/* the others stay silent: the attempt fails at its deadline, the next
	 * one selects the three that did not decline */
	for (int k = 0; k < 3; k++) {
		coord_engine_tick(e, t += 31000);
		poll_all(e, t, NULL);
	}
	coord_engine_tick(e, t += 10);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK(n >= 2);
	if (n >= 2) {
		FL_CHECK_EQ_INT(rows[0].selected, 4);
		FL_CHECK_EQ_INT(rows[n - 1].selected, 3);
		for (uint32_t i = 0; i < rows[n - 1].nparticipants; i++)
			FL_CHECK(strcmp(rows[n - 1].participants[i], "site4") != 0);
	}
	coord_store_round_list_free(rows, n);
	FL_CHECK_EQ_INT(declines_of(st, job, FL_DECLINE_POLICY), 1);
	for (int i = 0; i < NSITES; i++)
		fl_msg_task_clear(&tasks[i]);
	coord_engine_free(e);
}

static void test_store(coord_store *st)
{
	fl_msg_decline d, *out = NULL;
	size_t n = 0;

	memset(&d, 0, sizeof(d));
	FL_CHECK_EQ_INT(coord_store_decline_put(st, 77, &d), FL_E_INVAL);   /* no site */
	snprintf(d.site, sizeof(d.site), "site1");
	d.round = 1;
	d.attempt = 1;
	d.reason = FL_DECLINE_TRAINER;
	d.at_ms = 5;
	snprintf(d.text, sizeof(d.text), "first");
	FL_CHECK_EQ_INT(coord_store_decline_put(st, 77, &d), 0);
	snprintf(d.text, sizeof(d.text), "second");   /* same attempt: replaced */
	d.reason = FL_DECLINE_DIVERGED;
	FL_CHECK_EQ_INT(coord_store_decline_put(st, 77, &d), 0);
	d.attempt = 2;
	d.at_ms = 6;
	FL_CHECK_EQ_INT(coord_store_decline_put(st, 77, &d), 0);
	FL_CHECK_EQ_INT(coord_store_decline_list(st, 77, &out, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	if (n == 2) {
		FL_CHECK_EQ_INT(out[0].attempt, 1);
		FL_CHECK_EQ_INT(out[0].reason, FL_DECLINE_DIVERGED);
		FL_CHECK(strcmp(out[0].text, "second") == 0);
		FL_CHECK_EQ_INT(out[1].attempt, 2);
	}
	free(out);
	FL_CHECK_EQ_INT(coord_store_decline_list(st, 78, &out, &n), 0);
	FL_CHECK(out == NULL && n == 0);
}

static void test_summary(void)
{
	coord_decl d[8];
	char buf[256], tiny[8];

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 8; i++) {
		snprintf(d[i].site, sizeof(d[i].site), "s%d", i + 1);
		d[i].reason = i < 7 ? FL_DECLINE_LABEL : FL_DECLINE_TRAINER;
		snprintf(d[i].text, sizeof(d[i].text), "%d of 10 rows", i + 1);
	}
	d[6].reason = FL_DECLINE_DATASET;
	d[6].inferred = 1;
	FL_CHECK_EQ_INT(coord_decline_summary(d, 8, 9, 1, buf, sizeof(buf)), 7);
	FL_CHECK(strcmp(buf, "7 of 9 sites declined: label_not_in_job (s1 s2 s3 s4 s5 "
			"and 1 more): 1 of 10 rows; dataset_missing (s7): 7 of 10 "
			"rows") == 0);
	FL_CHECK_EQ_INT(coord_decline_summary(d, 8, 9, 0, buf, sizeof(buf)), 8);
	FL_CHECK(strstr(buf, "trainer_failed (s8)") != NULL);
	FL_CHECK_EQ_INT(coord_decline_summary(d, 8, 9, 1, tiny, sizeof(tiny)), 7);
	FL_CHECK(strlen(tiny) == sizeof(tiny) - 1);
	FL_CHECK_EQ_INT(coord_decline_summary(d, 0, 4, 1, buf, sizeof(buf)), 0);
	FL_CHECK(strcmp(buf, "0 of 4 sites declined") == 0);
}

static void test_global_diverged(void)
{
	coord_job j;
	fl_round_summary sm;
	char why[FL_MSG_ERROR_BYTES] = "";

	memset(&j, 0, sizeof(j));
	memset(&sm, 0, sizeof(sm));
	j.spec.lr = 0.1;
	j.spec.server_lr = 1.0;
	j.rs.round = 1;
	sm.train_loss = 0.9;
	sm.eval.n = 100;
	sm.eval.loss_sum = 100;   /* loss 1 entering round 1 */
	FL_CHECK_EQ_INT(coord_round_diverged(&j, &sm, why, sizeof(why)), 0);
	FL_CHECK_NEAR(j.first_loss, 1.0, 0);
	j.rs.round = 5;
	sm.eval.loss_sum = 100 * 9000.0;   /* grew, not yet 10^4-fold */
	FL_CHECK_EQ_INT(coord_round_diverged(&j, &sm, why, sizeof(why)), 0);
	sm.eval.loss_sum = 100 * 2e4;
	FL_CHECK_EQ_INT(coord_round_diverged(&j, &sm, why, sizeof(why)), FL_E_DIVERGED);
	FL_CHECK(strstr(why, "diverged at round 5") != NULL);
	FL_CHECK(strstr(why, "lower [train] lr (now 0.1)") != NULL);
	sm.eval.loss_sum = 100;
	sm.train_loss = NAN;
	FL_CHECK_EQ_INT(coord_round_diverged(&j, &sm, why, sizeof(why)), FL_E_DIVERGED);
	FL_CHECK(strstr(why, "training loss is not finite") != NULL);
}

int main(void)
{
	char dir[64], path[128], errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;

	test_summary();
	test_global_diverged();
	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return FL_TEST_DONE();
	for (int i = 0; i < NSITES; i++)
		FL_CHECK_EQ_INT(coord_store_site_add(st, names[i], "site", 10), 0);
	test_store(st);
	test_no_dataset(st);
	test_all_decline(st);
	test_one_declines(st);
	coord_store_close(st);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
