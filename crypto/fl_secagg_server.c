/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_server: the coordinator side of one secure-aggregation attempt. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg_server_int.h"

int fl_secagg_server_new(const fl_secagg_params *p, fl_secagg_server **out)
{
	fl_secagg_server *s = NULL;
	int r;

	if (!out || fl_secagg_params_check(p) != 0)
		return FL_E_INVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return FL_E_NOMEM;
	s->p = *p;
	if ((r = fl_secagg_graph_new(p->n, p->k, p->round_seed, &s->g)) != 0)
		goto out;
	r = FL_E_NOMEM;
	if (!(s->cl = calloc((size_t)p->n + 1, sizeof(*s->cl))) ||
	    !(s->acc = calloc((size_t)p->m, sizeof(uint32_t))) ||
	    !(s->mark = calloc((size_t)p->n + 1, 1)) ||
	    !(s->csigs = calloc(p->n, sizeof(*s->csigs))))
		goto out;
	s->state = S_ADVERT;
	*out = s;
	s = NULL;
	r = 0;
out:
	fl_secagg_server_free(s);
	return r;
}

void fl_secagg_server_free(fl_secagg_server *s)
{
	if (!s)
		return;
	if (s->cl && s->acc)
		fl_secagg_server_abort(s);
	for (uint32_t i = 0; s->cl && i <= s->p.n; i++) {
		fl_secagg_advert_clear(&s->cl[i].adv);
		free(s->cl[i].out);
		free(s->cl[i].in);
		if (s->cl[i].collected)
			sodium_free(s->cl[i].collected);
	}
	free(s->cl);
	free(s->acc);
	free(s->mark);
	free(s->csigs);
	fl_secagg_unmask_req_clear(&s->req);
	fl_secagg_graph_free(s->g);
	free(s);
}

void fl_secagg_server_abort(fl_secagg_server *s)
{
	sodium_memzero(s->acc, (size_t)s->p.m * sizeof(uint32_t));
	for (uint32_t i = 0; i <= s->p.n; i++)
		if (s->cl[i].collected)
			sodium_memzero(s->cl[i].collected,
				       ((size_t)s->p.k + 1) * sizeof(fl_shamir_share));
	s->state = S_ABORTED;
}

int fl_secagg_server_step(const fl_secagg_server *s, bool args_ok,
			  enum server_state state)
{
	if (!s || !args_ok)
		return FL_E_INVAL;
	if (s->state != state)
		return FL_E_STATE;
	return 0;
}

int fl_secagg_server_quorum(fl_secagg_server *s, uint32_t have)
{
	if (have >= s->p.t)
		return 0;
	fl_secagg_server_abort(s);
	return FL_E_THRESHOLD;
}

int fl_secagg_server_sender(const fl_secagg_server *s, const fl_secagg_hdr *h,
			    uint32_t client)
{
	const server_client *c;
	bool in_phase, done;

	if (!fl_secagg_hdr_eq(h, &s->p))
		return FL_E_ROUND;
	if (client < 1 || client > s->p.n)
		return FL_E_AUTH;
	c = &s->cl[client];
	switch (s->state) {
	case S_ADVERT:
		in_phase = true;
		done = c->advertised;
		break;
	case S_SHARE:
		in_phase = c->advertised;
		done = c->shared;
		break;
	case S_CONSISTENCY:
	case S_UNMASK:
		in_phase = s->mark[client] == FL_SECAGG_SHARE_B;
		done = s->state == S_UNMASK ? c->responded : c->csigned;
		break;
	default:
		return FL_E_STATE;
	}
	if (!in_phase)
		return FL_E_AUTH;
	return done ? FL_E_REPLAY : 0;
}

int fl_secagg_server_add_advert(fl_secagg_server *s, const fl_secagg_advert *a)
{
	server_client *c;
	int r;

	if ((r = fl_secagg_server_step(s, a != NULL, S_ADVERT)) != 0 ||
	    (r = fl_secagg_server_sender(s, &a->hdr, a->client)) != 0)
		return r;
	c = &s->cl[a->client];
	if (a->sig_len == 0 || a->sig_len > FL_SIG_MAX_BYTES || !a->cert_pem ||
	    a->cert_len == 0 || a->cert_len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	if (fl_secagg_advert_copy(&c->adv, a) != 0)
		return FL_E_NOMEM;
	c->advertised = true;
	s->nadverts++;
	return 0;
}

int fl_secagg_server_keylist(fl_secagg_server *s, fl_secagg_keylist *out)
{
	fl_secagg_keylist kl;
	uint32_t j = 0;
	int r;

	if ((r = fl_secagg_server_step(s, out != NULL, S_ADVERT)) != 0 ||
	    (r = fl_secagg_server_quorum(s, s->nadverts)) != 0)
		return r;
	memset(&kl, 0, sizeof(kl));
	fl_secagg_hdr_set(&kl.hdr, &s->p);
	if (!(kl.adverts = calloc(s->nadverts, sizeof(*kl.adverts))))
		return FL_E_NOMEM;
	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (!s->cl[id].advertised)
			continue;
		if (fl_secagg_advert_copy(&kl.adverts[j], &s->cl[id].adv) != 0) {
			fl_secagg_keylist_clear(&kl);
			return FL_E_NOMEM;
		}
		kl.count = ++j;
	}
	*out = kl;
	s->state = S_SHARE;
	return 0;
}

static int shares_check(const fl_secagg_server *s, const fl_secagg_shares *in)
{
	if (in->count > s->p.k || (in->count && !in->items))
		return FL_E_INVAL;
	for (uint32_t i = 0; i < in->count; i++) {
		const fl_secagg_enc_share *it = &in->items[i];

		if (it->sender != in->client ||
		    !fl_secagg_graph_edge(s->g, it->sender, it->recipient) ||
		    !s->cl[it->recipient].advertised)
			return FL_E_INVAL;
		for (uint32_t j = 0; j < i; j++)
			if (in->items[j].recipient == it->recipient)
				return FL_E_INVAL;
	}
	return 0;
}

int fl_secagg_server_add_shares(fl_secagg_server *s, const fl_secagg_shares *in)
{
	server_client *c;
	int r;

	if ((r = fl_secagg_server_step(s, in != NULL, S_SHARE)) != 0 ||
	    (r = fl_secagg_server_sender(s, &in->hdr, in->client)) != 0 ||
	    (r = shares_check(s, in)) != 0)
		return r;
	c = &s->cl[in->client];
	if (in->count) {
		if (!(c->out = malloc((size_t)in->count * sizeof(*c->out))))
			return FL_E_NOMEM;
		memcpy(c->out, in->items, (size_t)in->count * sizeof(*c->out));
	}
	c->nout = in->count;
	c->shared = true;
	s->nshared++;
	return 0;
}

bool fl_secagg_server_sent(const fl_secagg_server *s, uint32_t from, uint32_t to)
{
	const server_client *c = &s->cl[from];

	if (!c->shared)
		return false;
	for (uint32_t i = 0; i < c->nout; i++)
		if (c->out[i].recipient == to)
			return true;
	return false;
}

int fl_secagg_server_close_shares(fl_secagg_server *s)
{
	int r;

	if ((r = fl_secagg_server_step(s, true, S_SHARE)) != 0 ||
	    (r = fl_secagg_server_quorum(s, s->nshared)) != 0)
		return r;
	for (uint32_t id = 1; id <= s->p.n; id++)
		if (!s->cl[id].in &&
		    !(s->cl[id].in = calloc(s->p.k, sizeof(*s->cl[id].in))))
			return FL_E_NOMEM;
	/* Route: each share goes to its recipient's inbox. */
	for (uint32_t id = 1; id <= s->p.n; id++) {
		const server_client *c = &s->cl[id];

		for (uint32_t i = 0; c->shared && i < c->nout; i++) {
			server_client *rc = &s->cl[c->out[i].recipient];

			rc->in[rc->nin++] = &c->out[i];
		}
	}
	s->state = S_INPUT;
	return 0;
}

int fl_secagg_server_shares_for(fl_secagg_server *s, uint32_t recipient,
				fl_secagg_shares *out)
{
	const server_client *c;
	fl_secagg_shares sh;
	int r;

	if ((r = fl_secagg_server_step(s, out != NULL, S_INPUT)) != 0)
		return r;
	if (recipient < 1 || recipient > s->p.n || !s->cl[recipient].shared)
		return FL_E_AUTH;
	c = &s->cl[recipient];
	memset(&sh, 0, sizeof(sh));
	fl_secagg_hdr_set(&sh.hdr, &s->p);
	sh.client = recipient;
	if (c->nin && !(sh.items = malloc((size_t)c->nin * sizeof(*sh.items))))
		return FL_E_NOMEM;
	for (uint32_t i = 0; i < c->nin; i++)
		sh.items[i] = *c->in[i];
	sh.count = c->nin;
	*out = sh;
	return 0;
}

static void acc_add(uint32_t *restrict acc, const uint32_t *restrict w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += w[i];
}

int fl_secagg_server_add_chunk(fl_secagg_server *s, uint32_t client,
			       uint64_t offset, const uint32_t *words,
			       size_t count)
{
	server_client *c;
	int r;

	if ((r = fl_secagg_server_step(s, !count || words != NULL, S_INPUT)) != 0)
		return r;
	if (client < 1 || client > s->p.n || !s->cl[client].shared)
		return FL_E_AUTH;
	c = &s->cl[client];
	if (offset < c->words || (c->words == s->p.m && count))
		return FL_E_REPLAY;
	if (offset != c->words || count > s->p.m - offset)
		return FL_E_INVAL;
	acc_add(s->acc + offset, words, count);
	c->words += count;
	return 0;
}

/* True if v exchanged shares both ways with a survivor (marked B). */
static bool paired_with_survivor(const fl_secagg_server *s, uint32_t v)
{
	const server_client *c = &s->cl[v];

	for (uint32_t i = 0; i < c->nout; i++) {
		uint32_t u = c->out[i].recipient;

		if (s->mark[u] == FL_SECAGG_SHARE_B && fl_secagg_server_sent(s, u, v))
			return true;
	}
	return false;
}

int fl_secagg_server_close_input(fl_secagg_server *s, fl_secagg_unmask_req *req)
{
	fl_secagg_unmask_req q;
	int r;

	if ((r = fl_secagg_server_step(s, req != NULL, S_INPUT)) != 0)
		return r;
	r = FL_E_NOMEM;
	memset(&q, 0, sizeof(q));
	fl_secagg_hdr_set(&q.hdr, &s->p);
	for (uint32_t id = 1; id <= s->p.n; id++) {
		const server_client *c = &s->cl[id];

		if (c->words > 0 && c->words < s->p.m) {
			/* its partial words cannot be taken out of the sum */
			fl_secagg_server_abort(s);
			return FL_E_ABORTED;
		}
	}
	if (!(q.survivors = calloc(s->p.n, sizeof(uint32_t))) ||
	    !(q.dropped = calloc(s->p.n, sizeof(uint32_t))))
		goto out;
	/* marks of an earlier call that failed (FL_E_NOMEM) must not hide
	 * dropped clients from this one */
	memset(s->mark, 0, (size_t)s->p.n + 1);
	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (!s->cl[id].shared)
			continue;
		if (s->cl[id].words == s->p.m) {
			q.survivors[q.nsurvivors++] = id;
			s->mark[id] = FL_SECAGG_SHARE_B;
		}
	}
	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (s->cl[id].shared && s->mark[id] == 0 && paired_with_survivor(s, id)) {
			q.dropped[q.ndropped++] = id;
			s->mark[id] = FL_SECAGG_SHARE_SK;
		}
	}
	if (q.nsurvivors < s->p.t) {
		fl_secagg_server_abort(s);
		r = FL_E_THRESHOLD;
		goto out;
	}
	if ((r = fl_secagg_unmask_req_copy(req, &q)) != 0)
		goto out;
	s->req = q;
	memset(&q, 0, sizeof(q));
	s->state = s->p.consistency ? S_CONSISTENCY : S_UNMASK;
out:
	fl_secagg_unmask_req_clear(&q);
	return r;
}
