/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_server_close: whether a phase may close before every client
 * answered (a coordinator's grace rule), from the server's own state. */
#include "fl_secagg_server_int.h"

bool fl_secagg_server_paired(const fl_secagg_server *s, uint32_t u, uint32_t v)
{
	if (!s || u < 1 || u > s->p.n || v < 1 || v > s->p.n || u == v)
		return false;
	return fl_secagg_server_sent(s, u, v) && fl_secagg_server_sent(s, v, u);
}

/* Survivor-list signatures the attempt must gather: q (0: t), and never
 * fewer than t. */
static uint32_t need_sigs(const fl_secagg_server *s)
{
	return s->p.q > s->p.t ? s->p.q : s->p.t;
}

static bool full_upload(const fl_secagg_server *s, uint32_t id)
{
	return s->cl[id].shared && s->cl[id].words == s->p.m;
}

/* INPUT: with the full uploads as survivors, every survivor's b and every
 * dropped client's s_sk (one that paired with a survivor) must have t
 * holders among the survivors (a survivor holds its own b share). */
static bool input_ok(const fl_secagg_server *s)
{
	uint32_t nsurv = 0;

	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (s->cl[id].words > 0 && s->cl[id].words < s->p.m)
			return false;   /* close_input would abort */
		nsurv += full_upload(s, id);
	}
	if (nsurv < need_sigs(s))
		return false;
	for (uint32_t id = 1; id <= s->p.n; id++) {
		const server_client *c = &s->cl[id];
		uint32_t holders = full_upload(s, id), paired = 0;

		if (!c->shared)
			continue;
		for (uint32_t i = 0; i < c->nout; i++) {
			uint32_t v = c->out[i].recipient;

			if (!full_upload(s, v))
				continue;
			holders++;
			paired += fl_secagg_server_sent(s, v, id);
		}
		if ((full_upload(s, id) || paired > 0) && holders < s->p.t)
			return false;
	}
	return true;
}

/* UNMASK: every secret the lists call for has t shares. */
static bool unmask_ok(const fl_secagg_server *s)
{
	for (uint32_t id = 1; id <= s->p.n; id++)
		if (s->mark[id] && s->cl[id].ncollected < s->p.t)
			return false;
	return true;
}

bool fl_secagg_server_can_close(const fl_secagg_server *s)
{
	if (!s)
		return false;
	switch (s->state) {
	case S_ADVERT: return s->nadverts >= need_sigs(s);
	case S_SHARE: return s->nshared >= need_sigs(s);
	case S_INPUT: return input_ok(s);
	case S_CONSISTENCY:
		return s->ncsigs >= s->req.nsurvivors && s->ncsigs >= need_sigs(s);
	case S_UNMASK: return unmask_ok(s);
	case S_ROUTE:
	case S_DONE:
	case S_ABORTED:
		break;
	}
	return false;
}
