/* SPDX-License-Identifier: Apache-2.0 */
/* adversary: a malicious coordinator over real client state machines, and
 * its attempt to compute one site's input (see adversary.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "adversary.h"
#include "fl_err.h"
#include "fl_prg.h"
#include "fl_secagg_client_int.h"

int adv_pki_init(adv_pki *k)
{
	memset(k, 0, sizeof(*k));
	if (fl_test_ca_new("fedc adversary CA", &k->ca) != 0 ||
	    fl_verifier_new(k->ca.pem, k->ca.pem_len, NULL, 0, &k->ver) != 0)
		return -1;
	for (uint32_t i = 1; i <= ADV_MAX; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "site-%u", i);
		if (fl_test_site_new(&k->ca, cn, 100 + i, 0, &k->site[i]) != 0 ||
		    fl_sign_key_load_pem(k->site[i].key_pem, k->site[i].key_len,
					 &k->key[i]) != 0)
			return -1;
	}
	/* the coordinator's and an admin's certificates, and one minted by an
	 * online CA for the absent member site-ADV_MAX with a new key */
	if (fl_test_cert_new(&k->ca, "coordinator", "coordinator", 900, 0, -3600,
			     86400, &k->coord) != 0 ||
	    fl_test_cert_new(&k->ca, "operator", "admin", 901, 0, -3600, 86400,
			     &k->admin) != 0 ||
	    fl_test_cert_new(&k->ca, "site-7", "site", 902, 0, -3600, 86400,
			     &k->minted) != 0 ||
	    fl_sign_key_load_pem(k->coord.key_pem, k->coord.key_len, &k->coord_key) ||
	    fl_sign_key_load_pem(k->admin.key_pem, k->admin.key_len, &k->admin_key) ||
	    fl_sign_key_load_pem(k->minted.key_pem, k->minted.key_len, &k->minted_key))
		return -1;
	return fl_test_trust_init(&k->tr, &k->site[1], ADV_MAX, 3, 1);
}

void adv_pki_free(adv_pki *k)
{
	for (uint32_t i = 1; i <= ADV_MAX; i++) {
		fl_sign_key_free(k->key[i]);
		fl_test_site_free(&k->site[i]);
	}
	fl_sign_key_free(k->coord_key);
	fl_sign_key_free(k->admin_key);
	fl_sign_key_free(k->minted_key);
	fl_test_site_free(&k->coord);
	fl_test_site_free(&k->admin);
	fl_test_site_free(&k->minted);
	fl_verifier_free(k->ver);
	fl_test_ca_free(&k->ca);
	fl_test_trust_free(&k->tr);
}

fl_secagg_params adv_params(uint32_t n, uint32_t k, uint32_t t)
{
	fl_secagg_params p;

	memset(&p, 0, sizeof(p));
	p.job_id = 77;
	p.round = 2;
	p.attempt = 1;
	p.n = n;
	p.k = k;
	p.t = t;
	p.m = ADV_M;
	p.consistency = true;
	randombytes_buf(p.round_seed, sizeof(p.round_seed));
	randombytes_buf(p.ctx, sizeof(p.ctx));
	return p;
}

void adv_round_new(adv_round *r, const adv_pki *k, const fl_secagg_params *p,
		   uint32_t T, uint32_t c)
{
	memset(r, 0, sizeof(*r));
	r->p = *p;
	r->trust = k->tr.trust;
	r->trust.min_honest = T;
	r->trust.colluders = c;
	for (uint32_t i = 1; i <= p->n; i++) {
		r->rc_new[i] = fl_secagg_client_new(p, i, k->key[i], k->ver,
			k->site[i].cert_pem, k->site[i].cert_len, &r->trust,
			&r->c[i], NULL);
		randombytes_buf(r->x[i], sizeof(r->x[i]));
	}
}

void adv_round_free(adv_round *r)
{
	for (uint32_t i = 1; i <= ADV_MAX; i++) {
		fl_secagg_client_free(r->c[i]);
		fl_secagg_advert_clear(&r->adv[i]);
		fl_secagg_shares_clear(&r->sent[i]);
		fl_secagg_unmask_resp_clear(&r->resp[i]);
	}
	fl_secagg_keylist_clear(&r->kl);
	sodium_memzero(r->coll_s_sk, sizeof(r->coll_s_sk));
	memset(r, 0, sizeof(*r));
}

/* A colluder hands its long secrets to the coordinator. */
static uint8_t coll_c_sk[ADV_MAX + 1][FL_KX_SECRET_BYTES];

void adv_advertise(adv_round *r)
{
	uint32_t cnt = 0;

	for (uint32_t i = 1; i <= r->p.n; i++) {
		if (!r->c[i] || fl_secagg_client_advertise(r->c[i], &r->adv[i]) != 0)
			continue;
		if (r->colluder[i]) {
			memcpy(r->coll_s_sk[i], r->c[i]->sec->s_sk, 32);
			memcpy(coll_c_sk[i], r->c[i]->sec->c_sk, FL_KX_SECRET_BYTES);
		}
		cnt++;
	}
	r->kl.hdr = r->adv[1].hdr;
	r->kl.hdr.job_id = r->p.job_id;
	r->kl.hdr.round = r->p.round;
	r->kl.hdr.attempt = r->p.attempt;
	r->kl.adverts = calloc(ADV_MAX + 2, sizeof(*r->kl.adverts));
	for (uint32_t i = 1; i <= r->p.n && r->kl.adverts; i++)
		if (r->adv[i].cert_pem &&
		    fl_secagg_advert_copy(&r->kl.adverts[r->kl.count], &r->adv[i]) == 0)
			r->kl.count++;
	(void)cnt;
}

void adv_share(adv_round *r)
{
	for (uint32_t i = 1; i <= r->p.n; i++)
		r->rc_share[i] = r->c[i] ? fl_secagg_client_share(r->c[i], &r->kl,
								  &r->sent[i]) : FL_E_STATE;
}

void adv_route_and_upload(adv_round *r, uint32_t target, const bool *allow)
{
	for (uint32_t i = 1; i <= r->p.n; i++) {
		fl_secagg_enc_share items[ADV_MAX];
		fl_secagg_shares in;

		r->rc_recv[i] = FL_E_STATE;
		if (!r->c[i] || r->rc_share[i] != 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.hdr = r->kl.hdr;
		in.client = i;
		in.items = items;
		for (uint32_t j = 1; j <= r->p.n; j++)
			for (uint32_t e = 0; e < r->sent[j].count; e++)
				if (r->sent[j].items[e].recipient == i &&
				    (i != target || !allow || allow[j]))
					items[in.count++] = r->sent[j].items[e];
		r->rc_recv[i] = fl_secagg_client_recv_shares(r->c[i], &in);
		if (r->rc_recv[i] == 0 &&
		    fl_secagg_client_mask_chunk(r->c[i], 0, r->x[i], r->y[i], ADV_M) == 0)
			r->uploaded[i] = true;
	}
}

void adv_req(const adv_round *r, const bool *in_s, fl_secagg_unmask_req *out)
{
	memset(out, 0, sizeof(*out));
	out->hdr = r->kl.hdr;
	out->survivors = calloc(r->p.n, sizeof(uint32_t));
	out->dropped = calloc(r->p.n, sizeof(uint32_t));
	for (uint32_t i = 1; i <= r->p.n && out->survivors && out->dropped; i++) {
		if (in_s[i])
			out->survivors[out->nsurvivors++] = i;
		else
			out->dropped[out->ndropped++] = i;
	}
}

int adv_req_add_csig(fl_secagg_unmask_req *req, const fl_secagg_csig *cs)
{
	fl_secagg_csig *v = realloc(req->csigs, (req->ncsigs + 1) * sizeof(*v));

	if (!v)
		return FL_E_NOMEM;
	req->csigs = v;
	req->csigs[req->ncsigs++] = *cs;
	return 0;
}

int adv_colluder_sign(adv_round *r, const adv_pki *k, uint32_t id,
		      fl_secagg_unmask_req *req)
{
	uint8_t kl[FL_SECAGG_DIGEST_BYTES], *msg;
	fl_secagg_csig cs;
	size_t len = 0, siglen = 0;
	int rc;

	if ((rc = fl_secagg_keylist_digest(&r->kl, r->p.ctx, kl)) != 0 ||
	    !(msg = fl_secagg_survivors_msg(req, r->p.ctx, kl, &len)))
		return rc ? rc : FL_E_NOMEM;
	memset(&cs, 0, sizeof(cs));
	cs.hdr = r->kl.hdr;
	cs.client = id;
	rc = fl_sign(k->key[id], msg, len, cs.sig, &siglen);
	free(msg);
	cs.sig_len = (uint32_t)siglen;
	return rc ? rc : adv_req_add_csig(req, &cs);
}

/* The plaintext share pair that sender sent to colluder w (b || s_sk). */
static int coll_open(const adv_round *r, uint32_t sender, uint32_t w,
		     uint8_t pt[static FL_SECAGG_SHARE_PT_BYTES])
{
	uint8_t key[FL_SEED_BYTES];
	fl_kx_ctx kx = { r->p.job_id, r->p.round, r->p.attempt };
	fl_aead_ad ad = { sender, w, r->p.job_id, r->p.round, r->p.attempt, { 0 } };
	int rc = FL_E_NOTFOUND;

	if (fl_secagg_keylist_digest(&r->kl, r->p.ctx, ad.digest) != 0)
		return FL_E_INVAL;
	for (uint32_t e = 0; e < r->sent[sender].count; e++) {
		const fl_secagg_enc_share *it = &r->sent[sender].items[e];

		if (it->recipient != w)
			continue;
		if ((rc = fl_kx_derive(coll_c_sk[w], r->adv[sender].c_pk,
				       FL_SECAGG_LABEL_ENC, &kx, w, sender, key)) == 0)
			rc = fl_aead_open(key, &ad, it->ct, sizeof(it->ct), pt);
		break;
	}
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* Reconstructs owner's secret of kind from the honest answers and the
 * colluders' shares; 0 if at least t shares were found and they combine. */
static int recover(const adv_round *r, uint32_t owner, uint32_t kind,
		   uint8_t secret[static 32])
{
	fl_shamir_share sh[ADV_MAX + 1];
	uint8_t pt[FL_SECAGG_SHARE_PT_BYTES];
	bool have[ADV_MAX + 1] = { false };
	size_t n = 0;
	int rc;

	for (uint32_t i = 1; i <= r->p.n; i++)
		for (uint32_t e = 0; e < r->resp[i].count; e++) {
			const fl_secagg_unmask_entry *en = &r->resp[i].entries[e];

			if (en->owner != owner || en->kind != kind || have[i])
				continue;
			sh[n].x = i;
			memcpy(sh[n++].y, en->y, FL_SHAMIR_SHARE_BYTES);
			have[i] = true;
		}
	for (uint32_t w = 1; w <= r->p.n; w++) {
		if (!r->colluder[w] || have[w] || w == owner ||
		    coll_open(r, owner, w, pt) != 0)
			continue;
		sh[n].x = w;
		memcpy(sh[n++].y, kind == FL_SECAGG_SHARE_B ? pt :
		       pt + FL_SHAMIR_SHARE_BYTES, FL_SHAMIR_SHARE_BYTES);
		have[w] = true;
	}
	sodium_memzero(pt, sizeof(pt));
	rc = n >= r->p.t ? fl_shamir_combine(sh, n, secret) : FL_E_THRESHOLD;
	sodium_memzero(sh, sizeof(sh));
	return rc;
}

bool adv_compute(const adv_round *r, uint32_t u)
{
	uint8_t b[32], sk[32], seed[FL_SEED_BYTES];
	fl_kx_ctx kx = { r->p.job_id, r->p.round, r->p.attempt };
	uint32_t v[ADV_M];
	const fl_secagg_client *c = r->c[u];
	bool ok = false;

	if (!c || !r->uploaded[u] || recover(r, u, FL_SECAGG_SHARE_B, b) != 0)
		return false;
	memcpy(v, r->y[u], sizeof(v));
	if (fl_prg_expand_add(b, v, ADV_M, -1) != 0)
		goto out;
	/* the pairwise masks with every peer u paired with (the coordinator
	 * routed the shares, so it knows them) */
	for (uint32_t i = 0; i < c->k; i++) {
		uint32_t p = c->peers[i].id;

		if (!c->peers[i].masked)
			continue;
		if (r->colluder[p])
			memcpy(sk, r->coll_s_sk[p], sizeof(sk));
		else if (recover(r, p, FL_SECAGG_SHARE_SK, sk) != 0)
			goto out;
		if (fl_kx_derive(sk, r->adv[u].s_pk, FL_SECAGG_LABEL_MASK, &kx, p, u,
				 seed) != 0 ||
		    fl_prg_expand_add(seed, v, ADV_M, p > u ? -1 : 1) != 0)
			goto out;
	}
	ok = memcmp(v, r->x[u], sizeof(v)) == 0;
out:
	sodium_memzero(b, sizeof(b));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
	return ok;
}
