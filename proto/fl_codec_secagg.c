/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_secagg: encode/decode the secure-aggregation messages
 * (secagg.proto <-> crypto/fl_secagg_msg.h). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_codec_int.h"
#include "fl_codec_secagg.h"
#include "fl_codec_tab.h"
#include "fl_err.h"

#define SA_MAX FL_CODEC_SA_MAX_CLIENTS

/* ---- SaHeader: a missing one reads as all zeros (proto3 defaults) ---- */

#define H(f) FL_CT_NUM(fl_secagg_hdr, f, Fedc__V1__SaHeader, f)
FL_CT_MESSAGE(hdr_tab, fedc__v1__sa_header__descriptor, fl_secagg_hdr,
	H(job_id), H(round), H(attempt));
#undef H

/* ---- SaAdvert: the certificate is a counted string, its own shape ---- */

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

/* Fills m from a; the NUL-terminated copy of the certificate that
 * protobuf-c wants lives in the arena. */
static int advert_out(const void *c, void *pb, fl_codec_arena *arena)
{
	const fl_secagg_advert *a = c;
	Fedc__V1__SaAdvert *m = pb;
	Fedc__V1__SaHeader *h;
	size_t pem_len = 0;
	char *pem;
	int r;

	if ((r = advert_pem_len(a, &pem_len)) != 0)
		return r;
	if (a->sig_len > FL_SIG_MAX_BYTES)
		return FL_E_RANGE;
	if ((pem = fl_codec_tab_arena_calloc(arena, 1, pem_len + 1)) == NULL ||
	    (h = fl_codec_tab_arena_calloc(arena, 1, sizeof(*h))) == NULL)
		return FL_E_NOMEM;
	if (pem_len)
		memcpy(pem, a->cert_pem, pem_len);
	fedc__v1__sa_header__init(h);
	if ((r = fl_codec_tab_out(&hdr_tab, &a->hdr, h, arena)) != 0)
		return r;
	m->hdr = h;
	m->client = a->client;
	m->c_pk.len = FL_KX_PUBLIC_BYTES;
	m->c_pk.data = (uint8_t *)a->c_pk;
	m->s_pk.len = FL_KX_PUBLIC_BYTES;
	m->s_pk.data = (uint8_t *)a->s_pk;
	m->sig.len = a->sig_len;
	m->sig.data = (uint8_t *)a->sig;
	m->cert_pem = pem;
	return 0;
}

static void hdr_in(const Fedc__V1__SaHeader *m, fl_secagg_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (m)
		(void)fl_codec_tab_in(&hdr_tab, m, h);   /* numbers only: cannot fail */
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

/* Decodes one advert; *a is set only on success (then it owns a
 * NUL-terminated cert_pem, or NULL for an empty one). */
static int advert_in(const void *pb, void *c)
{
	const Fedc__V1__SaAdvert *m = pb;
	fl_secagg_advert *a = c;
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

static void advert_clear(void *c)
{
	fl_secagg_advert_clear(c);
}

static const fl_codec_tab advert_tab =
	FL_CT_TAB_FN(fedc__v1__sa_advert__descriptor, fl_secagg_advert,
		     advert_out, advert_in, advert_clear);

/* ---- the lists: at most SA_MAX entries each ---- */

/* The attempt a message belongs to, and (SA_FROM) the client that sent it. */
#define SA_HDR(T, PT) FL_CT_SUB(T, hdr, PT, hdr, hdr_tab, 0)
#define SA_FROM(T, PT) SA_HDR(T, PT), FL_CT_NUM(T, client, PT, client)

#define KL fl_secagg_keylist
FL_CT_MESSAGE(keylist_tab, fedc__v1__sa_key_list__descriptor, fl_secagg_keylist,
	FL_CT_LIST(KL, adverts, count, Fedc__V1__SaKeyList, adverts, advert_tab, SA_MAX, 0),
	SA_HDR(KL, Fedc__V1__SaKeyList));

#define ES fl_secagg_enc_share
#define PES Fedc__V1__SaEncShare
FL_CT_MESSAGE(enc_share_tab, fedc__v1__sa_enc_share__descriptor, fl_secagg_enc_share,
	FL_CT_BYTES(ES, ct, PES, ct, FL_E_RANGE, 0),
	FL_CT_NUM(ES, sender, PES, sender),
	FL_CT_NUM(ES, recipient, PES, recipient));
#define SH fl_secagg_shares
#define PSH Fedc__V1__SaShares
FL_CT_MESSAGE(shares_tab, fedc__v1__sa_shares__descriptor, fl_secagg_shares,
	FL_CT_LIST(SH, items, count, PSH, items, enc_share_tab, SA_MAX, 0),
	SA_FROM(SH, PSH));

#define CS fl_secagg_csig
#define PCS Fedc__V1__SaCsig
FL_CT_MESSAGE(csig_tab, fedc__v1__sa_csig__descriptor, fl_secagg_csig,
	FL_CT_VBYTES(CS, sig, sig_len, PCS, sig, FL_E_RANGE),
	SA_FROM(CS, PCS));

#define UQ fl_secagg_unmask_req
#define PUQ Fedc__V1__SaUnmaskReq
FL_CT_MESSAGE(unmask_req_tab, fedc__v1__sa_unmask_req__descriptor, fl_secagg_unmask_req,
	FL_CT_ARR(UQ, survivors, nsurvivors, PUQ, survivors, SA_MAX, 0),
	FL_CT_ARR(UQ, dropped, ndropped, PUQ, dropped, SA_MAX, 0),
	FL_CT_LIST(UQ, csigs, ncsigs, PUQ, csigs, csig_tab, SA_MAX, 0),
	SA_HDR(UQ, PUQ));

/* The shares are secret: the unpacked message's copies are wiped (the
 * packed buffer is the caller's to wipe). */
#define UE fl_secagg_unmask_entry
#define PUE Fedc__V1__SaUnmaskEntry
FL_CT_MESSAGE(unmask_entry_tab, fedc__v1__sa_unmask_entry__descriptor,
		fl_secagg_unmask_entry,
	FL_CT_BYTES(UE, y, PUE, y, FL_E_RANGE, 0),
	FL_CT_NUM(UE, owner, PUE, owner),
	FL_CT_NUM(UE, kind, PUE, kind));
#define UR fl_secagg_unmask_resp
#define PUR Fedc__V1__SaUnmaskResp
FL_CT_MESSAGE_WIPE(unmask_resp_tab, fedc__v1__sa_unmask_resp__descriptor,
		fl_secagg_unmask_resp,
	FL_CT_LIST(UR, entries, count, PUR, entries, unmask_entry_tab, SA_MAX, 0),
	SA_FROM(UR, PUR));

FL_CODEC_TAB_FUNCS(sa_hdr, fl_secagg_hdr, hdr_tab)
FL_CODEC_TAB_FUNCS(sa_advert, fl_secagg_advert, advert_tab)
FL_CODEC_TAB_FUNCS(sa_keylist, fl_secagg_keylist, keylist_tab)
FL_CODEC_TAB_FUNCS(sa_shares, fl_secagg_shares, shares_tab)
FL_CODEC_TAB_FUNCS(sa_csig, fl_secagg_csig, csig_tab)
FL_CODEC_TAB_FUNCS(sa_unmask_req, fl_secagg_unmask_req, unmask_req_tab)
FL_CODEC_TAB_FUNCS(sa_unmask_resp, fl_secagg_unmask_resp, unmask_resp_tab)

/* ---- SaAck ---- */

FL_CODEC_EMPTY_FUNCS(sa_ack, fedc__v1__sa_ack__descriptor)
