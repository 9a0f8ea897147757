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
	if ((r = fl_secagg_lists_mark(req, c->p.n, mk)) != 0)
		goto out;
	if (req->nsurvivors < c->p.t) {
		r = FL_E_THRESHOLD;
		goto out;
	}
	if (mk[c->id] != FL_SECAGG_SHARE_B) {
		r = FL_E_DENIED;
		goto out;
	}
	*mark = mk;
	mk = NULL;
out:
	free(mk);
	return r;
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
	if ((r = req_check(c, req, &mark)) != 0)
		goto out;
	if (!(msg = fl_secagg_survivors_msg(req, &len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	memset(&cs, 0, sizeof(cs));
	fl_secagg_hdr_set(&cs.hdr, &c->p);
	cs.client = c->id;
	if ((r = fl_sign(c->key, msg, len, cs.sig, &siglen)) != 0)
		goto out;
	cs.sig_len = (uint32_t)siglen;
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

/* The request must carry the list we signed and, from our surviving
 * neighbours (whose certificates we checked in phase 2), at least t valid
 * signatures of it. Signatures from other clients cannot be checked here
 * and are ignored; a bad one from a neighbour fails the whole request. */
static int req_check_csigs(fl_secagg_client *c, const fl_secagg_unmask_req *req,
			   const uint8_t *mark)
{
	uint8_t *msg = NULL, *seen = NULL;
	uint32_t good = 0;
	size_t len = 0;
	int r = FL_E_NOMEM;

	if (!(msg = fl_secagg_survivors_msg(req, &len)) ||
	    !(seen = calloc((size_t)c->p.n + 1, 1)))
		goto out;
	if (len != c->signed_len || memcmp(msg, c->signed_msg, len) != 0) {
		r = FL_E_DENIED;
		goto out;
	}
	r = FL_E_VERIFY;
	if (req->ncsigs && !req->csigs)
		goto out;
	for (uint32_t i = 0; i < req->ncsigs; i++) {
		const fl_secagg_csig *cs = &req->csigs[i];
		client_peer *pe;

		if (cs->client < 1 || cs->client > c->p.n || seen[cs->client] ||
		    mark[cs->client] != FL_SECAGG_SHARE_B ||
		    !fl_secagg_hdr_eq(&cs->hdr, &c->p))
			goto out;
		seen[cs->client] = 1;
		pe = fl_secagg_client_peer(c, cs->client);
		if (!pe || !pe->verified || !pe->cert_pem)
			continue;
		if (cs->sig_len == 0 || cs->sig_len > FL_SIG_MAX_BYTES ||
		    fl_verifier_check(c->ver, pe->cert_pem, pe->cert_len, msg, len,
				      cs->sig, cs->sig_len) != 0)
			goto out;
		good++;
	}
	r = good >= c->p.t ? 0 : FL_E_THRESHOLD;
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
	fl_aead_ad ad = { pe->id, c->id, c->p.job_id, c->p.round, c->p.attempt };
	int r;

	if ((r = fl_kx_derive(c->sec->c_sk, pe->c_pk, FL_SECAGG_LABEL_ENC, &kx,
			      c->id, pe->id, key)) == 0)
		r = fl_aead_open(key, &ad, pe->ct, sizeof(pe->ct), pt);
	sodium_memzero(key, sizeof(key));
	return r;
}

static int resp_build(fl_secagg_client *c, const uint8_t *mark,
		      fl_secagg_unmask_resp *out)
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
	uint8_t *mark = NULL;
	int r;

	if (!c || !req || !out)
		return FL_E_INVAL;
	if (c->state != (c->p.consistency ? C_SIGNED : C_MASKED))
		return FL_E_STATE;
	if ((r = req_check(c, req, &mark)) != 0)
		goto out;
	if (c->p.consistency && (r = req_check_csigs(c, req, mark)) != 0)
		goto out;
	if ((r = resp_build(c, mark, out)) != 0)
		goto out;
	/* One answer per attempt: a second request can never get the other
	 * kind of share. */
	fl_secagg_client_wipe(c);
	for (uint32_t i = 0; i < c->k; i++)
		sodium_memzero(c->peers[i].ct, sizeof(c->peers[i].ct));
	c->state = C_DONE;
out:
	free(mark);
	return r;
}
