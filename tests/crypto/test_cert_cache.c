/* SPDX-License-Identifier: Apache-2.0 */
/* test_cert_cache: the verifier's certificate cache (parsed once, chain
 * checked once) never accepts another certificate or key; the member list
 * and the CRL are not cached past a change; and the phase-5 survivor-list
 * check stops at the quorum only for signatures that decide nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "adversary.h"
#include "fl_err.h"
#include "fl_members.h"
#include "fl_secagg_client_int.h"
#include "fl_test.h"

static adv_pki pki;

/* What fl_verifier_cert keeps is what a fresh parse says. */
static void test_facts(void)
{
	fl_cert_facts f, g;
	fl_cert_info ci;
	uint8_t h[FL_PKHASH_BYTES];
	size_t c1 = 99, c2 = 98;
	fl_verifier *v = NULL;

	FL_CHECK_EQ_INT(fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &v), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v, pki.site[1].cert_pem,
					 pki.site[1].cert_len, &c1, &f), 0);
	FL_CHECK_EQ_INT(fl_verifier_cached(v), 1);
	FL_CHECK_EQ_INT(fl_pki_cert_info(pki.site[1].cert_pem, pki.site[1].cert_len,
					 &ci), 0);
	FL_CHECK_EQ_INT(fl_pki_cert_pkhash(pki.site[1].cert_pem,
					   pki.site[1].cert_len, h), 0);
	FL_CHECK_EQ_INT(f.info_err, 0);
	FL_CHECK_EQ_INT(f.pkhash_err, 0);
	FL_CHECK(strcmp(f.info.cn, ci.cn) == 0 && strcmp(f.info.cn, "site-1") == 0);
	FL_CHECK(strcmp(f.info.role, ci.role) == 0);
	FL_CHECK(strcmp(f.info.fingerprint, ci.fingerprint) == 0);
	FL_CHECK(memcmp(f.pkhash, h, sizeof(h)) == 0);
	/* a hit: same handle, same facts, nothing added */
	FL_CHECK_EQ_INT(fl_verifier_cert(v, pki.site[1].cert_pem,
					 pki.site[1].cert_len, &c2, &g), 0);
	FL_CHECK_EQ_INT(c1, c2);
	FL_CHECK(memcmp(&f, &g, sizeof(f)) == 0);
	FL_CHECK_EQ_INT(fl_verifier_cached(v), 1);
	/* the one-parse reader agrees */
	FL_CHECK_EQ_INT(fl_cert_facts_read(pki.site[1].cert_pem,
					   pki.site[1].cert_len, &g), 0);
	FL_CHECK(strcmp(g.info.cn, f.info.cn) == 0 &&
		 memcmp(g.pkhash, f.pkhash, sizeof(h)) == 0);
	FL_CHECK_EQ_INT(fl_cert_facts_read("junk", 4, &g), FL_E_PARSE);
	fl_verifier_free(v);
}

/* Another certificate with the same name (the minted site-7), an altered
 * PEM, or a handle with another key's signature: never served as cached. */
static void test_other_certificate(void)
{
	uint8_t msg[64], sig[FL_SIG_MAX_BYTES];
	size_t siglen = 0, c7 = 0, cm = 0, c = 0;
	fl_cert_facts f7, fm;
	fl_verifier *v = NULL;
	char *bad;

	randombytes_buf(msg, sizeof(msg));
	FL_CHECK_EQ_INT(fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &v), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v, pki.site[7].cert_pem,
					 pki.site[7].cert_len, &c7, &f7), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v, pki.minted.cert_pem, pki.minted.cert_len,
					 &cm, &fm), 0);
	FL_CHECK(c7 != cm);
	FL_CHECK_EQ_INT(fl_verifier_cached(v), 2);
	FL_CHECK(strcmp(f7.info.cn, fm.info.cn) == 0);        /* same name */
	FL_CHECK(memcmp(f7.pkhash, fm.pkhash, FL_PKHASH_BYTES) != 0);  /* key */
	/* the member check refuses the minted one from its cached facts */
	FL_CHECK_EQ_INT(fl_secagg_member_facts(&pki.tr.trust, 7, &f7), 0);
	FL_CHECK_EQ_INT(fl_secagg_member_facts(&pki.tr.trust, 7, &fm), FL_E_MEMBER);
	/* the minted key's signature does not verify under site-7's handle */
	FL_CHECK_EQ_INT(fl_sign(pki.minted_key, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, cm, msg, sizeof(msg), sig, siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c7, msg, sizeof(msg), sig, siglen),
			FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_verifier_check(v, pki.site[7].cert_pem,
					  pki.site[7].cert_len, msg, sizeof(msg), sig,
					  siglen), FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, 2, msg, sizeof(msg), sig, siglen),
			FL_E_INVAL);   /* not a handle of v */
	/* one byte of the body changed: a new text, checked afresh, refused */
	bad = malloc(pki.site[7].cert_len);
	memcpy(bad, pki.site[7].cert_pem, pki.site[7].cert_len);
	bad[pki.site[7].cert_len / 2] = bad[pki.site[7].cert_len / 2] == 'A' ? 'B' : 'A';
	FL_CHECK(fl_verifier_cert(v, bad, pki.site[7].cert_len, &c, NULL) != 0);
	FL_CHECK_EQ_INT(fl_verifier_cached(v), 2);
	free(bad);
	fl_verifier_free(v);
}

/* A revoked certificate: the agent makes a new verifier for a new CRL, and
 * that one refuses the certificate that the old one had cached. */
static void test_revoked(void)
{
	long serial = 0;
	fl_verifier *v = NULL, *v2 = NULL;
	fl_cert_info ci;
	size_t c = 0, len = 0;
	char *crl;

	FL_CHECK_EQ_INT(fl_pki_cert_info(pki.site[2].cert_pem, pki.site[2].cert_len,
					 &ci), 0);
	serial = strtol(ci.serial, NULL, 16);
	FL_CHECK_EQ_INT(fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &v), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v, pki.site[2].cert_pem,
					 pki.site[2].cert_len, &c, NULL), 0);
	crl = fl_test_crl(&pki.ca, &serial, 1, &len);
	FL_CHECK(crl != NULL);
	FL_CHECK_EQ_INT(fl_verifier_new(pki.ca.pem, pki.ca.pem_len, crl, len, &v2), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v2, pki.site[2].cert_pem,
					 pki.site[2].cert_len, &c, NULL), FL_E_REVOKED);
	FL_CHECK_EQ_INT(fl_verifier_cached(v2), 0);
	FL_CHECK_EQ_INT(fl_verifier_cert(v2, pki.site[3].cert_pem,
					 pki.site[3].cert_len, &c, NULL), 0);
	free(crl);
	fl_verifier_free(v);
	fl_verifier_free(v2);
}

/* A signature checks under the handle, a bad one does not, and a good one
 * still does after that (the ECDSA verify context is reused). */
static void sign_check(fl_verifier *v, size_t c, const fl_test_site *s)
{
	uint8_t msg[100], sig[FL_SIG_MAX_BYTES];
	fl_sign_key *k = NULL;
	size_t siglen = 0;

	randombytes_buf(msg, sizeof(msg));
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(s->key_pem, s->key_len, &k), 0);
	FL_CHECK_EQ_INT(fl_sign(k, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c, msg, sizeof(msg), sig, siglen), 0);
	msg[3] ^= 1;
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c, msg, sizeof(msg), sig, siglen),
			FL_E_VERIFY);
	msg[3] ^= 1;
	sig[siglen - 1] ^= 1;
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c, msg, sizeof(msg), sig, siglen),
			FL_E_VERIFY);
	sig[siglen - 1] ^= 1;
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c, msg, sizeof(msg), sig, siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check_cert(v, c, msg, sizeof(msg), sig, 0),
			FL_E_VERIFY);
	fl_sign_key_free(k);
}

/* Many certificates: the hash index grows and finds each one again. */
static void test_many(void)
{
	enum { MANY = 70 };
	fl_test_site *s = calloc(MANY, sizeof(*s));
	size_t h[MANY], c = 0;
	fl_verifier *v = NULL;
	fl_cert_facts f;

	FL_CHECK_EQ_INT(fl_verifier_new(pki.ca.pem, pki.ca.pem_len, NULL, 0, &v), 0);
	for (int i = 0; i < MANY; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "many-%d", i);
		FL_CHECK_EQ_INT(fl_test_site_new(&pki.ca, cn, 5000 + i, i % 2, &s[i]), 0);
		FL_CHECK_EQ_INT(fl_verifier_cert(v, s[i].cert_pem, s[i].cert_len, &h[i],
						 NULL), 0);
	}
	FL_CHECK_EQ_INT(fl_verifier_cached(v), MANY);
	for (int i = 0; i < MANY; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "many-%d", i);
		FL_CHECK_EQ_INT(fl_verifier_cert(v, s[i].cert_pem, s[i].cert_len, &c,
						 &f), 0);
		FL_CHECK_EQ_INT(c, h[i]);
		FL_CHECK(strcmp(f.info.cn, cn) == 0);
		if (i < 4)   /* ECDSA (kept verify context) and Ed25519 */
			sign_check(v, c, &s[i]);
		fl_test_site_free(&s[i]);
	}
	FL_CHECK_EQ_INT(fl_verifier_cached(v), MANY);
	fl_verifier_free(v);
	free(s);
}

/* The member list changes between two rounds (site 3 re-keyed in list v2)
 * while every certificate stays in the shared verifier's cache: site 3's
 * old certificate is refused as a peer and as its own. */
static void test_member_list_change(void)
{
	fl_secagg_params p = adv_params(5, 4, 3);
	fl_member *m3 = (fl_member *)fl_members_find(&pki.tr.members, "site-3");
	uint8_t keep[FL_PKHASH_BYTES];
	adv_round r;

	FL_CHECK(m3 != NULL);
	adv_round_new(&r, &pki, &p, 2, 0);
	adv_advertise(&r);
	adv_share(&r);
	for (uint32_t i = 1; i <= 5; i++) {
		FL_CHECK_EQ_INT(r.rc_share[i], 0);
		FL_CHECK_EQ_INT(fl_secagg_client_refused(r.c[i]), 0);
	}
	adv_round_free(&r);
	memcpy(keep, m3->pkhash, sizeof(keep));
	m3->pkhash[0] ^= 1;
	pki.tr.members.version = 2;
	p = adv_params(5, 4, 3);
	adv_round_new(&r, &pki, &p, 2, 0);
	FL_CHECK_EQ_INT(r.rc_new[3], FL_E_MEMBER);
	fl_secagg_client_free(r.c[3]);
	r.c[3] = NULL;
	adv_advertise(&r);
	/* site 3's genuine advert, made under the old list, relayed anyway */
	{
		fl_secagg_client *c3 = NULL;

		m3->pkhash[0] ^= 1;
		FL_CHECK_EQ_INT(fl_secagg_client_new(&p, 3, pki.key[3], pki.ver,
			pki.site[3].cert_pem, pki.site[3].cert_len, &r.trust, &c3,
			NULL), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_advertise(c3, &r.adv[3]), 0);
		m3->pkhash[0] ^= 1;
		fl_secagg_client_free(c3);
		fl_secagg_keylist_clear(&r.kl);
		r.kl.hdr = r.adv[1].hdr;
		r.kl.adverts = calloc(5, sizeof(*r.kl.adverts));
		for (uint32_t i = 1; i <= 5 && r.kl.adverts; i++)
			if (fl_secagg_advert_copy(&r.kl.adverts[r.kl.count],
						  &r.adv[i]) == 0)
				r.kl.count++;
		FL_CHECK_EQ_INT(r.kl.count, 5);
	}
	adv_share(&r);
	for (uint32_t i = 1; i <= 5; i++) {
		if (i == 3)
			continue;
		FL_CHECK_EQ_INT(fl_secagg_client_peer_status(r.c[i], 3), FL_E_MEMBER);
		FL_CHECK_EQ_INT(fl_secagg_client_refused(r.c[i]), 1);
		for (uint32_t j = 0; j < r.sent[i].count; j++)
			FL_CHECK(r.sent[i].items[j].recipient != 3);
	}
	adv_round_free(&r);
	memcpy(m3->pkhash, keep, sizeof(keep));
	pki.tr.members.version = 1;
}

/* Builds the request of a SecAgg+ round (n = 10, k = 4) where every site
 * survives and signs; csig order: client 1's paired peers last. */
static void signed_round(adv_round *r, fl_secagg_unmask_req *req,
			 fl_secagg_csig *cs)
{
	fl_secagg_params p = adv_params(10, 4, 4);
	bool all[ADV_MAX + 1];

	adv_round_new(r, &pki, &p, 2, 0);
	adv_advertise(r);
	adv_share(r);
	adv_route_and_upload(r, 0, NULL);
	for (uint32_t i = 1; i <= 10; i++)
		all[i] = true;
	adv_req(r, all, req);
	for (uint32_t i = 1; i <= 10; i++)
		FL_CHECK_EQ_INT(fl_secagg_client_consistency(r->c[i], req, &cs[i]), 0);
}

static bool is_peer(adv_round *r, uint32_t u, uint32_t v)
{
	return fl_secagg_client_peer(r->c[u], v) != NULL;
}

/* Phase 5 with n = 10, c = 0 (quorum 6): client 1 checks all 4 paired
 * peers' signatures wherever they come; the others only until 6 valid
 * ones are proven. */
static void test_quorum_stop(void)
{
	fl_secagg_csig cs[ADV_MAX + 1], bad;
	fl_secagg_unmask_req req, q;
	fl_secagg_unmask_resp resp;
	uint32_t far[10], nfar = 0, near[4], nnear = 0;
	adv_round r;

	memset(&resp, 0, sizeof(resp));
	signed_round(&r, &req, cs);
	FL_CHECK_EQ_INT(r.c[1]->quorum, 6);
	for (uint32_t v = 2; v <= 10; v++) {
		if (is_peer(&r, 1, v))
			near[nnear++] = v;
		else
			far[nfar++] = v;
	}
	FL_CHECK_EQ_INT(nnear, 4);
	FL_CHECK_EQ_INT(nfar, 5);
	/* a bad non-neighbour signature before the quorum: refused */
	q = req;
	q.csigs = NULL;
	q.ncsigs = 0;
	bad = cs[far[0]];
	bad.sig[bad.sig_len / 2] ^= 1;
	adv_req_add_csig(&q, &bad);
	adv_req_add_csig(&q, &cs[1]);
	for (uint32_t i = 1; i < nfar; i++)
		adv_req_add_csig(&q, &cs[far[i]]);
	for (uint32_t i = 0; i < nnear; i++)
		adv_req_add_csig(&q, &cs[near[i]]);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &q, &resp), FL_E_VERIFY);
	FL_CHECK(strstr(fl_secagg_client_why(r.c[1]), "does not verify") != NULL);
	free(q.csigs);
	/* a bad paired peer's signature, last, after the quorum: refused */
	q.csigs = NULL;
	q.ncsigs = 0;
	adv_req_add_csig(&q, &cs[1]);
	for (uint32_t i = 0; i < nfar; i++)
		adv_req_add_csig(&q, &cs[far[i]]);
	for (uint32_t i = 0; i + 1 < nnear; i++)
		adv_req_add_csig(&q, &cs[near[i]]);
	bad = cs[near[nnear - 1]];
	bad.sig[bad.sig_len / 2] ^= 1;
	adv_req_add_csig(&q, &bad);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &q, &resp), FL_E_VERIFY);
	free(q.csigs);
	/* the same id twice: refused, even where no signature is checked */
	q.csigs = NULL;
	q.ncsigs = 0;
	adv_req_add_csig(&q, &cs[1]);
	for (uint32_t i = 0; i < nnear; i++)
		adv_req_add_csig(&q, &cs[near[i]]);
	for (uint32_t i = 0; i < nfar; i++)
		adv_req_add_csig(&q, &cs[far[i]]);
	adv_req_add_csig(&q, &cs[far[nfar - 1]]);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &q, &resp), FL_E_VERIFY);
	free(q.csigs);
	/* 1 + 4 paired + 1 other = 6 valid, then a bad one nobody needs:
	 * as if the coordinator had left it out, the answer is the same */
	q.csigs = NULL;
	q.ncsigs = 0;
	adv_req_add_csig(&q, &cs[1]);
	adv_req_add_csig(&q, &cs[far[0]]);
	bad = cs[far[1]];
	bad.sig[bad.sig_len / 2] ^= 1;
	for (uint32_t i = 0; i < nnear; i++)
		adv_req_add_csig(&q, &cs[near[i]]);
	adv_req_add_csig(&q, &bad);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[1], &q, &resp), 0);
	/* b shares of the 4 paired peers (all signed) and our own */
	FL_CHECK_EQ_INT(resp.count, 5);
	for (uint32_t j = 0; j < resp.count; j++)
		FL_CHECK_EQ_INT(resp.entries[j].kind, FL_SECAGG_SHARE_B);
	fl_secagg_unmask_resp_clear(&resp);
	free(q.csigs);
	/* 5 valid in all: below the quorum, refused */
	q.csigs = NULL;
	q.ncsigs = 0;
	adv_req_add_csig(&q, &cs[1]);
	for (uint32_t i = 0; i < nnear; i++)
		adv_req_add_csig(&q, &cs[near[i]]);
	FL_CHECK_EQ_INT(fl_secagg_client_unmask(r.c[2], &q, &resp), FL_E_SURVIVORS);
	free(q.csigs);
	fl_secagg_unmask_req_clear(&req);
	adv_round_free(&r);
}

int main(void)
{
	if (sodium_init() < 0 || adv_pki_init(&pki) != 0) {
		fprintf(stderr, "test_cert_cache: setup failed\n");
		return 1;
	}
	test_facts();
	test_other_certificate();
	test_revoked();
	test_many();
	test_member_list_change();
	test_quorum_stop();
	adv_pki_free(&pki);
	return FL_TEST_DONE();
}
