/* SPDX-License-Identifier: Apache-2.0 */
/* codec_secagg_fix: the filled secure-aggregation messages and the decoder
 * wrappers that test_codec_secagg and test_codec_secagg_refuse share. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "codec_secagg_fix.h"

/* ---- decoder wrappers: decode, clear, return the code ---- */
#define DEC(name, type, clear) \
	int dec_##name(const uint8_t *b, size_t n) \
	{ \
		type o; \
		int r; \
		memset(&o, 0, sizeof(o)); \
		r = fl_codec_decode_##name(b, n, &o); \
		if (r == 0) \
			clear; \
		return r; \
	}
DEC(sa_hdr, fl_secagg_hdr, (void)o)
DEC(sa_advert, fl_secagg_advert, fl_secagg_advert_clear(&o))
DEC(sa_keylist, fl_secagg_keylist, fl_secagg_keylist_clear(&o))
DEC(sa_shares, fl_secagg_shares, fl_secagg_shares_clear(&o))
DEC(sa_csig, fl_secagg_csig, (void)o)
DEC(sa_unmask_req, fl_secagg_unmask_req, fl_secagg_unmask_req_clear(&o))
DEC(sa_unmask_resp, fl_secagg_unmask_resp, fl_secagg_unmask_resp_clear(&o))
DEC(sa_ack, int, (void)o)
DEC(task, fl_msg_task, fl_msg_task_clear(&o))

/* ---- filled examples ---- */
const fl_secagg_hdr HDR = { 0x0102030405060708ULL, 17, 3 };

bool hdr_eq(const fl_secagg_hdr *a, const fl_secagg_hdr *b)
{
	return a->job_id == b->job_id && a->round == b->round &&
	       a->attempt == b->attempt;
}

static void fill_bytes(uint8_t *p, size_t n, uint32_t salt)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + salt * 7u + 1u) ^ (salt >> 3));
}

/* A PEM-looking certificate of pem_len characters (malloc'd, not
 * NUL-terminated, as fl_secagg_client makes them). */
static char *fake_pem(size_t pem_len, uint32_t salt)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	char *p = malloc(pem_len);
	size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;

	if (!p || pem_len < hl + tl + 1)
		abort();
	memcpy(p, head, hl);
	for (size_t i = hl; i < pem_len - tl; i++)
		p[i] = (i - hl) % 65 == 64 ? '\n' : b64[(i * 7 + salt) % 64];
	memcpy(p + pem_len - tl, tail, tl);
	return p;
}

void fill_advert(fl_secagg_advert *a, uint32_t client, size_t pem)
{
	memset(a, 0, sizeof(*a));
	a->hdr = HDR;
	a->client = client;
	fill_bytes(a->c_pk, sizeof(a->c_pk), client);
	fill_bytes(a->s_pk, sizeof(a->s_pk), client + 1000);
	a->sig_len = 70 + client % 3;   /* DER ECDSA P-256 sizes */
	fill_bytes(a->sig, a->sig_len, client + 2000);
	a->cert_pem = fake_pem(pem, client);
	a->cert_len = pem;
}

bool advert_eq(const fl_secagg_advert *a, const fl_secagg_advert *b)
{
	return hdr_eq(&a->hdr, &b->hdr) && a->client == b->client &&
	       !memcmp(a->c_pk, b->c_pk, sizeof(a->c_pk)) &&
	       !memcmp(a->s_pk, b->s_pk, sizeof(a->s_pk)) &&
	       a->sig_len == b->sig_len &&
	       !memcmp(a->sig, b->sig, a->sig_len) &&
	       a->cert_len == b->cert_len && b->cert_pem &&
	       !memcmp(a->cert_pem, b->cert_pem, a->cert_len) &&
	       b->cert_pem[b->cert_len] == '\0';
}

void make_keylist(fl_secagg_keylist *k, uint32_t n, size_t pem)
{
	k->hdr = HDR;
	k->count = n;
	k->adverts = calloc(n, sizeof(*k->adverts));
	for (uint32_t i = 0; i < n; i++)
		fill_advert(&k->adverts[i], i + 1, pem);
}

void make_shares(fl_secagg_shares *s, uint32_t n)
{
	s->hdr = HDR;
	s->client = 42;
	s->count = n;
	s->items = calloc(n, sizeof(*s->items));
	for (uint32_t i = 0; i < n; i++) {
		s->items[i].sender = 42;
		s->items[i].recipient = i + 1 + (i >= 41);
		fill_bytes(s->items[i].ct, sizeof(s->items[i].ct), i);
	}
}

void make_unmask_req(fl_secagg_unmask_req *q, uint32_t nsurv,
		     uint32_t ndrop, uint32_t ncsigs)
{
	memset(q, 0, sizeof(*q));
	q->hdr = HDR;
	q->nsurvivors = nsurv;
	q->survivors = calloc(nsurv ? nsurv : 1, sizeof(uint32_t));
	q->ndropped = ndrop;
	q->dropped = calloc(ndrop ? ndrop : 1, sizeof(uint32_t));
	q->ncsigs = ncsigs;
	q->csigs = calloc(ncsigs ? ncsigs : 1, sizeof(*q->csigs));
	for (uint32_t i = 0; i < nsurv; i++)
		q->survivors[i] = 2 * i + 1;
	for (uint32_t i = 0; i < ndrop; i++)
		q->dropped[i] = 2 * i + 2;
	for (uint32_t i = 0; i < ncsigs; i++) {
		q->csigs[i].hdr = HDR;
		q->csigs[i].client = 2 * i + 1;
		q->csigs[i].sig_len = i % 2 ? FL_SIG_MAX_BYTES : 71;
		fill_bytes(q->csigs[i].sig, q->csigs[i].sig_len, i);
	}
}

void make_unmask_resp(fl_secagg_unmask_resp *u, uint32_t n)
{
	u->hdr = HDR;
	u->client = 5;
	u->count = n;
	u->entries = calloc(n, sizeof(*u->entries));
	for (uint32_t i = 0; i < n; i++) {
		u->entries[i].owner = i + 1;
		u->entries[i].kind = i % 10 ? FL_SECAGG_SHARE_B : FL_SECAGG_SHARE_SK;
		fill_bytes(u->entries[i].y, sizeof(u->entries[i].y), i + 77);
	}
}

fl_msg_sa_params good_params(void)
{
	fl_msg_sa_params p;

	memset(&p, 0, sizeof(p));
	p.client_id = 3;
	p.n = 10;
	p.k = 8;
	p.t = 5;
	p.words = 123457;
	fill_bytes(p.round_seed, sizeof(p.round_seed), 99);
	p.consistency = true;
	p.clip = 4.5;
	p.bits = 20;
	p.nreal = 5000;
	p.weight_scale = 58000.0;
	return p;
}
