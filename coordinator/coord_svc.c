/* SPDX-License-Identifier: Apache-2.0 */
/* coord_svc: what every handler does with its call: authenticate the
 * caller, receive the request, send the reply or a model. Below the
 * handlers. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_auth.h"
#include "coord_certs.h"
#include "coord_svc.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_msg.h"
#include "fl_pki.h"

int coord_svc_auth(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		   char *errmsg)
{
	const char *method = fl_rpc_call_method(call);
	int r;

	fl_log_ctx_clear();

	r = coord_auth_check(svc->st, svc->certs, method ? method : "",
			     fl_rpc_call_peer_pem(call), who, errmsg);
	if (r == 0)
		fl_log_ctx_site(who->cn);
	if (r == 0 && strcmp(who->role, FL_ROLE_SITE) == 0)
		coord_certs_note(svc->certs, svc->st, who, fl_time_ms());
	if (r != 0) {
		const char *cn = fl_rpc_call_peer_cn(call);

		fl_warn("refused %s from '%s': %s", method ? method : "?",
			cn ? cn : "?", errmsg);
	}
	return r;
}

int coord_svc_recv_one(fl_rpc_call *call, uint8_t **buf, size_t *len,
		       char *errmsg)
{
	int r = fl_rpc_call_recv(call, buf, len);

	if (r == FL_E_EOF) {
		fl_errmsg_set(errmsg, "the request message is missing");
		return FL_E_PARSE;
	}
	return coord_svc_failed(r, "cannot receive the request", errmsg);
}

int coord_svc_begin(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		    uint8_t **buf, size_t *len, char *errmsg)
{
	int r;

	memset(who, 0, sizeof(*who));
	if ((r = coord_svc_auth(svc, call, who, errmsg)) != 0)
		return r;
	return coord_svc_recv_one(call, buf, len, errmsg);
}

/* errmsg = "<pre><what>: <error r>" when r is not 0; returns r. */
static int coord_svc_why(int r, const char *pre, const char *what, char *errmsg)
{
	if (r != 0)
		fl_errmsg_set(errmsg, "%s%s: %s", pre, what, fl_strerror(r));
	return r;
}

int coord_svc_encoded(int enc, const char *what, char *errmsg)
{
	return coord_svc_why(enc, "cannot encode ", what, errmsg);
}

int coord_svc_failed(int r, const char *doing, char *errmsg)
{
	return coord_svc_why(r, "", doing, errmsg);
}

int coord_svc_reply(fl_rpc_call *call, int enc, uint8_t *buf, size_t len,
		    const char *what, char *errmsg)
{
	if (coord_svc_encoded(enc, what, errmsg) != 0)
		return enc;
	return coord_svc_send(call, buf, len, errmsg);
}

int coord_svc_job_get(coord_store *st, uint64_t id, fl_msg_job_info *info,
		      char **spec, char *errmsg)
{
	int r = coord_store_job_get(st, id, info, spec);

	if (r != 0)
		fl_errmsg_set(errmsg, r == FL_E_NOTFOUND ? "no job %llu" :
			      "cannot read job %llu", (unsigned long long)id);
	return r;
}

int coord_svc_bad(int dec, const char *name, char *errmsg)
{
	return coord_svc_why(dec, "bad ", name, errmsg);
}

int coord_svc_empty(uint8_t **out, size_t *outlen, char *errmsg)
{
	return coord_svc_encoded(fl_codec_encode_empty(NULL, out, outlen),
				 "the reply", errmsg);
}

/* Sends buf and frees it, wiped first when it holds a secret. */
static int svc_send(fl_rpc_call *call, uint8_t *buf, size_t len, bool wipe,
		    char *errmsg)
{
	int r = fl_rpc_call_send(call, buf, len);

	if (wipe && buf)
		sodium_memzero(buf, len);
	free(buf);
	return coord_svc_failed(r, "cannot send the reply", errmsg);
}

void coord_svc_unary(coord_service *svc, fl_rpc_call *call, coord_unary_fn *fn)
{
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	uint8_t *buf = NULL;
	size_t len = 0;
	coord_unary u = { svc, &who, NULL, 0, NULL, 0, false, msg };
	int r;

	if ((r = coord_svc_begin(svc, call, &who, &buf, &len, msg)) == 0) {
		u.buf = buf;
		u.len = len;
		if ((r = fn(&u)) == 0)
			r = svc_send(call, u.out, u.outlen, u.secret_out, msg);
	}
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	free(buf);
}

int coord_svc_send(fl_rpc_call *call, uint8_t *buf, size_t len, char *errmsg)
{
	return svc_send(call, buf, len, false, errmsg);
}

int coord_svc_send_model(fl_rpc_call *call, const coord_blob *b, char *errmsg)
{
	fl_msg_chunk ch;
	uint8_t *buf = NULL;
	size_t off = 0, len;
	int r = 0;

	do {
		ch.total_bytes = b->len;
		ch.offset = off;
		ch.len = b->len - off < COORD_MODEL_CHUNK_BYTES ? b->len - off :
			COORD_MODEL_CHUNK_BYTES;
		ch.data = b->data + off;
		if ((r = fl_codec_encode_chunk(&ch, &buf, &len)) != 0) {
			fl_errmsg_set(errmsg, "cannot encode a model chunk: %s",
				      fl_strerror(r));
			break;
		}
		if ((r = coord_svc_send(call, buf, len, errmsg)) != 0)
			break;
		off += ch.len;
	} while (off < b->len);
	return r;
}

void coord_svc_get_model(coord_service *svc, fl_rpc_call *call, bool as_site)
{
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_model_req req;
	coord_blob *b = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = coord_svc_begin(svc, call, &who, &buf, &len, msg)) == 0 &&
	    (r = coord_svc_bad(fl_codec_decode_model_req(buf, len, &req),
			       "ModelRequest", msg)) == 0 &&
	    (r = coord_engine_model(svc->eng, as_site ? who.cn : NULL, req.job_id,
				    req.version, req.latest, &b, msg)) == 0)
		r = coord_svc_send_model(call, b, msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	coord_blob_release(b);
	free(buf);
}

void coord_svc_site_live(coord_service *svc, fl_msg_site_info *s, int64_t now_ms)
{
	int64_t seen = coord_engine_site_last_seen(svc->eng, s->name);

	if (seen > s->last_seen_ms)
		s->last_seen_ms = seen;
	s->online = s->last_seen_ms > 0 && !s->revoked &&
		now_ms - s->last_seen_ms <=
		(int64_t)coord_engine_offline_after_ms(svc->eng);
}
