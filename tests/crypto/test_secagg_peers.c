/* SPDX-License-Identifier: Apache-2.0 */
/* SECAGG.md invariants 2, 4, 5, 6 and malformed messages, step by step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

#define N 16

static fl_test_ca ca, rogue_ca;
/* sites 1..N: 3 from another CA, 4 revoked; sites N+1..2N all good */
static fl_test_site site[2 * N + 1];
static fl_sign_key *key[2 * N + 1];
static fl_verifier *ver;        /* with a CRL revoking site 4 */
/* the member list holds all 2N sites; contexts name sites 1..N (rounds
 * with bad sites) or N+1..2N (honest rounds); T = 2, c = 0 */
static fl_test_trust tr;
static fl_secagg_trust trust_bad, trust_good;

static fl_secagg_params params(uint32_t n, uint32_t k, uint32_t t, uint64_t m)
{
	fl_secagg_params p;

	memset(&p, 0, sizeof(p));
	p.job_id = 9;
	p.round = 1;
	p.attempt = 1;
	p.n = n;
	p.k = k;
	p.t = t;
	p.m = m;
	p.consistency = true;
	randombytes_buf(p.round_seed, sizeof(p.round_seed));
	randombytes_buf(p.ctx, sizeof(p.ctx));
	return p;
}

static int setup(void)
{
	long revoked = 104;
	size_t crl_len = 0;
	char *crl;
	int r = 0;

	if (fl_test_ca_new("fedc CA", &ca) != 0 || fl_test_ca_new("rogue", &rogue_ca) != 0)
		return -1;
	for (uint32_t i = 1; i <= 2 * N; i++) {
		char cn[32];

		/* site 3's certificate comes from another CA; 4 is revoked */
		snprintf(cn, sizeof(cn), "site-%u", i);
		r |= fl_test_site_new(i == 3 ? &rogue_ca : &ca, cn, 100 + i, 0, &site[i]);
		r |= fl_sign_key_load_pem(site[i].key_pem, site[i].key_len, &key[i]);
	}
	r |= fl_test_trust_init(&tr, &site[1], 2 * N, 2, 0);
	trust_bad = tr.trust;
	trust_good = tr.trust;
	trust_good.names = tr.names + N;
	if (!(crl = fl_test_crl(&ca, &revoked, 1, &crl_len)))
		return -1;
	r |= fl_verifier_new(ca.pem, ca.pem_len, crl, crl_len, &ver);
	free(crl);
	return r;
}

typedef struct sim_round {
	fl_secagg_params p;
	fl_secagg_server *s;
	fl_secagg_client *c[N + 1];
	fl_secagg_advert adv[N + 1];
	fl_secagg_keylist kl;
	fl_secagg_shares sh[N + 1];
} sim_round;

static void round_free(sim_round *r)
{
	for (uint32_t i = 1; i <= r->p.n; i++) {
		fl_secagg_client_free(r->c[i]);
		fl_secagg_advert_clear(&r->adv[i]);
		fl_secagg_shares_clear(&r->sh[i]);
	}
	fl_secagg_keylist_clear(&r->kl);
	fl_secagg_server_free(r->s);
}

/* Phases 1-2 for all clients; forge site 2's signature first. */
static void round_keys(sim_round *r, int forge)
{
	FL_CHECK_EQ_INT(fl_secagg_server_new(&r->p, &r->s), 0);
	for (uint32_t i = 1; i <= r->p.n; i++) {
		uint32_t si = forge ? i : N + i;   /* honest rounds: good sites */

		FL_CHECK_EQ_INT(fl_secagg_client_new(&r->p, i, key[si], ver,
			site[si].cert_pem, site[si].cert_len,
			forge ? &trust_bad : &trust_good, &r->c[i], NULL), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_advertise(r->c[i], &r->adv[i]), 0);
		if (forge && i == 2)
			r->adv[i].sig[r->adv[i].sig_len / 2] ^= 0x10;
		FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r->s, &r->adv[i]), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_keylist(r->s, &r->kl), 0);
}

/* Phase 4: every client in `who` (n + 1 flags) signs req; req2 gets the
 * request with the signatures. */
static void round_sign(sim_round *r, const int *who, const fl_secagg_unmask_req *req,
		       fl_secagg_unmask_req *req2)
{
	for (uint32_t i = 1; i <= r->p.n; i++) {
		fl_secagg_csig cs;

		if (!who[i])
			continue;
		FL_CHECK_EQ_INT(fl_secagg_client_consistency(r->c[i], req, &cs), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_consistency(r->s, &cs), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_consistency(r->s, req2), 0);
}

/* Invariant 4: forged signature, foreign CA, revoked cert are refused and
 * get nothing; the honest clients still aggregate exactly. */
static void test_bad_peers(void)
{
	sim_round r;
	uint32_t x[16], y[16], sum[16] = { 0 }, out[16];
	fl_secagg_unmask_req req = { 0 }, req2 = { 0 };
	int who[N + 1] = { 0 };

	memset(&r, 0, sizeof(r));
	r.p = params(N, N - 1, 11, 16);
	round_keys(&r, 1);
	for (uint32_t i = 1; i <= N; i++) {
		FL_CHECK_EQ_INT(fl_secagg_client_share(r.c[i], &r.kl, &r.sh[i]), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[i]), 0);
		if (i == 2 || i == 3 || i == 4)
			continue;
		FL_CHECK_EQ_INT(fl_secagg_client_refused(r.c[i]), 3);
		FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[i], 2), FL_E_VERIFY);
		FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[i], 3), FL_E_AUTH);
		FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[i], 4), FL_E_REVOKED);
		FL_CHECK_EQ_INT(r.sh[i].count, N - 1 - 3);
		for (uint32_t j = 0; j < r.sh[i].count; j++) {
			uint32_t to = r.sh[i].items[j].recipient;
			FL_CHECK(to != 2 && to != 3 && to != 4);
		}
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_shares(r.s), 0);
	for (uint32_t i = 1; i <= N; i++) {
		fl_secagg_shares in = { 0 };
		int rc;

		FL_CHECK_EQ_INT(fl_secagg_server_shares_for(r.s, i, &in), 0);
		rc = fl_secagg_client_recv_shares(r.c[i], &in);
		fl_secagg_shares_clear(&in);
		if (i >= 2 && i <= 4) {
			/* nobody honest pairs with them: they cannot go on */
			FL_CHECK_EQ_INT(rc, FL_E_PAIRING);
			continue;
		}
		who[i] = 1;
		FL_CHECK_EQ_INT(rc, 0);
		for (uint32_t w = 0; w < 16; w++) {
			x[w] = i * 1000 + w;
			sum[w] += x[w];
		}
		FL_CHECK_EQ_INT(fl_secagg_client_mask_chunk(r.c[i], 0, x, y, 16), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, i, 0, y, 16), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_input(r.s, &req), 0);
	FL_CHECK_EQ_INT(req.nsurvivors, N - 3);
	FL_CHECK_EQ_INT(req.ndropped, 0);   /* no pairs with the bad ones */
	round_sign(&r, who, &req, &req2);
	for (uint32_t i = 1; i <= N; i++) {
		fl_secagg_unmask_resp rs = { 0 };

		if (i >= 2 && i <= 4)
			continue;
		FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[i], &req2, &rs), 0);
		for (uint32_t j = 0; j < rs.count; j++)
			FL_CHECK(rs.entries[j].owner < 2 || rs.entries[j].owner > 4);
		FL_CHECK_EQ_INT(fl_secagg_server_add_unmask(r.s, &rs), 0);
		fl_secagg_unmask_resp_clear(&rs);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_finish(r.s, out), 0);
	FL_CHECK(memcmp(out, sum, sizeof(sum)) == 0);
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_req_clear(&req2);
	round_free(&r);
}

/* Runs an honest round up to the unmask request (clients 1..n upload
 * except `gone`, which shared and dropped). */
static void round_to_unmask(sim_round *r, uint32_t gone, fl_secagg_unmask_req *req)
{
	uint32_t x[32] = { 0 }, y[32];

	round_keys(r, 0);
	for (uint32_t i = 1; i <= r->p.n; i++) {
		FL_CHECK_EQ_INT(fl_secagg_client_share(r->c[i], &r->kl, &r->sh[i]), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r->s, &r->sh[i]), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_shares(r->s), 0);
	for (uint32_t i = 1; i <= r->p.n; i++) {
		fl_secagg_shares in = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_server_shares_for(r->s, i, &in), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r->c[i], &in), 0);
		fl_secagg_shares_clear(&in);
		if (i == gone)
			continue;
		FL_CHECK_EQ_INT(fl_secagg_client_mask_chunk(r->c[i], 0, x, y, r->p.m), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r->s, i, 0, y, r->p.m), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_input(r->s, req), 0);
}

/* Invariant 2: a request for both kinds of one client is refused, and a
 * second request is refused after the first answer. */
static void test_never_both(void)
{
	sim_round r;
	fl_secagg_unmask_req req0 = { 0 }, req = { 0 }, bad = { 0 };
	fl_secagg_unmask_resp rs = { 0 };
	int who[N + 1] = { 0, 1, 1, 1, 1, 1 };

	memset(&r, 0, sizeof(r));
	r.p = params(6, 5, 5, 32);
	round_to_unmask(&r, 6, &req0);
	FL_CHECK_EQ_INT(req0.nsurvivors, 5);
	FL_CHECK_EQ_INT(req0.ndropped, 1);
	round_sign(&r, who, &req0, &req);
	/* client 6 dropped: list it as a survivor too */
	FL_CHECK_EQ_INT(fl_secagg_unmask_req_copy(&bad, &req), 0);
	bad.survivors[bad.nsurvivors - 1] = 6;
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &bad, &rs), FL_E_DENIED);
	bad.survivors[bad.nsurvivors - 1] = 5;
	bad.survivors[0] = 2;       /* repeated id */
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[2], &bad, &rs), FL_E_DENIED);
	bad.nsurvivors = 2;         /* fewer than t */
	bad.survivors[0] = 1;
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &bad, &rs), FL_E_THRESHOLD);
	bad.hdr.attempt = 2;
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &bad, &rs), FL_E_ROUND);
	/* an honest answer, then a second (even identical) request is refused */
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &req, &rs), 0);
	FL_CHECK_EQ_INT(rs.count, 6);   /* 5 peers + its own b share */
	/* server refuses a response claiming the wrong kind */
	rs.entries[0].kind = rs.entries[0].kind == FL_SECAGG_SHARE_B ?
		FL_SECAGG_SHARE_SK : FL_SECAGG_SHARE_B;
	FL_CHECK_EQ_INT(fl_secagg_server_add_unmask(r.s, &rs), FL_E_INVAL);
	rs.entries[0].kind = rs.entries[0].kind == FL_SECAGG_SHARE_B ?
		FL_SECAGG_SHARE_SK : FL_SECAGG_SHARE_B;
	FL_CHECK_EQ_INT(fl_secagg_server_add_unmask(r.s, &rs), 0);
	FL_CHECK_EQ_INT(fl_secagg_server_add_unmask(r.s, &rs), FL_E_REPLAY);
	fl_secagg_unmask_resp_clear(&rs);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &req, &rs), FL_E_STATE);
	FL_CHECK_EQ_INT(fl_secagg_server_share_kind(r.s, 6), FL_SECAGG_SHARE_SK);
	FL_CHECK_EQ_INT(fl_secagg_server_share_kind(r.s, 2), FL_SECAGG_SHARE_B);
	FL_CHECK_EQ_INT(fl_secagg_server_share_kind(r.s, 1), FL_SECAGG_SHARE_B);
	fl_secagg_unmask_req_clear(&req0);
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_req_clear(&bad);
	round_free(&r);
}

/* Malformed messages return errors and leave the state usable. */
static void test_malformed(void)
{
	sim_round r;
	fl_secagg_advert a = { 0 };
	fl_secagg_shares sh = { 0 };
	uint32_t w[4] = { 0 };

	memset(&r, 0, sizeof(r));
	r.p = params(7, 6, 5, 4);
	round_keys(&r, 0);
	/* phase 1 is closed now */
	FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &r.adv[1]), FL_E_STATE);
	fl_secagg_server_free(r.s);
	FL_CHECK_EQ_INT(fl_secagg_server_new(&r.p, &r.s), 0);
	FL_CHECK_EQ_INT(fl_secagg_advert_copy(&a, &r.adv[1]), 0);
	a.hdr.round = 2;
	FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &a), FL_E_ROUND);
	a.hdr.round = 1;
	a.client = 8;
	FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &a), FL_E_AUTH);
	a.client = 1;
	a.sig_len = FL_SIG_MAX_BYTES + 1;
	FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &a), FL_E_PARSE);
	fl_secagg_advert_clear(&a);
	for (uint32_t i = 1; i <= 7; i++)
		FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &r.adv[i]), 0);
	FL_CHECK_EQ_INT(fl_secagg_server_add_advert(r.s, &r.adv[2]), FL_E_REPLAY);
	fl_secagg_keylist_clear(&r.kl);
	FL_CHECK_EQ_INT(fl_secagg_server_keylist(r.s, &r.kl), 0);
	/* a key list from another attempt, or with our key altered */
	r.kl.hdr.attempt = 9;
	FL_CHECK_EQ_INT(fl_secagg_client_share(r.c[1], &r.kl, &sh), FL_E_ROUND);
	r.kl.hdr.attempt = 1;
	r.kl.adverts[0].c_pk[0] ^= 1;
	FL_CHECK_EQ_INT(fl_secagg_client_share(r.c[1], &r.kl, &sh), FL_E_VERIFY);
	r.kl.adverts[0].c_pk[0] ^= 1;
	for (uint32_t i = 1; i <= 7; i++)
		FL_CHECK_EQ_INT(fl_secagg_client_share(r.c[i], &r.kl, &r.sh[i]), 0);
	/* shares: wrong sender field, unknown client, duplicate recipient */
	r.sh[1].items[0].sender = 2;
	FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[1]), FL_E_INVAL);
	r.sh[1].items[0].sender = 1;
	r.sh[1].items[1].recipient = r.sh[1].items[0].recipient;
	FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[1]), FL_E_INVAL);
	r.sh[1].items[1].recipient = r.sh[1].items[2].recipient == 3 ? 4 : 3;
	r.sh[1].client = 8;
	FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[1]), FL_E_AUTH);
	fl_secagg_shares_clear(&r.sh[1]);
	memset(&r.sh[1], 0, sizeof(r.sh[1]));
	fl_secagg_client_free(r.c[1]);
	r.c[1] = NULL;
	for (uint32_t i = 2; i <= 7; i++)
		FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[i]), 0);
	FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[2]), FL_E_REPLAY);
	FL_CHECK_EQ_INT(fl_secagg_server_close_shares(r.s), 0);
	/* chunks: client 1 never shared, gap, past the end, replay */
	FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, 1, 0, w, 4), FL_E_AUTH);
	FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, 2, 1, w, 2), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, 2, 0, w, 5), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, 2, 0, w, 2), 0);
	FL_CHECK_EQ_INT(fl_secagg_server_add_chunk(r.s, 2, 0, w, 2), FL_E_REPLAY);
	/* client-side chunk order */
	{
		fl_secagg_shares in = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_server_shares_for(r.s, 3, &in), 0);
		in.items[0].recipient = 4;
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r.c[3], &in), FL_E_INVAL);
		in.items[0].recipient = 3;
		in.hdr.job_id++;
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r.c[3], &in), FL_E_ROUND);
		in.hdr.job_id--;
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r.c[3], &in), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r.c[3], &in), FL_E_STATE);
		FL_CHECK_EQ_INT(fl_secagg_client_mask_chunk(r.c[3], 2, w, w, 2), FL_E_INVAL);
		fl_secagg_shares_clear(&in);
	}
	round_free(&r);
	/* bad parameters (without the consistency check, then with it) */
	r.p = params(5, 4, 2, 4);      /* 2t <= k + 1 */
	r.p.consistency = false;
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), FL_E_INVAL);
	r.p = params(5, 3, 2, 4);      /* k n odd */
	r.p.consistency = false;
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), FL_E_INVAL);
	r.p = params(6, 5, 3, 4);      /* 2t <= k + 1 */
	r.p.consistency = false;
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), FL_E_INVAL);
	r.p = params(6, 5, 4, 4);
	r.p.consistency = false;
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), 0);
	/* the signed survivor list replaces the paper's 3t > 2(k + 1) */
	r.p.consistency = true;
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), 0);
	/* a site with c = 1 demands 2t > k + 1 + c */
	r.p = params(5, 4, 3, 4);
	FL_CHECK_EQ_INT(fl_secagg_params_check(&r.p), 0);
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&r.p, 2, 1, NULL), FL_E_UNSAFE);
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&r.p, 2, 0, NULL), 0);
}

/* Invariant 5: every attempt draws fresh keys and seeds. */
static void test_fresh_keys(void)
{
	fl_secagg_params p = params(4, 3, 3, 8);
	fl_secagg_client *c1 = NULL, *c2 = NULL;
	fl_secagg_advert a1 = { 0 }, a2 = { 0 };

	FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 1, key[1], ver, site[1].cert_pem,
					     site[1].cert_len, &trust_bad, &c1, NULL), 0);
	p.attempt = 2;
	FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 1, key[1], ver, site[1].cert_pem,
					     site[1].cert_len, &trust_bad, &c2, NULL), 0);
	FL_CHECK_EQ_INT(fl_secagg_client_advertise(c1, &a1), 0);
	FL_CHECK_EQ_INT(fl_secagg_client_advertise(c2, &a2), 0);
	FL_CHECK(memcmp(a1.c_pk, a2.c_pk, 32) != 0);
	FL_CHECK(memcmp(a1.s_pk, a2.s_pk, 32) != 0);
	FL_CHECK(memcmp(a1.c_pk, a1.s_pk, 32) != 0);
	FL_CHECK(!sodium_is_zero(a1.c_pk, 32));
	FL_CHECK_EQ_INT(a2.hdr.attempt, 2);
	FL_CHECK_EQ_INT(fl_secagg_client_advertise(c2, &a2), FL_E_STATE);
	fl_secagg_advert_clear(&a1);
	fl_secagg_advert_clear(&a2);
	fl_secagg_client_free(c1);
	fl_secagg_client_free(c2);
}

/* Invariant 6 (and 5 for the self mask): a masked upload of all zeros looks
 * uniform, and two attempts on the same input give unrelated uploads. */
static void test_uniform(void)
{
	enum { M = 1 << 18 };
	static uint32_t x[M], y1[M], y2[M];
	double bins[256] = { 0 }, chi = 0, e = M / 256.0;
	uint32_t same = 0;

	for (int attempt = 1; attempt <= 2; attempt++) {
		sim_round r;

		memset(&r, 0, sizeof(r));
		r.p = params(4, 3, 3, M);
		r.p.attempt = (uint32_t)attempt;
		round_keys(&r, 0);
		for (uint32_t i = 1; i <= 4; i++) {
			FL_CHECK_EQ_INT(fl_secagg_client_share(r.c[i], &r.kl, &r.sh[i]), 0);
			FL_CHECK_EQ_INT(fl_secagg_server_add_shares(r.s, &r.sh[i]), 0);
		}
		FL_CHECK_EQ_INT(fl_secagg_server_close_shares(r.s), 0);
		{
			fl_secagg_shares in = { 0 };

			FL_CHECK_EQ_INT(fl_secagg_server_shares_for(r.s, 2, &in), 0);
			FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(r.c[2], &in), 0);
			fl_secagg_shares_clear(&in);
		}
		FL_CHECK_EQ_INT(fl_secagg_client_mask_chunk(r.c[2], 0, x,
			attempt == 1 ? y1 : y2, M), 0);
		round_free(&r);
	}
	for (uint32_t i = 0; i < M; i++) {
		bins[y1[i] >> 24]++;
		same += y1[i] == y2[i];
	}
	for (int b = 0; b < 256; b++)
		chi += (bins[b] - e) * (bins[b] - e) / e;
	/* 255 degrees of freedom: mean 255, sd 22.6; 400 is p < 1e-9 */
	FL_CHECK(chi < 400.0);
	FL_CHECK(chi > 150.0);
	FL_CHECK(same < 8);
}

int main(void)
{
	if (sodium_init() < 0 || setup() != 0)
		return 1;
	test_bad_peers();
	test_never_both();
	test_malformed();
	test_fresh_keys();
	test_uniform();
	fl_verifier_free(ver);
	for (uint32_t i = 1; i <= 2 * N; i++) {
		fl_sign_key_free(key[i]);
		fl_test_site_free(&site[i]);
	}
	fl_test_ca_free(&ca);
	fl_test_ca_free(&rogue_ca);
	fl_test_trust_free(&tr);
	return FL_TEST_DONE();
}
