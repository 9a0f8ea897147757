/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_secagg: encode/decode the secure-aggregation messages
 * (secagg.proto <-> crypto/fl_secagg_msg.h). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_codec_int.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"

/* Unpacks the decoder's (buf, len) as desc, setting r. */
#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))
#define SA_MAX FL_CODEC_SA_MAX_CLIENTS

/* ---- shared pieces ---- */

static void hdr_out(const fl_secagg_hdr *h, Fedc__V1__SaHeader *m)
{
	m->job_id = h->job_id;
	m->round = h->round;
	m->attempt = h->attempt;
}

/* A missing header reads as all zeros (proto3 defaults). */
static void hdr_in(const Fedc__V1__SaHeader *m, fl_secagg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (!m)
		return;
	h->job_id = m->job_id;
	h->round = m->round;
	h->attempt = m->attempt;
}

static ProtobufCBinaryData bin(const uint8_t *p, size_t n)
{
	ProtobufCBinaryData b;

	b.len = n;
	b.data = (uint8_t *)p;
	return b;
}

/* Copies an exactly-n-bytes field; FL_E_RANGE for any other length. */
static int fixed_in(const ProtobufCBinaryData *b, uint8_t *dst, size_t n)
{
	if (b->len != n)
		return FL_E_RANGE;
	memcpy(dst, b->data, n);
	return 0;
}

/* Copies a signature of at most FL_SIG_MAX_BYTES; FL_E_RANGE if longer. */
static int sig_in(const ProtobufCBinaryData *b, uint8_t *dst, uint32_t *n)
{
	if (b->len > FL_SIG_MAX_BYTES)
		return FL_E_RANGE;
	if (b->len)
		memcpy(dst, b->data, b->len);
	*n = (uint32_t)b->len;
	return 0;
}

/* Refuses a list longer than SA_MAX or a non-empty list without entries. */
static int list_ok(const void *p, size_t n)
{
	if (n > SA_MAX)
		return FL_E_TOOBIG;
	return n && !p ? FL_E_INVAL : 0;
}

/* ---- SaHeader ---- */

int fl_codec_encode_sa_hdr(const fl_secagg_hdr *in, uint8_t **buf,
			   size_t *len)
{
	Fedc__V1__SaHeader m = FEDC__V1__SA_HEADER__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	hdr_out(in, &m);
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_sa_hdr(const uint8_t *buf, size_t len, fl_secagg_hdr *out)
{
	Fedc__V1__SaHeader *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__sa_header__descriptor)) == NULL)
		return r;
	hdr_in(m, out);
	fl_codec_free(&m->base);
	return 0;
}

/* ---- SaAdvert ---- */

/* The PEM length to send: a single trailing NUL (a C string's terminator
 * counted in cert_len) is dropped; a NUL inside is FL_E_INVAL. */
static int advert_pem_len(const fl_secagg_advert *a, size_t *n)
{
	size_t l = a->cert_len;

	if (l && !a->cert_pem)
		return FL_E_INVAL;
	if (l && a->cert_pem[l - 1] == '\0')
		l--;
	if (l > FL_CODEC_SA_MAX_CERT)
		return FL_E_TOOBIG;
	if (l && memchr(a->cert_pem, '\0', l) != NULL)
		return FL_E_INVAL;
	*n = l;
	return 0;
}

/* Fills m from a; pem (pem_len + 1 bytes) receives the NUL-terminated
 * certificate that protobuf-c wants. m points into a, h and pem. */
static int advert_out(const fl_secagg_advert *a, Fedc__V1__SaAdvert *m,
		      Fedc__V1__SaHeader *h, char *pem, size_t pem_len)
{
	if (a->sig_len > FL_SIG_MAX_BYTES)
		return FL_E_RANGE;
	if (pem_len)
		memcpy(pem, a->cert_pem, pem_len);
	pem[pem_len] = '\0';
	hdr_out(&a->hdr, h);
	m->hdr = h;
	m->client = a->client;
	m->c_pk = bin(a->c_pk, FL_KX_PUBLIC_BYTES);
	m->s_pk = bin(a->s_pk, FL_KX_PUBLIC_BYTES);
	m->sig = bin(a->sig, a->sig_len);
	m->cert_pem = pem;
	return 0;
}

/* Decodes one advert; *a is set only on success (then it owns a
 * NUL-terminated cert_pem, or NULL for an empty one). */
static int advert_in(const Fedc__V1__SaAdvert *m, fl_secagg_advert *a)
{
	size_t n = m->cert_pem ? strlen(m->cert_pem) : 0;
	fl_secagg_advert t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = fixed_in(&m->c_pk, t.c_pk, FL_KX_PUBLIC_BYTES)) != 0 ||
	    (r = fixed_in(&m->s_pk, t.s_pk, FL_KX_PUBLIC_BYTES)) != 0 ||
	    (r = sig_in(&m->sig, t.sig, &t.sig_len)) != 0)
		return r;
	if (n > FL_CODEC_SA_MAX_CERT)
		return FL_E_TOOBIG;
	if (n) {
		if ((t.cert_pem = malloc(n + 1)) == NULL)
			return FL_E_NOMEM;
		memcpy(t.cert_pem, m->cert_pem, n + 1);
		t.cert_len = n;
	}
	hdr_in(m->hdr, &t.hdr);
	t.client = m->client;
	*a = t;
	return 0;
}

int fl_codec_encode_sa_advert(const fl_secagg_advert *in, uint8_t **buf,
			      size_t *len)
{
	Fedc__V1__SaAdvert m = FEDC__V1__SA_ADVERT__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	char *pem = NULL;
	size_t n = 0;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((r = advert_pem_len(in, &n)) != 0)
		goto out;
	if ((pem = malloc(n + 1)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = advert_out(in, &m, &h, pem, n)) != 0)
		goto out;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(pem);
	return r;
}

int fl_codec_decode_sa_advert(const uint8_t *buf, size_t len,
			      fl_secagg_advert *out)
{
	Fedc__V1__SaAdvert *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__sa_advert__descriptor)) == NULL)
		return r;
	r = advert_in(m, out);   /* sets *out only on success */
	fl_codec_free(&m->base);
	return r;
}

/* ---- SaKeyList ---- */

int fl_codec_encode_sa_keylist(const fl_secagg_keylist *in, uint8_t **buf,
			       size_t *len)
{
	Fedc__V1__SaKeyList m = FEDC__V1__SA_KEY_LIST__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	Fedc__V1__SaAdvert *ads = NULL, **ptrs = NULL;
	Fedc__V1__SaHeader *hdrs = NULL;
	size_t *pl = NULL, total = 0, off = 0;
	char *pems = NULL;
	uint32_t n;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	n = in->count;
	if ((r = list_ok(in->adverts, n)) != 0)
		goto out;
	if (n && (!(ads = calloc(n, sizeof(*ads))) ||
		  !(ptrs = calloc(n, sizeof(*ptrs))) ||
		  !(hdrs = calloc(n, sizeof(*hdrs))) ||
		  !(pl = calloc(n, sizeof(*pl))))) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		if ((r = advert_pem_len(&in->adverts[i], &pl[i])) != 0)
			goto out;
		total += pl[i] + 1;   /* at most 1000 * 8193: no overflow */
	}
	if (n && (pems = malloc(total)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		fedc__v1__sa_advert__init(&ads[i]);
		fedc__v1__sa_header__init(&hdrs[i]);
		if ((r = advert_out(&in->adverts[i], &ads[i], &hdrs[i],
				    pems + off, pl[i])) != 0)
			goto out;
		off += pl[i] + 1;
		ptrs[i] = &ads[i];
	}
	hdr_out(&in->hdr, &h);
	m.hdr = &h;
	m.n_adverts = n;
	m.adverts = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(pems);
	free(pl);
	free(hdrs);
	free(ptrs);
	free(ads);
	return r;
}

int fl_codec_decode_sa_keylist(const uint8_t *buf, size_t len,
			       fl_secagg_keylist *out)
{
	Fedc__V1__SaKeyList *m;
	fl_secagg_keylist t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__sa_key_list__descriptor)) == NULL)
		return r;
	if (m->n_adverts > SA_MAX) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_adverts &&
	    (t.adverts = calloc(m->n_adverts, sizeof(*t.adverts))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	/* Entries not yet decoded stay zeroed, so clearing t frees the rest. */
	t.count = (uint32_t)m->n_adverts;
	for (size_t i = 0; i < m->n_adverts; i++)
		if ((r = advert_in(m->adverts[i], &t.adverts[i])) != 0)
			goto out;
	hdr_in(m->hdr, &t.hdr);
	*out = t;
out:
	if (r != 0)
		fl_secagg_keylist_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

/* ---- SaShares ---- */

int fl_codec_encode_sa_shares(const fl_secagg_shares *in, uint8_t **buf,
			      size_t *len)
{
	Fedc__V1__SaShares m = FEDC__V1__SA_SHARES__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	Fedc__V1__SaEncShare *items = NULL, **ptrs = NULL;
	uint32_t n;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	n = in->count;
	if ((r = list_ok(in->items, n)) != 0)
		goto out;
	if (n && (!(items = calloc(n, sizeof(*items))) ||
		  !(ptrs = calloc(n, sizeof(*ptrs))))) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		fedc__v1__sa_enc_share__init(&items[i]);
		items[i].sender = in->items[i].sender;
		items[i].recipient = in->items[i].recipient;
		items[i].ct = bin(in->items[i].ct, FL_SECAGG_SHARE_CT_BYTES);
		ptrs[i] = &items[i];
	}
	hdr_out(&in->hdr, &h);
	m.hdr = &h;
	m.client = in->client;
	m.n_items = n;
	m.items = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(ptrs);
	free(items);
	return r;
}

int fl_codec_decode_sa_shares(const uint8_t *buf, size_t len,
			      fl_secagg_shares *out)
{
	Fedc__V1__SaShares *m;
	fl_secagg_shares t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__sa_shares__descriptor)) == NULL)
		return r;
	if (m->n_items > SA_MAX) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_items &&
	    (t.items = calloc(m->n_items, sizeof(*t.items))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.count = (uint32_t)m->n_items;
	for (size_t i = 0; i < m->n_items; i++) {
		const Fedc__V1__SaEncShare *e = m->items[i];

		if ((r = fixed_in(&e->ct, t.items[i].ct,
				  FL_SECAGG_SHARE_CT_BYTES)) != 0)
			goto out;
		t.items[i].sender = e->sender;
		t.items[i].recipient = e->recipient;
	}
	hdr_in(m->hdr, &t.hdr);
	t.client = m->client;
	*out = t;
out:
	if (r != 0)
		fl_secagg_shares_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

/* ---- SaCsig ---- */

static int csig_out(const fl_secagg_csig *c, Fedc__V1__SaCsig *m,
		    Fedc__V1__SaHeader *h)
{
	if (c->sig_len > FL_SIG_MAX_BYTES)
		return FL_E_RANGE;
	hdr_out(&c->hdr, h);
	m->hdr = h;
	m->client = c->client;
	m->sig = bin(c->sig, c->sig_len);
	return 0;
}

static int csig_in(const Fedc__V1__SaCsig *m, fl_secagg_csig *c)
{
	fl_secagg_csig t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = sig_in(&m->sig, t.sig, &t.sig_len)) != 0)
		return r;
	hdr_in(m->hdr, &t.hdr);
	t.client = m->client;
	*c = t;
	return 0;
}

int fl_codec_encode_sa_csig(const fl_secagg_csig *in, uint8_t **buf,
			    size_t *len)
{
	Fedc__V1__SaCsig m = FEDC__V1__SA_CSIG__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((r = csig_out(in, &m, &h)) != 0)
		return r;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_sa_csig(const uint8_t *buf, size_t len,
			    fl_secagg_csig *out)
{
	Fedc__V1__SaCsig *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__sa_csig__descriptor)) == NULL)
		return r;
	r = csig_in(m, out);
	fl_codec_free(&m->base);
	return r;
}

/* ---- SaUnmaskReq ---- */

int fl_codec_encode_sa_unmask_req(const fl_secagg_unmask_req *in,
				  uint8_t **buf, size_t *len)
{
	Fedc__V1__SaUnmaskReq m = FEDC__V1__SA_UNMASK_REQ__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	Fedc__V1__SaCsig *cs = NULL, **ptrs = NULL;
	Fedc__V1__SaHeader *hdrs = NULL;
	uint32_t n;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	n = in->ncsigs;
	if ((r = list_ok(in->survivors, in->nsurvivors)) != 0 ||
	    (r = list_ok(in->dropped, in->ndropped)) != 0 ||
	    (r = list_ok(in->csigs, n)) != 0)
		goto out;
	if (n && (!(cs = calloc(n, sizeof(*cs))) ||
		  !(ptrs = calloc(n, sizeof(*ptrs))) ||
		  !(hdrs = calloc(n, sizeof(*hdrs))))) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		fedc__v1__sa_csig__init(&cs[i]);
		fedc__v1__sa_header__init(&hdrs[i]);
		if ((r = csig_out(&in->csigs[i], &cs[i], &hdrs[i])) != 0)
			goto out;
		ptrs[i] = &cs[i];
	}
	hdr_out(&in->hdr, &h);
	m.hdr = &h;
	m.n_survivors = in->nsurvivors;
	m.survivors = in->survivors;
	m.n_dropped = in->ndropped;
	m.dropped = in->dropped;
	m.n_csigs = n;
	m.csigs = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(hdrs);
	free(ptrs);
	free(cs);
	return r;
}

/* Copies a list of ids (NULL for an empty one). */
static int ids_in(const uint32_t *src, size_t n, uint32_t **dst)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if ((*dst = malloc(n * sizeof(**dst))) == NULL)
		return FL_E_NOMEM;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

int fl_codec_decode_sa_unmask_req(const uint8_t *buf, size_t len,
				  fl_secagg_unmask_req *out)
{
	Fedc__V1__SaUnmaskReq *m;
	fl_secagg_unmask_req t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__sa_unmask_req__descriptor)) == NULL)
		return r;
	if (m->n_survivors > SA_MAX || m->n_dropped > SA_MAX ||
	    m->n_csigs > SA_MAX) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if ((r = ids_in(m->survivors, m->n_survivors, &t.survivors)) != 0 ||
	    (r = ids_in(m->dropped, m->n_dropped, &t.dropped)) != 0)
		goto out;
	t.nsurvivors = (uint32_t)m->n_survivors;
	t.ndropped = (uint32_t)m->n_dropped;
	if (m->n_csigs &&
	    (t.csigs = calloc(m->n_csigs, sizeof(*t.csigs))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.ncsigs = (uint32_t)m->n_csigs;
	for (size_t i = 0; i < m->n_csigs; i++)
		if ((r = csig_in(m->csigs[i], &t.csigs[i])) != 0)
			goto out;
	hdr_in(m->hdr, &t.hdr);
	*out = t;
out:
	if (r != 0)
		fl_secagg_unmask_req_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

/* ---- SaUnmaskResp ---- */

int fl_codec_encode_sa_unmask_resp(const fl_secagg_unmask_resp *in,
				   uint8_t **buf, size_t *len)
{
	Fedc__V1__SaUnmaskResp m = FEDC__V1__SA_UNMASK_RESP__INIT;
	Fedc__V1__SaHeader h = FEDC__V1__SA_HEADER__INIT;
	Fedc__V1__SaUnmaskEntry *es = NULL, **ptrs = NULL;
	uint32_t n;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	n = in->count;
	if ((r = list_ok(in->entries, n)) != 0)
		goto out;
	if (n && (!(es = calloc(n, sizeof(*es))) ||
		  !(ptrs = calloc(n, sizeof(*ptrs))))) {
		r = FL_E_NOMEM;
		goto out;
	}
	/* The entries only point at the shares: nothing secret to wipe here
	 * (the packed buffer is the caller's to wipe). */
	for (uint32_t i = 0; i < n; i++) {
		fedc__v1__sa_unmask_entry__init(&es[i]);
		es[i].owner = in->entries[i].owner;
		es[i].kind = in->entries[i].kind;
		es[i].y = bin(in->entries[i].y, FL_SHAMIR_SHARE_BYTES);
		ptrs[i] = &es[i];
	}
	hdr_out(&in->hdr, &h);
	m.hdr = &h;
	m.client = in->client;
	m.n_entries = n;
	m.entries = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(ptrs);
	free(es);
	return r;
}

/* Wipes the share bytes protobuf-c copied out of the wire, then frees. */
static void unmask_resp_free(Fedc__V1__SaUnmaskResp *m)
{
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i] && m->entries[i]->y.data)
			sodium_memzero(m->entries[i]->y.data,
				       m->entries[i]->y.len);
	fl_codec_free(&m->base);
}

int fl_codec_decode_sa_unmask_resp(const uint8_t *buf, size_t len,
				   fl_secagg_unmask_resp *out)
{
	Fedc__V1__SaUnmaskResp *m;
	fl_secagg_unmask_resp t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__sa_unmask_resp__descriptor)) == NULL)
		return r;
	if (m->n_entries > SA_MAX) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_entries &&
	    (t.entries = calloc(m->n_entries, sizeof(*t.entries))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.count = (uint32_t)m->n_entries;
	for (size_t i = 0; i < m->n_entries; i++) {
		const Fedc__V1__SaUnmaskEntry *e = m->entries[i];

		if ((r = fixed_in(&e->y, t.entries[i].y,
				  FL_SHAMIR_SHARE_BYTES)) != 0)
			goto out;
		t.entries[i].owner = e->owner;
		t.entries[i].kind = e->kind;
	}
	hdr_in(m->hdr, &t.hdr);
	t.client = m->client;
	*out = t;
out:
	if (r != 0)
		fl_secagg_unmask_resp_clear(&t);   /* wipes the shares */
	unmask_resp_free(m);
	return r;
}

/* ---- SaAck ---- */

int fl_codec_encode_sa_ack(const int *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__SaAck m = FEDC__V1__SA_ACK__INIT;

	(void)in;
	if (!buf || !len)
		return FL_E_INVAL;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_sa_ack(const uint8_t *buf, size_t len, int *out)
{
	Fedc__V1__SaAck *m;
	int r;

	if ((m = UNPACK(fedc__v1__sa_ack__descriptor)) == NULL)
		return r;
	fl_codec_free(&m->base);
	if (out)
		*out = 0;
	return 0;
}
