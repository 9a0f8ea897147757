/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_policy: the site's [policy] decision, participant counting,
 * model sizes and the rolling 24 h count of contributions. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_int.h"
#include "fl_agent.h"
#include "fl_err.h"
#include "fl_test.h"

static fl_agent_policy defaults(void)
{
	fl_agent_policy p;

	memset(&p, 0, sizeof(p));
	p.kinds = FL_POLICY_KINDS_ALL;
	p.models = FL_POLICY_MODELS_ALL;
	p.min_other_participants = FL_POLICY_DEFAULT_MIN_OTHERS;
	return p;
}

static fl_agent_policy_facts task_facts(void)
{
	fl_agent_policy_facts f;

	memset(&f, 0, sizeof(f));
	f.stage = FL_POLICY_AT_TASK;
	f.kind = FL_TASK_TRAIN;
	f.model = FL_MODEL_LOGISTIC;
	f.nparams = 31;
	f.clip = 1.0;
	f.others = 3;
	return f;
}

/* Expects a refusal whose reason contains needle. */
static void expect_deny(const fl_agent_policy *p, const fl_agent_policy_facts *f,
			const char *needle)
{
	char why[FL_ERRMSG_BYTES] = "";

	FL_CHECK_EQ_INT(fl_agent_policy_check(p, f, why, sizeof(why)), FL_E_DENIED);
	if (strstr(why, needle) == NULL) {
		fprintf(stderr, "reason '%s' lacks '%s'\n", why, needle);
		FL_CHECK(0);
	}
}

static void expect_allow(const fl_agent_policy *p, const fl_agent_policy_facts *f)
{
	char why[FL_ERRMSG_BYTES] = "";
	int r = fl_agent_policy_check(p, f, why, sizeof(why));

	if (r != 0)
		fprintf(stderr, "unexpected refusal: %s\n", why);
	FL_CHECK_EQ_INT(r, 0);
}

static void test_defaults(void)
{
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();

	expect_allow(&p, &f);
	f.kind = FL_TASK_STATS;
	f.model = 0;   /* no spec: fine when models are not restricted */
	f.nparams = 0;
	expect_allow(&p, &f);
	f.others = 2;
	expect_allow(&p, &f);
	/* The default refuses a round with just one other site. */
	f.others = 1;
	expect_deny(&p, &f, "the round has only 1 other site (min_other_participants 2)");
	f.others = 0;
	expect_deny(&p, &f, "only 0 other sites");
	FL_CHECK_EQ_INT(fl_agent_policy_check(NULL, &f, NULL, 0), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_agent_policy_check(&p, NULL, NULL, 0), FL_E_INVAL);
	/* A NULL reason buffer is fine. */
	FL_CHECK_EQ_INT(fl_agent_policy_check(&p, &f, NULL, 0), FL_E_DENIED);
}

static void test_kinds_models(void)
{
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();

	p.kinds = FL_POLICY_KIND_STATS | FL_POLICY_KIND_TRAIN;
	expect_allow(&p, &f);
	f.kind = FL_TASK_EVAL;
	expect_deny(&p, &f, "task kind eval not in allowed_kinds (stats, train)");
	f.kind = FL_TASK_NONE;
	expect_deny(&p, &f, "allowed_kinds");

	p = defaults();
	f = task_facts();
	p.models = FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR);
	expect_deny(&p, &f, "model logistic not in allowed_models (linear)");
	f.kind = FL_TASK_STATS;   /* every round of a refused job is refused */
	expect_deny(&p, &f, "model logistic not in allowed_models");
	f.model = FL_MODEL_LINEAR;
	expect_allow(&p, &f);
	p.models |= FL_POLICY_MODEL_BIT(FL_MODEL_SOFTMAX);
	f.model = FL_MODEL_MLP;
	expect_deny(&p, &f, "model mlp not in allowed_models (linear, softmax)");
	f.model = 0;
	expect_deny(&p, &f, "model kind is unknown");
	f.model = (enum fl_model_kind)99;
	expect_deny(&p, &f, "model kind is unknown");
}

/* require_dp: a job without [privacy] is refused, job-wide. */
static void test_require_dp(void)
{
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();

	expect_allow(&p, &f);
	p.require_dp = true;
	expect_deny(&p, &f, "the task is not noisy (no [privacy], or a STATS "
		    "round without [privacy] bounds) and this site's policy sets "
		    "require_dp = true");
	f.kind = FL_TASK_STATS;   /* every round of such a job */
	expect_deny(&p, &f, "require_dp");
	f.dp = true;
	expect_allow(&p, &f);
}

static void test_sizes(void)
{
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();

	p.max_model_params = 31;
	expect_allow(&p, &f);
	f.nparams = 32;
	expect_deny(&p, &f, "model has 32 parameters, above max_model_params 31");
	f.nparams = 0;
	expect_deny(&p, &f, "size is unknown");

	p = defaults();
	f = task_facts();
	p.min_clip = 0.5;
	f.clip = 0.5;
	expect_allow(&p, &f);
	f.clip = 0.25;
	expect_deny(&p, &f, "clip 0.25 is below min_clip 0.5");
	f.clip = NAN;
	expect_deny(&p, &f, "min_clip");
	p.min_clip = 0;   /* 0: any clip */
	f.clip = 1e-9;
	expect_allow(&p, &f);
}

static void test_rounds_and_stages(void)
{
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();

	p.max_rounds_per_day = 3;
	f.recent_rounds = 2;
	expect_allow(&p, &f);
	f.recent_rounds = 3;
	expect_deny(&p, &f, "contributed 3 rounds in the last 24 h (max_rounds_per_day 3)");
	p.max_rounds_per_day = 0;   /* unlimited */
	f.recent_rounds = 100000;
	expect_allow(&p, &f);

	/* Later stages only look at the other sites. */
	p = defaults();
	p.kinds = FL_POLICY_KIND_STATS;
	p.models = FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR);
	p.min_clip = 5;
	p.max_rounds_per_day = 1;
	p.min_other_participants = 3;
	f = task_facts();
	f.recent_rounds = 7;
	f.stage = FL_POLICY_AT_KEYS;
	f.others = 3;
	expect_allow(&p, &f);
	f.others = 2;
	expect_deny(&p, &f, "valid round keys from only 2 other sites (min_other_participants 3)");
	f.stage = FL_POLICY_AT_SURVIVORS;
	expect_deny(&p, &f, "survivor list names only 2 other sites");
	expect_deny(&p, &f, "not revealing shares");
	f.others = 4;
	expect_allow(&p, &f);
	f.stage = (enum fl_agent_policy_stage)7;
	FL_CHECK_EQ_INT(fl_agent_policy_check(&p, &f, NULL, 0), FL_E_INVAL);
	/* min_other_participants = 0 allows a round of one. */
	p = defaults();
	p.min_other_participants = 0;
	f = task_facts();
	f.others = 0;
	expect_allow(&p, &f);
}

static void test_count_others(void)
{
	const uint32_t ids[] = { 1, 2, 3, 4, 5 };
	const uint32_t dup[] = { 3, 3, 2, 2, 7, 0, 9, 1000, 1001, 4000000000u };

	FL_CHECK_EQ_INT(fl_agent_policy_count_others(ids, 5, 3, 5), 4);
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(ids, 5, 9, 5), 5);
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(ids, 5, 1, 3), 2);   /* > n */
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(ids, 1, 1, 5), 0);
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(NULL, 5, 1, 5), 0);
	/* Repeats, 0 and ids beyond n or the secagg cap do not count. */
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(dup, 10, 2, 8), 2);
	FL_CHECK_EQ_INT(fl_agent_policy_count_others(dup, 10, 2, 5000000), 4);
}

static void test_nparams(void)
{
	fl_jobspec s;

	memset(&s, 0, sizeof(s));
	s.model = FL_MODEL_LOGISTIC;
	s.nlabels = 2;
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 30), 31);
	s.model = FL_MODEL_LINEAR;
	s.nlabels = 0;
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 8), 9);
	s.model = FL_MODEL_SOFTMAX;
	s.nlabels = 7;
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 9), 70);
	s.model = FL_MODEL_MLP;
	s.nhidden = 2;
	s.hidden[0] = 16;
	s.hidden[1] = 8;
	/* 9 -> 16 -> 8 -> 7: 10*16 + 17*8 + 9*7 */
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 9), 160 + 136 + 63);
	s.nlabels = 0;   /* regression head */
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 9), 160 + 136 + 9);
	s.model = (enum fl_model_kind)0;
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(&s, 9), 0);
	FL_CHECK_EQ_INT(fl_agent_policy_nparams(NULL, 9), 0);
}

/* A record file with the given age in seconds. */
static void touch(const char *dir, const char *name, int64_t now, int64_t age)
{
	char path[512];
	struct timespec ts[2];

	snprintf(path, sizeof(path), "%s/records/%s", dir, name);
	FL_CHECK_EQ_INT(fl_file_write(path, "{}", 2, 0600), 0);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(now - age);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	FL_CHECK_EQ_INT(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_recent(void)
{
	char dir[] = "/tmp/fl_test_policy_XXXXXX", rec[600], cmd[700];
	int64_t now = fl_time_ms() / 1000;
	uint32_t n = 99;

	if (mkdtemp(dir) == NULL) {
		FL_CHECK(0);
		return;
	}
	/* No records folder yet: nothing contributed. */
	FL_CHECK_EQ_INT(fl_agent_policy_recent(dir, now, &n), 0);
	FL_CHECK_EQ_INT(n, 0);
	snprintf(rec, sizeof(rec), "%s/records", dir);
	FL_CHECK_EQ_INT(mkdir(rec, 0700), 0);
	touch(dir, "job1-round0-attempt1.json", now, 10);
	touch(dir, "job1-round1-attempt1.json", now, 3600);
	touch(dir, "job1-round2-attempt1.json", now, FL_AGENT_POLICY_WINDOW_S - 5);
	touch(dir, "job1-round3-attempt1.json", now, FL_AGENT_POLICY_WINDOW_S + 5);
	touch(dir, "job2-round1-attempt2.json", now, 2 * FL_AGENT_POLICY_WINDOW_S);
	/* Not records: a writer's temporary file and other names. */
	touch(dir, "job1-round4-attempt1.json.tmp.abcdef", now, 1);
	touch(dir, "notes.json", now, 1);
	touch(dir, "job.json", now, 1);
	snprintf(rec, sizeof(rec), "%s/records/job9.json", dir);
	FL_CHECK_EQ_INT(mkdir(rec, 0700), 0);   /* a folder is not a record */
	FL_CHECK_EQ_INT(fl_agent_policy_recent(dir, now, &n), 0);
	FL_CHECK_EQ_INT(n, 3);
	/* The window rolls: an hour later fewer, a day later none. */
	FL_CHECK_EQ_INT(fl_agent_policy_recent(dir, now + 3000, &n), 0);
	FL_CHECK_EQ_INT(n, 2);
	FL_CHECK_EQ_INT(fl_agent_policy_recent(dir, now + FL_AGENT_POLICY_WINDOW_S, &n), 0);
	FL_CHECK_EQ_INT(n, 0);
	FL_CHECK_EQ_INT(fl_agent_policy_recent(NULL, now, &n), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_agent_policy_recent(dir, now, NULL), FL_E_INVAL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	FL_CHECK_EQ_INT(system(cmd), 0);
}

/* The agent's glue: one task checked with its spec, data and records. */
static void test_glue(void)
{
	char dir[] = "/tmp/fl_test_policy_glue_XXXXXX", rec[600], cmd[700];
	fl_agent *a = calloc(1, sizeof(*a));
	fl_msg_task t;
	fl_jobspec spec;
	fl_dataset ds;
	int64_t now = fl_time_ms() / 1000;

	if (a == NULL || mkdtemp(dir) == NULL) {
		FL_CHECK(0);
		free(a);
		return;
	}
	a->cfg.policy = defaults();
	snprintf(a->cfg.state_dir, sizeof(a->cfg.state_dir), "%s", dir);
	memset(&t, 0, sizeof(t));
	t.job_id = 3;
	t.round = 2;
	t.attempt = 1;
	t.kind = FL_TASK_TRAIN;
	t.sa.n = 4;
	t.sa.clip = 1.0;
	memset(&spec, 0, sizeof(spec));
	spec.model = FL_MODEL_MLP;
	spec.nhidden = 1;
	spec.hidden[0] = 4;
	spec.nlabels = 2;
	memset(&ds, 0, sizeof(ds));
	ds.d = 3;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, NULL, NULL), 0);
	a->cfg.policy.models = FL_POLICY_MODEL_BIT(FL_MODEL_LOGISTIC);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, NULL, NULL), FL_E_DENIED);
	/* 3 -> 4 -> 2: 16 + 10 = 26 parameters. */
	a->cfg.policy = defaults();
	a->cfg.policy.max_model_params = 26;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	a->cfg.policy.max_model_params = 25;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, NULL), FL_E_DENIED);
	/* SaParams.n counts this site: n = 3 is 2 others. */
	a->cfg.policy = defaults();
	a->cfg.policy.min_other_participants = 3;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	t.sa.n = 3;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	t.sa.n = 0;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	t.sa.n = 4;
	FL_CHECK_EQ_INT(agent_policy_others(a, &t, FL_POLICY_AT_SURVIVORS, 3), 0);
	FL_CHECK_EQ_INT(agent_policy_others(a, &t, FL_POLICY_AT_SURVIVORS, 2), FL_E_DENIED);
	FL_CHECK_EQ_INT(agent_policy_others(a, &t, FL_POLICY_AT_KEYS, 2), FL_E_DENIED);
	/* max_rounds_per_day counts the records in state_dir, so it holds
	 * across restarts. */
	a->cfg.policy = defaults();
	a->cfg.policy.max_rounds_per_day = 2;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	snprintf(rec, sizeof(rec), "%s/records", dir);
	FL_CHECK_EQ_INT(mkdir(rec, 0700), 0);
	touch(dir, "job3-round0-attempt1.json", now, 60);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	touch(dir, "job3-round1-attempt1.json", now, 30);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	/* An unreadable state_dir refuses rather than guessing. */
	snprintf(a->cfg.state_dir, sizeof(a->cfg.state_dir), "%s/records/job3-round0-attempt1.json", dir);
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	free(a);
}

/* R9 adversary: a coordinator hands a site that did not opt in a job that
 * publishes per-site figures (if it took part, its figures would follow by
 * subtracting the others' clear figures from the sum): refused at the
 * advertise precheck. And an opted-in site sends nothing in clear for a
 * job whose spec does not ask for it. */
static void test_site_figures_adversary(void)
{
	fl_agent *a = calloc(1, sizeof(*a));
	fl_agent_policy p = defaults();
	fl_agent_policy_facts f = task_facts();
	fl_msg_task t;
	fl_jobspec spec;
	fl_dataset ds;
	fl_metrics mt;

	if (a == NULL) {
		FL_CHECK(0);
		return;
	}
	/* The pure decision: R9 comes first, whatever else is allowed. */
	f.site_figures = true;
	expect_deny(&p, &f, "R9: the job publishes per-site figures and this "
		    "site's policy does not (report_own_metrics = false)");
	f.kind = FL_TASK_STATS;
	expect_deny(&p, &f, "R9:");
	p.report_own_metrics = true;
	expect_allow(&p, &f);
	f.site_figures = false;
	expect_allow(&p, &f);
	p.report_own_metrics = false;
	expect_allow(&p, &f);
	/* The agent's glue, with the spec the task carries. */
	a->cfg.policy = defaults();
	snprintf(a->cfg.state_dir, sizeof(a->cfg.state_dir), "/nonexistent");
	memset(&t, 0, sizeof(t));
	t.job_id = 7;
	t.round = 1;
	t.attempt = 1;
	t.kind = FL_TASK_TRAIN;
	t.sa.n = 4;
	t.sa.clip = 1.0;
	memset(&spec, 0, sizeof(spec));
	spec.model = FL_MODEL_LOGISTIC;
	spec.nlabels = 2;
	spec.site_figures = true;
	memset(&ds, 0, sizeof(ds));
	ds.d = 3;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), FL_E_DENIED);
	a->cfg.policy.report_own_metrics = true;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	FL_CHECK(fl_agent_policy_site_figures(&a->cfg.policy, &spec));
	/* Opted in, but the job does not publish figures: nothing is sent
	 * (no channel is touched: a->ch is NULL). */
	memset(&mt, 0, sizeof(mt));
	mt.n = 50;
	mt.nclasses = 2;
	spec.site_figures = false;
	FL_CHECK_EQ_INT(agent_policy_task(a, &t, &spec, &ds), 0);
	FL_CHECK(!fl_agent_policy_site_figures(&a->cfg.policy, &spec));
	FL_CHECK_EQ_INT(agent_report_own(a, &t, &spec, &mt), FL_E_DENIED);
	FL_CHECK_EQ_INT(agent_report_own(a, &t, NULL, &mt), FL_E_DENIED);
	/* Not opted in: nothing either way. */
	a->cfg.policy.report_own_metrics = false;
	FL_CHECK_EQ_INT(agent_report_own(a, &t, &spec, &mt), FL_E_DENIED);
	spec.site_figures = true;
	FL_CHECK_EQ_INT(agent_report_own(a, &t, &spec, &mt), FL_E_DENIED);
	free(a);
}

int main(void)
{
	test_defaults();
	test_kinds_models();
	test_sizes();
	test_require_dp();
	test_rounds_and_stages();
	test_site_figures_adversary();
	test_count_others();
	test_nparams();
	test_recent();
	test_glue();
	return FL_TEST_DONE();
}
