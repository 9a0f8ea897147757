/* SPDX-License-Identifier: Apache-2.0 */
/* test_secagg_adversary: a malicious coordinator (tests/crypto/adversary.c)
 * tries the review's attacks against real client state machines. For each
 * it asserts the honest agents' refusal under its rule (SECAGG.md R1-R5)
 * and then tries to compute the target's input from everything it got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "adversary.h"
#include "fl_err.h"
#include "fl_secagg_client_int.h"
#include "fl_test.h"

static adv_pki pki;

/* Control: the computation works. When every site colludes the coordinator
 * gets every secret and recovers the input exactly; so a "cannot compute"
 * below is the protocol's doing, not the harness's. */
static void test_control(void)
{
	adv_round r;
	fl_secagg_params p = adv_params(5, 4, 3);

	adv_round_new(&r, &pki, &p, 2, 0);
	for (uint32_t i = 1; i <= 5; i++)
		r.colluder[i] = true;
	adv_advertise(&r);
	adv_share(&r);
	adv_route_and_upload(&r, 0, NULL);
	FL_CHECK(r.uploaded[1]);
	FL_CHECK(adv_compute(&r, 1));
	adv_round_free(&r);
}

/* Replaces id's advert in the key list with one signed by key for cert. */
static void sybil_advert(adv_round *r, uint32_t id, fl_sign_key *key,
			 const fl_test_site *cert)
{
	uint8_t msg[FL_SECAGG_ADVERT_MSG_BYTES];
	fl_secagg_advert *a = NULL;
	size_t siglen = 0;

	for (uint32_t i = 0; i < r->kl.count; i++)
		if (r->kl.adverts[i].client == id)
			a = &r->kl.adverts[i];
	if (!a) {   /* append; ids are added in increasing order */
		a = &r->kl.adverts[r->kl.count++];
		memset(a, 0, sizeof(*a));
		a->hdr = r->kl.hdr;
		a->client = id;
	}
	randombytes_buf(a->c_pk, sizeof(a->c_pk));
	randombytes_buf(a->s_pk, sizeof(a->s_pk));
	free(a->cert_pem);
	a->cert_pem = malloc(cert->cert_len);
	memcpy(a->cert_pem, cert->cert_pem, cert->cert_len);
	a->cert_len = cert->cert_len;
	fl_secagg_advert_msg(a, r->p.ctx, msg);
	FL_CHECK_EQ_INT(fl_sign(key, msg, sizeof(msg), a->sig, &siglen), 0);
	a->sig_len = (uint32_t)siglen;
}

/* Attack 1 (R1): sybils signed with the coordinator's certificate, an
 * admin's, a site's certificate under another id, and one minted for an
 * absent member's name. Sites 1..3 are real; ids 4..7 are sybils under
 * member names site-4..site-7. T = 3, c = 1: every site needs 3 paired
 * members; with 2 it must refuse to share at all. */
static void test_sybils(void)
{
	adv_round r;
	fl_secagg_params p = adv_params(7, 6, 5);

	adv_round_new(&r, &pki, &p, 3, 1);
	for (uint32_t i = 4; i <= 7; i++) {   /* the absent sites */
		fl_secagg_client_free(r.c[i]);
		r.c[i] = NULL;
	}
	adv_advertise(&r);
	sybil_advert(&r, 4, pki.coord_key, &pki.coord);
	sybil_advert(&r, 5, pki.admin_key, &pki.admin);
	sybil_advert(&r, 6, pki.key[2], &pki.site[2]);   /* site-2 as id 6 */
	/* a certificate minted (online CA) for the absent member site-7 */
	sybil_advert(&r, 7, pki.minted_key, &pki.minted);
	adv_share(&r);
	for (uint32_t i = 1; i <= 3; i++) {
		FL_CHECK_EQ_INT(r.rc_share[i], FL_E_PAIRING);
		FL_CHECK(strstr(fl_secagg_client_why(r.c[i]), "R4: only 2 of my 6") != NULL);
		for (uint32_t s = 4; s <= 7; s++)
			FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[i], s),
					FL_E_MEMBER);
		FL_CHECK_EQ_INT(r.sent[i].count, 0);   /* no share left */
	}
	adv_route_and_upload(&r, 0, NULL);
	FL_CHECK(!r.uploaded[1]);
	FL_CHECK(!adv_compute(&r, 1));
	adv_round_free(&r);

	/* the minted certificate under its own name, and a context naming
	 * one site twice: refused before any key is made */
	{
		fl_secagg_trust tr = pki.tr.trust;
		const char *names[4] = { "site-1", "site-2", "site-3", "site-2" };
		fl_secagg_client *c = NULL;
		char why[FL_ERRMSG_BYTES];

		p = adv_params(4, 3, 3);
		tr.names = names;
		tr.min_honest = 2;
		tr.colluders = 0;
		FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 1, pki.key[1], pki.ver,
			pki.site[1].cert_pem, pki.site[1].cert_len, &tr, &c, why),
			FL_E_MEMBER);
		FL_CHECK(strstr(why, "R1: the context names site 'site-2' twice") != NULL);
		names[3] = "site-7";   /* the minted certificate's own name */
		FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 4, pki.minted_key, pki.ver,
			pki.minted.cert_pem, pki.minted.cert_len, &tr, &c, why),
			FL_E_MEMBER);
		names[3] = "coordinator";
		FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 1, pki.key[1], pki.ver,
			pki.site[1].cert_pem, pki.site[1].cert_len, &tr, &c, why),
			FL_E_MEMBER);
		FL_CHECK(c == NULL);
	}
}

/* Attack 2 (R4, R5), one list for all: the coordinator routes to the
 * target (site 1) the shares of only some peers, then declares exactly
 * those peers dropped, to get b_1 and their s_sk. */
static void test_routing_one_list(uint32_t n, uint32_t k, uint32_t t)
{
	adv_round r;
	fl_secagg_params p = adv_params(n, k, t);
	fl_secagg_unmask_req req;
	bool allow[ADV_MAX + 1] = { false }, in_s[ADV_MAX + 1] = { false };
	uint32_t routed = 0;

	/* (a) too few routed peers: the target never uploads */
	adv_round_new(&r, &pki, &p, 3, 1);
	r.colluder[n] = true;
	adv_advertise(&r);
	adv_share(&r);
	allow[2] = allow[3] = true;
	adv_route_and_upload(&r, 1, allow);
	FL_CHECK_EQ_INT(r.rc_recv[1], FL_E_PAIRING);
	FL_CHECK(!r.uploaded[1]);
	FL_CHECK(!adv_compute(&r, 1));
	adv_round_free(&r);

	/* (b) enough routed peers to upload, then they are "dropped" */
	p.attempt = 2;
	adv_round_new(&r, &pki, &p, 3, 1);
	r.colluder[n] = true;
	adv_advertise(&r);
	adv_share(&r);
	memset(allow, 0, sizeof(allow));
	for (uint32_t i = 0; i < r.c[1]->k && routed < t; i++)
		if (r.c[1]->peers[i].id != n) {
			allow[r.c[1]->peers[i].id] = true;
			routed++;
		}
	adv_route_and_upload(&r, 1, allow);
	FL_CHECK(r.uploaded[1]);
	for (uint32_t i = 1; i <= n; i++)
		in_s[i] = !allow[i];
	adv_req(&r, in_s, &req);
	{
		fl_secagg_unmask_req signed_req;
		fl_secagg_csig cs;

		FL_CHECK_EQ_INT(fl_secagg_unmask_req_copy(&signed_req, &req), 0);
		for (uint32_t i = 1; i <= n; i++) {
			if (!in_s[i] || r.colluder[i])
				continue;
			/* the others on S may sign it; the target does not */
			if (fl_secagg_client_consistency(r.c[i], &req, &cs) == 0)
				adv_req_add_csig(&signed_req, &cs);
			else if (i == 1)
				printf("target refuses to sign: %s\n",
				       fl_secagg_client_why(r.c[1]));
			else
				FL_CHECK(1);
		}
		FL_CHECK(strstr(fl_secagg_client_why(r.c[1]), "survivor list") ||
			 strstr(fl_secagg_client_why(r.c[1]), "R4: only 0 of my"));
		fl_secagg_unmask_req_clear(&req);
		req = signed_req;
	}
	/* with every signature it got (the colluder's too) nobody reveals */
	FL_CHECK_EQ_INT(adv_colluder_sign(&r, &pki, n, &req), 0);
	for (uint32_t i = 1; i <= n; i++)
		if (!r.colluder[i])
			FL_CHECK(fl_secagg_client_unmask(r.c[i], &req, &r.resp[i]) != 0);
	FL_CHECK(!adv_compute(&r, 1));
	fl_secagg_unmask_req_clear(&req);
	adv_round_free(&r);
}

/* Attack 2, a list per client: S1 = everyone goes to the target and two
 * of its peers, S2 = S1 minus those two peers to the others; each group
 * signs its own list, the colluder signs both; then every holder is asked
 * to unmask with its own list. At most one list reaches the quorum; b_1 is
 * revealed only where the target signed, and no secret both ways. */
static void test_routing_per_client(uint32_t n, uint32_t k, uint32_t t)
{
	adv_round r;
	fl_secagg_params p = adv_params(n, k, t);
	fl_secagg_unmask_req s1, s2;
	bool all[ADV_MAX + 1], in2[ADV_MAX + 1];
	uint8_t kinds[ADV_MAX + 1] = { 0 };
	uint32_t q = fl_secagg_quorum(n, 1), g1 = 3, g2 = n - 1 - 3;

	adv_round_new(&r, &pki, &p, 3, 1);
	r.colluder[n] = true;
	adv_advertise(&r);
	adv_share(&r);
	adv_route_and_upload(&r, 0, NULL);
	for (uint32_t i = 1; i <= n; i++) {
		all[i] = true;
		in2[i] = i != 2 && i != 3;
	}
	adv_req(&r, all, &s1);
	adv_req(&r, in2, &s2);
	for (uint32_t i = 1; i < n; i++) {
		fl_secagg_csig cs;
		fl_secagg_unmask_req *req = i <= 3 ? &s1 : &s2;

		FL_CHECK_EQ_INT(fl_secagg_client_consistency(r.c[i], req, &cs), 0);
		adv_req_add_csig(req, &cs);
	}
	FL_CHECK_EQ_INT(adv_colluder_sign(&r, &pki, n, &s1), 0);
	FL_CHECK_EQ_INT(adv_colluder_sign(&r, &pki, n, &s2), 0);
	FL_CHECK(g1 + 1 < q || g2 + 1 < q);   /* 2q > n + c */
	for (uint32_t i = 1; i < n; i++) {
		int rc = fl_secagg_client_unmask(r.c[i], i <= 3 ? &s1 : &s2, &r.resp[i]);
		bool valid = (i <= 3 ? g1 : g2) + 1 >= q;

		FL_CHECK_EQ_INT(rc, valid ? 0 : FL_E_SURVIVORS);
		if (rc != 0)
			FL_CHECK(strstr(fl_secagg_client_why(r.c[i]), "R5: the survivor "
					"list carries") != NULL);
		for (uint32_t e = 0; rc == 0 && e < r.resp[i].count; e++) {
			const fl_secagg_unmask_entry *en = &r.resp[i].entries[e];

			/* never both kinds of one owner's secret */
			FL_CHECK(!kinds[en->owner] || kinds[en->owner] == en->kind);
			kinds[en->owner] = (uint8_t)en->kind;
			/* S2 names the target but it did not sign S2 */
			FL_CHECK(!(i > 3 && en->owner == 1 && en->kind == FL_SECAGG_SHARE_B));
		}
	}
	FL_CHECK(!adv_compute(&r, 1));
	fl_secagg_unmask_req_clear(&s1);
	fl_secagg_unmask_req_clear(&s2);
	adv_round_free(&r);
}

/* Attack 3 (R2): the coordinator gives the target one context and the
 * others another (e.g. weight_scale = 1e300 for all but the target): their
 * keys sign another context digest and the target refuses every one. */
static void test_contexts(void)
{
	adv_round r, other;
	fl_secagg_params p = adv_params(5, 4, 3);

	adv_round_new(&r, &pki, &p, 2, 0);
	p.ctx[0] ^= 1;
	adv_round_new(&other, &pki, &p, 2, 0);
	for (uint32_t i = 2; i <= 5; i++) {   /* swap in the other context's sites */
		fl_secagg_client *t = r.c[i];

		r.c[i] = other.c[i];
		other.c[i] = t;
	}
	adv_advertise(&r);
	adv_share(&r);
	FL_CHECK_EQ_INT(r.rc_share[1], FL_E_PAIRING);
	for (uint32_t i = 2; i <= 5; i++)
		FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[1], i), FL_E_VERIFY);
	FL_CHECK_EQ_INT(r.sent[1].count, 0);
	adv_round_free(&r);
	adv_round_free(&other);
}

/* R3 and R5: parameters a site refuses whatever the coordinator says. */
static void test_unsafe_params(void)
{
	fl_secagg_params p;
	char why[FL_ERRMSG_BYTES];

	p = adv_params(12, 4, 4);   /* SecAgg+ with t < T + c: graph seed risk */
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 3, 2, why), FL_E_UNSAFE);
	FL_CHECK(strstr(why, "R3:") != NULL);
	p = adv_params(8, 7, 5);
	p.consistency = false;
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 3, 1, why), FL_E_UNSAFE);
	FL_CHECK(strstr(why, "consistency check is off") != NULL);
	p = adv_params(8, 7, 4);    /* 2t <= k + 1 + c */
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 3, 1, why), FL_E_UNSAFE);
	p = adv_params(4, 3, 3);    /* n < T + c */
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 4, 1, why), FL_E_UNSAFE);
	FL_CHECK(strstr(why, "T + c = 5") != NULL);
	p = adv_params(8, 7, 5);
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 3, 1, why), 0);
}

/* Smaller finding: a non-neighbour's bad advert (SecAgg+) is checked too,
 * so the policy's count of other sites does not count it. */
static void test_non_neighbour_checked(void)
{
	adv_round r;
	fl_secagg_params p = adv_params(10, 4, 4);
	uint32_t far = 0;

	adv_round_new(&r, &pki, &p, 2, 0);
	adv_advertise(&r);
	for (uint32_t v = 2; v <= 10 && !far; v++) {
		bool nb = false;

		for (uint32_t i = 0; i < r.c[1]->k; i++)
			nb |= r.c[1]->peers[i].id == v;
		if (!nb)
			far = v;
	}
	FL_CHECK(far != 0);
	sybil_advert(&r, far, pki.coord_key, &pki.coord);
	adv_share(&r);
	FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[1], far), FL_E_MEMBER);
	adv_round_free(&r);
}

int main(void)
{
	if (sodium_init() < 0 || adv_pki_init(&pki) != 0) {
		fprintf(stderr, "test_secagg_adversary: setup failed\n");
		return 1;
	}
	test_control();
	test_sybils();
	test_routing_one_list(8, 7, 5);     /* full SecAgg, T = 3, c = 1 */
	test_routing_one_list(12, 6, 5);    /* SecAgg+ */
	test_routing_per_client(8, 7, 5);
	test_routing_per_client(9, 8, 6);
	test_routing_per_client(12, 6, 5);
	test_contexts();
	test_unsafe_params();
	test_non_neighbour_checked();
	adv_pki_free(&pki);
	return FL_TEST_DONE();
}
