/* SPDX-License-Identifier: Apache-2.0 */
/* agent_secagg: the agent's side of each secure-aggregation phase
 * (proto/SECAGG_WIRE.md), one fl_secagg_client per round attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "agent_metrics.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"
#include "fl_sa_context.h"
#include "fl_wipe.h"

_Static_assert(FL_MSG_SEED_BYTES == FL_SEED_BYTES, "round seed sizes differ");

/* "job 1 round 3 attempt 1 train share": the start of every log line. */
typedef struct sa_ctx {
	fl_agent *a;
	const fl_msg_task *t;
	fl_secagg_hdr hdr;
	char pre[96];
} sa_ctx;

static const char *phase_name(enum fl_sa_phase p)
{
	switch (p) {
	case FL_SA_ADVERTISE: return "advertise";
	case FL_SA_SHARE: return "share";
	case FL_SA_INPUT: return "input";
	case FL_SA_CONSISTENCY: return "consistency";
	case FL_SA_UNMASK: return "unmask";
	case FL_SA_OFF: break;
	}
	return "off";
}

void agent_sa_drop(fl_agent *a)
{
	agent_record_bg_wait(a);          /* the attempt's record is on disk */
	agent_inputs_end(a);              /* R6: the attempt is no longer open */
	fl_secagg_client_free(a->sa.c);   /* wipes every secret of the attempt */
	free(a->sa.names);
	memset(&a->sa, 0, sizeof(a->sa));
}

/* "job 1 round 3: R4: ...": one line for every refusal under the rules. */
static void log_rule(const sa_ctx *x, const char *why, int r)
{
	fl_warn("refused job %llu round %u attempt %u (%s %s): %s",
		(unsigned long long)x->t->job_id, x->t->round, x->t->attempt,
		fl_agent_task_name(x->t->kind), phase_name(x->t->phase),
		why && why[0] ? why : fl_strerror(r));
	agent_metrics_refused(why);
}

/* A step the secure-aggregation client refused: logs the rule it names. */
static int client_refused(sa_ctx *x, int r)
{
	log_rule(x, fl_secagg_client_why(x->a->sa.c), r);
	return r;
}

static bool same_attempt(const fl_agent *a, const fl_msg_task *t)
{
	return a->sa.c && a->sa.job_id == t->job_id && a->sa.round == t->round &&
		a->sa.attempt == t->attempt;
}

/*
 * One unary SecAgg call: encoded request in, response bytes out (caller
 * frees). The request buffer is wiped before it is freed by the caller.
 */
static int sa_call(sa_ctx *x, const char *method, const uint8_t *req, size_t len,
		   uint8_t **resp, size_t *rlen)
{
	fl_rpc_status st;
	int r;

	r = fl_rpc_unary(x->a->ch, method, req, len, agent_call_timeout(x->t),
			 resp, rlen, &st);
	if (r != 0)
		fl_log(agent_is_net_err(r) ? FL_LOG_WARN : FL_LOG_ERROR,
		       "%s: %s failed: %s (%s)", x->pre, strrchr(method, '/') + 1,
		       st.detail[0] ? st.detail : "no detail", fl_strerror(r));
	return r;
}

/* Sends an encoded message and checks the SaAck. */
static int sa_put(sa_ctx *x, const char *method, uint8_t *req, size_t len)
{
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int ack = 0, r;

	if ((r = sa_call(x, method, req, len, &resp, &rlen)) == 0 &&
	    (r = fl_codec_decode_sa_ack(resp, rlen, &ack)) != 0)
		fl_error("%s: bad reply to %s: %s", x->pre, strrchr(method, '/') + 1,
			 fl_strerror(r));
	free(resp);
	return r;
}

/* Fetches with a header request (GetKeys, GetShares, GetUnmask). */
static int sa_get(sa_ctx *x, const char *method, uint8_t **resp, size_t *rlen)
{
	uint8_t *req = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_codec_encode_sa_hdr(&x->hdr, &req, &len)) != 0) {
		fl_error("%s: cannot encode the request: %s", x->pre, fl_strerror(r));
		return r;
	}
	r = sa_call(x, method, req, len, resp, rlen);
	free(req);
	return r;
}

/* r: the result of decoding the coordinator's WHAT; logged when it failed.
 * Returns r. */
static int sa_decoded(sa_ctx *x, int r, const char *what)
{
	if (r != 0)
		fl_error("%s: the coordinator's %s does not decode: %s", x->pre,
			 what, fl_strerror(r));
	return r;
}

/* ---- phase 1 ---- */
static int sa_advertise(sa_ctx *x)
{
	fl_agent *a = x->a;
	const fl_msg_task *t = x->t;
	fl_secagg_params p;
	fl_secagg_advert adv;
	char why[FL_ERRMSG_BYTES] = "";
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&adv, 0, sizeof(adv));
	if ((r = fl_sa_task_params(t, &p)) != 0) {
		fl_error("%s: the task carries no round context (%s)", x->pre,
			 fl_strerror(r));
		goto out;
	}
	if (!(a->sa.names = fl_msg_names_dup((const char *const *)t->sa.names,
					     t->sa.n))) {
		r = FL_E_NOMEM;
		goto out;
	}
	memcpy(a->sa.ctx, p.ctx, sizeof(a->sa.ctx));
	a->sa.trust.members = agent_members(a);
	a->sa.trust.names = (const char *const *)a->sa.names;
	a->sa.trust.min_honest = a->cfg.policy.min_honest;
	a->sa.trust.colluders = a->cfg.policy.colluders;
	if ((r = fl_secagg_client_new(&p, t->sa.client_id, a->sign_key, a->verifier,
				      a->cert_pem, a->cert_len, &a->sa.trust,
				      &a->sa.c, why)) != 0) {
		if (r == FL_E_INVAL || r == FL_E_NOMEM)
			fl_error("%s: unusable secure-aggregation parameters (client %u "
				 "of n %u, t %u, k %u, %llu words): %s", x->pre,
				 t->sa.client_id, p.n, p.t, p.k,
				 (unsigned long long)p.m, fl_strerror(r));
		else
			log_rule(x, why, r);
		goto out;
	}
	AGENT_TASK_REF(a->sa, t);
	a->sa.done = FL_SA_OFF;
	if ((r = fl_secagg_client_advertise(a->sa.c, &adv)) != 0 ||
	    (r = fl_codec_encode_sa_advert(&adv, &buf, &len)) != 0) {
		fl_error("%s: cannot make the round keys: %s", x->pre, fl_strerror(r));
		goto out;
	}
	if ((r = sa_put(x, FL_RPC_SA_ADVERTISE, buf, len)) != 0)
		goto out;
	fl_info("%s: advertised fresh round keys as client %u of %u (t %u, k %u)",
		x->pre, t->sa.client_id, p.n, p.t, p.k);
out:
	free(buf);
	fl_secagg_advert_clear(&adv);
	return r;
}

/* ---- phase 2 ---- */
static const char *refusal(int st)
{
	switch (st) {
	case FL_E_AUTH: return "its certificate is not from the consortium CA or has expired";
	case FL_E_REVOKED: return "its certificate is revoked";
	case FL_E_VERIFY: return "R2: its round keys are not signed by its "
		"certificate for this site's round context";
	case FL_E_ROUND: return "its keys are for another round attempt";
	case FL_E_PARSE: return "its certificate does not parse";
	case FL_E_MEMBER: return "R1: its certificate is not the member that the "
		"context names for its id (role, name or key)";
	case FL_E_REPLAY: return "R1: its advertised public key appears twice in "
		"the key list";
	default: return fl_strerror(st);
	}
}

/* Logs each neighbour refused in phase 2 and why (public facts only). */
static void log_refused(sa_ctx *x, const fl_secagg_keylist *kl)
{
	fl_secagg_client *c = x->a->sa.c;
	uint32_t i, id, nref = fl_secagg_client_refused(c);

	if (nref == 0)
		return;
	fl_warn("%s: refused %u peer(s): they get no shares and are treated as "
		"dropped", x->pre, nref);
	for (id = 1; id <= x->t->sa.n; id++) {
		const char *cn = "?";
		fl_cert_info ci;
		int st = fl_secagg_client_peer_status(c, id);

		if (st == 0 || st == FL_E_NOTFOUND || id == x->t->sa.client_id)
			continue;
		for (i = 0; i < kl->count; i++) {
			const fl_secagg_advert *ad = &kl->adverts[i];

			if (ad->client == id && ad->cert_pem &&
			    fl_pki_cert_info(ad->cert_pem, ad->cert_len, &ci) == 0)
				cn = ci.cn;
		}
		fl_warn("%s: refused peer %u (certificate CN '%s'): %s", x->pre, id,
			cn, refusal(st));
	}
}

static int sa_share(sa_ctx *x)
{
	fl_agent *a = x->a;
	fl_secagg_keylist kl;
	fl_secagg_shares out;
	uint8_t *resp = NULL, *buf = NULL;
	size_t rlen = 0, len = 0;
	int r;

	memset(&kl, 0, sizeof(kl));
	memset(&out, 0, sizeof(out));
	if ((r = sa_get(x, FL_RPC_SA_GET_KEYS, &resp, &rlen)) != 0 ||
	    (r = sa_decoded(x, fl_codec_decode_sa_keylist(resp, rlen, &kl),
			    "key list")) != 0)
		goto out;
	r = fl_secagg_client_share(a->sa.c, &kl, &out);
	log_refused(x, &kl);
	if (r == FL_E_PAIRING) {
		client_refused(x, r);
		goto out;
	}
	if (r != 0) {
		fl_error("%s: cannot share keys (%u adverts listed): %s", x->pre,
			 kl.count, fl_strerror(r));
		goto out;
	}
	/* Policy: enough other sites with keys before any share leaves. */
	if ((r = agent_policy_others(a, x->t, FL_POLICY_AT_KEYS,
				     agent_policy_key_others(a->sa.c, &kl,
							     x->t->sa.client_id,
							     x->t->sa.n))) != 0)
		goto out;
	if ((r = fl_codec_encode_sa_shares(&out, &buf, &len)) != 0) {
		fl_error("%s: cannot encode the shares: %s", x->pre, fl_strerror(r));
		goto out;
	}
	if ((r = sa_put(x, FL_RPC_SA_PUT_SHARES, buf, len)) != 0)
		goto out;
	fl_info("%s: checked %u adverts (%u refused), sent %u encrypted shares",
		x->pre, kl.count, fl_secagg_client_refused(a->sa.c), out.count);
	agent_testhook_shared(AGENT_TESTHOOK(a), x->pre, x->t->round);
out:
	free(resp);
	free(buf);
	fl_secagg_keylist_clear(&kl);
	fl_secagg_shares_clear(&out);
	return r;
}

/* ---- phase 3 ---- */
static int sa_input(sa_ctx *x)
{
	fl_secagg_shares in;
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int r;

	memset(&in, 0, sizeof(in));
	if ((r = sa_get(x, FL_RPC_SA_GET_SHARES, &resp, &rlen)) != 0 ||
	    (r = sa_decoded(x, fl_codec_decode_sa_shares(resp, rlen, &in),
			    "shares")) != 0)
		goto out;
	if ((r = fl_secagg_client_recv_shares(x->a->sa.c, &in)) != 0) {
		if (r == FL_E_PAIRING)
			client_refused(x, r);
		else
			fl_error("%s: the shares routed to this site are refused: %s",
				 x->pre, fl_strerror(r));
		goto out;
	}
	r = agent_task_input(x->a, x->t, x->a->sa.c);
out:
	free(resp);
	fl_secagg_shares_clear(&in);
	return r;
}

/* ---- phases 4 and 5 ---- */
/* The survivor list of phases 4 and 5 into *req (caller clears), and the
 * policy on it: a sum of too few sites is never signed for nor unmasked. */
static int get_survivors(sa_ctx *x, fl_secagg_unmask_req *req)
{
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int r;

	if ((r = sa_get(x, FL_RPC_SA_GET_UNMASK, &resp, &rlen)) == 0)
		r = sa_decoded(x, fl_codec_decode_sa_unmask_req(resp, rlen, req),
			       "survivor list");
	free(resp);
	if (r != 0)
		return r;
	return agent_policy_others(x->a, x->t, FL_POLICY_AT_SURVIVORS,
				   fl_agent_policy_count_others(req->survivors,
								req->nsurvivors,
								x->t->sa.client_id,
								x->t->sa.n));
}

static int sa_consistency(sa_ctx *x)
{
	fl_secagg_unmask_req req;
	fl_secagg_csig cs;
	char why[FL_ERRMSG_BYTES] = "";
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&cs, 0, sizeof(cs));
	if ((r = get_survivors(x, &req)) != 0)
		goto out;
	if ((r = fl_secagg_client_consistency(x->a->sa.c, &req, &cs)) != 0) {
		client_refused(x, r);
		goto out;
	}
	/* R6: (F, H(S)) is on disk before the signature leaves, and no
	 * second S is ever signed for F */
	if ((r = agent_inputs_sign(x->a, x->t, req.survivors, req.nsurvivors,
				   why)) != 0) {
		if (r == FL_E_INPUT_USED)
			log_rule(x, why, r);
		goto out;
	}
	if ((r = fl_codec_encode_sa_csig(&cs, &buf, &len)) != 0 ||
	    (r = sa_put(x, FL_RPC_SA_PUT_CONSISTENCY, buf, len)) != 0)
		goto out;
	fl_info("%s: signed the survivor list (%u survivors, %u dropped)", x->pre,
		req.nsurvivors, req.ndropped);
out:
	free(buf);
	fl_secagg_unmask_req_clear(&req);
	return r;
}

static int sa_unmask(sa_ctx *x)
{
	fl_secagg_unmask_req req;
	fl_secagg_unmask_resp out;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&out, 0, sizeof(out));
	if ((r = get_survivors(x, &req)) != 0)
		goto out;
	if ((r = fl_secagg_client_unmask(x->a->sa.c, &req, &out)) != 0) {
		client_refused(x, r);
		goto out;
	}
	/* the record of this upload is on disk before the round can end */
	agent_record_bg_wait(x->a);
	if ((r = fl_codec_encode_sa_unmask_resp(&out, &buf, &len)) != 0 ||
	    (r = sa_put(x, FL_RPC_SA_PUT_UNMASK, buf, len)) != 0)
		goto out;
	fl_info("%s: sent %u unmasking shares (%u survivors, %u dropped)", x->pre,
		out.count, req.nsurvivors, req.ndropped);
	agent_metrics_round_done();
out:
	fl_wipe_free(buf, len);   /* holds shares of secrets */
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_resp_clear(&out);
	return r;
}

/* ---- dispatch ---- */

/* R2: every phase of an attempt comes with the context its keys signed. */
static int context_same(fl_agent *a, const sa_ctx *x)
{
	uint8_t ctx[FL_SECAGG_DIGEST_BYTES];

	if (fl_sa_context_digest(x->t, ctx) == 0 &&
	    sodium_memcmp(ctx, a->sa.ctx, sizeof(ctx)) == 0)
		return 0;
	log_rule(x, "R2: the coordinator changed the round context (parameters, "
		 "spec, model or participants) after this site signed its keys", 0);
	return FL_E_CONTEXT;
}

/* The phase that must be done before phase p of t. */
static enum fl_sa_phase phase_before(const fl_msg_task *t, enum fl_sa_phase p)
{
	if (p == FL_SA_UNMASK)
		return t->sa.consistency ? FL_SA_CONSISTENCY : FL_SA_INPUT;
	return (enum fl_sa_phase)(p - 1);
}

static int run_phase(sa_ctx *x)
{
	switch (x->t->phase) {
	case FL_SA_ADVERTISE: return sa_advertise(x);
	case FL_SA_SHARE: return sa_share(x);
	case FL_SA_INPUT: return sa_input(x);
	case FL_SA_CONSISTENCY: return sa_consistency(x);
	case FL_SA_UNMASK: return sa_unmask(x);
	case FL_SA_OFF: break;
	}
	return FL_E_INVAL;
}

/* R7: the quantisation the task asks for is the one its spec sets (the
 * spec is in the signed round context, so every site checks the same). */
static int params_from_spec(const fl_msg_task *t, const fl_jobspec *spec)
{
	double clip = spec->sa_clip > 0 ? spec->sa_clip : 1.0;
	uint32_t bits = spec->sa_bits ? spec->sa_bits : 20;

	if (t->sa.clip == clip && t->sa.bits == bits)
		return 0;
	fl_warn("refused job %llu round %u attempt %u (%s advertise): R7: the task "
		"quantises with clip %g and %u bits, the job spec with clip %g and "
		"%u bits", (unsigned long long)t->job_id, t->round, t->attempt,
		fl_agent_task_name(t->kind), t->sa.clip, t->sa.bits, clip, bits);
	agent_metrics_refused("R7");
	return FL_E_UNSAFE;
}

/* Checks the CRL's freshness (R10), that an admin signed the spec (R2),
 * the data, the spec's quantisation (R7) and the site's [policy] before
 * joining, so a site that cannot or will not contribute does not hold up
 * the attempt's later phases. */
static int precheck(sa_ctx *x)
{
	const fl_dataset *train = NULL, *test = NULL;
	char why[FL_ERRMSG_BYTES] = "";
	fl_agent *a = x->a;
	const fl_msg_task *t = x->t;
	fl_jobspec spec;
	int r;

	if ((r = agent_crl_fresh(a, t, fl_time_ms())) != 0)
		return r;
	if ((r = agent_spec_check(a, t, NULL, why)) != 0) {
		log_rule(x, why, r);
		return r;
	}
	memset(&spec, 0, sizeof(spec));
	r = agent_task_data(a, t, &spec, &train, &test);
	if (r != 0 && r != FL_E_SPEC)   /* a parsed spec: say why, if it can */
		(void)agent_decline_data(a, t, &spec, r);
	if (r == 0)
		r = params_from_spec(t, &spec);
	if (r == 0)
		r = agent_policy_task(a, t, &spec, train);
	fl_jobspec_clear(&spec);
	return r;
}

int agent_task_run(fl_agent *a, const fl_msg_task *t, bool *worked)
{
	char why[FL_ERRMSG_BYTES] = "";
	sa_ctx x;
	int r;

	*worked = false;
	memset(&x, 0, sizeof(x));
	x.a = a;
	x.t = t;
	AGENT_TASK_REF(x.hdr, t);
	snprintf(x.pre, sizeof(x.pre), "job %llu round %u attempt %u %s %s",
		 (unsigned long long)t->job_id, t->round, t->attempt,
		 fl_agent_task_name(t->kind), phase_name(t->phase));
	if (t->phase == FL_SA_OFF) {
		fl_error("%s: the coordinator asks for an upload without secure "
			 "aggregation; this agent only sends masked vectors; skipping",
			 x.pre);
		r = FL_E_UNSUPPORTED;
		goto fail;
	}
	if (a->sa.c && !same_attempt(a, t)) {
		fl_info("job %llu round %u attempt %u: left unfinished; its keys are "
			"wiped", (unsigned long long)a->sa.job_id, a->sa.round,
			a->sa.attempt);
		agent_sa_drop(a);
	}
	if (same_attempt(a, t) && a->sa.done >= t->phase)
		return 0;   /* answered; wait for the phase to close */
	if (same_attempt(a, t) && (r = context_same(a, &x)) != 0)
		goto fail;
	if (t->phase != FL_SA_ADVERTISE &&
	    (!same_attempt(a, t) || a->sa.done != phase_before(t, t->phase))) {
		fl_warn("%s: this agent has not done the %s phase of this attempt "
			"(restarted or too slow); leaving the attempt", x.pre,
			phase_name(phase_before(t, t->phase)));
		r = FL_E_STATE;
		goto fail;
	}
	if (t->phase == FL_SA_ADVERTISE && (r = precheck(&x)) != 0)
		goto fail;
	/* R6: noted as open on its input, durably, before keys are made */
	if (t->phase == FL_SA_ADVERTISE &&
	    (r = agent_inputs_begin(a, t, why)) != 0) {
		if (r == FL_E_INPUT_USED)
			log_rule(&x, why, r);
		goto fail;
	}
	/* test builds: leave silently, as a crashed site would */
	agent_testhook_phase(AGENT_TESTHOOK(a), x.pre, t->phase, t->round);
	*worked = true;
	if ((r = run_phase(&x)) != 0)
		goto fail;
	a->sa.done = t->phase;
	if (t->phase == FL_SA_UNMASK) {
		agent_sa_drop(a);
		fl_agent_done_add(&a->done, t->job_id, t->round, t->attempt);
	}
	return 0;
fail:
	/* Keys are never reused: after any failure this site leaves the
	 * attempt (the coordinator sees it as dropped) and joins the next. */
	agent_sa_drop(a);
	fl_agent_done_add(&a->done, t->job_id, t->round, t->attempt);
	return r;
}
