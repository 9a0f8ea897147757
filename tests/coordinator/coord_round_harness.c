/* SPDX-License-Identifier: Apache-2.0 */
/* coord_round_harness: the consortium, the simulated secure-aggregation
 * agents and the round driver that test_coord_round,
 * test_coord_round_retry and test_coord_grace share (the engine's
 * handler-level functions, no network, a fake clock). */
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
#include "coord_round_harness.h"

const char *names[MAX_SITES] = { "site1", "site2", "site3", "site4", "site5" };

/* The consortium: a CA and one certificate + key per site. */
struct round_pki pki;

int pki_init(int n)
{
	fl_cert_info ci;
	int i;

	if (n < 1 || n > MAX_SITES)
		return -1;
	pki.n = n;
	if (fl_test_ca_new("coord test CA", &pki.ca) != 0 ||
	    fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &pki.ver) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (fl_test_site_new(&pki.ca, names[i], 10 + i, 0, &pki.site[i]) != 0 ||
		    fl_sign_key_load_pem(pki.site[i].key_pem, pki.site[i].key_len,
					 &pki.key[i]) != 0 ||
		    fl_pki_cert_info(pki.site[i].cert_pem, pki.site[i].cert_len, &ci) != 0)
			return -1;
		memcpy(pki.fpr[i], ci.fingerprint, sizeof(pki.fpr[i]));
	}
	return fl_test_trust_init(&pki.tr, pki.site, n, 2, 0);
}

void pki_free(void)
{
	int i;

	for (i = 0; i < pki.n; i++) {
		fl_sign_key_free(pki.key[i]);
		fl_test_site_free(&pki.site[i]);
	}
	fl_verifier_free(pki.ver);
	fl_test_ca_free(&pki.ca);
	fl_test_trust_free(&pki.tr);
}

const char *spec_text_sa(uint32_t rounds, uint32_t min, uint32_t timeout,
			 uint32_t attempts, const char *secagg)
{
	static char buf[768];

	snprintf(buf, sizeof(buf), "[job]\nname = t\ndataset = d\nmodel = linear\n"
		 "label = y\nfeatures = a, b\nrounds = %u\nmin_clients = %u\n"
		 "[round]\ntimeout = %u\nmax_attempts = %u\n%s", rounds, min,
		 timeout, attempts, secagg);
	return buf;
}

const char *spec_text(uint32_t rounds, uint32_t min, uint32_t timeout,
		      uint32_t attempts)
{
	return spec_text_sa(rounds, min, timeout, attempts, "");
}

uint32_t poll_T = 2, poll_c = 0;

fl_msg_task poll_one(coord_engine *e, const char *site, int64_t now)
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

void poll_all(coord_engine *e, int64_t now, int n)
{
	fl_msg_task t;
	int i;

	for (i = 0; i < n; i++) {
		t = poll_one(e, names[i], now);
		fl_msg_task_clear(&t);
	}
}

void agent_clear(agent *a)
{
	fl_msg_task_clear(&a->task);
	fl_secagg_client_free(a->c);
	memset(a, 0, sizeof(*a));
}

/* r; with a->step_checks also a check that r is 0 (what: the step). */
static int agent_step(const agent *a, int r, const char *what)
{
	if (a->step_checks) {
		FL_CHECK_EQ_INT(r, 0);
		if (r != 0)
			fprintf(stderr, "  (site%d: %s)\n", a->idx + 1, what);
	}
	return r;
}

int agent_advertise_steps(coord_engine *e, agent *a, int idx, int64_t now,
			  bool step_checks)
{
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_params p;
	fl_secagg_advert adv;
	int r;

	memset(a, 0, sizeof(*a));
	a->idx = idx;
	a->step_checks = step_checks;
	a->task = poll_one(e, names[idx], now);
	if ((r = agent_step(a, a->task.phase == FL_SA_ADVERTISE ? 0 : FL_E_STATE,
			    "the polled phase")) != 0 ||
	    (r = agent_step(a, fl_sa_task_params(&a->task, &p), "the task's "
			    "parameters")) != 0)
		return r;
	a->trust = pki.tr.trust;
	a->trust.names = (const char *const *)a->task.sa.names;
	a->trust.min_honest = poll_T;
	a->trust.colluders = poll_c;
	a->hdr.job_id = p.job_id;
	a->hdr.round = p.round;
	a->hdr.attempt = p.attempt;
	if ((r = agent_step(a, fl_secagg_client_new(&p, a->task.sa.client_id,
						    pki.key[idx], pki.ver,
						    pki.site[idx].cert_pem,
						    pki.site[idx].cert_len,
						    &a->trust, &a->c, NULL),
			    "the client")) != 0)
		return r;
	memset(&adv, 0, sizeof(adv));
	if ((r = agent_step(a, fl_secagg_client_advertise(a->c, &adv),
			    "the advert")) == 0)
		r = coord_engine_sa_advertise(e, names[idx], pki.fpr[idx], &adv, msg);
	fl_secagg_advert_clear(&adv);
	return r;
}

int agent_advertise(coord_engine *e, agent *a, int idx, int64_t now)
{
	return agent_advertise_steps(e, a, idx, now, true);
}

int agent_share(coord_engine *e, agent *a)
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

int agent_mask(coord_engine *e, agent *a, const double *vec, size_t len,
	       fl_msg_update_header *h, uint32_t **xp)
{
	const fl_msg_sa_params *sp = &a->task.sa;
	fl_msg_update_header hd = { a->hdr.job_id, a->hdr.round, a->hdr.attempt,
				    a->task.kind, FL_ENC_U32, sp->words, true, { 0 } };
	char msg[FL_ERRMSG_BYTES];
	fl_secagg_shares in;
	fl_upvec_layout l;
	uint32_t *x = NULL;
	double *v = NULL;
	size_t i;
	int r;

	*h = hd;
	memset(&in, 0, sizeof(in));
	l.nreal = (size_t)sp->nreal;
	l.nwide = len - l.nreal;
	l.q.clip = sp->clip;
	l.q.bits = sp->bits;
	r = agent_step(a, fl_sa_context_digest(&a->task, h->context),
		       "the context digest");
	if (a->step_checks)
		FL_CHECK_EQ_INT(fl_upvec_words(&l), sp->words);
	if (r != 0 ||
	    (r = coord_engine_sa_get_shares(e, names[a->idx], &a->hdr, &in, msg)) != 0 ||
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
	*xp = x;
	x = NULL;
out:
	fl_secagg_shares_clear(&in);
	free(x);
	free(v);
	return r;
}

/* agent_mask and upload; partial: only the first half of the words, then
 * the stream breaks (as a site whose connection dies mid-upload). */
int agent_input_n(coord_engine *e, agent *a, const double *vec, size_t len,
		  bool partial)
{
	const char *site = names[a->idx];
	char msg[FL_ERRMSG_BYTES];
	fl_msg_update_header h;
	uint32_t *x = NULL;
	int r;

	if ((r = agent_mask(e, a, vec, len, &h, &x)) != 0)
		return r;
	if (!partial) {
		r = upload_words(e, site, &h, x, h.words, msg);
	} else if ((r = coord_engine_upload_begin(e, site, &h, 0, msg)) == 0) {
		r = coord_engine_upload_chunk(e, site, &h, x, h.words / 2, msg);
		coord_engine_upload_abort(e, site, &h);
	}
	free(x);
	return r;
}

int agent_input(coord_engine *e, agent *a, const double *vec, size_t len)
{
	return agent_input_n(e, a, vec, len, false);
}

int agent_unmask(coord_engine *e, agent *a)
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
void expect_phase(coord_engine *e, const int *alive, enum fl_sa_phase ph,
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
int agent_consistency(coord_engine *e, agent *a)
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

void run_round_n(coord_engine *e, int ns, const double *const *vec,
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

void run_round(coord_engine *e, const double *const *vec, size_t len,
	       int drop_after_share, uint32_t timeout_s, int64_t *t)
{
	/* the consistency phase runs in every round (SECAGG.md R4, R5) */
	run_round_n(e, 3, vec, len, drop_after_share, timeout_s, 1, t);
}

fl_model *get_model(coord_engine *e, uint64_t job, uint32_t version)
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
const double st1[] = { 10, 10, 20, 30, 50, 40, 200 };
const double st2[] = { 20, 40, -10, 100, 30, 60, 300 };
const double st3[] = { 30, 30, 60, 60, 150, 90, 450 };
const double st4[] = { 0, 0, 0, 0, 0, 0, 0 };
const double *const stv[] = { st1, st2, st3, st4 };

const double t1[] = { 1, 2, 3, 10, 5, 5, 2, 0, 2, 10, 30 };
const double t2[] = { 4, -2, 0, 20, 4, 5, 3, 0, 3, 12, 40 };
const double t3[] = { 1, 0, 6, 30, 3, 10, 5, 0, 5, 20, 50 };
const double *const tv[] = { t1, t2, t3, t3 };

const double e1[] = { 7, 3, 0, 3, 11, 31 };
const double *const ev[] = { e1, e1, e1, e1 };

/* The plain FedAvg of the given sites' TRAIN vectors applied to prev. */
fl_model *plain_fedavg(const fl_model *prev, const int *use)
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

void check_model_near(const fl_model *got, const fl_model *want)
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

/* fl_test.h counts per file: main adds this file's checks to its own. */
void round_harness_counts(int *checks, int *failures)
{
	*checks += fl_test_checks;
	*failures += fl_test_failures;
}

coord_store *round_harness_begin(char *dir, char *path, int nsites)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;

	if (sodium_init() < 0 || pki_init(nsites) != 0 ||
	    coord_test_db_path(dir, 64, path, 128) != 0) {
		FL_CHECK(0);
		return NULL;
	}
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st == NULL)
		return NULL;
	coord_store_site_add(st, "site1", "site", 1);
	coord_store_site_add(st, "site2", "site", 1);
	coord_store_site_add(st, "site3", "site", 1);
	return st;
}

void round_harness_end(coord_store *st, const char *dir, const char *path)
{
	coord_store_close(st);
	coord_test_db_remove(dir, path);
	pki_free();
}
