/* SPDX-License-Identifier: Apache-2.0 */
/* secagg_sim: drives a whole secure-aggregation round in one process for tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl_err.h"
#include "secagg_sim.h"

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int sim_pki_init(sim_pki *pki, uint32_t n)
{
	memset(pki, 0, sizeof(*pki));
	if (n > SIM_MAX || fl_test_ca_new("fedc sim CA", &pki->ca) != 0 ||
	    fl_verifier_new(pki->ca.pem, pki->ca.pem_len, NULL, 0, &pki->ver) != 0)
		return -1;
	for (uint32_t i = 1; i <= n; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "site-%u", i);
		if (fl_test_site_new(&pki->ca, cn, 100 + i, 0, &pki->site[i]) != 0 ||
		    fl_sign_key_load_pem(pki->site[i].key_pem, pki->site[i].key_len,
					 &pki->key[i]) != 0)
			return -1;
	}
	return fl_test_trust_init(&pki->tr, &pki->site[1], n, 2, 0);
}

void sim_pki_free(sim_pki *pki, uint32_t n)
{
	for (uint32_t i = 1; i <= n; i++) {
		fl_sign_key_free(pki->key[i]);
		fl_test_site_free(&pki->site[i]);
	}
	fl_verifier_free(pki->ver);
	fl_test_ca_free(&pki->ca);
	fl_test_trust_free(&pki->tr);
}

typedef struct sim_state {
	const fl_secagg_params *p;
	fl_secagg_server *s;
	fl_secagg_client *c[SIM_MAX + 1];
	int alive[SIM_MAX + 1];
	uint32_t *x, *y, *sum, *out;
} sim_state;

static void input_of(uint32_t id, uint64_t seed, uint32_t *x, uint64_t m)
{
	for (uint64_t i = 0; i < m; i++)
		x[i] = (uint32_t)mix(seed ^ ((uint64_t)id << 40) ^ i);
}

#define FAIL(ph, call) do { int e_ = (call); if (e_ != 0) { res.rc = e_; \
	res.phase = (ph); goto out; } } while (0)

/* Phases 1-2: returns 0 or an error; clients that fail drop silently. */
static int run_keys(sim_state *st, const int *drop)
{
	const fl_secagg_params *p = st->p;
	fl_secagg_keylist kl = { 0 };
	int r;

	for (uint32_t i = 1; i <= p->n; i++) {
		fl_secagg_advert a = { 0 };

		if (drop[i] == SIM_DROP_ADVERT) {
			st->alive[i] = 0;
			continue;
		}
		if (fl_secagg_client_advertise(st->c[i], &a) == 0 &&
		    fl_secagg_server_add_advert(st->s, &a) == 0)
			st->alive[i] = 1;
		fl_secagg_advert_clear(&a);
	}
	if ((r = fl_secagg_server_keylist(st->s, &kl)) != 0)
		return r;
	for (uint32_t i = 1; i <= p->n; i++) {
		fl_secagg_shares sh = { 0 };

		if (!st->alive[i] || drop[i] == SIM_DROP_SHARE) {
			st->alive[i] = 0;
			continue;
		}
		if ((r = fl_secagg_client_share(st->c[i], &kl, &sh)) != 0 ||
		    (r = fl_secagg_server_add_shares(st->s, &sh)) != 0) {
			st->alive[i] = 0;
			if (getenv("SIM_DEBUG"))
				fprintf(stderr, "sim: client %u share: %s %s\n", i,
					fl_strerror(r), fl_secagg_client_why(st->c[i]));
		}
		fl_secagg_shares_clear(&sh);
	}
	fl_secagg_keylist_clear(&kl);
	return fl_secagg_server_close_shares(st->s);
}

/* Phase 3: routed shares, masking and the chunked upload. */
static void run_input(sim_state *st, const int *drop, uint64_t seed)
{
	const fl_secagg_params *p = st->p;

	for (uint32_t i = 1; i <= p->n; i++) {
		fl_secagg_shares in = { 0 };
		uint64_t off = 0, stop = p->m, chunk = 1 + i * 37;

		if (!st->alive[i])
			continue;
		if (fl_secagg_server_shares_for(st->s, i, &in) != 0 ||
		    fl_secagg_client_recv_shares(st->c[i], &in) != 0 ||
		    drop[i] == SIM_DROP_INPUT) {
			st->alive[i] = 0;
			fl_secagg_shares_clear(&in);
			continue;
		}
		fl_secagg_shares_clear(&in);
		input_of(i, seed, st->x, p->m);
		if (drop[i] == SIM_DROP_PARTIAL)
			stop = p->m / 2;
		while (off < stop) {
			uint64_t cnt = stop - off < chunk ? stop - off : chunk;

			if (fl_secagg_client_mask_chunk(st->c[i], off, st->x + off,
							st->y + off, cnt) != 0 ||
			    fl_secagg_server_add_chunk(st->s, i, off, st->y + off, cnt) != 0)
				break;
			off += cnt;
		}
		if (off != p->m) {
			st->alive[i] = 0;
			continue;
		}
		for (uint64_t w = 0; w < p->m; w++)
			st->sum[w] += st->x[w];
	}
}

sim_result sim_run(const fl_secagg_params *p, sim_pki *pki, const int *drop,
		   uint64_t seed)
{
	sim_state st;
	sim_result res = { 0 };
	fl_secagg_unmask_req req = { 0 }, req2 = { 0 };

	memset(&st, 0, sizeof(st));
	st.p = p;
	st.x = calloc(p->m, 4);
	st.y = calloc(p->m, 4);
	st.sum = calloc(p->m, 4);
	st.out = calloc(p->m, 4);
	FAIL(0, (!st.x || !st.y || !st.sum || !st.out) ? FL_E_NOMEM : 0);
	FAIL(0, fl_secagg_server_new(p, &st.s));
	for (uint32_t i = 1; i <= p->n; i++)
		FAIL(0, fl_secagg_client_new(p, i, pki->key[i], pki->ver,
			pki->site[i].cert_pem, pki->site[i].cert_len, &pki->tr.trust,
			&st.c[i], NULL));
	FAIL(2, run_keys(&st, drop));
	run_input(&st, drop, seed);
	FAIL(3, fl_secagg_server_close_input(st.s, &req));
	res.nsurvivors = req.nsurvivors;
	res.ndropped = req.ndropped;
	for (uint32_t i = 1; i <= p->n; i++) {
		fl_secagg_csig cs;

		if (st.alive[i] && drop[i] != SIM_DROP_SIGN &&
		    fl_secagg_client_consistency(st.c[i], &req, &cs) == 0)
			fl_secagg_server_add_consistency(st.s, &cs);
	}
	FAIL(4, fl_secagg_server_close_consistency(st.s, &req2));
	for (uint32_t i = 1; i <= p->n; i++) {
		fl_secagg_unmask_resp rs = { 0 };

		if (!st.alive[i] || drop[i] == SIM_DROP_UNMASK)
			continue;
		if (fl_secagg_client_unmask(st.c[i], &req2, &rs) == 0)
			fl_secagg_server_add_unmask(st.s, &rs);
		fl_secagg_unmask_resp_clear(&rs);
	}
	res.never_both = 1;
	for (uint32_t i = 0; i < req.nsurvivors; i++)
		if (fl_secagg_server_share_kind(st.s, req.survivors[i]) == FL_SECAGG_SHARE_SK)
			res.never_both = 0;
	for (uint32_t i = 0; i < req.ndropped; i++)
		if (fl_secagg_server_share_kind(st.s, req.dropped[i]) == FL_SECAGG_SHARE_B)
			res.never_both = 0;
	FAIL(5, fl_secagg_server_finish(st.s, st.out));
	res.sum_ok = memcmp(st.out, st.sum, p->m * 4) == 0;
out:
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_req_clear(&req2);
	for (uint32_t i = 1; i <= p->n; i++)
		fl_secagg_client_free(st.c[i]);
	fl_secagg_server_free(st.s);
	free(st.x);
	free(st.y);
	free(st.sum);
	free(st.out);
	return res;
}
