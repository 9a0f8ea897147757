/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_msg: the plain C messages of the secure-aggregation protocol. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg_msg.h"
#include "fl_wipe.h"

#define ADVERT_TAG "fedc-secagg-advert-v2"
#define SURV_TAG "fedc-secagg-survivors-v2"
#define KEYLIST_TAG "fedc-secagg-keylist-v1"

void fl_secagg_advert_clear(fl_secagg_advert *m)
{
	if (!m)
		return;
	free(m->cert_pem);
	memset(m, 0, sizeof(*m));
}

void fl_secagg_keylist_clear(fl_secagg_keylist *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; m->adverts && i < m->count; i++)
		fl_secagg_advert_clear(&m->adverts[i]);
	free(m->adverts);
	memset(m, 0, sizeof(*m));
}

void fl_secagg_shares_clear(fl_secagg_shares *m)
{
	if (!m)
		return;
	free(m->items);
	memset(m, 0, sizeof(*m));
}

void fl_secagg_unmask_req_clear(fl_secagg_unmask_req *m)
{
	if (!m)
		return;
	free(m->survivors);
	free(m->dropped);
	free(m->csigs);
	memset(m, 0, sizeof(*m));
}

void fl_secagg_unmask_resp_clear(fl_secagg_unmask_resp *m)
{
	if (!m)
		return;
	fl_wipe_free(m->entries, (size_t)m->count * sizeof(*m->entries));
	memset(m, 0, sizeof(*m));
}

int fl_secagg_advert_copy(fl_secagg_advert *dst, const fl_secagg_advert *src)
{
	char *pem = NULL;

	if (src->cert_len) {
		if (!src->cert_pem || !(pem = malloc(src->cert_len + 1)))
			return FL_E_NOMEM;
		memcpy(pem, src->cert_pem, src->cert_len);
		pem[src->cert_len] = '\0';
	}
	*dst = *src;
	dst->cert_pem = pem;
	return 0;
}

static void *dup_mem(const void *p, size_t n)
{
	void *q;

	if (n == 0 || !p)
		return NULL;
	if ((q = malloc(n)) != NULL)
		memcpy(q, p, n);
	return q;
}

int fl_secagg_unmask_req_copy(fl_secagg_unmask_req *dst,
			      const fl_secagg_unmask_req *src)
{
	fl_secagg_unmask_req t = *src;

	t.survivors = dup_mem(src->survivors, src->nsurvivors * sizeof(uint32_t));
	t.dropped = dup_mem(src->dropped, src->ndropped * sizeof(uint32_t));
	t.csigs = dup_mem(src->csigs, src->ncsigs * sizeof(fl_secagg_csig));
	if ((src->nsurvivors && !t.survivors) || (src->ndropped && !t.dropped) ||
	    (src->ncsigs && !t.csigs)) {
		fl_secagg_unmask_req_clear(&t);
		return FL_E_NOMEM;
	}
	*dst = t;
	return 0;
}

static uint8_t *put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + n;
}

static uint8_t *put_hdr(uint8_t *p, const fl_secagg_hdr *h)
{
	p = put_le(p, h->job_id, 8);
	p = put_le(p, h->round, 4);
	return put_le(p, h->attempt, 4);
}

_Static_assert(sizeof(ADVERT_TAG) - 1 == 21, "advert tag length");

void fl_secagg_advert_msg(const fl_secagg_advert *a,
			  const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
			  uint8_t out[static FL_SECAGG_ADVERT_MSG_BYTES])
{
	uint8_t *p = out;

	memcpy(p, ADVERT_TAG, sizeof(ADVERT_TAG) - 1);
	p += sizeof(ADVERT_TAG) - 1;
	memcpy(p, ctx, FL_SECAGG_DIGEST_BYTES);
	p = put_hdr(p + FL_SECAGG_DIGEST_BYTES, &a->hdr);
	p = put_le(p, a->client, 4);
	memcpy(p, a->c_pk, FL_KX_PUBLIC_BYTES);
	memcpy(p + FL_KX_PUBLIC_BYTES, a->s_pk, FL_KX_PUBLIC_BYTES);
}

int fl_secagg_keylist_digest(const fl_secagg_keylist *kl,
			     const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
			     uint8_t out[static FL_SECAGG_DIGEST_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t b[8], ch[crypto_hash_sha256_BYTES];

	if (!kl || (kl->count && !kl->adverts))
		return FL_E_INVAL;
	for (uint32_t i = 1; i < kl->count; i++)
		if (kl->adverts[i].client <= kl->adverts[i - 1].client)
			return FL_E_INVAL;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)KEYLIST_TAG,
				  sizeof(KEYLIST_TAG) - 1);
	crypto_hash_sha256_update(&st, ctx, FL_SECAGG_DIGEST_BYTES);
	put_le(b, kl->count, 4);
	crypto_hash_sha256_update(&st, b, 4);
	for (uint32_t i = 0; i < kl->count; i++) {
		const fl_secagg_advert *a = &kl->adverts[i];

		if (a->sig_len > FL_SIG_MAX_BYTES)
			return FL_E_INVAL;
		put_le(b, a->client, 4);
		crypto_hash_sha256_update(&st, b, 4);
		crypto_hash_sha256_update(&st, a->c_pk, FL_KX_PUBLIC_BYTES);
		crypto_hash_sha256_update(&st, a->s_pk, FL_KX_PUBLIC_BYTES);
		put_le(b, a->sig_len, 4);
		crypto_hash_sha256_update(&st, b, 4);
		crypto_hash_sha256_update(&st, a->sig, a->sig_len);
		crypto_hash_sha256(ch, (const uint8_t *)(a->cert_pem ? a->cert_pem : ""),
				   a->cert_pem ? a->cert_len : 0);
		crypto_hash_sha256_update(&st, ch, sizeof(ch));
	}
	crypto_hash_sha256_final(&st, out);
	return 0;
}

uint8_t *fl_secagg_survivors_msg(const fl_secagg_unmask_req *r,
				 const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
				 const uint8_t kl[static FL_SECAGG_DIGEST_BYTES],
				 size_t *len)
{
	size_t n = sizeof(SURV_TAG) - 1 + 2 * FL_SECAGG_DIGEST_BYTES + 16 + 8 +
		4 * ((size_t)r->nsurvivors + r->ndropped);
	uint8_t *buf = malloc(n), *p;

	if (!buf)
		return NULL;
	memcpy(buf, SURV_TAG, sizeof(SURV_TAG) - 1);
	p = buf + sizeof(SURV_TAG) - 1;
	memcpy(p, ctx, FL_SECAGG_DIGEST_BYTES);
	memcpy(p + FL_SECAGG_DIGEST_BYTES, kl, FL_SECAGG_DIGEST_BYTES);
	p = put_hdr(p + 2 * FL_SECAGG_DIGEST_BYTES, &r->hdr);
	p = put_le(p, r->nsurvivors, 4);
	for (uint32_t i = 0; i < r->nsurvivors; i++)
		p = put_le(p, r->survivors[i], 4);
	p = put_le(p, r->ndropped, 4);
	for (uint32_t i = 0; i < r->ndropped; i++)
		p = put_le(p, r->dropped[i], 4);
	*len = n;
	return buf;
}


int fl_secagg_lists_mark(const fl_secagg_unmask_req *req, uint32_t n, uint8_t *mark)
{
	if ((req->nsurvivors && !req->survivors) || (req->ndropped && !req->dropped) ||
	    req->nsurvivors > n || req->ndropped > n)
		return FL_E_DENIED;
	for (uint32_t i = 0; i < req->nsurvivors; i++) {
		uint32_t id = req->survivors[i];

		if (id < 1 || id > n || mark[id])
			return FL_E_DENIED;
		mark[id] = FL_SECAGG_SHARE_B;
	}
	for (uint32_t i = 0; i < req->ndropped; i++) {
		uint32_t id = req->dropped[i];

		if (id < 1 || id > n || mark[id])
			return FL_E_DENIED;
		mark[id] = FL_SECAGG_SHARE_SK;
	}
	return 0;
}
