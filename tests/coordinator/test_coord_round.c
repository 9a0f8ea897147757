/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_round: the round state machine driven through the engine's
 * handler-level functions (no network) by 3 in-process secure-aggregation
 * clients (fl_secagg_client, coord_round_harness.c) and a fake clock:
 * STATS, TRAIN and EVAL rounds equal plain FedAvg within quantisation
 * error, a site dropping after SHARE leaves the survivors' FedAvg, F64
 * uploads and wrong headers are refused, resume after a restart (with N
 * kept in the store). Retries, thresholds, waiting, abort and the
 * consistency phase with 4 sites: test_coord_round_retry.c. */
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

static void check_stats_model(const fl_model *m0, const char *spec)
{
	double sum[7];
	fl_jobspec js;
	fl_model *ref = NULL;
	int i;

	FL_CHECK(m0 != NULL);
	if (m0 == NULL)
		return;
	FL_CHECK_EQ_INT(m0->d, 2);
	FL_CHECK_EQ_INT(m0->version, 0);
	FL_CHECK_NEAR(m0->mean[0], 80.0 / 60.0, 1e-9);
	FL_CHECK_NEAR(m0->mean[1], 70.0 / 60.0, 1e-9);
	for (i = 0; i < 7; i++)
		sum[i] = st1[i] + st2[i] + st3[i];
	/* the label's standardisation: mean 190/60, variance 950/60 - mean^2 */
	FL_CHECK_NEAR(m0->y_mean, 190.0 / 60.0, 1e-9);
	FL_CHECK_NEAR(m0->y_scale, sqrt(950.0 / 60.0 - (190.0 / 60.0) * (190.0 / 60.0)),
		      1e-9);
	FL_CHECK_EQ_INT(fl_jobspec_parse(spec, strlen(spec), &js, NULL), 0);
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&js, 2, &ref), 0);
	if (ref) {
		FL_CHECK_EQ_INT(fl_update_stats_apply(ref, sum), 0);
		FL_CHECK_NEAR(m0->scale[0], ref->scale[0], 1e-9);
		FL_CHECK_NEAR(m0->scale[1], ref->scale[1], 1e-9);
	}
	fl_model_free(ref);
	fl_jobspec_clear(&js);
}

/* Refusals while round 1 is in SA_ADVERTISE / SA_INPUT. */
static void check_refusals_advertise(coord_engine *e, uint64_t job, int64_t t)
{
	fl_secagg_hdr bad = { job, 1, 2 }, good = { job, 1, 1 };
	fl_secagg_keylist kl;
	fl_secagg_advert adv;
	fl_secagg_params p;
	fl_secagg_client *c = NULL;
	fl_secagg_trust trust;
	fl_msg_task task = poll_one(e, "site1", t);
	char msg[FL_ERRMSG_BYTES];

	memset(&kl, 0, sizeof(kl));
	memset(&adv, 0, sizeof(adv));
	memset(&p, 0, sizeof(p));
	p.job_id = job;
	p.round = 1;
	p.attempt = 1;
	p.n = task.sa.n;
	p.t = task.sa.t;
	p.k = task.sa.k;
	p.m = task.sa.words;
	memcpy(p.round_seed, task.sa.round_seed, sizeof(p.round_seed));
	p.consistency = task.sa.consistency;
	p.q = task.sa.q;
	FL_CHECK_EQ_INT(fl_sa_context_digest(&task, p.ctx), 0);
	trust = pki.tr.trust;
	trust.names = (const char *const *)task.sa.names;
	FL_CHECK_EQ_INT(task.sa.client_id, 1);   /* site1 < site2 < site3 */
	FL_CHECK_EQ_INT(task.sa.n, 3);
	FL_CHECK_EQ_INT(task.sa.k, 2);
	FL_CHECK_EQ_INT(task.sa.t, 2);
	FL_CHECK_NEAR(task.sa.weight_scale, 60.0, 1e-12);
	FL_CHECK_EQ_INT(task.sa.nreal, 3);
	/* A key list before the advertise phase closed. */
	FL_CHECK_EQ_INT(coord_engine_sa_get_keys(e, "site1", &good, &kl, msg), FL_E_STATE);
	FL_CHECK(strstr(msg, "not ready") != NULL);
	FL_CHECK_EQ_INT(coord_engine_sa_get_keys(e, "site1", &bad, &kl, msg), FL_E_ROUND);
	FL_CHECK(strstr(msg, "but the current round is 1 attempt 1") != NULL);
	FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 1, pki.key[0], pki.ver,
					     pki.site[0].cert_pem, pki.site[0].cert_len,
					     &trust, &c, NULL), 0);
	if (c != NULL && fl_secagg_client_advertise(c, &adv) == 0) {
		/* site2 replays site1's advert (wrong client id). */
		FL_CHECK_EQ_INT(coord_engine_sa_advertise(e, "site2", pki.fpr[1], &adv,
							  msg), FL_E_DENIED);
		/* site1's advert over a TLS connection with another certificate. */
		FL_CHECK_EQ_INT(coord_engine_sa_advertise(e, "site1", pki.fpr[1], &adv,
							  msg), FL_E_DENIED);
		/* A site that is not selected. */
		FL_CHECK_EQ_INT(coord_engine_sa_advertise(e, "site9", pki.fpr[0], &adv,
							  msg), FL_E_DENIED);
		adv.hdr.attempt = 2;
		FL_CHECK_EQ_INT(coord_engine_sa_advertise(e, "site1", pki.fpr[0], &adv,
							  msg), FL_E_ROUND);
	}
	fl_secagg_advert_clear(&adv);
	fl_secagg_client_free(c);
	fl_msg_task_clear(&task);
}

static void test_fedavg(coord_store *st)
{
	const char *spec = spec_text(2, 2, 10, 2);
	coord_engine_opts o = { 3000, 300 };
	char msg[FL_ERRMSG_BYTES];
	coord_engine *e = NULL;
	fl_model *m0, *m1 = NULL, *m2 = NULL, *ref = NULL;
	fl_msg_round_info *rows = NULL;
	fl_msg_update_header h;
	fl_msg_job_info ji;
	fl_msg_task task;
	agent a[NSITES];
	uint64_t job = 0;
	size_t n = 0;
	int64_t t = 100000;
	int all[NSITES] = { 1, 1, 1, 0 }, two[NSITES] = { 1, 1, 0, 0 }, i;

	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	FL_CHECK_EQ_INT(coord_engine_submit(e, "[job]\nname = x\n", "operator", t,
					    &job, msg), FL_E_SPEC);
	FL_CHECK_EQ_INT(coord_engine_submit(e, "[job]\nname = x\ndataset = d\n"
					    "model = linear\nlabel = y\n", "operator",
					    t, &job, msg), FL_E_SPEC);
	FL_CHECK(strstr(msg, "features") != NULL);
	FL_CHECK_EQ_INT(coord_engine_submit(e, spec, "operator", t, &job, msg), 0);
	poll_all(e, t, 3);
	coord_engine_tick(e, t);

	/* Round 0 (STATS) */
	task = poll_one(e, "site1", t + 1);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_STATS);
	FL_CHECK_EQ_INT(task.round, 0);
	FL_CHECK_EQ_INT(task.sa.nreal, 0);
	FL_CHECK_EQ_INT(task.sa.words, 3 * fl_update_stats_len_hist(2, 0));
	FL_CHECK(task.deadline_ms > 9000 && task.deadline_ms <= 10000);
	FL_CHECK(task.spec != NULL && strstr(task.spec, "linear") != NULL);
	fl_msg_task_clear(&task);
	run_round(e, stv, 7, -1, 10, &t);
	m0 = get_model(e, job, 0);
	check_stats_model(m0, spec);

	/* Round 1 (TRAIN): everyone; refusals along the way. */
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	check_refusals_advertise(e, job, t);
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_advertise(e, &a[i], i, t), 0);
	task = poll_one(e, "site1", t);     /* advertised: nothing to do */
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);
	for (i = 0; i < 3; i++)
		agent_clear(&a[i]);
	coord_engine_free(e);   /* a restart mid-round: attempt 2 with fresh keys */
	e = NULL;
	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	if (e == NULL)
		return;
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	task = poll_one(e, "site2", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(task.round, 1);
	FL_CHECK_EQ_INT(task.attempt, 2);
	FL_CHECK_NEAR(task.sa.weight_scale, 60.0, 1e-12);  /* N from the store */
	FL_CHECK(task.model_bytes > 0);
	fl_msg_task_clear(&task);
	/* Plain F64 and wrong headers are refused before any phase work. */
	memset(&h, 0, sizeof(h));
	h.job_id = job;
	h.round = 1;
	h.attempt = 2;
	h.kind = FL_TASK_TRAIN;
	h.encoding = FL_ENC_F64;
	h.words = 11;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_STATE);
	FL_CHECK(strstr(msg, "plain updates are not accepted") != NULL);
	/* Run it, with an extra check in SA_INPUT. */
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_advertise(e, &a[i], i, t), 0);
	coord_engine_tick(e, t += 10);
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_share(e, &a[i]), 0);
	coord_engine_tick(e, t += 10);
	expect_phase(e, all, FL_SA_INPUT, t);
	h.encoding = FL_ENC_U32;
	h.words = a[0].task.sa.words;
	h.attempt = 1;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_ROUND);
	FL_CHECK(strstr(msg, "current round is 1 attempt 2") != NULL);
	h.attempt = 2;
	h.round = 2;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_ROUND);
	h.round = 1;
	h.words = a[0].task.sa.words - 1;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_RANGE);
	h.words = a[0].task.sa.words;
	h.kind = FL_TASK_EVAL;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_ROUND);
	h.kind = FL_TASK_TRAIN;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site9", &h, t, msg), FL_E_DENIED);
	/* R2: an upload for no stated or another round context is refused
	 * before anything is added to the sum */
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_CONTEXT);
	FL_CHECK(strstr(msg, "no stated round context") != NULL);
	FL_CHECK_EQ_INT(fl_sa_context_digest(&a[0].task, h.context), 0);
	h.context[0] ^= 1;
	h.has_context = true;
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_CONTEXT);
	h.context[0] ^= 1;
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_input(e, &a[i], tv[i], 11), 0);
	/* A second upload of the same site is a replay. */
	FL_CHECK_EQ_INT(coord_engine_upload_begin(e, "site1", &h, t, msg), FL_E_REPLAY);
	coord_engine_tick(e, t += 10);
	expect_phase(e, all, FL_SA_CONSISTENCY, t);
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_consistency(e, &a[i]), 0);
	coord_engine_tick(e, t += 10);
	expect_phase(e, all, FL_SA_UNMASK, t);
	for (i = 0; i < 3; i++)
		FL_CHECK_EQ_INT(agent_unmask(e, &a[i]), 0);
	coord_engine_tick(e, t += 10);
	for (i = 0; i < 3; i++)
		agent_clear(&a[i]);
	m1 = get_model(e, job, 1);
	ref = plain_fedavg(m0, all);
	check_model_near(m1, ref);
	if (m1)
		FL_CHECK_NEAR(m1->mean[0], 80.0 / 60.0, 1e-9);
	fl_model_free(ref);

	/* Round 2: site3 drops after SHARE; the survivors' FedAvg. */
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	run_round(e, tv, 11, 2, 10, &t);
	m2 = get_model(e, job, 2);
	ref = plain_fedavg(m1, two);
	check_model_near(m2, ref);
	fl_model_free(ref);

	/* Round 3: EVAL, then the job is done. */
	t += 1000;
	poll_all(e, t, 3);
	coord_engine_tick(e, t);
	task = poll_one(e, "site1", t);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_EVAL);
	FL_CHECK_EQ_INT(task.round, 3);
	FL_CHECK_NEAR(task.sa.weight_scale, 1.0, 0);
	fl_msg_task_clear(&task);
	run_round(e, ev, 6, -1, 10, &t);
	task = poll_one(e, "site1", t + 200);
	FL_CHECK_EQ_INT(task.kind, FL_TASK_NONE);
	fl_msg_task_clear(&task);

	FL_CHECK_EQ_INT(coord_store_job_get(st, job, &ji, NULL), 0);
	FL_CHECK(strcmp(ji.state, "done") == 0);
	FL_CHECK_EQ_INT(ji.rounds_done, 2);
	FL_CHECK(ji.metrics.present);
	FL_CHECK_NEAR(ji.metrics.n, 21.0, 1e-9);
	FL_CHECK_EQ_INT(coord_store_round_list(st, job, &rows, &n), 0);
	FL_CHECK_EQ_INT(n, 5);   /* 0, 1 (attempts 1, 2), 2, 3 */
	if (n == 5) {
		FL_CHECK(strcmp(rows[1].state, "failed") == 0);
		FL_CHECK(strcmp(rows[2].state, "done") == 0 && rows[2].attempt == 2);
		FL_CHECK_NEAR(rows[2].train_loss, 12.0 / 60.0, 1e-9);
		FL_CHECK(rows[2].eval.present);
		FL_CHECK_NEAR(rows[2].eval.n, 20.0, 1e-9);
		FL_CHECK_EQ_INT(rows[2].survived, 3);
		FL_CHECK_EQ_INT(rows[3].selected, 3);
		FL_CHECK_EQ_INT(rows[3].survived, 2);
		FL_CHECK_EQ_INT(rows[3].nparticipants, 2);
		if (rows[3].nparticipants == 2)
			FL_CHECK(strcmp(rows[3].participants[0], "site1") == 0 &&
				 strcmp(rows[3].participants[1], "site2") == 0);
		FL_CHECK(strcmp(rows[4].kind, "eval") == 0);
		FL_CHECK_EQ_INT(rows[4].survived, 3);
	}
	coord_store_round_list_free(rows, n);
	fl_model_free(m0);
	fl_model_free(m1);
	fl_model_free(m2);
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
	test_fedavg(st);
	round_harness_end(st, dir, path);
	round_harness_counts(&fl_test_checks, &fl_test_failures);
	return FL_TEST_DONE();
}
