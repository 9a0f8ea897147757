/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_client_unmask: the client's consistency check and unmask answer. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg_client_int.h"

/* Checks a request's lists; mark (n + 1 bytes, caller frees) tells who is a
 * survivor and who dropped. */
static int req_check(fl_secagg_client *c, const fl_secagg_unmask_req *req,
		     uint8_t **mark)
{
	uint8_t *mk;
	int r;

	if (!fl_secagg_hdr_eq(&req->hdr, &c->p))
		return FL_E_ROUND;
	if (!(mk = calloc((size_t)c->p.n + 1, 1)))
		return FL_E_NOMEM;
	if ((r = fl_secagg_lists_mark(req, c->p.n, mk)) != 0) {
		fl_secagg_client_refuse(c, r, "R5: the survivor and dropped lists "
			"repeat an id or name one out of range");
		goto out;
	}
	if (req->nsurvivors < c->p.t) {
		r = fl_secagg_client_refuse(c, FL_E_THRESHOLD, "the survivor list "
			"names %u sites, fewer than the threshold t=%u",
			req->nsurvivors, c->p.t);
		goto out;
	}
	if (mk[c->id] != FL_SECAGG_SHARE_B) {
		r = fl_secagg_client_refuse(c, FL_E_DENIED, "R4: the survivor list "
			"does not name this site; a site listed as dropped signs "
			"and reveals nothing");
		goto out;
	}
	*mark = mk;
	mk = NULL;
out:
	free(mk);
	return r;
}

/* Before signing S (phase 4): S can gather the quorum (R5) and our paired
 * peers on S span T - 1 + c other organisations (R4). */
static int survivors_check(fl_secagg_client *c, const fl_secagg_unmask_req *req,
			   const uint8_t *mark)
{
	uint32_t *ids, n = 0, npaired = 0, orgs;

	if (req->nsurvivors < c->quorum)
		return fl_secagg_client_refuse(c, FL_E_SURVIVORS, "R5: the survivor "
			"list names %u sites; it can never gather the %u signatures "
			"that a single list needs (2q > n + c)", req->nsurvivors,
			c->quorum);
	if (!(ids = malloc(((size_t)c->k + 1) * sizeof(*ids))))
		return FL_E_NOMEM;
	for (uint32_t i = 0; i < c->k; i++) {
		if (!c->peers[i].masked)
			continue;
		npaired++;
		if (mark[c->peers[i].id] == FL_SECAGG_SHARE_B)
			ids[n++] = c->peers[i].id;
	}
	orgs = fl_secagg_client_orgs(c, ids, n);
	free(ids);
	if (orgs >= c->need_orgs)
		return 0;
	return fl_secagg_client_refuse(c, FL_E_PAIRING, "R4: only %u of my %u "
		"paired peers survive (%u other organisations); this site's policy "
		"needs %u", n, npaired, orgs, c->need_orgs);
}

int fl_secagg_client_consistency(fl_secagg_client *c,
				 const fl_secagg_unmask_req *req,
				 fl_secagg_csig *out)
{
	uint8_t *mark = NULL, *msg = NULL;
	size_t len = 0, siglen = 0;
	fl_secagg_csig cs;
	int r;

	if (!c || !req || !out)
		return FL_E_INVAL;
	if (!c->p.consistency || c->state != C_MASKED)
		return FL_E_STATE;
	if ((r = req_check(c, req, &mark)) != 0 ||
	    (r = survivors_check(c, req, mark)) != 0)
		goto out;
	if (!(msg = fl_secagg_survivors_msg(req, c->p.ctx, c->kl, &len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	memset(&cs, 0, sizeof(cs));
	fl_secagg_hdr_set(&cs.hdr, &c->p);
	cs.client = c->id;
	if ((r = fl_sign(c->key, msg, len, cs.sig, &siglen)) != 0)
		goto out;
	cs.sig_len = (uint32_t)siglen;
	memcpy(c->signed_sig, cs.sig, siglen);
	c->signed_sig_len = siglen;
	*out = cs;
	c->signed_msg = msg;
	c->signed_len = len;
	msg = NULL;
	c->state = C_SIGNED;
out:
	free(mark);
	free(msg);
	return r;
}

/* Checks one survivor-list signature from site id with the certificate
 * its advert passed phase 2 with (our own for ourselves: the signature we
 * made of this very list needs no check). 0 valid, FL_E_NOTFOUND
 * unverifiable (no checked advert), FL_E_VERIFY bad. */
static int csig_check(fl_secagg_client *c, const fl_secagg_csig *cs,
		      const uint8_t *msg, size_t len)
{
	const client_site *st = &c->sites[cs->client];

	if (cs->client != c->id && (!st->has_cert || st->status != 0))
		return FL_E_NOTFOUND;
	if (cs->sig_len == 0 || cs->sig_len > FL_SIG_MAX_BYTES)
		return FL_E_VERIFY;
	if (cs->client == c->id) {
		if (cs->sig_len == c->signed_sig_len &&
		    memcmp(cs->sig, c->signed_sig, cs->sig_len) == 0)
			return 0;
		return fl_verifier_check(c->ver, c->cert_pem, c->cert_len, msg, len,
					 cs->sig, cs->sig_len) != 0 ? FL_E_VERIFY : 0;
	}
	return fl_verifier_check_cert(c->ver, st->cert, msg, len, cs->sig,
				      cs->sig_len) != 0 ? FL_E_VERIFY : 0;
}

/* Whether site id's signature decides what we reveal: a paired peer's b
 * share goes out only if it signed (R4). Such a peer's advert passed, so
 * its signature can always be checked. */
static bool csig_needed(fl_secagg_client *c, uint32_t id)
{
	const client_peer *pe = fl_secagg_client_peer(c, id);

	return pe && pe->received && pe->verified;
}

/* The request must carry the list we signed and valid signatures of it
 * from at least the quorum of distinct sites (R5); sigok[id] marks the
 * sites whose signature is valid (R4: only their b shares are revealed).
 * Every entry must name a distinct survivor of this attempt. The paired
 * peers' signatures are all checked; another is checked only while the
 * quorum is not yet proven by the valid ones so far and the paired
 * peers' still to come: beyond it, one more valid signature changes
 * nothing we answer, and an unchecked one is as good as absent, which the
 * coordinator could always make it (a paired peer's bad signature fails
 * the request anyway). A bad signature that we check, from a site whose
 * advert we accepted, fails the request; one we cannot check does not
 * count. */
static int req_check_csigs(fl_secagg_client *c, const fl_secagg_unmask_req *req,
			   const uint8_t *mark, uint8_t *sigok)
{
	uint8_t *msg = NULL, *seen = NULL;
	uint32_t good = 0, needed = 0;
	size_t len = 0;
	int r = FL_E_NOMEM;

	if (!(msg = fl_secagg_survivors_msg(req, c->p.ctx, c->kl, &len)) ||
	    !(seen = calloc((size_t)c->p.n + 1, 1)))
		goto out;
	if (len != c->signed_len || memcmp(msg, c->signed_msg, len) != 0) {
		r = fl_secagg_client_refuse(c, FL_E_DENIED, "R5: the unmask request's "
			"survivor list is not the one this site signed");
		goto out;
	}
	r = FL_E_VERIFY;
	if (req->ncsigs && !req->csigs)
		goto out;
	for (uint32_t i = 0; i < req->ncsigs; i++) {
		uint32_t id = req->csigs[i].client;

		needed += id >= 1 && id <= c->p.n && csig_needed(c, id);
	}
	for (uint32_t i = 0; i < req->ncsigs; i++) {
		const fl_secagg_csig *cs = &req->csigs[i];
		bool need;
		int e;

		if (cs->client < 1 || cs->client > c->p.n || seen[cs->client] ||
		    mark[cs->client] != FL_SECAGG_SHARE_B ||
		    !fl_secagg_hdr_eq(&cs->hdr, &c->p))
			goto out;
		seen[cs->client] = 1;
		if ((need = csig_needed(c, cs->client)))
			needed--;
		else if ((uint64_t)good + needed >= c->quorum)
			continue;
		if ((e = csig_check(c, cs, msg, len)) == FL_E_NOTFOUND)
			continue;
		if (e != 0) {
			fl_secagg_client_refuse(c, FL_E_VERIFY, "R5: site %u's "
				"signature of the survivor list does not verify",
				cs->client);
			goto out;
		}
		sigok[cs->client] = 1;
		good++;
	}
	r = 0;
	if (good < c->quorum)
		r = fl_secagg_client_refuse(c, FL_E_SURVIVORS, "R5: the survivor list "
			"carries %u valid signatures; %u are needed (2q > n + c)",
			good, c->quorum);
out:
	free(msg);
	free(seen);
	return r;
}

/* Decrypts the shares that peer pe sent us. */
static int share_open(fl_secagg_client *c, const client_peer *pe,
		      uint8_t pt[static FL_SECAGG_SHARE_PT_BYTES])
{
	uint8_t key[FL_SEED_BYTES];
	fl_kx_ctx kx = fl_secagg_kx_ctx(&c->p);
	fl_aead_ad ad = { pe->id, c->id, c->p.job_id, c->p.round, c->p.attempt, { 0 } };
	int r;

	memcpy(ad.digest, c->kl, sizeof(ad.digest));
	if ((r = fl_kx_derive(c->sec->c_sk, pe->c_pk, FL_SECAGG_LABEL_ENC, &kx,
			      c->id, pe->id, key)) == 0)
		r = fl_aead_open(key, &ad, pe->ct, sizeof(pe->ct), pt);
	sodium_memzero(key, sizeof(key));
	return r;
}

static int resp_build(fl_secagg_client *c, const uint8_t *mark,
		      const uint8_t *sigok, fl_secagg_unmask_resp *out)
{
	uint8_t pt[FL_SECAGG_SHARE_PT_BYTES];
	fl_secagg_unmask_entry *e;
	uint32_t n = 0;
	int r;

	if (!(e = calloc((size_t)c->k + 1, sizeof(*e))))
		return FL_E_NOMEM;
	/* our own share of b (req_check made sure we are a survivor) */
	e[n].owner = c->id;
	e[n].kind = FL_SECAGG_SHARE_B;
	memcpy(e[n].y, c->sec->b_self, FL_SHAMIR_SHARE_BYTES);
	n++;
	for (uint32_t i = 0; i < c->k; i++) {
		const client_peer *pe = &c->peers[i];
		uint32_t kind = mark[pe->id];

		if (!pe->received || !pe->verified || kind == 0)
			continue;
		/* R4: a survivor's self-mask only if it signed the list */
		if (kind == FL_SECAGG_SHARE_B && !sigok[pe->id])
			continue;
		/* a share that does not open (tampered) is simply not sent */
		if ((r = share_open(c, pe, pt)) != 0)
			continue;
		e[n].owner = pe->id;
		e[n].kind = kind;
		/* exactly one of the two shares leaves this client */
		memcpy(e[n].y, kind == FL_SECAGG_SHARE_B ? pt :
		       pt + FL_SHAMIR_SHARE_BYTES, FL_SHAMIR_SHARE_BYTES);
		n++;
	}
	sodium_memzero(pt, sizeof(pt));
	memset(out, 0, sizeof(*out));
	fl_secagg_hdr_set(&out->hdr, &c->p);
	out->client = c->id;
	out->count = n;
	out->entries = e;
	return 0;
}

int fl_secagg_client_unmask(fl_secagg_client *c, const fl_secagg_unmask_req *req,
			    fl_secagg_unmask_resp *out)
{
	uint8_t *mark = NULL, *sigok = NULL;
	int r;

	if (!c || !req || !out)
		return FL_E_INVAL;
	if (!c->p.consistency || c->state != C_SIGNED)
		return FL_E_STATE;
	if ((r = req_check(c, req, &mark)) != 0)
		goto out;
	if (!(sigok = calloc((size_t)c->p.n + 1, 1))) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = req_check_csigs(c, req, mark, sigok)) != 0 ||
	    (r = resp_build(c, mark, sigok, out)) != 0)
		goto out;
	/* One answer per attempt: a second request can never get the other
	 * kind of share. */
	fl_secagg_client_wipe(c);
	for (uint32_t i = 0; i < c->k; i++)
		sodium_memzero(c->peers[i].ct, sizeof(c->peers[i].ct));
	c->state = C_DONE;
out:
	free(mark);
	free(sigok);
	return r;
}
