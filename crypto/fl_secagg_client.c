/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_client: the client (agent) side of one secure-aggregation attempt. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_prg.h"
#include "fl_secagg_client_int.h"

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Own checks before anything is made (R1, R3-R5): the context's names are
 * distinct, ours is our certificate's, and the parameters are safe. */
static int client_precheck(const fl_secagg_params *p, uint32_t id,
			   const char *cert_pem, size_t cert_len,
			   const fl_secagg_trust *tr, fl_verifier *ver, char *why)
{
	const char **sorted = NULL;
	fl_cert_facts f;
	int r;

	if (!tr || !tr->members || !tr->names) {
		fl_errmsg_set(why, "R1: this site holds no member list signed by the CA");
		return FL_E_MEMBER;
	}
	if ((r = fl_secagg_params_safe(p, tr->min_honest, tr->colluders, why)) != 0)
		return r;
	if (!(sorted = malloc((size_t)p->n * sizeof(*sorted))))
		return FL_E_NOMEM;
	r = 0;
	for (uint32_t i = 0; i < p->n && r == 0; i++)
		if (!(sorted[i] = tr->names[i]) || !fl_members_find(tr->members, sorted[i])) {
			fl_errmsg_set(why, "R1: the context names '%.64s' as site %u, "
				      "not a member of list version %llu",
				      sorted[i] ? sorted[i] : "", i + 1,
				      (unsigned long long)tr->members->version);
			r = FL_E_MEMBER;
		}
	if (r == 0) {
		qsort(sorted, p->n, sizeof(*sorted), str_ptr_cmp);
		for (uint32_t i = 1; i < p->n && r == 0; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0) {
				fl_errmsg_set(why, "R1: the context names site '%.64s' twice",
					      sorted[i]);
				r = FL_E_MEMBER;
			}
	}
	free(sorted);
	if (r != 0)
		return r;
	/* What our certificate says: from the verifier's cache when it chains
	 * (parsed once), else read from the PEM; the member list is checked
	 * every time either way. */
	if (fl_verifier_cert(ver, cert_pem, cert_len, NULL, &f) == 0)
		r = fl_secagg_member_facts(tr, id, &f);
	else
		r = fl_secagg_member_check(tr, id, cert_pem, cert_len);
	if (r != 0) {
		fl_errmsg_set(why, "R1: the context gives this site's id %u to '%.64s', "
			      "which is not this site's certificate on the member list",
			      id, tr->names[id - 1]);
		return FL_E_MEMBER;
	}
	return 0;
}

int fl_secagg_client_new(const fl_secagg_params *p, uint32_t id,
			 fl_sign_key *key, fl_verifier *verifier,
			 const char *cert_pem, size_t cert_len,
			 const fl_secagg_trust *trust, fl_secagg_client **out,
			 char *why)
{
	fl_secagg_client *c = NULL;
	fl_secagg_graph *g = NULL;
	uint32_t *nb = NULL, T, cc;
	int r;

	fl_errmsg_set(why, "%s", "");
	if (!out || !key || !verifier || !cert_pem || cert_len == 0 ||
	    cert_len > FL_SIGN_MAX_PEM || fl_secagg_params_check(p) != 0 ||
	    id < 1 || id > p->n) {
		fl_errmsg_set(why, "invalid secure-aggregation parameters");
		return FL_E_INVAL;
	}
	if ((r = client_precheck(p, id, cert_pem, cert_len, trust, verifier,
				 why)) != 0)
		return r;
	if ((r = fl_secagg_graph_new(p->n, p->k, p->round_seed, &g)) != 0)
		return r;
	r = FL_E_NOMEM;
	if (!(c = calloc(1, sizeof(*c))) ||
	    !(nb = malloc((size_t)p->k * sizeof(uint32_t))) ||
	    !(c->peers = calloc(p->k, sizeof(client_peer))) ||
	    !(c->sites = calloc((size_t)p->n + 1, sizeof(client_site))) ||
	    !(c->sec = sodium_malloc(sizeof(client_secrets))) ||
	    !(c->seeds = sodium_malloc((size_t)p->k * FL_SEED_BYTES)) ||
	    !(c->cert_pem = malloc(cert_len)))
		goto out;
	sodium_memzero(c->sec, sizeof(client_secrets));
	sodium_memzero(c->seeds, (size_t)p->k * FL_SEED_BYTES);
	memcpy(c->cert_pem, cert_pem, cert_len);
	c->cert_len = cert_len;
	c->p = *p;
	c->id = id;
	c->key = key;
	c->ver = verifier;
	c->trust = *trust;
	T = trust->min_honest ? trust->min_honest : 1;
	cc = trust->colluders;
	c->need_orgs = T - 1 + cc;
	c->need_pairs = c->need_orgs > p->t ? c->need_orgs : p->t;
	c->quorum = fl_secagg_quorum(p->n, cc);
	if (p->q > c->quorum)
		c->quorum = p->q;
	for (uint32_t i = 1; i <= p->n; i++) {
		const fl_member *m = fl_members_find(trust->members, trust->names[i - 1]);

		c->sites[i].org = m ? m->org : NULL;
	}
	c->k = fl_secagg_graph_neighbours(g, id, nb);
	for (uint32_t i = 0; i < c->k; i++)
		c->peers[i].id = nb[i];
	c->state = C_NEW;
	*out = c;
	c = NULL;
	r = 0;
out:
	free(nb);
	fl_secagg_graph_free(g);
	fl_secagg_client_free(c);
	return r;
}

const char *fl_secagg_client_why(const fl_secagg_client *c)
{
	return c ? c->why : "";
}

void fl_secagg_client_wipe(fl_secagg_client *c)
{
	if (c->sec)
		sodium_memzero(c->sec, sizeof(client_secrets));
	if (c->seeds)
		sodium_memzero(c->seeds, (size_t)c->p.k * FL_SEED_BYTES);
}

void fl_secagg_client_free(fl_secagg_client *c)
{
	if (!c)
		return;
	fl_secagg_client_wipe(c);
	free(c->sites);
	free(c->peers);
	sodium_free(c->sec);   /* wipes too */
	sodium_free(c->seeds);
	free(c->cert_pem);
	free(c->signed_msg);
	free(c);
}

uint32_t fl_secagg_client_refused(const fl_secagg_client *c)
{
	return c ? c->refused : 0;
}

int fl_secagg_client_peer_status(fl_secagg_client *c, uint32_t id)
{
	if (!c || id < 1 || id > c->p.n || id == c->id)
		return FL_E_NOTFOUND;
	return c->sites[id].status;
}

int fl_secagg_client_advertise(fl_secagg_client *c, fl_secagg_advert *out)
{
	uint8_t msg[FL_SECAGG_ADVERT_MSG_BYTES];
	fl_secagg_advert a;
	size_t siglen = 0;
	int r;

	if (!c || !out)
		return FL_E_INVAL;
	if (c->state != C_NEW)
		return FL_E_STATE;
	memset(&a, 0, sizeof(a));
	fl_kx_keypair(c->c_pk, c->sec->c_sk);
	fl_kx_keypair(c->s_pk, c->sec->s_sk);
	randombytes_buf(c->sec->b, sizeof(c->sec->b));
	fl_secagg_hdr_set(&a.hdr, &c->p);
	a.client = c->id;
	memcpy(a.c_pk, c->c_pk, sizeof(a.c_pk));
	memcpy(a.s_pk, c->s_pk, sizeof(a.s_pk));
	fl_secagg_advert_msg(&a, c->p.ctx, msg);
	if ((r = fl_sign(c->key, msg, sizeof(msg), a.sig, &siglen)) != 0)
		goto out;
	a.sig_len = (uint32_t)siglen;
	if (!(a.cert_pem = malloc(c->cert_len))) {
		r = FL_E_NOMEM;
		goto out;
	}
	memcpy(a.cert_pem, c->cert_pem, c->cert_len);
	a.cert_len = c->cert_len;
	*out = a;
	c->state = C_ADVERTISED;
	r = 0;
out:
	if (r != 0) {
		fl_secagg_client_wipe(c);
		c->state = C_FAILED;
	}
	return r;
}

/* Index the key list by client id; FL_E_INVAL on out-of-range or repeats. */
static int keylist_index(const fl_secagg_client *c, const fl_secagg_keylist *kl,
			 const fl_secagg_advert **idx)
{
	if (kl->count > c->p.n || (kl->count && !kl->adverts))
		return FL_E_INVAL;
	for (uint32_t i = 0; i < kl->count; i++) {
		uint32_t id = kl->adverts[i].client;

		if (id < 1 || id > c->p.n || idx[id])
			return FL_E_INVAL;
		idx[id] = &kl->adverts[i];
	}
	return 0;
}

/* Encrypts the i-th pair of shares for peer pe into item. */
static int share_seal(fl_secagg_client *c, client_peer *pe,
		      const fl_shamir_share *bs, const fl_shamir_share *ss,
		      fl_secagg_enc_share *item)
{
	uint8_t key[FL_SEED_BYTES], pt[FL_SECAGG_SHARE_PT_BYTES];
	fl_kx_ctx kx = fl_secagg_kx_ctx(&c->p);
	fl_aead_ad ad = { c->id, pe->id, c->p.job_id, c->p.round, c->p.attempt, { 0 } };
	int r;

	memcpy(ad.digest, c->kl, sizeof(ad.digest));
	if ((r = fl_kx_derive(c->sec->c_sk, pe->c_pk, FL_SECAGG_LABEL_ENC, &kx,
			      c->id, pe->id, key)) != 0)
		goto out;
	memcpy(pt, bs->y, FL_SHAMIR_SHARE_BYTES);
	memcpy(pt + FL_SHAMIR_SHARE_BYTES, ss->y, FL_SHAMIR_SHARE_BYTES);
	item->sender = c->id;
	item->recipient = pe->id;
	r = fl_aead_seal(key, &ad, pt, sizeof(pt), item->ct);
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(pt, sizeof(pt));
	return r;
}

/* R4: the neighbours we share with (masked = false) or pair with (true)
 * must number max(t, T - 1 + c) and span T - 1 + c other organisations. */
static int pairing_check(fl_secagg_client *c, bool masked)
{
	uint32_t *ids, n = 0, orgs;

	if (!(ids = malloc(((size_t)c->k + 1) * sizeof(*ids))))
		return FL_E_NOMEM;
	for (uint32_t i = 0; i < c->k; i++)
		if (masked ? c->peers[i].masked : c->peers[i].verified)
			ids[n++] = c->peers[i].id;
	orgs = fl_secagg_client_orgs(c, ids, n);
	free(ids);
	if (n >= c->need_pairs && orgs >= c->need_orgs)
		return 0;
	return fl_secagg_client_refuse(c, FL_E_PAIRING, "R4: only %u of my %u "
		"neighbours %s (%u other organisations); this site needs %u in %u "
		"organisations", n, c->k, masked ? "exchanged shares with me" :
		"have valid member keys", orgs, c->need_pairs, c->need_orgs);
}

int fl_secagg_client_share(fl_secagg_client *c, const fl_secagg_keylist *kl,
			   fl_secagg_shares *out)
{
	const fl_secagg_advert **idx = NULL;
	fl_shamir_share *bs = NULL, *ss = NULL;
	fl_secagg_enc_share *items = NULL;
	uint32_t *xs = NULL, nok = 0, j = 0;
	int r;

	if (!c || !kl || !out)
		return FL_E_INVAL;
	if (c->state != C_ADVERTISED)
		return FL_E_STATE;
	if (!fl_secagg_hdr_eq(&kl->hdr, &c->p))
		return FL_E_ROUND;
	if (!(idx = calloc((size_t)c->p.n + 1, sizeof(*idx))))
		return FL_E_NOMEM;
	if ((r = keylist_index(c, kl, idx)) != 0)
		goto out;
	/* The server must relay our own keys unchanged. */
	if (!idx[c->id] || sodium_memcmp(idx[c->id]->c_pk, c->c_pk, FL_KX_PUBLIC_BYTES) ||
	    sodium_memcmp(idx[c->id]->s_pk, c->s_pk, FL_KX_PUBLIC_BYTES)) {
		r = FL_E_VERIFY;
		goto out;
	}
	if ((r = fl_secagg_keylist_digest(kl, c->p.ctx, c->kl)) != 0 ||
	    (r = fl_secagg_client_check_adverts(c, idx, &nok)) != 0)
		goto fail;
	if ((r = pairing_check(c, false)) != 0)
		goto fail;
	r = FL_E_NOMEM;
	if (!(xs = malloc((nok + 1) * sizeof(*xs))) ||
	    !(bs = sodium_malloc((nok + 1) * sizeof(*bs))) ||
	    !(ss = sodium_malloc((nok + 1) * sizeof(*ss))) ||
	    !(items = calloc(nok ? nok : 1, sizeof(*items))))
		goto fail;
	for (uint32_t i = 0; i < c->k; i++)
		if (c->peers[i].verified)
			xs[j++] = c->peers[i].id;
	xs[nok] = c->id;
	if ((r = fl_shamir_split(c->sec->b, c->p.t, xs, nok + 1, bs)) != 0 ||
	    (r = fl_shamir_split(c->sec->s_sk, c->p.t, xs, nok + 1, ss)) != 0)
		goto fail;
	/* we keep our own share of b (revealed only if we survive); our own
	 * share of s_sk is useless to anyone and is dropped with ss */
	memcpy(c->sec->b_self, bs[nok].y, sizeof(c->sec->b_self));
	for (uint32_t i = 0; i < nok; i++)
		if ((r = share_seal(c, fl_secagg_client_peer(c, xs[i]), &bs[i], &ss[i],
				    &items[i])) != 0)
			goto fail;
	memset(out, 0, sizeof(*out));
	fl_secagg_hdr_set(&out->hdr, &c->p);
	out->client = c->id;
	out->count = nok;
	out->items = items;
	items = NULL;
	c->state = C_SHARED;
	r = 0;
	goto out;
fail:
	fl_secagg_client_wipe(c);
	c->state = C_FAILED;
out:
	free(idx);
	free(xs);
	free(items);
	if (bs)
		sodium_free(bs);
	if (ss)
		sodium_free(ss);
	return r;
}

/* Validates an incoming share list without changing the state. */
static int recv_check(fl_secagg_client *c, const fl_secagg_shares *in)
{
	if (!fl_secagg_hdr_eq(&in->hdr, &c->p))
		return FL_E_ROUND;
	if (in->client != c->id || in->count > c->k || (in->count && !in->items))
		return FL_E_INVAL;
	for (uint32_t i = 0; i < in->count; i++) {
		const fl_secagg_enc_share *it = &in->items[i];
		client_peer *pe = fl_secagg_client_peer(c, it->sender);

		if (it->recipient != c->id || !pe)
			return FL_E_INVAL;
		for (uint32_t j = 0; j < i; j++)
			if (in->items[j].sender == it->sender)
				return FL_E_INVAL;
	}
	return 0;
}

int fl_secagg_client_recv_shares(fl_secagg_client *c, const fl_secagg_shares *in)
{
	fl_kx_ctx kx;
	int r;

	if (!c || !in)
		return FL_E_INVAL;
	if (c->state != C_SHARED)
		return FL_E_STATE;
	if ((r = recv_check(c, in)) != 0)
		return r;
	for (uint32_t i = 0; i < in->count; i++) {
		client_peer *pe = fl_secagg_client_peer(c, in->items[i].sender);

		/* shares from a peer we refused are ignored: no pair with it */
		if (!pe->verified)
			continue;
		memcpy(pe->ct, in->items[i].ct, sizeof(pe->ct));
		pe->received = true;
	}
	for (uint32_t i = 0; i < c->k; i++)
		c->peers[i].masked = c->peers[i].verified && c->peers[i].received;
	/* R4: upload only with enough paired peers */
	if ((r = pairing_check(c, true)) != 0)
		goto fail;
	kx = fl_secagg_kx_ctx(&c->p);
	for (uint32_t i = 0; i < c->k; i++) {
		client_peer *pe = &c->peers[i];

		if (!pe->masked)
			continue;
		if ((r = fl_kx_derive(c->sec->s_sk, pe->s_pk, FL_SECAGG_LABEL_MASK,
				      &kx, c->id, pe->id, c->seeds[i])) != 0)
			goto fail;
	}
	/* s_sk now lives only in the neighbours' shares. */
	sodium_memzero(c->sec->s_sk, sizeof(c->sec->s_sk));
	c->state = C_MASKING;
	c->done_words = 0;
	return 0;
fail:
	fl_secagg_client_wipe(c);
	c->state = C_FAILED;
	return r;
}

int fl_secagg_client_mask_chunk(fl_secagg_client *c, uint64_t offset,
				const uint32_t *x, uint32_t *y, size_t count)
{
	int r;

	if (!c || (count && (!x || !y)))
		return FL_E_INVAL;
	if (c->state != C_MASKING)
		return FL_E_STATE;
	if (offset != c->done_words || count > c->p.m - offset)
		return FL_E_INVAL;
	if (y != x)
		memmove(y, x, count * sizeof(uint32_t));
	if ((r = fl_prg_expand_add_at(c->sec->b, offset, y, count, 1)) != 0)
		goto fail;
	for (uint32_t i = 0; i < c->k; i++) {
		const client_peer *pe = &c->peers[i];

		if (!pe->masked)
			continue;
		/* +PRG(s_uv) towards larger ids, -PRG(s_uv) towards smaller */
		if ((r = fl_prg_expand_add_at(c->seeds[i], offset, y, count,
					      pe->id > c->id ? 1 : -1)) != 0)
			goto fail;
	}
	c->done_words += count;
	if (c->done_words == c->p.m) {
		sodium_memzero(c->seeds, (size_t)c->p.k * FL_SEED_BYTES);
		sodium_memzero(c->sec->b, sizeof(c->sec->b));
		c->state = C_MASKED;
	}
	return 0;
fail:
	fl_secagg_client_wipe(c);
	c->state = C_FAILED;
	return r;
}
