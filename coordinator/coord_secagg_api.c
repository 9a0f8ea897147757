/* SPDX-License-Identifier: Apache-2.0 */
/* coord_secagg_api: the SecAgg messages and masked uploads of a site,
 * checked against its current round attempt and passed to the attempt's
 * fl_secagg_server. Everything here runs under the engine lock and does no
 * network I/O; the service handlers decode and reply outside it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_engine_int.h"
#include "coord_testhook.h"
#include "fl_err.h"
#include "fl_sa_context.h"
#include "fl_log.h"
#include "fl_pki.h"

/* Finds the attempt that hdr addresses and the caller's slot in it. */
static int coord_sa_match(coord_engine *e, const char *site,
			  const fl_secagg_hdr *h, coord_job **jp,
			  coord_slot **sp, char *errmsg)
{
	coord_job *j = coord_engine_job_find(e, h->job_id);
	coord_slot *s;

	if (j == NULL || !j->rs.active || j->rs.sa == NULL) {
		fl_errmsg_set(errmsg, "secagg message for job %llu round %u attempt "
			      "%u, but job %llu has no round open",
			      (unsigned long long)h->job_id, h->round, h->attempt,
			      (unsigned long long)h->job_id);
		return FL_E_ROUND;
	}
	if (h->round != j->rs.round || h->attempt != j->rs.attempt) {
		fl_errmsg_set(errmsg, "secagg message for job %llu round %u attempt "
			      "%u, but the current round is %u attempt %u",
			      (unsigned long long)h->job_id, h->round, h->attempt,
			      j->rs.round, j->rs.attempt);
		return FL_E_ROUND;
	}
	if ((s = coord_round_slot(j, site)) == NULL) {
		fl_errmsg_set(errmsg, "site '%s' is not selected in job %llu round %u "
			      "attempt %u", site, (unsigned long long)j->id,
			      j->rs.round, j->rs.attempt);
		return FL_E_DENIED;
	}
	if (s->out) {
		fl_errmsg_set(errmsg, "site '%s' missed a phase and was dropped from "
			      "job %llu round %u attempt %u", site,
			      (unsigned long long)j->id, j->rs.round, j->rs.attempt);
		return FL_E_STATE;
	}
	*jp = j;
	*sp = s;
	return 0;
}

static uint32_t coord_sa_id(const coord_job *j, const coord_slot *s)
{
	return (uint32_t)(s - j->rs.sel) + 1;
}

static int coord_sa_check_id(const coord_job *j, const coord_slot *s,
			     uint32_t client, char *errmsg)
{
	if (client != coord_sa_id(j, s)) {
		fl_errmsg_set(errmsg, "message names client %u, but site '%s' is "
			      "client %u of this attempt", client, s->name,
			      coord_sa_id(j, s));
		return FL_E_DENIED;
	}
	return 0;
}

static int coord_sa_phase_is(const coord_job *j, enum fl_sa_phase want,
			     const char *what, char *errmsg)
{
	if (j->rs.phase == want)
		return 0;
	if (j->rs.phase < want)
		fl_errmsg_set(errmsg, "not ready: %s comes in a later phase", what);
	else
		fl_errmsg_set(errmsg, "the phase for %s is over", what);
	return FL_E_STATE;
}

static int coord_sa_refused(int r, const char *what, char *errmsg)
{
	fl_errmsg_set(errmsg, "%s refused by secure aggregation: %s", what,
		      fl_strerror(r));
	return r;
}

/* Hands a site's message to the attempt's server (add), then marks the
 * site's slot (the uint8_t at flag_off) and wakes the engine. */
typedef int (*coord_sa_add_fn)(fl_secagg_server *sa, const void *msg);

static int coord_sa_accept(coord_engine *e, coord_job *j, coord_slot *s,
			   coord_sa_add_fn add, const void *msg, size_t flag_off,
			   const char *what, char *errmsg)
{
	int r;

	if ((r = add(j->rs.sa, msg)) != 0)
		return coord_sa_refused(r, what, errmsg);
	((uint8_t *)s)[flag_off] = 1;
	coord_engine_kick(e);
	return 0;
}

/* The shape of PutShares, PutConsistency and PutUnmask: under the engine
 * lock, the caller's slot in the attempt that hdr names, its client id,
 * the phase, then coord_sa_accept. */
static int coord_sa_put(coord_engine *e, const char *site, const fl_secagg_hdr *h,
			uint32_t client, enum fl_sa_phase phase, const char *what,
			coord_sa_add_fn add, const void *msg, size_t flag_off,
			char *errmsg)
{
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((r = coord_sa_match(e, site, h, &j, &s, errmsg)) == 0 &&
	    (r = coord_sa_check_id(j, s, client, errmsg)) == 0 &&
	    (r = coord_sa_phase_is(j, phase, what, errmsg)) == 0)
		r = coord_sa_accept(e, j, s, add, msg, flag_off, what, errmsg);
	pthread_mutex_unlock(&e->mu);
	return r;
}

/* Typed adapters of fl_secagg_server's add functions. */
static int add_advert(fl_secagg_server *sa, const void *m)
{
	return fl_secagg_server_add_advert(sa, m);
}
static int add_shares(fl_secagg_server *sa, const void *m)
{
	return fl_secagg_server_add_shares(sa, m);
}
static int add_consistency(fl_secagg_server *sa, const void *m)
{
	return fl_secagg_server_add_consistency(sa, m);
}
static int add_unmask(fl_secagg_server *sa, const void *m)
{
	return fl_secagg_server_add_unmask(sa, m);
}

int coord_engine_sa_advertise(coord_engine *e, const char *site,
			      const char *tls_fpr, const fl_secagg_advert *a,
			      char *errmsg)
{
	fl_cert_info ci;
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((r = coord_sa_match(e, site, &a->hdr, &j, &s, errmsg)) != 0 ||
	    (r = coord_sa_check_id(j, s, a->client, errmsg)) != 0 ||
	    (r = coord_sa_phase_is(j, FL_SA_ADVERTISE, "Advertise", errmsg)) != 0)
		goto out;
	if (a->cert_pem == NULL ||
	    fl_pki_cert_info(a->cert_pem, a->cert_len, &ci) != 0) {
		fl_errmsg_set(errmsg, "the advert's certificate does not parse");
		r = FL_E_PARSE;
		goto out;
	}
	if (tls_fpr == NULL || strcmp(ci.fingerprint, tls_fpr) != 0) {
		fl_errmsg_set(errmsg, "the advert's certificate is not the TLS "
			      "certificate of site '%s'", site);
		r = FL_E_DENIED;
		goto out;
	}
	r = coord_sa_accept(e, j, s, add_advert, a, offsetof(coord_slot, advertised),
			    "Advertise", errmsg);
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

/* dst = a deep copy of the whole key list. Every site gets every advert,
 * also with SecAgg+ where it pairs only with its k neighbours: each site
 * signs the digest of the list it saw (in its survivor-list signature and
 * its shares' associated data, SECAGG.md R2), and checks the survivor-list
 * signatures of a quorum of about n/2 sites (R5) against their adverts'
 * certificates. Per-site neighbour lists made the digests differ (every
 * SecAgg+ round failed at phase 5), and would leave the quorum's
 * certificates unknown. The cost: each site checks n certificates, each
 * chain once per agent (fl_verifier's cache), then one signature per
 * advert per round. */
static int coord_sa_keylist_copy(fl_secagg_keylist *dst,
				 const fl_secagg_keylist *src)
{
	fl_secagg_keylist k;
	uint32_t i;
	int r = 0;

	memset(&k, 0, sizeof(k));
	k.hdr = src->hdr;
	if (src->count > 0 &&
	    (k.adverts = calloc(src->count, sizeof(*k.adverts))) == NULL)
		return FL_E_NOMEM;
	for (i = 0; i < src->count && r == 0; i++)
		if ((r = fl_secagg_advert_copy(&k.adverts[k.count], &src->adverts[i])) == 0)
			k.count++;
	if (r != 0) {
		fl_secagg_keylist_clear(&k);
		return r;
	}
	*dst = k;
	return 0;
}

/* What a Get* handler hands back, under the engine lock, once the caller
 * and the phase are checked. */
typedef int (*coord_sa_get_fn)(coord_job *j, coord_slot *s, void *out,
			       char *errmsg);

/* The shape of GetKeys, GetShares and GetUnmask: under the engine lock,
 * the caller's slot in the attempt that h names, the attempt at phase from
 * or later (else "not ready: " not_ready), the slot's flag at flag_off set
 * when flag_off is not SIZE_MAX (else "site '...' " missing " this
 * attempt"), then get. */
static int coord_sa_get(coord_engine *e, const char *site, const fl_secagg_hdr *h,
			enum fl_sa_phase from, const char *not_ready,
			size_t flag_off, const char *missing, coord_sa_get_fn get,
			void *out, char *errmsg)
{
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((r = coord_sa_match(e, site, h, &j, &s, errmsg)) != 0)
		goto out;
	if (j->rs.phase < from) {
		fl_errmsg_set(errmsg, "not ready: %s", not_ready);
		r = FL_E_STATE;
		goto out;
	}
	if (flag_off != SIZE_MAX && !((const uint8_t *)s)[flag_off]) {
		fl_errmsg_set(errmsg, "site '%s' %s this attempt", site, missing);
		r = FL_E_STATE;
		goto out;
	}
	r = get(j, s, out, errmsg);
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

static int get_keys(coord_job *j, coord_slot *s, void *out, char *errmsg)
{
	int r;

	(void)s;
	if ((r = coord_sa_keylist_copy(out, &j->rs.keys)) != 0)
		fl_errmsg_set(errmsg, "cannot copy the key list: %s", fl_strerror(r));
	return r;
}

static int get_shares(coord_job *j, coord_slot *s, void *out, char *errmsg)
{
	int r;

	if ((r = fl_secagg_server_shares_for(j->rs.sa, coord_sa_id(j, s), out)) != 0)
		coord_sa_refused(r, "GetShares", errmsg);
	return r;
}

static int get_unmask(coord_job *j, coord_slot *s, void *out, char *errmsg)
{
	int r;

	(void)s;
	if ((r = fl_secagg_unmask_req_copy(out, &j->rs.ureq)) != 0)
		fl_errmsg_set(errmsg, "cannot copy the unmask request: %s",
			      fl_strerror(r));
	return r;
}

int coord_engine_sa_get_keys(coord_engine *e, const char *site,
			     const fl_secagg_hdr *h, fl_secagg_keylist *out,
			     char *errmsg)
{
	return coord_sa_get(e, site, h, FL_SA_SHARE, "the key list is sent when "
			    "the advertise phase closes", SIZE_MAX, NULL, get_keys,
			    out, errmsg);
}

int coord_engine_sa_put_shares(coord_engine *e, const char *site,
			       const fl_secagg_shares *in, char *errmsg)
{
	return coord_sa_put(e, site, &in->hdr, in->client, FL_SA_SHARE, "PutShares",
			    add_shares, in, offsetof(coord_slot, shared), errmsg);
}

int coord_engine_sa_get_shares(coord_engine *e, const char *site,
			       const fl_secagg_hdr *h, fl_secagg_shares *out,
			       char *errmsg)
{
	return coord_sa_get(e, site, h, FL_SA_INPUT, "shares are routed when the "
			    "share phase closes", offsetof(coord_slot, shared),
			    "sent no shares in", get_shares, out, errmsg);
}

int coord_engine_sa_put_consistency(coord_engine *e, const char *site,
				    const fl_secagg_csig *cs, char *errmsg)
{
	return coord_sa_put(e, site, &cs->hdr, cs->client, FL_SA_CONSISTENCY, "PutConsistency",
			    add_consistency, cs, offsetof(coord_slot, signed_list), errmsg);
}

int coord_engine_sa_get_unmask(coord_engine *e, const char *site,
			       const fl_secagg_hdr *h, fl_secagg_unmask_req *out,
			       char *errmsg)
{
	return coord_sa_get(e, site, h, FL_SA_CONSISTENCY, "the unmask request is "
			    "sent when the input phase closes",
			    offsetof(coord_slot, survivor), "is not a survivor of",
			    get_unmask, out, errmsg);
}

int coord_engine_sa_put_unmask(coord_engine *e, const char *site,
			       const fl_secagg_unmask_resp *in, char *errmsg)
{
	return coord_sa_put(e, site, &in->hdr, in->client, FL_SA_UNMASK, "PutUnmask",
			    add_unmask, in, offsetof(coord_slot, unmasked), errmsg);
}

/* ---- masked uploads ---- */

static int coord_upload_match(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, coord_job **jp,
			      coord_slot **sp, char *errmsg)
{
	fl_secagg_hdr sh = { h->job_id, h->round, h->attempt };
	coord_job *j;
	int r;

	if ((r = coord_sa_match(e, site, &sh, &j, sp, errmsg)) != 0)
		return r;
	if (h->kind != j->rs.kind) {
		fl_errmsg_set(errmsg, "update of kind %s, but round %u is %s",
			      coord_task_kind_name(h->kind), j->rs.round,
			      coord_task_kind_name(j->rs.kind));
		return FL_E_ROUND;
	}
	*jp = j;
	return 0;
}

/* R2: the upload must carry the context digest of the task this
 * coordinator gave the site; anything else is not added to the sum. */
static int coord_upload_context(const coord_job *j, const coord_slot *s,
				const fl_msg_update_header *h, int64_t now_ms,
				char *errmsg)
{
	uint8_t want[FL_MSG_DIGEST_BYTES];
	fl_msg_task t;
	int r;

	memset(&t, 0, sizeof(t));
	t.job_id = j->id;
	t.round = j->rs.round;
	t.attempt = j->rs.attempt;
	t.kind = j->rs.kind;
	t.spec = j->spec_text;
	coord_secagg_task(j, s, now_ms, &t);
	r = fl_sa_context_digest(&t, want);
	free(t.sa.names);
	if (r != 0) {
		fl_errmsg_set(errmsg, "cannot compute the round context: %s",
			      fl_strerror(r));
		return r;
	}
	if (!h->has_context || sodium_memcmp(h->context, want, sizeof(want)) != 0) {
		fl_errmsg_set(errmsg, "the update of site '%s' is for %s round context "
			      "than the one this coordinator gave it (SECAGG.md R2): "
			      "not added to the sum", s->name,
			      h->has_context ? "another" : "no stated");
		return FL_E_CONTEXT;
	}
	return 0;
}

int coord_engine_upload_begin(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, int64_t now_ms,
			      char *errmsg)
{
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if (h->encoding != FL_ENC_U32) {
		fl_errmsg_set(errmsg, "plain updates are not accepted: secure "
			      "aggregation is mandatory");
		r = FL_E_STATE;
		goto out;
	}
	if ((r = coord_upload_match(e, site, h, &j, &s, errmsg)) != 0 ||
	    (r = coord_sa_phase_is(j, FL_SA_INPUT, "PutUpdate", errmsg)) != 0)
		goto out;
	if (!s->shared) {
		fl_errmsg_set(errmsg, "site '%s' sent no shares in this attempt", site);
		r = FL_E_STATE;
		goto out;
	}
	if (s->uploaded || s->uploading || s->offset != 0) {
		fl_errmsg_set(errmsg, "site '%s' %s its update for job %llu round %u "
			      "attempt %u", site, s->uploading ? "is already sending" :
			      "already sent", (unsigned long long)j->id,
			      j->rs.round, j->rs.attempt);
		r = FL_E_REPLAY;
		goto out;
	}
	if (h->words != j->rs.sp.m) {
		fl_errmsg_set(errmsg, "%s update has %llu words, expected %llu",
			      coord_task_kind_name(h->kind),
			      (unsigned long long)h->words,
			      (unsigned long long)j->rs.sp.m);
		r = FL_E_RANGE;
		goto out;
	}
	if ((r = coord_upload_context(j, s, h, now_ms, errmsg)) != 0)
		goto out;
	s->uploading = 1;
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

/* The caller's open upload. */
static int coord_upload_open(coord_engine *e, const char *site,
			     const fl_msg_update_header *h, coord_job **jp,
			     coord_slot **sp, char *errmsg)
{
	int r;

	if ((r = coord_upload_match(e, site, h, jp, sp, errmsg)) != 0)
		return r;
	if (!(*sp)->uploading || (*jp)->rs.phase != FL_SA_INPUT) {
		fl_errmsg_set(errmsg, "the input phase closed while site '%s' was "
			      "sending", site);
		return FL_E_ROUND;
	}
	return 0;
}

int coord_engine_upload_chunk(coord_engine *e, const char *site,
			      const fl_msg_update_header *h, const uint32_t *words,
			      size_t count, char *errmsg)
{
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((r = coord_upload_open(e, site, h, &j, &s, errmsg)) != 0)
		goto out;
	if (count > j->rs.sp.m - s->offset) {
		fl_errmsg_set(errmsg, "update has more words than its header's %llu",
			      (unsigned long long)j->rs.sp.m);
		r = FL_E_TOOBIG;
		goto out;
	}
	if (count == 0)
		goto out;
	if ((r = fl_secagg_server_add_chunk(j->rs.sa, coord_sa_id(j, s), s->offset,
					    words, count)) != 0) {
		coord_sa_refused(r, "update chunk", errmsg);
		goto out;
	}
	s->offset += count;
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

int coord_engine_upload_commit(coord_engine *e, const char *site,
			       const fl_msg_update_header *h, char *errmsg)
{
	coord_job *j;
	coord_slot *s;
	int r;

	pthread_mutex_lock(&e->mu);
	if ((r = coord_upload_open(e, site, h, &j, &s, errmsg)) != 0)
		goto out;
	if (s->offset != j->rs.sp.m) {
		fl_errmsg_set(errmsg, "update has %llu words, expected %llu",
			      (unsigned long long)s->offset,
			      (unsigned long long)j->rs.sp.m);
		r = FL_E_RANGE;
		goto out;
	}
	s->uploading = 0;
	s->uploaded = 1;
	coord_engine_kick(e);
	coord_testhook("upload", j->rs.round);
	fl_debug("job %llu round %u attempt %u: masked update from %s",
		 (unsigned long long)j->id, j->rs.round, j->rs.attempt, site);
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

void coord_engine_upload_abort(coord_engine *e, const char *site,
			       const fl_msg_update_header *h)
{
	char msg[FL_ERRMSG_BYTES];
	coord_job *j;
	coord_slot *s;

	pthread_mutex_lock(&e->mu);
	if (coord_upload_match(e, site, h, &j, &s, msg) == 0 && s->uploading) {
		s->uploading = 0;
		/* Its words already in the sum cannot be taken out: the attempt
		 * aborts when the input phase closes (unless it completes). */
		if (s->offset != 0)
			fl_warn("job %llu round %u attempt %u: site '%s' broke off its "
				"masked upload after %llu words",
				(unsigned long long)j->id, j->rs.round, j->rs.attempt,
				site, (unsigned long long)s->offset);
	}
	pthread_mutex_unlock(&e->mu);
}
