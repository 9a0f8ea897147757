/* SPDX-License-Identifier: Apache-2.0 */
/* coord_sa_service: handlers of the SecAgg service (Advertise, GetKeys,
 * PutShares, GetShares, PutConsistency, GetUnmask, PutUnmask). One
 * dispatcher runs every method the same way: authenticate a site, receive
 * and decode its one request, call the engine (which holds its lock only
 * for that call and checks the caller's slot, id, attempt and phase), then
 * encode and send the reply outside the lock. A method is a row of
 * coord_sa_methods: what differs is its request and reply types and the
 * engine call. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_service.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"

/* A decoded request and a reply to encode, whichever the method. */
typedef union coord_sa_req {
	fl_secagg_advert advert;
	fl_secagg_hdr hdr;
	fl_secagg_shares shares;
	fl_secagg_csig csig;
	fl_secagg_unmask_resp unmask;
} coord_sa_req;

typedef union coord_sa_resp {
	fl_secagg_keylist keys;
	fl_secagg_shares shares;
	fl_secagg_unmask_req unmask;
} coord_sa_resp;

typedef struct coord_sa_method {
	const char *name;       /* RPC method, for logs */
	const char *req_type;   /* request message, for "bad X" errors */
	int (*decode)(const uint8_t *buf, size_t len, coord_sa_req *q);
	void (*req_clear)(coord_sa_req *q);   /* NULL: nothing owned */
	/* The engine call; errmsg says why on failure. */
	int (*act)(coord_service *svc, fl_rpc_call *call, const char *site,
		   const coord_sa_req *q, coord_sa_resp *p, char *errmsg);
	/* NULL: the reply is an SaAck. */
	int (*encode)(const coord_sa_resp *p, uint8_t **out, size_t *len);
	void (*resp_clear)(coord_sa_resp *p);
	const char *resp_what;  /* "the key list", for encode errors */
	bool secret_request;    /* wipe the received bytes (unmask shares) */
} coord_sa_method;

/* Decoders, clears and encoders, typed through the unions. */
static int dec_advert(const uint8_t *b, size_t n, coord_sa_req *q)
{
	return fl_codec_decode_sa_advert(b, n, &q->advert);
}
static int dec_hdr(const uint8_t *b, size_t n, coord_sa_req *q)
{
	return fl_codec_decode_sa_hdr(b, n, &q->hdr);
}
static int dec_shares(const uint8_t *b, size_t n, coord_sa_req *q)
{
	return fl_codec_decode_sa_shares(b, n, &q->shares);
}
static int dec_csig(const uint8_t *b, size_t n, coord_sa_req *q)
{
	return fl_codec_decode_sa_csig(b, n, &q->csig);
}
static int dec_unmask(const uint8_t *b, size_t n, coord_sa_req *q)
{
	return fl_codec_decode_sa_unmask_resp(b, n, &q->unmask);
}
static void clr_advert(coord_sa_req *q) { fl_secagg_advert_clear(&q->advert); }
static void clr_shares(coord_sa_req *q) { fl_secagg_shares_clear(&q->shares); }
/* The shares are secrets: clear wipes them. */
static void clr_unmask(coord_sa_req *q) { fl_secagg_unmask_resp_clear(&q->unmask); }

static int enc_keys(const coord_sa_resp *p, uint8_t **o, size_t *n)
{
	return fl_codec_encode_sa_keylist(&p->keys, o, n);
}
static int enc_shares(const coord_sa_resp *p, uint8_t **o, size_t *n)
{
	return fl_codec_encode_sa_shares(&p->shares, o, n);
}
static int enc_unmask(const coord_sa_resp *p, uint8_t **o, size_t *n)
{
	return fl_codec_encode_sa_unmask_req(&p->unmask, o, n);
}
static void rclr_keys(coord_sa_resp *p) { fl_secagg_keylist_clear(&p->keys); }
static void rclr_shares(coord_sa_resp *p) { fl_secagg_shares_clear(&p->shares); }
static void rclr_unmask(coord_sa_resp *p) { fl_secagg_unmask_req_clear(&p->unmask); }

/* The engine calls. Advertise also binds the advert's certificate to the
 * caller's TLS certificate (the engine compares fingerprints). */
static int act_advertise(coord_service *svc, fl_rpc_call *call, const char *site,
			 const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	const char *pem = fl_rpc_call_peer_pem(call);
	fl_cert_info ci;

	(void)p;
	if (pem == NULL || fl_pki_cert_info(pem, strlen(pem), &ci) != 0) {
		fl_errmsg_set(msg, "cannot read the client certificate");
		return FL_E_AUTH;
	}
	return coord_engine_sa_advertise(svc->eng, site, ci.fingerprint, &q->advert, msg);
}
static int act_get_keys(coord_service *svc, fl_rpc_call *call, const char *site,
			const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	(void)call;
	return coord_engine_sa_get_keys(svc->eng, site, &q->hdr, &p->keys, msg);
}
static int act_put_shares(coord_service *svc, fl_rpc_call *call, const char *site,
			  const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	(void)call, (void)p;
	return coord_engine_sa_put_shares(svc->eng, site, &q->shares, msg);
}
static int act_get_shares(coord_service *svc, fl_rpc_call *call, const char *site,
			  const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	(void)call;
	return coord_engine_sa_get_shares(svc->eng, site, &q->hdr, &p->shares, msg);
}
static int act_put_consistency(coord_service *svc, fl_rpc_call *call,
			       const char *site, const coord_sa_req *q,
			       coord_sa_resp *p, char *msg)
{
	(void)call, (void)p;
	return coord_engine_sa_put_consistency(svc->eng, site, &q->csig, msg);
}
static int act_get_unmask(coord_service *svc, fl_rpc_call *call, const char *site,
			  const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	(void)call;
	return coord_engine_sa_get_unmask(svc->eng, site, &q->hdr, &p->unmask, msg);
}
static int act_put_unmask(coord_service *svc, fl_rpc_call *call, const char *site,
			  const coord_sa_req *q, coord_sa_resp *p, char *msg)
{
	(void)call, (void)p;
	return coord_engine_sa_put_unmask(svc->eng, site, &q->unmask, msg);
}

static const coord_sa_method coord_sa_methods[] = {
	{ "Advertise", "SaAdvert", dec_advert, clr_advert, act_advertise,
	  NULL, NULL, NULL, false },
	{ "GetKeys", "SaHeader", dec_hdr, NULL, act_get_keys,
	  enc_keys, rclr_keys, "the key list", false },
	{ "PutShares", "SaShares", dec_shares, clr_shares, act_put_shares,
	  NULL, NULL, NULL, false },
	{ "GetShares", "SaHeader", dec_hdr, NULL, act_get_shares,
	  enc_shares, rclr_shares, "the shares", false },
	{ "PutConsistency", "SaCsig", dec_csig, NULL, act_put_consistency,
	  NULL, NULL, NULL, false },
	{ "GetUnmask", "SaHeader", dec_hdr, NULL, act_get_unmask,
	  enc_unmask, rclr_unmask, "the unmask request", false },
	{ "PutUnmask", "SaUnmaskResp", dec_unmask, clr_unmask, act_put_unmask,
	  NULL, NULL, NULL, true },
};

enum { SA_ADVERTISE, SA_GET_KEYS, SA_PUT_SHARES, SA_GET_SHARES,
       SA_PUT_CONSISTENCY, SA_GET_UNMASK, SA_PUT_UNMASK };

/* Authenticates a site and receives its one request message. */
static int coord_sa_begin(coord_service *svc, fl_rpc_call *call,
			  coord_caller *who, uint8_t **buf, size_t *len,
			  char *msg)
{
	int r;

	if ((r = coord_svc_auth(svc, call, who, msg)) != 0)
		return r;
	if (strcmp(who->role, "site") != 0) {
		fl_errmsg_set(msg, "only site certificates may call the SecAgg service");
		return FL_E_DENIED;
	}
	return coord_svc_recv_one(call, buf, len, msg);
}

/* The reply: the method's message, or an SaAck. */
static int coord_sa_reply(fl_rpc_call *call, const coord_sa_method *m,
			  const coord_sa_resp *p, char *msg)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	int ack = 0, r;

	r = m->encode ? m->encode(p, &out, &outlen)
		      : fl_codec_encode_sa_ack(&ack, &out, &outlen);
	return coord_svc_reply(call, r, out, outlen,
			       m->resp_what ? m->resp_what : "the reply", msg);
}

static void coord_sa_dispatch(fl_rpc_call *call, void *ctx, const coord_sa_method *m)
{
	char msg[FL_ERRMSG_BYTES] = "";
	coord_sa_req q;
	coord_sa_resp p;
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&q, 0, sizeof(q));
	memset(&p, 0, sizeof(p));
	memset(&who, 0, sizeof(who));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = coord_svc_bad(m->decode(buf, len, &q), m->req_type, msg)) != 0)
		goto out;
	if ((r = m->act(ctx, call, who.cn, &q, &p, msg)) != 0)
		goto out;
	r = coord_sa_reply(call, m, &p, msg);
out:
	if (m->req_clear != NULL)   /* safe on a zeroed or partly decoded request */
		m->req_clear(&q);
	if (m->resp_clear != NULL)
		m->resp_clear(&p);
	if (m->secret_request && buf != NULL)
		sodium_memzero(buf, len);
	if (r != 0 && r != FL_E_DENIED && r != FL_E_AUTH)
		fl_warn("%s from %s refused: %s", m->name, who.cn[0] ? who.cn : "?", msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	free(buf);
}

void coord_sa_advertise(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_ADVERTISE]);
}
void coord_sa_get_keys(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_GET_KEYS]);
}
void coord_sa_put_shares(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_PUT_SHARES]);
}
void coord_sa_get_shares(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_GET_SHARES]);
}
void coord_sa_put_consistency(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_PUT_CONSISTENCY]);
}
void coord_sa_get_unmask(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_GET_UNMASK]);
}
void coord_sa_put_unmask(fl_rpc_call *call, void *ctx)
{
	coord_sa_dispatch(call, ctx, &coord_sa_methods[SA_PUT_UNMASK]);
}
