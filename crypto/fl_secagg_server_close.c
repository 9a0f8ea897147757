/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_server_close: whether a phase may close before every client
 * answered (a coordinator's grace rule), from the server's own state. */
#include <stdlib.h>
#include "fl_err.h"
#include "fl_secagg_server_int.h"

/* Who sent shares to whom: bit (u, v) of an (n + 1)^2 bitmap, so that each
 * question below costs O(n k), not O(n k^2) (n <= 1000: <= 126 KB). */
typedef struct sent_map {
	uint8_t *bits;
	size_t n1;
} sent_map;

static int sent_map_new(const fl_secagg_server *s, sent_map *m)
{
	m->n1 = (size_t)s->p.n + 1;
	if (!(m->bits = calloc(m->n1 * m->n1 / 8 + 1, 1)))
		return FL_E_NOMEM;
	for (uint32_t u = 1; u <= s->p.n; u++) {
		const server_client *c = &s->cl[u];

		for (uint32_t i = 0; c->shared && i < c->nout; i++) {
			size_t b = u * m->n1 + c->out[i].recipient;

			m->bits[b / 8] |= (uint8_t)(1u << (b % 8));
		}
	}
	return 0;
}

static bool sent_map_has(const sent_map *m, uint32_t u, uint32_t v)
{
	size_t b = u * m->n1 + v;

	return (m->bits[b / 8] >> (b % 8)) & 1u;
}

int fl_secagg_server_pairs(const fl_secagg_server *s, const uint8_t *among,
			   uint32_t *count)
{
	sent_map m;

	if (!s || !among || !count)
		return FL_E_INVAL;
	if (sent_map_new(s, &m) != 0)
		return FL_E_NOMEM;
	for (uint32_t u = 1; u <= s->p.n; u++) {
		const server_client *c = &s->cl[u];

		count[u] = 0;
		for (uint32_t i = 0; c->shared && i < c->nout; i++) {
			uint32_t v = c->out[i].recipient;

			count[u] += among[v] && sent_map_has(&m, v, u);
		}
	}
	free(m.bits);
	return 0;
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
	sent_map m;
	bool ok = true;

	for (uint32_t id = 1; id <= s->p.n; id++) {
		if (s->cl[id].words > 0 && s->cl[id].words < s->p.m)
			return false;   /* close_input would abort */
		nsurv += full_upload(s, id);
	}
	if (nsurv < need_sigs(s) || sent_map_new(s, &m) != 0)
		return false;
	for (uint32_t id = 1; id <= s->p.n && ok; id++) {
		const server_client *c = &s->cl[id];
		uint32_t holders = full_upload(s, id), paired = 0;

		if (!c->shared)
			continue;
		for (uint32_t i = 0; i < c->nout; i++) {
			uint32_t v = c->out[i].recipient;

			if (!full_upload(s, v))
				continue;
			holders++;
			paired += sent_map_has(&m, v, id);
		}
		if ((full_upload(s, id) || paired > 0) && holders < s->p.t)
			ok = false;
	}
	free(m.bits);
	return ok;
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
