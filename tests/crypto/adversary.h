/* SPDX-License-Identifier: Apache-2.0 */
/* adversary: a malicious coordinator that drives real secure-aggregation
 * client state machines (SECAGG.md "Threat model") and then tries to
 * compute one site's input from everything it received. Test code only. */
#ifndef ADVERSARY_H
#define ADVERSARY_H

#include <stdbool.h>
#include <stdint.h>
#include "fl_secagg.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

#define ADV_MAX 16
#define ADV_M 32

/* The consortium: ADV_MAX sites "site-1".. (each its own organisation),
 * plus certificates the coordinator may abuse. */
typedef struct adv_pki {
	fl_test_ca ca;
	fl_test_site site[ADV_MAX + 1];
	fl_sign_key *key[ADV_MAX + 1];
	fl_verifier *ver;
	fl_test_trust tr;                /* member list of the ADV_MAX sites */
	fl_test_site coord, admin;       /* roles coordinator and admin */
	fl_test_site minted;             /* CN site-7 (a member), another key */
	fl_sign_key *coord_key, *admin_key, *minted_key;
} adv_pki;

int adv_pki_init(adv_pki *k);
void adv_pki_free(adv_pki *k);

/* One attempt: clients 1..n (honest, real state machines); colluders'
 * secrets go to the coordinator. */
typedef struct adv_round {
	fl_secagg_params p;
	fl_secagg_trust trust;
	fl_secagg_client *c[ADV_MAX + 1];
	fl_secagg_advert adv[ADV_MAX + 1];
	fl_secagg_keylist kl;
	fl_secagg_shares sent[ADV_MAX + 1];
	int rc_new[ADV_MAX + 1], rc_share[ADV_MAX + 1], rc_recv[ADV_MAX + 1];
	uint32_t x[ADV_MAX + 1][ADV_M], y[ADV_MAX + 1][ADV_M];
	bool uploaded[ADV_MAX + 1];
	bool colluder[ADV_MAX + 1];
	uint8_t coll_s_sk[ADV_MAX + 1][32];  /* colluders' mask keys */
	fl_secagg_unmask_resp resp[ADV_MAX + 1];  /* what honest sites revealed */
} adv_round;

/* Params for n sites, k neighbours, threshold t; a random context digest
 * and seed. */
fl_secagg_params adv_params(uint32_t n, uint32_t k, uint32_t t);
/* Makes the n clients (policy T, c) with the context naming sites 1..n;
 * rc_new[i] keeps each result. */
void adv_round_new(adv_round *r, const adv_pki *k, const fl_secagg_params *p,
		   uint32_t T, uint32_t c);
void adv_round_free(adv_round *r);
/* Phase 1 for every client that exists; the key list sorted by id. */
void adv_advertise(adv_round *r);
/* Phase 2: every client shares against r->kl (rc_share). */
void adv_share(adv_round *r);
/* Routes the shares; to client `target` only those from senders with
 * allow[sender] set (NULL: all). Then every client that shared masks and
 * "uploads" its input x (rc_recv). */
void adv_route_and_upload(adv_round *r, uint32_t target, const bool *allow);
/* A request naming survivors S (ids with in_s[id]) and as dropped every
 * other id; no signatures. */
void adv_req(const adv_round *r, const bool *in_s, fl_secagg_unmask_req *out);
/* Adds a colluder's forged-free signature: signs req's list with the
 * colluder's own key (a colluder signs anything). */
int adv_colluder_sign(adv_round *r, const adv_pki *k, uint32_t id,
		      fl_secagg_unmask_req *req);
/* Appends cs to req's signatures. */
int adv_req_add_csig(fl_secagg_unmask_req *req, const fl_secagg_csig *cs);
/* Tries with everything the coordinator holds (honest responses in
 * r->resp, colluders' shares and keys) to compute client u's input;
 * returns true if the result equals r->x[u]. */
bool adv_compute(const adv_round *r, uint32_t u);

#endif
