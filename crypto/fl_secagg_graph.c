/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_graph: round parameters and the seed-derived neighbour graph. */
#include <stdlib.h>
#include <string.h>
#include "fl_err.h"
#include "fl_prg.h"
#include "fl_secagg.h"

struct fl_secagg_graph {
	uint32_t n, k;
	uint32_t *pos;    /* pos[id] = place on the ring, id 1..n */
};

int fl_secagg_params_check(const fl_secagg_params *p)
{
	if (!p || p->n < 2 || p->n > FL_SECAGG_MAX_CLIENTS || p->k < 1 ||
	    p->k > p->n - 1 || ((uint64_t)p->k * p->n) % 2 != 0)
		return FL_E_INVAL;
	/* k + 1 holders of each secret (neighbours and the client itself) */
	if (p->t < 1 || p->t > p->k || 2 * p->t <= p->k + 1)
		return FL_E_INVAL;
	if (p->m < 1 || p->m > FL_SECAGG_MAX_WORDS || p->q > p->n)
		return FL_E_INVAL;
	return 0;
}

/* Draws words from AES-CTR(seed) on demand. */
typedef struct graph_rng {
	const uint8_t *seed;
	uint32_t buf[256];
	size_t used;
	uint64_t off;
} graph_rng;

static int rng_next(graph_rng *r, uint32_t *out)
{
	int e;

	if (r->used == 256) {
		memset(r->buf, 0, sizeof(r->buf));
		if ((e = fl_prg_expand_add_at(r->seed, r->off, r->buf, 256, 1)) != 0)
			return e;
		r->off += 256;
		r->used = 0;
	}
	*out = r->buf[r->used++];
	return 0;
}

/* Uniform in [0, bound) by rejection. */
static int rng_below(graph_rng *r, uint32_t bound, uint32_t *out)
{
	uint32_t lim = (uint32_t)(0x100000000ull - 0x100000000ull % bound), x;
	int e;

	do {
		if ((e = rng_next(r, &x)) != 0)
			return e;
	} while (lim != 0 && x >= lim);
	*out = x % bound;
	return 0;
}

int fl_secagg_graph_new(uint32_t n, uint32_t k,
			const uint8_t seed[static FL_SEED_BYTES],
			fl_secagg_graph **out)
{
	fl_secagg_graph *g = NULL;
	uint32_t *ring = NULL;
	graph_rng rng = { .seed = seed, .used = 256 };
	int r = FL_E_NOMEM;

	if (!out || n < 2 || n > FL_SECAGG_MAX_CLIENTS || k < 1 || k > n - 1 ||
	    ((uint64_t)k * n) % 2 != 0)
		return FL_E_INVAL;
	if (!(g = calloc(1, sizeof(*g))) ||
	    !(g->pos = calloc((size_t)n + 1, sizeof(uint32_t))) ||
	    !(ring = malloc((size_t)n * sizeof(uint32_t))))
		goto out;
	g->n = n;
	g->k = k;
	for (uint32_t i = 0; i < n; i++)
		ring[i] = i + 1;
	for (uint32_t i = n - 1; i > 0; i--) {   /* Fisher-Yates */
		uint32_t j, tmp;

		if ((r = rng_below(&rng, i + 1, &j)) != 0)
			goto out;
		tmp = ring[i];
		ring[i] = ring[j];
		ring[j] = tmp;
	}
	for (uint32_t i = 0; i < n; i++)
		g->pos[ring[i]] = i;
	*out = g;
	g = NULL;
	r = 0;
out:
	free(ring);
	fl_secagg_graph_free(g);
	return r;
}

void fl_secagg_graph_free(fl_secagg_graph *g)
{
	if (!g)
		return;
	free(g->pos);
	free(g);
}

bool fl_secagg_graph_edge(const fl_secagg_graph *g, uint32_t u, uint32_t v)
{
	uint32_t d;

	if (!g || u == v || u < 1 || v < 1 || u > g->n || v > g->n)
		return false;
	d = g->pos[u] > g->pos[v] ? g->pos[u] - g->pos[v] : g->pos[v] - g->pos[u];
	if (g->n - d < d)
		d = g->n - d;
	return d <= g->k / 2 || (g->k % 2 == 1 && 2 * d == g->n);
}

uint32_t fl_secagg_graph_neighbours(const fl_secagg_graph *g, uint32_t u,
				    uint32_t *out)
{
	uint32_t c = 0;

	for (uint32_t v = 1; g && v <= g->n; v++)
		if (fl_secagg_graph_edge(g, u, v))
			out[c++] = v;
	return c;
}
