/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: secure-aggregation server and client message handlers fed
 * with structs built from fuzz bytes, interleaved with honest steps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_secagg.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

#define FN 4
#define FM 8

static fl_test_ca ca;
static fl_test_site site[FN + 1];
static fl_sign_key *key[FN + 1];
static fl_verifier *ver;
static fl_test_trust tr;
static int ready;

typedef struct rd { const uint8_t *p; size_t n; } rd;

static uint32_t u8(rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static void bytes(rd *r, void *out, size_t n)
{
	size_t k = n < r->n ? n : r->n;

	memset(out, 0, n);
	memcpy(out, r->p, k);
	r->p += k;
	r->n -= k;
}

static int init(void)
{
	if (sodium_init() < 0 || fl_test_ca_new("fuzz CA", &ca) != 0 ||
	    fl_verifier_new(ca.pem, ca.pem_len, NULL, 0, &ver) != 0)
		return -1;
	for (uint32_t i = 1; i <= FN; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "fuzz-%u", i);
		if (fl_test_site_new(&ca, cn, 10 + i, 0, &site[i]) != 0 ||
		    fl_sign_key_load_pem(site[i].key_pem, site[i].key_len, &key[i]) != 0)
			return -1;
	}
	return fl_test_trust_init(&tr, &site[1], FN, 2, 0);
}

typedef struct fz {
	fl_secagg_params p;
	fl_secagg_server *s;
	fl_secagg_client *c[FN + 1];
	fl_secagg_unmask_req req;
} fz;

static void hdr(rd *r, fl_secagg_hdr *h, const fl_secagg_params *p)
{
	uint32_t f = u8(r);

	h->job_id = p->job_id + (f & 1);
	h->round = p->round + ((f >> 1) & 1);
	h->attempt = p->attempt + ((f >> 2) & 1);
}

static void op_advert(fz *z, rd *r)
{
	fl_secagg_advert a;
	char pem[64];

	memset(&a, 0, sizeof(a));
	hdr(r, &a.hdr, &z->p);
	a.client = u8(r) % (FN + 2);
	bytes(r, a.c_pk, sizeof(a.c_pk));
	a.sig_len = u8(r);
	bytes(r, pem, sizeof(pem));
	a.cert_pem = pem;
	a.cert_len = u8(r) % sizeof(pem);
	fl_secagg_server_add_advert(z->s, &a);
}

static void op_honest_keys(fz *z)
{
	fl_secagg_keylist kl = { 0 };

	for (uint32_t i = 1; i <= FN; i++) {
		fl_secagg_advert a = { 0 };

		if (fl_secagg_client_advertise(z->c[i], &a) == 0)
			fl_secagg_server_add_advert(z->s, &a);
		fl_secagg_advert_clear(&a);
	}
	if (fl_secagg_server_keylist(z->s, &kl) != 0)
		return;
	for (uint32_t i = 1; i <= FN; i++) {
		fl_secagg_shares sh = { 0 };

		if (fl_secagg_client_share(z->c[i], &kl, &sh) == 0)
			fl_secagg_server_add_shares(z->s, &sh);
		fl_secagg_shares_clear(&sh);
	}
	fl_secagg_keylist_clear(&kl);
}

static void op_shares(fz *z, rd *r, int to_client)
{
	fl_secagg_enc_share items[FN + 1];
	fl_secagg_shares sh;

	memset(&sh, 0, sizeof(sh));
	hdr(r, &sh.hdr, &z->p);
	sh.client = u8(r) % (FN + 2);
	sh.count = u8(r) % (FN + 2);
	sh.items = items;
	for (uint32_t i = 0; i < FN + 1; i++) {
		items[i].sender = u8(r) % (FN + 2);
		items[i].recipient = u8(r) % (FN + 2);
		bytes(r, items[i].ct, 8);
	}
	if (to_client && sh.client >= 1 && sh.client <= FN)
		fl_secagg_client_recv_shares(z->c[sh.client], &sh);
	else
		fl_secagg_server_add_shares(z->s, &sh);
}

static void op_honest_input(fz *z)
{
	uint32_t x[FM] = { 1, 2, 3, 4, 5, 6, 7, 8 }, y[FM];

	fl_secagg_server_close_shares(z->s);
	for (uint32_t i = 1; i <= FN; i++) {
		fl_secagg_shares in = { 0 };

		if (fl_secagg_server_shares_for(z->s, i, &in) == 0 &&
		    fl_secagg_client_recv_shares(z->c[i], &in) == 0 &&
		    fl_secagg_client_mask_chunk(z->c[i], 0, x, y, FM) == 0)
			fl_secagg_server_add_chunk(z->s, i, 0, y, FM);
		fl_secagg_shares_clear(&in);
	}
}

static void op_chunk(fz *z, rd *r)
{
	uint32_t w[FM];
	uint32_t client = u8(r) % (FN + 2), off = u8(r) % (FM + 2), cnt = u8(r) % (FM + 1);

	bytes(r, w, sizeof(w));
	fl_secagg_server_add_chunk(z->s, client, off, w, cnt);
}

static void op_close_input(fz *z, rd *r)
{
	fl_secagg_unmask_req q;
	fl_secagg_unmask_resp rs = { 0 };
	uint32_t surv[FN + 1], drop[FN + 1];
	uint32_t who = 1 + u8(r) % FN;

	fl_secagg_unmask_req_clear(&z->req);
	fl_secagg_server_close_input(z->s, &z->req);
	/* a fuzzed request to one client */
	memset(&q, 0, sizeof(q));
	hdr(r, &q.hdr, &z->p);
	q.nsurvivors = u8(r) % (FN + 2);
	q.ndropped = u8(r) % (FN + 2);
	for (uint32_t i = 0; i < FN + 1; i++) {
		surv[i] = u8(r) % (FN + 2);
		drop[i] = u8(r) % (FN + 2);
	}
	q.survivors = surv;
	q.dropped = drop;
	if (fl_secagg_client_unmask(z->c[who], &q, &rs) == 0)
		fl_secagg_server_add_unmask(z->s, &rs);
	fl_secagg_unmask_resp_clear(&rs);
}

/* Phase 4: honest signatures of the current request (then the request
 * with signatures replaces it), or a fuzzed signature and request. */
static void op_consistency(fz *z, rd *r, int honest)
{
	fl_secagg_csig cs;
	fl_secagg_unmask_req q;
	uint32_t surv[FN + 1], drop[FN + 1];

	if (honest) {
		fl_secagg_unmask_req signed_req = { 0 };

		for (uint32_t i = 1; i <= FN; i++)
			if (fl_secagg_client_consistency(z->c[i], &z->req, &cs) == 0)
				fl_secagg_server_add_consistency(z->s, &cs);
		if (fl_secagg_server_close_consistency(z->s, &signed_req) == 0) {
			fl_secagg_unmask_req_clear(&z->req);
			z->req = signed_req;
		}
		return;
	}
	memset(&cs, 0, sizeof(cs));
	hdr(r, &cs.hdr, &z->p);
	cs.client = u8(r) % (FN + 2);
	cs.sig_len = u8(r) % (FL_SIG_MAX_BYTES + 2);
	bytes(r, cs.sig, sizeof(cs.sig));
	fl_secagg_server_add_consistency(z->s, &cs);
	memset(&q, 0, sizeof(q));
	hdr(r, &q.hdr, &z->p);
	q.nsurvivors = u8(r) % (FN + 2);
	q.ndropped = u8(r) % (FN + 2);
	for (uint32_t i = 0; i < FN + 1; i++) {
		surv[i] = u8(r) % (FN + 2);
		drop[i] = u8(r) % (FN + 2);
	}
	q.survivors = surv;
	q.dropped = drop;
	q.ncsigs = u8(r) % 2;
	q.csigs = &cs;
	fl_secagg_client_consistency(z->c[1 + u8(r) % FN], &q, &cs);
}

static void op_unmask(fz *z, rd *r, int honest)
{
	fl_secagg_unmask_entry e[FN + 1];
	fl_secagg_unmask_resp rs;

	if (honest) {
		for (uint32_t i = 1; i <= FN; i++) {
			fl_secagg_unmask_resp h = { 0 };

			if (fl_secagg_client_unmask(z->c[i], &z->req, &h) == 0)
				fl_secagg_server_add_unmask(z->s, &h);
			fl_secagg_unmask_resp_clear(&h);
		}
		return;
	}
	memset(&rs, 0, sizeof(rs));
	hdr(r, &rs.hdr, &z->p);
	rs.client = u8(r) % (FN + 2);
	rs.count = u8(r) % (FN + 2);
	rs.entries = e;
	for (uint32_t i = 0; i < FN + 1; i++) {
		e[i].owner = u8(r) % (FN + 2);
		e[i].kind = u8(r) % 4;
		bytes(r, e[i].y, sizeof(e[i].y));
	}
	fl_secagg_server_add_unmask(z->s, &rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rd r = { data, size };
	uint32_t out[FM];
	fz z;

	if (!ready) {
		if (init() != 0)
			abort();
		ready = 1;
	}
	memset(&z, 0, sizeof(z));
	z.p.job_id = 5;
	z.p.round = 1;
	z.p.attempt = 1;
	z.p.n = FN;
	z.p.k = FN - 1;
	z.p.t = 3;
	z.p.m = FM;
	z.p.consistency = true;
	if (fl_secagg_server_new(&z.p, &z.s) != 0)
		abort();
	for (uint32_t i = 1; i <= FN; i++)
		if (fl_secagg_client_new(&z.p, i, key[i], ver, site[i].cert_pem,
					 site[i].cert_len, &tr.trust, &z.c[i], NULL) != 0)
			abort();
	while (r.n > 0) {
		switch (u8(&r) % 12) {
		case 0: op_advert(&z, &r); break;
		case 1: op_honest_keys(&z); break;
		case 2: op_shares(&z, &r, 0); break;
		case 3: op_shares(&z, &r, 1); break;
		case 4: op_honest_input(&z); break;
		case 5: op_chunk(&z, &r); break;
		case 6: op_close_input(&z, &r); break;
		case 7: op_unmask(&z, &r, 0); break;
		case 8: op_unmask(&z, &r, 1); break;
		case 9: op_consistency(&z, &r, 0); break;
		case 10: op_consistency(&z, &r, 1); break;
		default: fl_secagg_server_finish(z.s, out); break;
		}
	}
	fl_secagg_unmask_req_clear(&z.req);
	for (uint32_t i = 1; i <= FN; i++)
		fl_secagg_client_free(z.c[i]);
	fl_secagg_server_free(z.s);
	return 0;
}
