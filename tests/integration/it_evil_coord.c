/* SPDX-License-Identifier: Apache-2.0 */
/* it_evil_coord: a malicious coordinator for integration tests. It holds
 * the coordinator's certificate (and an admin's), serves the Agent and
 * SecAgg services to real agents over mutual TLS with the project's own
 * fl_rpc server glue, and drives round attempts itself the way a cheating
 * coordinator would (it_evil_plan.c): forged key lists, per-site survivor
 * lists. Test-only; never installed. See it_adversary_coordinator.sh.
 * Usage: it_evil_coord --port-file F --ca CA --cert CERT --key KEY
 *          --admin-cert CERT --admin-key KEY --members members.txt
 *          SITE1 SITE2 SITE3 SITE4
 * Exit 0 when every scenario was served as planned; what the agents did
 * (and what this coordinator received) is in its "evil: RESULT" lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_members.h"
#include "fl_pki.h"
#include "fl_util.h"
#include "it_evil_coord.h"

#define EVIL_MAX_MSG (8u * 1024u * 1024u)

void evil_say(const char *fmt, ...)
{
	va_list ap;

	fputs("evil: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

uint32_t evil_site_of(const evil *e, const fl_rpc_call *call)
{
	const char *cn = fl_rpc_call_peer_cn(call);

	for (uint32_t id = 1; cn && id <= EVIL_NSITES; id++)
		if (strcmp(cn, e->names[id]) == 0)
			return id;
	return 0;
}

/* ---- call plumbing ---- */

/* Receives the one request message of a unary call. */
static int recv_one(fl_rpc_call *call, uint8_t **buf, size_t *len)
{
	int r = fl_rpc_call_recv(call, buf, len);

	return r == FL_E_EOF ? FL_E_PARSE : r;
}

/* Sends buf (if r == 0) and ends the call; frees buf. */
static void answer(fl_rpc_call *call, int r, uint8_t *buf, size_t len,
		   const char *detail)
{
	if (r == 0 && (r = fl_rpc_call_send(call, buf, len)) != 0)
		detail = "cannot send the reply";
	free(buf);
	fl_rpc_call_finish(call, r, r ? (detail ? detail : fl_strerror(r)) : NULL);
}

static void answer_ack(fl_rpc_call *call, int r, const char *detail)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (r == 0)
		r = fl_codec_encode_sa_ack(&r, &buf, &len);
	answer(call, r, buf, len, detail);
}

/* Caller holds e->mu. A SecAgg header for the attempt being served? */
static bool hdr_current(const evil *e, const fl_secagg_hdr *h)
{
	const fl_msg_task *t = &e->at.task;

	return e->at.phase != FL_SA_OFF && h->job_id == t->job_id &&
		h->round == t->round && h->attempt == t->attempt;
}

/* Receives a SaHeader request from a known site of the current attempt,
 * in phase want or later; locks e->mu on success. */
static int get_begin(evil *e, fl_rpc_call *call, enum fl_sa_phase want,
		     uint32_t *id, const char **why)
{
	fl_secagg_hdr h;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*why = NULL;
	if (!(*id = evil_site_of(e, call)))
		return FL_E_DENIED;
	if ((r = recv_one(call, &buf, &len)) != 0)
		return r;
	r = fl_codec_decode_sa_hdr(buf, len, &h);
	free(buf);
	if (r != 0)
		return r;
	pthread_mutex_lock(&e->mu);
	if (!hdr_current(e, &h) || e->at.phase < want) {
		pthread_mutex_unlock(&e->mu);
		*why = "not ready";
		return FL_E_STATE;
	}
	e->at.last_fetch_ms = fl_mono_ms();
	return 0;
}

/* ---- Agent service ---- */
static void h_poll(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_msg_poll_req req;
	fl_msg_task t;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	if (!id) {
		answer(call, FL_E_DENIED, NULL, 0, "not a site of this test");
		return;
	}
	if ((r = recv_one(call, &buf, &len)) == 0)
		r = fl_codec_decode_poll_req(buf, len, &req);
	free(buf);
	if (r != 0) {
		answer(call, r, NULL, 0, "bad PollRequest");
		return;
	}
	pthread_mutex_lock(&e->mu);
	e->polled[id] = true;
	memset(&t, 0, sizeof(t));
	if (e->at.phase != FL_SA_OFF) {
		t = e->at.task;   /* shallow: only encoded, under the lock */
		t.phase = e->at.phase;
		t.sa.client_id = id;
		if (e->at.phase == FL_SA_ADVERTISE && !e->at.served[id]) {
			e->at.served[id] = true;
			e->at.last_fetch_ms = fl_mono_ms();
		}
	} else {
		t.kind = FL_TASK_NONE;
	}
	t.poll_ms = 150;
	t.members_version = e->members_version;
	r = fl_codec_encode_task(&t, &out, &outlen);
	pthread_mutex_unlock(&e->mu);
	answer(call, r, out, outlen, "cannot encode the task");
}

static void h_get_members(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_msg_members req, rep;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = recv_one(call, &buf, &len)) == 0 &&
	    (r = fl_codec_decode_members(buf, len, &req)) == 0) {
		rep.version = e->members_version;
		rep.text = e->members_text;
		r = fl_codec_encode_members(&rep, &out, &outlen);
		fl_msg_members_clear(&req);
	}
	free(buf);
	pthread_mutex_lock(&e->mu);
	if (id && r == 0)
		e->members_fetched[id] = true;
	pthread_mutex_unlock(&e->mu);
	answer(call, r, out, outlen, "bad MembersInfo");
}

/* Reads the upload stream to its end; *words gets the words received. */
static int recv_upload(fl_rpc_call *call, uint64_t *words)
{
	fl_msg_update_part part;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*words = 0;
	for (;;) {
		if ((r = fl_rpc_call_recv(call, &buf, &len)) == FL_E_EOF)
			return 0;
		if (r != 0)
			return r;
		r = fl_codec_decode_update_part(buf, len, &part);
		free(buf);
		if (r != 0)
			return r;
		if (part.is_header) {
			fl_msg_update_part_clear(&part);
			return FL_E_PARSE;
		}
		*words += part.len / 4;
		fl_msg_update_part_clear(&part);
	}
}

static void h_put_update(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_msg_update_part first;
	fl_msg_update_reply rep;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	uint64_t words = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	if (!id) {
		answer(call, FL_E_DENIED, NULL, 0, "not a site of this test");
		return;
	}
	memset(&first, 0, sizeof(first));
	if ((r = fl_rpc_call_recv_held(call, &buf, &len)) == 0)
		r = fl_codec_decode_update_part(buf, len, &first);
	free(buf);
	if (r != 0 || !first.is_header) {
		fl_msg_update_part_clear(&first);
		answer(call, r ? r : FL_E_PARSE, NULL, 0, "no upload header");
		return;
	}
	if ((r = fl_rpc_call_go(call)) != 0 || (r = recv_upload(call, &words)) != 0) {
		answer(call, r, NULL, 0, "the upload broke");
		return;
	}
	pthread_mutex_lock(&e->mu);
	if (e->at.phase == FL_SA_INPUT && first.header.job_id == e->at.task.job_id &&
	    first.header.attempt == e->at.task.attempt &&
	    words == e->at.task.sa.words && first.header.words == words)
		e->at.uploaded[id] = true;
	evil_say("[%s] PutUpdate from %s: %llu masked words (%s)", e->at.scenario,
		 e->names[id], (unsigned long long)words,
		 e->at.uploaded[id] ? "whole" : "NOT for this attempt");
	pthread_mutex_unlock(&e->mu);
	rep.words = words;
	r = fl_codec_encode_update_reply(&rep, &out, &outlen);
	answer(call, r, out, outlen, "cannot encode the reply");
}

/* ---- SecAgg service ---- */
static void h_advertise(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_advert ad;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	memset(&ad, 0, sizeof(ad));
	if (!id) {
		answer_ack(call, FL_E_DENIED, "not a site of this test");
		return;
	}
	if ((r = recv_one(call, &buf, &len)) == 0)
		r = fl_codec_decode_sa_advert(buf, len, &ad);
	free(buf);
	if (r != 0) {
		answer_ack(call, r, "bad SaAdvert");
		return;
	}
	pthread_mutex_lock(&e->mu);
	if (!hdr_current(e, &ad.hdr) || e->at.phase != FL_SA_ADVERTISE ||
	    ad.client != id || e->at.advert_ok[id]) {
		r = FL_E_STATE;
	} else if ((r = fl_secagg_advert_copy(&e->at.advert[id], &ad)) == 0) {
		e->at.advert_ok[id] = true;
		evil_say("[%s] Advertise from %s as id %u", e->at.scenario,
			 e->names[id], id);
	}
	pthread_mutex_unlock(&e->mu);
	fl_secagg_advert_clear(&ad);
	answer_ack(call, r, r == FL_E_STATE ? "not expected" : NULL);
}

static void h_get_keys(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_keylist kl;
	uint8_t *out = NULL;
	size_t outlen = 0;
	const char *why;
	uint32_t id;
	int r;

	memset(&kl, 0, sizeof(kl));
	if ((r = get_begin(e, call, FL_SA_SHARE, &id, &why)) != 0) {
		answer(call, r, NULL, 0, why);
		return;
	}
	if ((r = evil_plan_keylist(e, id, &kl)) == 0 &&
	    (r = fl_codec_encode_sa_keylist(&kl, &out, &outlen)) == 0)
		e->at.got_keys[id] = true;
	pthread_mutex_unlock(&e->mu);
	fl_secagg_keylist_clear(&kl);
	answer(call, r, out, outlen, "cannot build the key list");
}

static void h_put_shares(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_shares sh;
	char to[128] = "";
	uint8_t *buf = NULL;
	size_t len = 0, o = 0;
	uint32_t id = evil_site_of(e, call), bad = 0;
	int r;

	memset(&sh, 0, sizeof(sh));
	if ((r = recv_one(call, &buf, &len)) == 0)
		r = fl_codec_decode_sa_shares(buf, len, &sh);
	free(buf);
	if (r != 0 || !id) {
		answer_ack(call, r ? r : FL_E_DENIED, "bad SaShares");
		return;
	}
	pthread_mutex_lock(&e->mu);
	e->at.put_shares++;
	for (uint32_t i = 0; i < sh.count; i++) {
		uint32_t v = sh.items[i].recipient;

		if (v < EVIL_IDS && e->at.sybil[id][v])
			bad++;
		if (o < sizeof(to) - 16)
			o += (size_t)snprintf(to + o, sizeof(to) - o, "%s%u%s",
					      i ? ", " : "", v, v < EVIL_IDS &&
					      e->at.sybil[id][v] ? " (SYBIL)" : "");
	}
	e->at.shares_to_sybil += bad;
	evil_say("[%s] PutShares from %s: %u encrypted shares, to ids %s",
		 e->at.scenario, e->names[id], sh.count, to[0] ? to : "none");
	if (hdr_current(e, &sh.hdr) && e->at.phase == FL_SA_SHARE &&
	    sh.client == id && !e->at.shares_ok[id]) {
		e->at.shares[id] = sh;   /* kept for routing in phase 3 */
		e->at.shares_ok[id] = true;
		memset(&sh, 0, sizeof(sh));
	}
	pthread_mutex_unlock(&e->mu);
	fl_secagg_shares_clear(&sh);
	answer_ack(call, 0, NULL);
}

static void h_get_shares(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_shares out;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why;
	uint32_t id;
	int r;

	memset(&out, 0, sizeof(out));
	if ((r = get_begin(e, call, FL_SA_INPUT, &id, &why)) != 0) {
		answer(call, r, NULL, 0, why);
		return;
	}
	out.hdr.job_id = e->at.task.job_id;
	out.hdr.round = e->at.task.round;
	out.hdr.attempt = e->at.task.attempt;
	out.client = id;
	if (!(out.items = calloc(EVIL_IDS, sizeof(*out.items))))
		r = FL_E_NOMEM;
	for (uint32_t s = 1; r == 0 && s <= EVIL_NSITES; s++)
		for (uint32_t i = 0; e->at.shares_ok[s] && i < e->at.shares[s].count; i++)
			if (e->at.shares[s].items[i].recipient == id && out.count < EVIL_IDS)
				out.items[out.count++] = e->at.shares[s].items[i];
	if (r == 0 && (r = fl_codec_encode_sa_shares(&out, &buf, &len)) == 0)
		e->at.got_shares[id] = true;
	pthread_mutex_unlock(&e->mu);
	fl_secagg_shares_clear(&out);
	answer(call, r, buf, len, "cannot route the shares");
}

static void h_put_consistency(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_csig cs;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	if ((r = recv_one(call, &buf, &len)) == 0)
		r = fl_codec_decode_sa_csig(buf, len, &cs);
	free(buf);
	if (r != 0 || !id) {
		answer_ack(call, r ? r : FL_E_DENIED, "bad SaCsig");
		return;
	}
	pthread_mutex_lock(&e->mu);
	if (hdr_current(e, &cs.hdr) && e->at.phase == FL_SA_CONSISTENCY &&
	    cs.client == id && !e->at.csig_ok[id]) {
		e->at.csig[id] = cs;
		e->at.csig_ok[id] = true;
		evil_say("[%s] PutConsistency from %s: signed survivor list S%u",
			 e->at.scenario, e->names[id], e->at.list_of[id] + 1);
	} else {
		r = FL_E_STATE;
	}
	pthread_mutex_unlock(&e->mu);
	answer_ack(call, r, r ? "not expected" : NULL);
}

static void h_get_unmask(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_unmask_req req;
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *why;
	uint32_t id;
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = get_begin(e, call, FL_SA_CONSISTENCY, &id, &why)) != 0) {
		answer(call, r, NULL, 0, why);
		return;
	}
	if ((r = evil_plan_unmask_req(e, id, &req)) == 0 &&
	    (r = fl_codec_encode_sa_unmask_req(&req, &buf, &len)) == 0 &&
	    e->at.phase == FL_SA_UNMASK)
		e->at.got_unmask[id] = true;
	pthread_mutex_unlock(&e->mu);
	fl_secagg_unmask_req_clear(&req);
	answer(call, r, buf, len, "cannot build the survivor list");
}

static void h_put_unmask(fl_rpc_call *call, void *ctx)
{
	evil *e = ctx;
	fl_secagg_unmask_resp resp;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t id = evil_site_of(e, call);
	int r;

	if ((r = recv_one(call, &buf, &len)) == 0)
		r = fl_codec_decode_sa_unmask_resp(buf, len, &resp);
	free(buf);
	if (r != 0) {
		answer_ack(call, r, "bad SaUnmaskResp");
		return;
	}
	pthread_mutex_lock(&e->mu);
	e->at.put_unmask++;
	evil_say("[%s] RECEIVED PutUnmask from %s: %u unmasking shares",
		 e->at.scenario, id ? e->names[id] : "?", resp.count);
	pthread_mutex_unlock(&e->mu);
	fl_secagg_unmask_resp_clear(&resp);
	answer_ack(call, 0, NULL);
}

static const fl_rpc_method evil_methods[] = {
	{ FL_RPC_AGENT_POLL, h_poll },
	{ FL_RPC_AGENT_GET_MEMBERS, h_get_members },
	{ FL_RPC_AGENT_PUT_UPDATE, h_put_update },
	{ FL_RPC_SA_ADVERTISE, h_advertise },
	{ FL_RPC_SA_GET_KEYS, h_get_keys },
	{ FL_RPC_SA_PUT_SHARES, h_put_shares },
	{ FL_RPC_SA_GET_SHARES, h_get_shares },
	{ FL_RPC_SA_PUT_CONSISTENCY, h_put_consistency },
	{ FL_RPC_SA_GET_UNMASK, h_get_unmask },
	{ FL_RPC_SA_PUT_UNMASK, h_put_unmask },
};

/* ---- setup ---- */
static int cred_load(evil_cred *c, const char *cert, const char *key)
{
	fl_cert_info ci;
	char *kp = NULL;
	size_t klen = 0;
	int r;

	if ((r = fl_file_read(cert, FL_SIGN_MAX_PEM, &c->pem, &c->pem_len)) != 0 ||
	    (r = fl_file_read(key, FL_SIGN_MAX_PEM, &kp, &klen)) != 0 ||
	    (r = fl_sign_key_load_pem(kp, klen, &c->key)) != 0 ||
	    (r = fl_pki_cert_info(c->pem, c->pem_len, &ci)) != 0)
		fprintf(stderr, "it_evil_coord: cannot load %s / %s: %s\n", cert,
			key, fl_strerror(r));
	else {
		snprintf(c->cn, sizeof(c->cn), "%s", ci.cn);
		snprintf(c->role, sizeof(c->role), "%s", ci.role);
	}
	if (kp) {
		sodium_memzero(kp, klen);
		free(kp);
	}
	return r;
}

static void cred_clear(evil_cred *c)
{
	free(c->pem);
	fl_sign_key_free(c->key);
	memset(c, 0, sizeof(*c));
}

static int members_load(evil *e, const char *path, const char *ca)
{
	char *ca_pem = NULL, why[FL_ERRMSG_BYTES] = "";
	size_t len = 0, ca_len = 0;
	fl_members m;
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = fl_file_read(path, FL_MEMBERS_MAX_BYTES, &e->members_text, &len)) == 0 &&
	    (r = fl_file_read(ca, FL_SIGN_MAX_PEM, &ca_pem, &ca_len)) == 0 &&
	    (r = fl_members_parse_verified(e->members_text, len, ca_pem, ca_len,
					   &m, why)) == 0)
		e->members_version = m.version;
	else
		fprintf(stderr, "it_evil_coord: member list %s: %s\n", path,
			why[0] ? why : fl_strerror(r));
	fl_members_clear(&m);
	free(ca_pem);
	return r;
}

static void *serve(void *arg)
{
	fl_rpc_server_run(arg);
	return NULL;
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	fprintf(stderr, "it_evil_coord: missing %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	static evil e;
	fl_rpc_tls tls;
	fl_rpc_server *srv = NULL;
	pthread_t th;
	FILE *f;
	int r, nsite = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			i++;
		} else if (nsite < (int)EVIL_NSITES) {
			snprintf(e.names[++nsite], FL_NAME_BYTES, "%s", argv[i]);
		}
	}
	if (nsite != (int)EVIL_NSITES) {
		fprintf(stderr, "usage: it_evil_coord --port-file F --ca CA --cert C "
			"--key K --admin-cert C --admin-key K --members M S1 S2 S3 S4 "
			"(sites in increasing name order)\n");
		return 2;
	}
	fl_log_set_prog("it_evil_coord");
	pthread_mutex_init(&e.mu, NULL);
	e.at.scenario = "idle";
	if (sodium_init() < 0 ||
	    cred_load(&e.coord, opt(argc, argv, "--cert"), opt(argc, argv, "--key")) ||
	    cred_load(&e.admin, opt(argc, argv, "--admin-cert"),
		      opt(argc, argv, "--admin-key")) ||
	    members_load(&e, opt(argc, argv, "--members"), opt(argc, argv, "--ca")))
		return 1;
	fl_rpc_global_init();
	tls.ca_file = opt(argc, argv, "--ca");
	tls.cert_file = opt(argc, argv, "--cert");
	tls.key_file = opt(argc, argv, "--key");
	if ((r = fl_rpc_server_new("127.0.0.1:0", &tls, evil_methods,
				   sizeof(evil_methods) / sizeof(evil_methods[0]),
				   &e, EVIL_MAX_MSG, &srv)) != 0) {
		fprintf(stderr, "it_evil_coord: cannot serve: %s\n", fl_strerror(r));
		return 1;
	}
	if (!(f = fopen(opt(argc, argv, "--port-file"), "w")) ||
	    fprintf(f, "%d\n", fl_rpc_server_port(srv)) < 0 || fclose(f) != 0) {
		fprintf(stderr, "it_evil_coord: cannot write the port file\n");
		return 1;
	}
	evil_say("serving Agent and SecAgg on 127.0.0.1:%d as '%s' (role %s), "
		 "holding also '%s' (role %s)", fl_rpc_server_port(srv), e.coord.cn,
		 e.coord.role, e.admin.cn, e.admin.role);
	pthread_create(&th, NULL, serve, srv);
	r = evil_plan_run(&e);
	fl_rpc_server_stop(srv);
	pthread_join(th, NULL);
	fl_rpc_server_free(srv);
	fl_rpc_global_shutdown();
	cred_clear(&e.coord);
	cred_clear(&e.admin);
	free(e.members_text);
	evil_say("done: %s", r == 0 ? "every scenario served as planned" :
		 "some scenario could not be served");
	return r == 0 ? 0 : 1;
}
