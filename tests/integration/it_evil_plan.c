/* SPDX-License-Identifier: Apache-2.0 */
/* it_evil_plan: the attack scenarios of the malicious test coordinator.
 * Each is one round attempt (a STATS task, n = 4, t = 3, k = 3, q = 3)
 * driven phase by phase; what each site is served is decided here.
 *   extra-id   the context names a fifth participant, the coordinator's
 *              certificate's CN, beside the four sites.
 *   sybil      GetKeys gives every site a key list in which two of its three
 *              peers are forged under the peers' names: one advert signed
 *              with the coordinator's certificate, one with an admin's.
 *   survivors  honest keys, shares and uploads; then sites 1 and 2 are shown
 *              S1 = {1,2,3,4} and sites 3 and 4 S2 = {2,3,4} (site 1
 *              dropped); each list gathers 2 signatures, which come with it
 *              in the unmask phase (q = 3).
 *   mixed      the same split, but the unmask request carries all four
 *              signatures: those of the other list too. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_spec_sig.h"
#include "fl_sa_context.h"
#include "fl_update.h"
#include "fl_upvec.h"
#include "fl_util.h"
#include "it_evil_coord.h"

#define EVIL_PHASE_MS 30000u   /* the longest a phase may take */
#define EVIL_GRACE_MS 2000u    /* after the last fetch, for refusals */
#define EVIL_CLIP 1.0
#define EVIL_BITS 20u

/* A statistics-only spec (no model download); the name makes each job's
 * spec digest, and so its input identity, distinct. */
static const char evil_spec_fmt[] =
	"[job]\nname = evil-%s\ntype = stats\ndataset = breast_cancer\n"
	"label = label\nlabels = 0, 1\nfeatures = mean_radius, mean_texture\n";

/* ---- attempts ---- */
static void attempt_clear(evil_attempt *at)
{
	fl_msg_task_clear(&at->task);
	for (uint32_t i = 0; i < EVIL_IDS; i++) {
		fl_secagg_advert_clear(&at->advert[i]);
		fl_secagg_shares_clear(&at->shares[i]);
	}
	fl_secagg_unmask_req_clear(&at->lists[0]);
	fl_secagg_unmask_req_clear(&at->lists[1]);
	memset(at, 0, sizeof(*at));
	at->scenario = "idle";
}

/* Masked words of a STATS vector for spec: 3 per wide value. */
static int spec_words(const char *spec, uint64_t *words)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_upvec_layout l;
	fl_jobspec js;
	int r;

	memset(&js, 0, sizeof(js));
	if ((r = fl_jobspec_parse(spec, strlen(spec), &js, msg)) != 0) {
		evil_say("bad spec: %s", msg);
		return r;
	}
	memset(&l, 0, sizeof(l));
	l.nwide = fl_update_stats_len_hist(js.nfeatures, js.nlabels);
	l.q.clip = EVIL_CLIP;
	l.q.bits = EVIL_BITS;
	*words = fl_upvec_words(&l);
	fl_jobspec_clear(&js);
	return 0;
}

/* Starts serving a new attempt's advertise phase; extra (or NULL) is a
 * fifth name in the context. */
static int attempt_begin(evil *e, const char *scenario, uint64_t job,
			 const char *extra)
{
	char spec[sizeof(evil_spec_fmt) + 32];
	const char *names[EVIL_NSITES + 1];
	uint32_t n = extra ? EVIL_NSITES + 1 : EVIL_NSITES;
	evil_attempt *at = &e->at;
	int r;

	snprintf(spec, sizeof(spec), evil_spec_fmt, scenario);
	for (uint32_t i = 0; i < EVIL_NSITES; i++)
		names[i] = e->names[i + 1];
	names[EVIL_NSITES] = extra;
	pthread_mutex_lock(&e->mu);
	attempt_clear(at);
	at->scenario = scenario;
	at->task.job_id = job;
	at->task.round = 0;
	at->task.attempt = 1;
	at->task.kind = FL_TASK_STATS;
	at->task.deadline_ms = EVIL_PHASE_MS;
	at->task.phase = FL_SA_ADVERTISE;
	at->task.sa.n = n;
	at->task.sa.k = n - 1;
	at->task.sa.t = extra ? 4 : 3;   /* 3t > 2(k + 1) */
	at->task.sa.q = 3;
	at->task.sa.consistency = true;
	at->task.sa.clip = EVIL_CLIP;
	at->task.sa.bits = EVIL_BITS;
	at->task.sa.weight_scale = 1.0;
	randombytes_buf(at->task.sa.round_seed, sizeof(at->task.sa.round_seed));
	/* An admin signed this spec (R2): the attacks below are on the other
	 * rules; test_agent_spec_adversary covers altered and unsigned specs. */
	if (!(at->task.spec = strdup(spec)) ||
	    !(at->task.sa.names = fl_msg_names_dup(names, n)) ||
	    !(at->task.spec_cert = strdup(e->admin.pem)))
		r = FL_E_NOMEM;
	else if ((r = fl_spec_sign(e->admin.key, spec, strlen(spec),
				   at->task.spec_sig, &at->task.spec_sig_len)) != 0)
		evil_say("cannot sign the spec as %s: %s", e->admin.cn, fl_strerror(r));
	else if ((r = spec_words(spec, &at->task.sa.words)) == 0)
		r = fl_sa_context_digest(&at->task, at->ctx);
	if (r == 0)
		at->phase = FL_SA_ADVERTISE;
	pthread_mutex_unlock(&e->mu);
	evil_say("[%s] job %llu round 0 attempt 1: STATS task, n %u (%s%s%s), t %u, "
		 "k %u, q 3, %llu words, consistency on: advertise phase served to "
		 "all four sites", scenario, (unsigned long long)job, n,
		 "site ids 1-4", extra ? ", id 5 named " : "", extra ? extra : "",
		 at->task.sa.t, at->task.sa.k, (unsigned long long)at->task.sa.words);
	return r;
}

static void phase_set(evil *e, enum fl_sa_phase p, const char *name)
{
	pthread_mutex_lock(&e->mu);
	e->at.phase = p;
	e->at.last_fetch_ms = fl_mono_ms();
	pthread_mutex_unlock(&e->mu);
	evil_say("[%s] %s phase", e->at.scenario, name);
}

/* ---- waiting for the sites ---- */
typedef bool (*evil_pred)(const evil *e, int64_t now);

#define ALL(field) \
	(e->field[1] && e->field[2] && e->field[3] && e->field[4])

static bool p_polled(const evil *e, int64_t now)
{
	(void)now;
	return ALL(polled) && ALL(members_fetched);
}
static bool p_adverts(const evil *e, int64_t now)
{
	(void)now;
	return ALL(at.advert_ok);
}
/* Every site was served the task, then said nothing more. */
static bool p_task_answered(const evil *e, int64_t now)
{
	return ALL(at.advert_ok) || (ALL(at.served) &&
				     now - e->at.last_fetch_ms >= EVIL_GRACE_MS);
}
static bool p_shared(const evil *e, int64_t now)
{
	(void)now;
	return ALL(at.shares_ok);
}
/* Every site fetched the phase's message, then said nothing more. */
static bool p_keys_answered(const evil *e, int64_t now)
{
	return ALL(at.shares_ok) || (ALL(at.got_keys) &&
				     now - e->at.last_fetch_ms >= EVIL_GRACE_MS);
}
static bool p_uploaded(const evil *e, int64_t now)
{
	(void)now;
	return ALL(at.uploaded);
}
static bool p_signed(const evil *e, int64_t now)
{
	(void)now;
	return ALL(at.csig_ok);
}
static bool p_unmask_answered(const evil *e, int64_t now)
{
	return e->at.put_unmask >= EVIL_NSITES || (ALL(at.got_unmask) &&
				now - e->at.last_fetch_ms >= EVIL_GRACE_MS);
}

static int wait_for(evil *e, evil_pred p, const char *what)
{
	int64_t until = fl_mono_ms() + EVIL_PHASE_MS;
	bool ok = false;

	while (!ok && fl_mono_ms() < until) {
		pthread_mutex_lock(&e->mu);
		ok = p(e, fl_mono_ms());
		pthread_mutex_unlock(&e->mu);
		if (!ok)
			fl_sleep_ms(50);
	}
	if (!ok) {
		evil_say("TIMEOUT waiting for %s", what);
		e->failures++;
		return FL_E_TIMEOUT;
	}
	return 0;
}

/* ---- phase 2: key lists ---- */

/* An advert for peer under that peer's id, with fresh keys, signed for
 * the attempt's context by c's key: valid but for c's role and name. */
static int forge_advert(evil *e, const evil_cred *c, uint32_t peer,
			fl_secagg_advert *out)
{
	uint8_t sk[32], msg[FL_SECAGG_ADVERT_MSG_BYTES];
	size_t siglen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	out->hdr.job_id = e->at.task.job_id;
	out->hdr.round = e->at.task.round;
	out->hdr.attempt = e->at.task.attempt;
	out->client = peer;
	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(out->c_pk, sk);
	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(out->s_pk, sk);
	sodium_memzero(sk, sizeof(sk));
	fl_secagg_advert_msg(out, e->at.ctx, msg);
	if ((r = fl_sign(c->key, msg, sizeof(msg), out->sig, &siglen)) != 0)
		return r;
	out->sig_len = (uint32_t)siglen;
	if (!(out->cert_pem = malloc(c->pem_len + 1)))
		return FL_E_NOMEM;
	memcpy(out->cert_pem, c->pem, c->pem_len + 1);
	out->cert_len = c->pem_len;
	return 0;
}

int evil_plan_keylist(evil *e, uint32_t id, fl_secagg_keylist *out)
{
	evil_attempt *at = &e->at;
	bool sybil = strcmp(at->scenario, "sybil") == 0;
	uint32_t p1 = id % EVIL_NSITES + 1, p2 = p1 % EVIL_NSITES + 1;
	fl_secagg_keylist kl;
	int r = 0;

	memset(&kl, 0, sizeof(kl));
	kl.hdr.job_id = at->task.job_id;
	kl.hdr.round = at->task.round;
	kl.hdr.attempt = at->task.attempt;
	if (!(kl.adverts = calloc(EVIL_NSITES, sizeof(*kl.adverts))))
		return FL_E_NOMEM;
	for (uint32_t v = 1; v <= EVIL_NSITES && r == 0; v++) {
		if (sybil && (v == p1 || v == p2)) {
			at->sybil[id][v] = v == p1 ? 1 : 2;
			r = forge_advert(e, v == p1 ? &e->coord : &e->admin, v,
					 &kl.adverts[kl.count++]);
		} else if (at->advert_ok[v]) {
			r = fl_secagg_advert_copy(&kl.adverts[kl.count++], &at->advert[v]);
		}
	}
	if (r != 0) {
		fl_secagg_keylist_clear(&kl);
		return r;
	}
	if (sybil)
		evil_say("[sybil] GetKeys -> %s: id %u forged under '%s' with the "
			 "certificate of '%s' (role %s), id %u forged under '%s' with "
			 "'%s' (role %s), the rest real", e->names[id], p1,
			 e->names[p1], e->coord.cn, e->coord.role, p2, e->names[p2],
			 e->admin.cn, e->admin.role);
	else
		evil_say("[%s] GetKeys -> %s: the %u real adverts", at->scenario,
			 e->names[id], kl.count);
	*out = kl;
	return 0;
}

/* ---- phases 4 and 5: survivor lists ---- */
static int list_make(const fl_msg_task *t, fl_secagg_unmask_req *l,
		     uint32_t first)
{
	memset(l, 0, sizeof(*l));
	l->hdr.job_id = t->job_id;
	l->hdr.round = t->round;
	l->hdr.attempt = t->attempt;
	if (!(l->survivors = calloc(EVIL_NSITES, sizeof(uint32_t))) ||
	    !(l->dropped = calloc(EVIL_NSITES, sizeof(uint32_t))))
		return FL_E_NOMEM;
	for (uint32_t v = 1; v <= EVIL_NSITES; v++)
		if (v < first)
			l->dropped[l->ndropped++] = v;
		else
			l->survivors[l->nsurvivors++] = v;
	return 0;
}

static void ids_fmt(char *buf, size_t cap, const uint32_t *ids, uint32_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && o + 12 < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%u", i ? "," : "", ids[i]);
}

/* Appends the signatures of sites on list `list` in increasing (or, for
 * the other list, decreasing) id order; *signers gets their ids. */
static void csigs_add(const evil *e, uint32_t list, bool down,
		      fl_secagg_unmask_req *req, uint32_t *signers)
{
	for (uint32_t i = 0; i < EVIL_NSITES; i++) {
		uint32_t s = down ? EVIL_NSITES - i : i + 1;

		if (e->at.csig_ok[s] && e->at.list_of[s] == list) {
			signers[req->ncsigs] = s;
			req->csigs[req->ncsigs++] = e->at.csig[s];
		}
	}
}

int evil_plan_unmask_req(evil *e, uint32_t id, fl_secagg_unmask_req *out)
{
	evil_attempt *at = &e->at;
	uint32_t mine = at->list_of[id], signers[EVIL_NSITES];
	fl_secagg_unmask_req req;
	char surv[32], drop[32], sig[32] = "none";
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = fl_secagg_unmask_req_copy(&req, &at->lists[mine])) != 0)
		return r;
	free(req.csigs);
	req.csigs = NULL;
	req.ncsigs = 0;
	if (at->phase == FL_SA_UNMASK) {
		if (!(req.csigs = calloc(EVIL_NSITES, sizeof(*req.csigs)))) {
			fl_secagg_unmask_req_clear(&req);
			return FL_E_NOMEM;
		}
		csigs_add(e, mine, false, &req, signers);
		/* the other list's signers last, the one on both lists first */
		if (at->mixed)
			csigs_add(e, 1 - mine, true, &req, signers);
		ids_fmt(sig, sizeof(sig), signers, req.ncsigs);
	}
	ids_fmt(surv, sizeof(surv), req.survivors, req.nsurvivors);
	ids_fmt(drop, sizeof(drop), req.dropped, req.ndropped);
	evil_say("[%s] GetUnmask (%s) -> %s: S%u = survivors {%s}, dropped {%s}, "
		 "signatures of sites {%s}", at->scenario,
		 at->phase == FL_SA_UNMASK ? "unmask" : "consistency", e->names[id],
		 mine + 1, surv, drop, sig);
	*out = req;
	return 0;
}

/* ---- scenarios ---- */
static int run_extra_id(evil *e)
{
	uint32_t n = 0;
	int r;

	if ((r = attempt_begin(e, "extra-id", 100, e->coord.cn)) != 0)
		return r;
	r = wait_for(e, p_task_answered, "every site to get the task");
	pthread_mutex_lock(&e->mu);
	for (uint32_t s = 1; s <= EVIL_NSITES; s++)
		n += e->at.advert_ok[s];
	evil_say("RESULT extra-id: tasks served %u, adverts received %u",
		 (unsigned)(e->at.served[1] + e->at.served[2] + e->at.served[3] +
			    e->at.served[4]), n);
	e->at.phase = FL_SA_OFF;
	pthread_mutex_unlock(&e->mu);
	return r;
}

static int run_sybil(evil *e)
{
	int r;

	if ((r = attempt_begin(e, "sybil", 101, NULL)) != 0 ||
	    (r = wait_for(e, p_adverts, "4 adverts")) != 0)
		return r;
	phase_set(e, FL_SA_SHARE, "share");
	r = wait_for(e, p_keys_answered, "every site to fetch its key list");
	pthread_mutex_lock(&e->mu);
	evil_say("RESULT sybil: key lists served %u, PutShares received %u, "
		 "shares addressed to sybil ids %u", (unsigned)(e->at.got_keys[1] +
		 e->at.got_keys[2] + e->at.got_keys[3] + e->at.got_keys[4]),
		 e->at.put_shares, e->at.shares_to_sybil);
	e->at.phase = FL_SA_OFF;
	pthread_mutex_unlock(&e->mu);
	return r;
}

/* Up to the signed survivor lists: S1 to sites 1, 2; S2 to sites 3, 4. */
static int run_to_lists(evil *e, const char *scenario, uint64_t job)
{
	int r;

	if ((r = attempt_begin(e, scenario, job, NULL)) != 0 ||
	    (r = wait_for(e, p_adverts, "4 adverts")) != 0)
		return r;
	phase_set(e, FL_SA_SHARE, "share");
	if ((r = wait_for(e, p_shared, "4 PutShares")) != 0)
		return r;
	phase_set(e, FL_SA_INPUT, "input");
	if ((r = wait_for(e, p_uploaded, "4 whole uploads")) != 0)
		return r;
	pthread_mutex_lock(&e->mu);
	r = list_make(&e->at.task, &e->at.lists[0], 1);
	if (r == 0)
		r = list_make(&e->at.task, &e->at.lists[1], 2);
	e->at.list_of[3] = e->at.list_of[4] = 1;
	pthread_mutex_unlock(&e->mu);
	if (r != 0)
		return r;
	phase_set(e, FL_SA_CONSISTENCY, "consistency (S1 = {1,2,3,4} to sites 1, 2; "
		  "S2 = {2,3,4} to sites 3, 4)");
	return wait_for(e, p_signed, "4 survivor-list signatures");
}

static int run_survivors(evil *e, const char *scenario, uint64_t job, bool mixed)
{
	uint32_t s1 = 0, s2 = 0;
	int r;

	if ((r = run_to_lists(e, scenario, job)) != 0)
		goto out;
	pthread_mutex_lock(&e->mu);
	e->at.mixed = mixed;
	pthread_mutex_unlock(&e->mu);
	phase_set(e, FL_SA_UNMASK, mixed ? "unmask (each list with all four "
		  "signatures, two of them over the other list)" :
		  "unmask (each list with its own two signatures)");
	r = wait_for(e, p_unmask_answered, "every site to fetch its unmask request");
out:
	pthread_mutex_lock(&e->mu);
	for (uint32_t s = 1; s <= EVIL_NSITES; s++)
		if (e->at.csig_ok[s])
			*(e->at.list_of[s] ? &s2 : &s1) += 1;
	evil_say("RESULT %s: uploads %u, signatures of S1 %u, of S2 %u, unmask "
		 "requests served %u, PutUnmask received %u", scenario,
		 (unsigned)(e->at.uploaded[1] + e->at.uploaded[2] + e->at.uploaded[3] +
			    e->at.uploaded[4]), s1, s2,
		 (unsigned)(e->at.got_unmask[1] + e->at.got_unmask[2] +
			    e->at.got_unmask[3] + e->at.got_unmask[4]),
		 e->at.put_unmask);
	e->at.phase = FL_SA_OFF;
	pthread_mutex_unlock(&e->mu);
	return r;
}

int evil_plan_run(evil *e)
{
	int r;

	pthread_mutex_lock(&e->mu);
	attempt_clear(&e->at);
	pthread_mutex_unlock(&e->mu);
	evil_say("waiting for %s, %s, %s and %s to poll and fetch the member "
		 "list (version %llu)", e->names[1], e->names[2], e->names[3],
		 e->names[4], (unsigned long long)e->members_version);
	if ((r = wait_for(e, p_polled, "the four sites")) != 0)
		return r;
	fl_sleep_ms(500);   /* let each agent pin the list before its first task */
	r = run_extra_id(e);
	r = run_sybil(e) ? -1 : r;
	r = run_survivors(e, "survivors", 102, false) ? -1 : r;
	r = run_survivors(e, "mixed", 103, true) ? -1 : r;
	pthread_mutex_lock(&e->mu);
	attempt_clear(&e->at);
	pthread_mutex_unlock(&e->mu);
	return r != 0 || e->failures ? -1 : 0;
}
