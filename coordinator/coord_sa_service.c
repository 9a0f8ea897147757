/* SPDX-License-Identifier: Apache-2.0 */
/* coord_sa_service: handlers of the SecAgg service (Advertise, GetKeys,
 * PutShares, GetShares, PutConsistency, GetUnmask, PutUnmask). Each one
 * authenticates a site, decodes its request, calls the engine (which holds
 * its lock only for that call) and sends the reply outside the lock. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_service.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"

/* Authenticates a site and receives its one request message. */
static int coord_sa_begin(coord_service *svc, fl_rpc_call *call,
			  coord_caller *who, uint8_t **buf, size_t *len,
			  char *msg)
{
	int r;

	memset(who, 0, sizeof(*who));
	if ((r = coord_svc_auth(svc, call, who, msg)) != 0)
		return r;
	if (strcmp(who->role, "site") != 0) {
		fl_errmsg_set(msg, "only site certificates may call the SecAgg service");
		return FL_E_DENIED;
	}
	return coord_svc_recv_one(call, buf, len, msg);
}

/* Sends an SaAck. */
static int coord_sa_ack(fl_rpc_call *call, char *msg)
{
	uint8_t *out = NULL;
	size_t outlen = 0;
	int ack = 0, r;

	if ((r = fl_codec_encode_sa_ack(&ack, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the reply: %s", fl_strerror(r));
		return r;
	}
	return coord_svc_send(call, out, outlen, msg);
}

static void coord_sa_end(fl_rpc_call *call, const coord_caller *who, int r,
			 const char *what, const char *msg, uint8_t *buf)
{
	if (r != 0 && r != FL_E_DENIED && r != FL_E_AUTH)
		fl_warn("%s from %s refused: %s", what, who->cn[0] ? who->cn : "?", msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	free(buf);
}

static int coord_sa_bad(int r, const char *type, char *msg)
{
	fl_errmsg_set(msg, "bad %s: %s", type, fl_strerror(r));
	return r;
}

void coord_sa_advertise(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	const char *pem = fl_rpc_call_peer_pem(call);
	fl_secagg_advert a;
	fl_cert_info ci;
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if (pem == NULL || (r = fl_pki_cert_info(pem, strlen(pem), &ci)) != 0) {
		fl_errmsg_set(msg, "cannot read the client certificate");
		r = FL_E_AUTH;
		goto out;
	}
	if ((r = fl_codec_decode_sa_advert(buf, len, &a)) != 0) {
		coord_sa_bad(r, "SaAdvert", msg);
		goto out;
	}
	if ((r = coord_engine_sa_advertise(((coord_service *)ctx)->eng, who.cn,
					   ci.fingerprint, &a, msg)) != 0)
		goto out;
	r = coord_sa_ack(call, msg);
out:
	fl_secagg_advert_clear(&a);
	coord_sa_end(call, &who, r, "Advertise", msg, buf);
}

void coord_sa_get_keys(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_keylist kl;
	fl_secagg_hdr h;
	coord_caller who;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&kl, 0, sizeof(kl));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_hdr(buf, len, &h)) != 0) {
		coord_sa_bad(r, "SaHeader", msg);
		goto out;
	}
	if ((r = coord_engine_sa_get_keys(((coord_service *)ctx)->eng, who.cn, &h,
					  &kl, msg)) != 0)
		goto out;
	if ((r = fl_codec_encode_sa_keylist(&kl, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the key list: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_secagg_keylist_clear(&kl);
	coord_sa_end(call, &who, r, "GetKeys", msg, buf);
}

void coord_sa_put_shares(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_shares sh;
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&sh, 0, sizeof(sh));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_shares(buf, len, &sh)) != 0) {
		coord_sa_bad(r, "SaShares", msg);
		goto out;
	}
	if ((r = coord_engine_sa_put_shares(((coord_service *)ctx)->eng, who.cn,
					    &sh, msg)) != 0)
		goto out;
	r = coord_sa_ack(call, msg);
out:
	fl_secagg_shares_clear(&sh);
	coord_sa_end(call, &who, r, "PutShares", msg, buf);
}

void coord_sa_get_shares(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_shares sh;
	fl_secagg_hdr h;
	coord_caller who;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&sh, 0, sizeof(sh));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_hdr(buf, len, &h)) != 0) {
		coord_sa_bad(r, "SaHeader", msg);
		goto out;
	}
	if ((r = coord_engine_sa_get_shares(((coord_service *)ctx)->eng, who.cn, &h,
					    &sh, msg)) != 0)
		goto out;
	if ((r = fl_codec_encode_sa_shares(&sh, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the shares: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_secagg_shares_clear(&sh);
	coord_sa_end(call, &who, r, "GetShares", msg, buf);
}

void coord_sa_put_consistency(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_csig cs;
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&cs, 0, sizeof(cs));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_csig(buf, len, &cs)) != 0) {
		coord_sa_bad(r, "SaCsig", msg);
		goto out;
	}
	if ((r = coord_engine_sa_put_consistency(((coord_service *)ctx)->eng,
						 who.cn, &cs, msg)) != 0)
		goto out;
	r = coord_sa_ack(call, msg);
out:
	coord_sa_end(call, &who, r, "PutConsistency", msg, buf);
}

void coord_sa_get_unmask(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_unmask_req req;
	fl_secagg_hdr h;
	coord_caller who;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&req, 0, sizeof(req));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_hdr(buf, len, &h)) != 0) {
		coord_sa_bad(r, "SaHeader", msg);
		goto out;
	}
	if ((r = coord_engine_sa_get_unmask(((coord_service *)ctx)->eng, who.cn, &h,
					    &req, msg)) != 0)
		goto out;
	if ((r = fl_codec_encode_sa_unmask_req(&req, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the unmask request: %s",
			      fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_secagg_unmask_req_clear(&req);
	coord_sa_end(call, &who, r, "GetUnmask", msg, buf);
}

void coord_sa_put_unmask(fl_rpc_call *call, void *ctx)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_secagg_unmask_resp resp;
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	memset(&resp, 0, sizeof(resp));
	if ((r = coord_sa_begin(ctx, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_sa_unmask_resp(buf, len, &resp)) != 0) {
		coord_sa_bad(r, "SaUnmaskResp", msg);
		goto out;
	}
	if ((r = coord_engine_sa_put_unmask(((coord_service *)ctx)->eng, who.cn,
					    &resp, msg)) != 0)
		goto out;
	r = coord_sa_ack(call, msg);
out:
	/* The shares are secrets: clear wipes them. */
	fl_secagg_unmask_resp_clear(&resp);
	if (buf != NULL)
		sodium_memzero(buf, len);
	coord_sa_end(call, &who, r, "PutUnmask", msg, buf);
}
