/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_server_unmask: consistency, unmask shares and mask removal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_prg.h"
#include "fl_secagg_server_int.h"

int fl_secagg_server_add_consistency(fl_secagg_server *s, const fl_secagg_csig *cs)
{
	int r;

	if ((r = fl_secagg_server_step(s, cs != NULL, S_CONSISTENCY)) != 0 ||
	    (r = fl_secagg_server_sender(s, &cs->hdr, cs->client)) != 0)
		return r;
	if (cs->sig_len == 0 || cs->sig_len > FL_SIG_MAX_BYTES)
		return FL_E_PARSE;
	s->csigs[s->ncsigs++] = *cs;
	s->cl[cs->client].csigned = true;
	return 0;
}

int fl_secagg_server_close_consistency(fl_secagg_server *s, fl_secagg_unmask_req *req)
{
	fl_secagg_unmask_req q;
	int r;

	if ((r = fl_secagg_server_step(s, req != NULL, S_CONSISTENCY)) != 0 ||
	    (r = fl_secagg_server_quorum(s, s->ncsigs)) != 0)
		return r;
	/* Holders reveal a survivor's self-mask share only if the survivor
	 * signed the list (R4), so one silent survivor makes the sum
	 * unrecoverable: abort now (the attempt is retried without it). */
	if (s->ncsigs < s->req.nsurvivors || s->ncsigs < s->p.q) {
		fl_secagg_server_abort(s);
		return FL_E_SURVIVORS;
	}
	q = s->req;
	q.ncsigs = s->ncsigs;
	q.csigs = s->csigs;
	if ((r = fl_secagg_unmask_req_copy(req, &q)) != 0)
		return r;
	s->state = S_UNMASK;
	return 0;
}

static int unmask_check(const fl_secagg_server *s, const fl_secagg_unmask_resp *rs)
{
	if (rs->count > s->p.k + 1 || (rs->count && !rs->entries))
		return FL_E_INVAL;
	for (uint32_t i = 0; i < rs->count; i++) {
		const fl_secagg_unmask_entry *e = &rs->entries[i];
		fl_shamir_share sh;

		/* the kind must be the one the lists call for: never both */
		if (e->owner < 1 || e->owner > s->p.n || s->mark[e->owner] == 0 ||
		    e->kind != s->mark[e->owner])
			return FL_E_INVAL;
		/* a survivor may hold a share of its own b, nothing else of its own */
		if (e->owner != rs->client &&
		    !fl_secagg_server_sent(s, e->owner, rs->client))
			return FL_E_INVAL;
		for (uint32_t j = 0; j < i; j++)
			if (rs->entries[j].owner == e->owner)
				return FL_E_INVAL;
		sh.x = rs->client;
		memcpy(sh.y, e->y, sizeof(sh.y));
		if (fl_shamir_share_check(&sh) != 0)
			return FL_E_PARSE;
	}
	return 0;
}

int fl_secagg_server_add_unmask(fl_secagg_server *s, const fl_secagg_unmask_resp *rs)
{
	int r;

	if ((r = fl_secagg_server_step(s, rs != NULL, S_UNMASK)) != 0 ||
	    (r = fl_secagg_server_sender(s, &rs->hdr, rs->client)) != 0 ||
	    (r = unmask_check(s, rs)) != 0)
		return r;
	/* Allocate first, so that FL_E_NOMEM leaves no share collected and the
	 * same response can be added again (no duplicate x). */
	for (uint32_t i = 0; i < rs->count; i++) {
		server_client *o = &s->cl[rs->entries[i].owner];

		if (!o->collected &&
		    !(o->collected = sodium_malloc(((size_t)s->p.k + 1) *
						   sizeof(*o->collected))))
			return FL_E_NOMEM;
	}
	for (uint32_t i = 0; i < rs->count; i++) {
		server_client *o = &s->cl[rs->entries[i].owner];
		fl_shamir_share *sh;

		if (o->kind != 0 && o->kind != rs->entries[i].kind) {
			fprintf(stderr, "secagg: both share kinds for client %u\n",
				rs->entries[i].owner);
			abort();   /* impossible: unmask_check fixed the kind */
		}
		o->kind = rs->entries[i].kind;
		sh = &o->collected[o->ncollected++];
		sh->x = rs->client;
		memcpy(sh->y, rs->entries[i].y, sizeof(sh->y));
	}
	s->cl[rs->client].responded = true;
	return 0;
}

uint32_t fl_secagg_server_share_kind(const fl_secagg_server *s, uint32_t client)
{
	if (!s || client < 1 || client > s->p.n)
		return 0;
	return s->cl[client].kind;
}

/* Removes a survivor's self mask: acc -= PRG(b_u). */
static int remove_self(fl_secagg_server *s, uint32_t u)
{
	uint8_t b[FL_SEED_BYTES];
	int r;

	/* t shares of a degree t-1 polynomial suffice */
	if ((r = fl_shamir_combine(s->cl[u].collected, s->p.t, b)) == 0)
		r = fl_prg_expand_add(b, s->acc, s->p.m, -1);
	sodium_memzero(b, sizeof(b));
	return r;
}

/* Removes the pairwise masks between dropped v and its surviving peers. */
static int remove_dropped(fl_secagg_server *s, uint32_t v)
{
	uint8_t sk[FL_KX_SECRET_BYTES], pk[FL_KX_PUBLIC_BYTES], seed[FL_SEED_BYTES];
	fl_kx_ctx kx = fl_secagg_kx_ctx(&s->p);
	int r;

	if ((r = fl_shamir_combine(s->cl[v].collected, s->p.t, sk)) != 0)
		goto out;
	fl_kx_public(sk, pk);
	if (sodium_memcmp(pk, s->cl[v].adv.s_pk, sizeof(pk)) != 0) {
		r = FL_E_VERIFY;
		goto out;
	}
	for (uint32_t u = 1; u <= s->p.n; u++) {
		if (s->mark[u] != FL_SECAGG_SHARE_B || !fl_secagg_graph_edge(s->g, u, v) ||
		    !fl_secagg_server_sent(s, u, v) || !fl_secagg_server_sent(s, v, u))
			continue;
		if ((r = fl_kx_derive(sk, s->cl[u].adv.s_pk, FL_SECAGG_LABEL_MASK,
				      &kx, u, v, seed)) != 0)
			goto out;
		/* u added +PRG(s_uv) if v > u and -PRG(s_uv) if v < u */
		if ((r = fl_prg_expand_add(seed, s->acc, s->p.m, v > u ? -1 : 1)) != 0)
			goto out;
	}
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int fl_secagg_server_finish(fl_secagg_server *s, uint32_t *out)
{
	int r = 0;

	if ((r = fl_secagg_server_step(s, out != NULL, S_UNMASK)) != 0)
		return r;
	/* Check every count first so a short round reveals nothing. */
	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (s->mark[id] && s->cl[id].ncollected < s->p.t) {
			r = FL_E_THRESHOLD;
			goto out;
		}
	}
	for (uint32_t id = 1; id <= s->p.n && r == 0; id++) {
		if (s->mark[id] == FL_SECAGG_SHARE_B)
			r = remove_self(s, id);
		else if (s->mark[id] == FL_SECAGG_SHARE_SK)
			r = remove_dropped(s, id);
	}
	if (r != 0)
		goto out;
	memcpy(out, s->acc, (size_t)s->p.m * sizeof(uint32_t));
	fl_secagg_server_abort(s);   /* wipes the working state */
	s->state = S_DONE;
	return 0;
out:
	fl_secagg_server_abort(s);
	return r;
}
