/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_round: the round state machine driven through the engine's
 * handler-level functions (no network) by 3 in-process secure-aggregation
 * clients (fl_secagg_client) and a fake clock: STATS, TRAIN and EVAL rounds
 * equal plain FedAvg within quantisation error, a site dropping after SHARE
 * leaves the survivors' FedAvg, F64 uploads and wrong headers are refused,
 * too few sites (or below the threshold) retry then fail the job, the
 * consistency phase with 4 sites, waiting, abort, resume after a restart
 * (with N kept in the store), and a site that broke off its upload left
 * out of the round's next attempt. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_agg.h"
#include "coord_engine.h"
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

#define NSITES 4       /* site4 only takes part in the consistency test */
#define QTOL 1e-4       /* quantisation error bound on model weights */

static const char *names[NSITES] = { "site1", "site2", "site3", "site4" };

/* The consortium: a CA and one certificate + key per site. */
static struct {
	fl_test_ca ca;
	fl_test_site site[NSITES];
	fl_sign_key *key[NSITES];
	fl_verifier *ver;
	char fpr[NSITES][65];
	fl_test_trust tr;    /* members site1..site4; T = 2, c = 0 */
} pki;

static int pki_init(void)
{
	fl_cert_info ci;
	int i;

	if (fl_test_ca_new("coord test CA", &pki.ca) != 0 ||
	    fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &pki.ver) != 0)
		return -1;
	for (i = 0; i < NSITES; i++) {
		if (fl_test_site_new(&pki.ca, names[i], 10 + i, 0, &pki.site[i]) != 0 ||
		    fl_sign_key_load_pem(pki.site[i].key_pem, pki.site[i].key_len,
					 &pki.key[i]) != 0 ||
		    fl_pki_cert_info(pki.site[i].cert_pem, pki.site[i].cert_len, &ci) != 0)
			return -1;
		memcpy(pki.fpr[i], ci.fingerprint, sizeof(pki.fpr[i]));
	}
	return fl_test_trust_init(&pki.tr, pki.site, NSITES, 2, 0);
}

static void pki_free(void)
{
	int i;

	for (i = 0; i < NSITES; i++) {
		fl_sign_key_free(pki.key[i]);
		fl_test_site_free(&pki.site[i]);
	}
	fl_verifier_free(pki.ver);
	fl_test_ca_free(&pki.ca);
	fl_test_trust_free(&pki.tr);
}

static const char *spec_text_sa(uint32_t rounds, uint32_t min, uint32_t timeout,
				uint32_t attempts, const char *secagg)
{
	static char buf[768];

	snprintf(buf, sizeof(buf), "[job]\nname = t\ndataset = d\nmodel = linear\n"
		 "label = y\nfeatures = a, b\nrounds = %u\nmin_clients = %u\n"
		 "[round]\ntimeout = %u\nmax_attempts = %u\n%s", rounds, min,
		 timeout, attempts, secagg);
	return buf;
}

static const char *spec_text(uint32_t rounds, uint32_t min, uint32_t timeout,
			     uint32_t attempts)
{
	return spec_text_sa(rounds, min, timeout, attempts, "");
}

/* What the polling sites declare: T and c (test_consistency raises them). */
static uint32_t poll_T = 2, poll_c = 0;

static fl_msg_task poll_one(coord_engine *e, const char *site, int64_t now)
{
	fl_msg_poll_req req;
	fl_msg_task t;

	memset(&req, 0, sizeof(req));
	memset(&t, 0, sizeof(t));
	req.min_honest = poll_T;   /* the sites' policy */
	req.colluders = poll_c;
	req.ndatasets = 1;
	snprintf(req.datasets[0], FL_NAME_BYTES, "d");
	FL_CHECK_EQ_INT(coord_engine_poll(e, site, &req, now, &t), 0);
	return t;
}

static void poll_all(coord_engine *e, int64_t now, int n)
{
	fl_msg_task t;
	int i;

	for (i = 0; i < n; i++) {
		t = poll_one(e, names[i], now);
		fl_msg_task_clear(&t);
	}
}

/* One simulated agent in one round attempt. */
typedef struct agent {
	int idx;
	fl_msg_task task;
	fl_secagg_client *c;
	fl_secagg_hdr hdr;
	fl_secagg_trust trust;   /* names from the task */
} agent;

static void agent_clear(agent *a)
{
	fl_msg_task_clear(&a->task);
	fl_secagg_client_free(a->c);
	memset(a, 0, sizeof(*a));
}

/* Poll and advertise. Returns 0 or the engine's error. */
static int agent_advertise(coord_engine *e, agent *a, int idx, int64_t now)
{
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_params p;
	fl_secagg_advert adv;
	int r;

	memset(a, 0, sizeof(*a));
	a->idx = idx;
	a->task = poll_one(e, names[idx], now);
	FL_CHECK_EQ_INT(a->task.phase, FL_SA_ADVERTISE);
	if (a->task.phase != FL_SA_ADVERTISE)
		return FL_E_STATE;
	memset(&p, 0, sizeof(p));
	p.job_id = a->task.job_id;
	p.round = a->task.round;
	p.attempt = a->task.attempt;
	p.n = a->task.sa.n;
	p.t = a->task.sa.t;
	p.k = a->task.sa.k;
	p.m = a->task.sa.words;
	memcpy(p.round_seed, a->task.sa.round_seed, sizeof(p.round_seed));
	p.consistency = a->task.sa.consistency;
	p.q = a->task.sa.q;
	FL_CHECK_EQ_INT(fl_sa_context_digest(&a->task, p.ctx), 0);
	a->trust = pki.tr.trust;
	a->trust.names = (const char *const *)a->task.sa.names;
	a->trust.min_honest = poll_T;
	a->trust.colluders = poll_c;
	a->hdr.job_id = p.job_id;
	a->hdr.round = p.round;
	a->hdr.attempt = p.attempt;
	FL_CHECK_EQ_INT(fl_secagg_client_new(&p, a->task.sa.client_id, pki.key[idx],
					     pki.ver, pki.site[idx].cert_pem,
					     pki.site[idx].cert_len, &a->trust, &a->c,
					     NULL), 0);
	if (a->c == NULL)
		return FL_E_STATE;
	memset(&adv, 0, sizeof(adv));
	FL_CHECK_EQ_INT(fl_secagg_client_advertise(a->c, &adv), 0);
	r = coord_engine_sa_advertise(e, names[idx], pki.fpr[idx], &adv, msg);
	fl_secagg_advert_clear(&adv);
	return r;
}

static int agent_share(coord_engine *e, agent *a)
{
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_keylist kl;
	fl_secagg_shares sh;
	int r;

	memset(&kl, 0, sizeof(kl));
	memset(&sh, 0, sizeof(sh));
	if ((r = coord_engine_sa_get_keys(e, names[a->idx], &a->hdr, &kl, msg)) == 0 &&
	    (r = fl_secagg_client_share(a->c, &kl, &sh)) == 0)
		r = coord_engine_sa_put_shares(e, names[a->idx], &sh, msg);
	fl_secagg_keylist_clear(&kl);
	fl_secagg_shares_clear(&sh);
	return r;
}

/* Sends words as little-endian bytes in three chunks, as PutUpdate does. */
static int upload_words(coord_engine *e, const char *site,
			const fl_msg_update_header *h, const uint32_t *y,
			size_t m, char *msg)
{
	size_t cut[4] = { 0, m / 3, (2 * m) / 3, m }, i, w, cnt = 0;
	uint8_t *bytes = malloc(4 * m + 1);
	uint32_t *back = malloc(4 * m + 4);
	int r;

	if (bytes == NULL || back == NULL) {
		free(bytes);
		free(back);
		return FL_E_NOMEM;
	}
	for (w = 0; w < m; w++) {
		bytes[4 * w] = (uint8_t)y[w];
		bytes[4 * w + 1] = (uint8_t)(y[w] >> 8);
		bytes[4 * w + 2] = (uint8_t)(y[w] >> 16);
		bytes[4 * w + 3] = (uint8_t)(y[w] >> 24);
	}
	if ((r = coord_engine_upload_begin(e, site, h, 0, msg)) != 0)
		goto out;
	for (i = 0; i < 3; i++) {
		if ((r = coord_agg_le_words(bytes + 4 * cut[i], 4 * (cut[i + 1] - cut[i]),
					    back, m, &cnt, msg)) != 0 ||
		    (r = coord_engine_upload_chunk(e, site, h, back, cnt, msg)) != 0)
			break;
	}
	if (r == 0)
		r = coord_engine_upload_commit(e, site, h, msg);
	if (r != 0)
		coord_engine_upload_abort(e, site, h);
out:
	free(bytes);
	free(back);
	return r;
}

/* GetShares, encode vec as the agent would, mask and upload; partial:
 * only the first half of the words, then the stream breaks (as a site
 * whose connection dies mid-upload). */
static int agent_input_n(coord_engine *e, agent *a, const double *vec, size_t len,
			 bool partial)
{
	const fl_msg_sa_params *sp = &a->task.sa;
	fl_msg_update_header h = { a->hdr.job_id, a->hdr.round, a->hdr.attempt,
				   a->task.kind, FL_ENC_U32, sp->words, true, { 0 } };
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_shares in;
	fl_upvec_layout l;
	uint32_t *x = NULL;
	double *v = NULL;
	size_t i;
	int r;

	FL_CHECK_EQ_INT(fl_sa_context_digest(&a->task, h.context), 0);
	memset(&in, 0, sizeof(in));
	l.nreal = (size_t)sp->nreal;
	l.nwide = len - l.nreal;
	l.q.clip = sp->clip;
	l.q.bits = sp->bits;
	FL_CHECK_EQ_INT(fl_upvec_words(&l), sp->words);
	if ((r = coord_engine_sa_get_shares(e, names[a->idx], &a->hdr, &in, msg)) != 0 ||
	    (r = fl_secagg_client_recv_shares(a->c, &in)) != 0)
		goto out;
	x = calloc(sp->words, sizeof(*x));
	v = calloc(len, sizeof(*v));
	if (x == NULL || v == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < len; i++)
		v[i] = i < l.nreal ? vec[i] / sp->weight_scale : vec[i];
	if ((r = fl_upvec_encode(&l, v, x)) != 0 ||
	    (r = fl_secagg_client_mask_chunk(a->c, 0, x, x, sp->words)) != 0)
		goto out;
	if (!partial) {
		r = upload_words(e, names[a->idx], &h, x, sp->words, msg);
	} else if ((r = coord_engine_upload_begin(e, names[a->idx], &h, 0, msg)) == 0) {
		r = coord_engine_upload_chunk(e, names[a->idx], &h, x, sp->words / 2, msg);
		coord_engine_upload_abort(e, names[a->idx], &h);
	}
out:
	fl_secagg_shares_clear(&in);
	free(x);
	free(v);
	return r;
}

static int agent_input(coord_engine *e, agent *a, const double *vec, size_t len)
{
	return agent_input_n(e, a, vec, len, false);
}

static int agent_unmask(coord_engine *e, agent *a)
{
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_unmask_req req;
	fl_secagg_unmask_resp resp;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if ((r = coord_engine_sa_get_unmask(e, names[a->idx], &a->hdr, &req, msg)) == 0 &&
	    (r = fl_secagg_client_unmask(a->c, &req, &resp)) == 0)
		r = coord_engine_sa_put_unmask(e, names[a->idx], &resp, msg);
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_resp_clear(&resp);
	return r;
}

/* Checks that every site's task is in the given phase. */
static void expect_phase(coord_engine *e, const int *alive, enum fl_sa_phase ph,
			 int64_t now)
{
	fl_msg_task t;
	int i;

	for (i = 0; i < NSITES; i++) {
		if (!alive[i])
			continue;
		t = poll_one(e, names[i], now);
		FL_CHECK_EQ_INT(t.phase, ph);
		fl_msg_task_clear(&t);
	}
}

/*
 * Runs the round attempt that the engine has open, from ADVERTISE to the
 * end. drop_after_share: index of a site that shares its keys and then goes
 * silent (-1: none); the attempt then closes at the input deadline.
 * vec[i] is site i's float64 vector of len values. *t advances.
 */
static int agent_consistency(coord_engine *e, agent *a)
{
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_unmask_req req;
	fl_secagg_csig cs;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&cs, 0, sizeof(cs));
	if ((r = coord_engine_sa_get_unmask(e, names[a->idx], &a->hdr, &req, msg)) == 0 &&
	    (r = fl_secagg_client_consistency(a->c, &req, &cs)) == 0)
		r = coord_engine_sa_put_consistency(e, names[a->idx], &cs, msg);
	fl_secagg_unmask_req_clear(&req);
	return r;
}

static void run_round_n(coord_engine *e, int ns, const double *const *vec,
			size_t len, int drop_after_share, uint32_t timeout_s,
			int consistency, int64_t *t)
{
	agent a[NSITES];
	int alive[NSITES] = { 0 }, i;
	fl_msg_task nt;

	for (i = 0; i < ns; i++)
		alive[i] = 1;
	for (i = 0; i < ns; i++)
		FL_CHECK_EQ_INT(agent_advertise(e, &a[i], i, *t), 0);
	coord_engine_tick(e, *t += 10);
	expect_phase(e, alive, FL_SA_SHARE, *t);
	for (i = 0; i < ns; i++)
		FL_CHECK_EQ_INT(agent_share(e, &a[i]), 0);
	coord_engine_tick(e, *t += 10);
	expect_phase(e, alive, FL_SA_INPUT, *t);
	for (i = 0; i < ns; i++) {
		if (i == drop_after_share) {
			alive[i] = 0;
			continue;
		}
		FL_CHECK_EQ_INT(agent_input(e, &a[i], vec[i], len), 0);
	}
	coord_engine_tick(e, *t += 10);
	if (drop_after_share >= 0) {
		/* Still waiting for the silent site until the deadline. */
		nt = poll_one(e, names[drop_after_share], *t);
		FL_CHECK_EQ_INT(nt.phase, FL_SA_INPUT);
		fl_msg_task_clear(&nt);
		coord_engine_tick(e, *t += (int64_t)timeout_s * 1000);
		nt = poll_one(e, names[drop_after_share], *t);
		FL_CHECK_EQ_INT(nt.kind, FL_TASK_NONE);
		fl_msg_task_clear(&nt);
	}
	if (consistency) {
		expect_phase(e, alive, FL_SA_CONSISTENCY, *t);
		for (i = 0; i < ns; i++)
			if (alive[i])
				FL_CHECK_EQ_INT(agent_consistency(e, &a[i]), 0);
		coord_engine_tick(e, *t += 10);
	}
	expect_phase(e, alive, FL_SA_UNMASK, *t);
	for (i = 0; i < ns; i++)
		if (alive[i])
			FL_CHECK_EQ_INT(agent_unmask(e, &a[i]), 0);
	coord_engine_tick(e, *t += 10);
	for (i = 0; i < ns; i++)
		agent_clear(&a[i]);
}

static void run_round(coord_engine *e, const double *const *vec, size_t len,
		      int drop_after_share, uint32_t timeout_s, int64_t *t)
{
	/* the consistency phase runs in every round (SECAGG.md R4, R5) */
	run_round_n(e, 3, vec, len, drop_after_share, timeout_s, 1, t);
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

/* n, sum x (2), sum x^2 (2), then the label's sum and sum of squares (a
 * regression job: fl_update_stats_len_hist(2, 0) = 7 values). */
static const double st1[] = { 10, 10, 20, 30, 50, 40, 200 };
static const double st2[] = { 20, 40, -10, 100, 30, 60, 300 };
static const double st3[] = { 30, 30, 60, 60, 150, 90, 450 };
static const double st4[] = { 0, 0, 0, 0, 0, 0, 0 };
static const double *const stv[] = { st1, st2, st3, st4 };

static const double t1[] = { 1, 2, 3, 10, 5, 5, 2, 0, 2, 10, 30 };
static const double t2[] = { 4, -2, 0, 20, 4, 5, 3, 0, 3, 12, 40 };
static const double t3[] = { 1, 0, 6, 30, 3, 10, 5, 0, 5, 20, 50 };
static const double *const tv[] = { t1, t2, t3, t3 };

static const double e1[] = { 7, 3, 0, 3, 11, 31 };
static const double *const ev[] = { e1, e1, e1, e1 };

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

/* The plain FedAvg of the given sites' TRAIN vectors applied to prev. */
static fl_model *plain_fedavg(const fl_model *prev, const int *use)
{
	double sum[11] = { 0 };
	fl_round_summary sm;
	fl_model *m = NULL;
	int i, k;

	for (i = 0; i < NSITES; i++)
		for (k = 0; k < 11 && use[i]; k++)
			sum[k] += tv[i][k];
	if (prev == NULL || fl_model_copy(prev, &m) != 0)
		return NULL;
	FL_CHECK_EQ_INT(fl_update_train_apply(m, sum, &sm), 0);
	return m;
}

static void check_model_near(const fl_model *got, const fl_model *want)
{
	size_t i;

	FL_CHECK(got != NULL && want != NULL);
	if (got == NULL || want == NULL)
		return;
	FL_CHECK_EQ_INT(got->nparams, want->nparams);
	for (i = 0; i < got->nparams && i < want->nparams; i++)
		FL_CHECK_NEAR(got->w[i], want->w[i], QTOL);
	/* And not trivially: the update moved the weights. */
	FL_CHECK(fabs(want->w[0]) > 10 * QTOL || fabs(want->w[2]) > 10 * QTOL);
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
	char dir[64], path[128], errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;

	fl_log_set_level(FL_LOG_WARN);
	if (sodium_init() < 0 || pki_init() != 0) {
		FL_CHECK(0);
		return FL_TEST_DONE();
	}
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
	test_threshold(st);
	test_wait_abort(st);
	test_stats_wrap_adversary(st);
	coord_store_site_add(st, "site4", "site", 1);
	test_consistency(st);
	test_bench_partial(st);
	coord_store_close(st);
	coord_test_db_remove(dir, path);
	pki_free();
	return FL_TEST_DONE();
}
