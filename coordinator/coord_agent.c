/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agent: handlers of the Agent service (Poll, GetModel, PutUpdate of
 * masked words only). */
#include <stdlib.h>
#include <string.h>

#include "coord_agg.h"
#include "coord_certs.h"
#include "coord_members.h"
#include "coord_metrics.h"
#include "coord_service.h"
#include "coord_testhook.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* The request of a poll: received, or kept by the server while it was
 * parked (then *buf stays NULL and *req is borrowed from the call). */
static int coord_poll_request(coord_service *svc, fl_rpc_call *call,
			      coord_caller *who, uint8_t **buf, size_t *buflen,
			      fl_msg_poll_req *req, char *msg)
{
	const uint8_t *p;
	size_t len = 0;
	int r;

	if ((r = coord_svc_auth(svc, call, who, msg)) != 0)
		return r;
	if (fl_rpc_call_resumed(call)) {
		if ((r = fl_rpc_call_request(call, &p, &len)) != 0) {
			fl_errmsg_set(msg, "the held poll lost its request");
			return r;
		}
	} else {
		if ((r = coord_svc_recv_one(call, buf, &len, msg)) != 0)
			return r;
		p = *buf;
		*buflen = len;
	}
	return coord_svc_bad(fl_codec_decode_poll_req(p, len, req), "PollRequest", msg);
}

/*
 * A long poll: with nothing for the site and a wait_ms in the request, the
 * call is parked (no thread held) until the engine changes a round
 * (coord_engine_set_notify wakes it) or the hold is over; then the handler
 * runs again. Answers TASK_NONE with poll_ms 0 when the hold ran out.
 */
void coord_agent_poll(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_poll_req req;
	fl_msg_task task;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&task, 0, sizeof(task));
	if ((r = coord_poll_request(svc, call, &who, &buf, &len, &req, msg)) != 0)
		goto out;
	if ((r = coord_engine_poll(svc->eng, who.cn, &req, fl_time_ms(), &task)) != 0) {
		fl_errmsg_set(msg, "cannot poll: %s", fl_strerror(r));
		goto out;
	}
	if (task.kind == FL_TASK_NONE && req.wait_ms > 0) {
		if (fl_rpc_call_expired(call)) {
			task.poll_ms = 0;   /* held its time: poll again now */
		} else {
			uint32_t hold = coord_engine_hold_ms(svc->eng);

			if (req.wait_ms < hold)
				hold = req.wait_ms;
			/* buf (NULL on a rerun: the call keeps the first) passes
			 * to the call; when parking fails, answer at once */
			r = fl_rpc_call_park(call, buf, len, hold);
			buf = NULL;
			if (r == 0) {
				fl_msg_task_clear(&task);
				return;
			}
			r = 0;
		}
	}
	task.crl_number = coord_certs_crl_number(svc->certs);
	coord_members_refresh(svc->members, fl_time_ms());
	task.members_version = coord_testhook_members_announce(
		coord_members_version(svc->members));
	/* hourly at most; the announced number may go up next poll */
	coord_certs_crl_maintain(svc->certs, svc->st, svc->ca, fl_time_ms());
	r = fl_codec_encode_task(&task, &out, &outlen);
	r = coord_svc_reply(call, r, out, outlen, "the task", msg);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	fl_msg_task_clear(&task);
	free(buf);
}

void coord_agent_get_model(fl_rpc_call *call, void *ctx)
{
	coord_svc_get_model(ctx, call, true);
}

/* Receives data chunks until the client half-closes, adding each one's
 * masked words straight into the attempt's accumulator. */
static int coord_agent_recv_data(coord_service *svc, fl_rpc_call *call,
				 const char *site, const fl_msg_update_header *h,
				 char *msg)
{
	fl_msg_update_part part;
	uint32_t *words = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, count = 0;
	int r;

	if ((words = malloc(FL_MSG_CHUNK_MAX)) == NULL)
		return FL_E_NOMEM;
	for (;;) {
		if ((r = fl_rpc_call_recv(call, &buf, &len)) == FL_E_EOF) {
			r = 0;
			break;
		}
		if (r != 0) {
			fl_errmsg_set(msg, "upload stream broke: %s", fl_strerror(r));
			break;
		}
		r = fl_codec_decode_update_part(buf, len, &part);
		free(buf);
		if (coord_svc_bad(r, "UpdateChunk", msg) != 0)
			break;
		if (part.is_header) {
			fl_errmsg_set(msg, "a second header in one upload stream");
			fl_msg_update_part_clear(&part);
			r = FL_E_PARSE;
			break;
		}
		r = coord_agg_le_words(part.data, part.len, words,
				       FL_MSG_CHUNK_MAX / 4, &count, msg);
		fl_msg_update_part_clear(&part);
		if (r != 0 ||
		    (r = coord_engine_upload_chunk(svc->eng, site, h, words, count,
						   msg)) != 0)
			break;
	}
	free(words);
	return r;
}

void coord_agent_put_update(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_update_part first;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r, begun = 0, admitted = 0;

	memset(&first, 0, sizeof(first));
	memset(&who, 0, sizeof(who));
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0)
		goto out;
	/* The header only: the agent sends its data after the go-ahead. */
	if ((r = fl_rpc_call_recv_held(call, &buf, &len)) != 0) {
		if (r == FL_E_EOF)
			r = FL_E_PARSE;
		fl_errmsg_set(msg, "no upload header: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_svc_bad(fl_codec_decode_update_part(buf, len, &first),
			       "UpdateChunk", msg)) != 0)
		goto out;
	if (!first.is_header) {
		fl_errmsg_set(msg, "the first message of an upload must be its header");
		r = FL_E_PARSE;
		goto out;
	}
	if (atomic_fetch_add(&svc->uploads, 1u) >= COORD_MAX_UPLOADS) {
		atomic_fetch_sub(&svc->uploads, 1u);
		fl_errmsg_set(msg, "busy: %u uploads in progress; retry in a "
			      "moment", COORD_MAX_UPLOADS);
		r = FL_E_BUSY;
		goto out;
	}
	admitted = 1;
	coord_metrics_upload(1);
	if ((r = coord_engine_upload_begin(svc->eng, who.cn, &first.header,
					   fl_time_ms(), msg)) != 0)
		goto out;
	begun = 1;
	if ((r = fl_rpc_call_go(call)) != 0) {
		fl_errmsg_set(msg, "the upload broke: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_agent_recv_data(svc, call, who.cn, &first.header, msg)) != 0 ||
	    (r = coord_engine_upload_commit(svc->eng, who.cn, &first.header,
					    msg)) != 0)
		goto out;
	begun = 0;
	{
		fl_msg_update_reply rep = { first.header.words };

		if ((r = coord_svc_encoded(fl_codec_encode_update_reply(&rep, &out,
									&outlen),
					   "the reply", msg)) != 0)
			goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	if (begun)
		coord_engine_upload_abort(svc->eng, who.cn, &first.header);
	if (admitted)
		atomic_fetch_sub(&svc->uploads, 1u);
	if (r == FL_E_BUSY)
		coord_metrics_upload(0);
	if (r == FL_E_BUSY)
		fl_debug("upload from %s deferred: %s", who.cn, msg);
	else if (r != 0 && r != FL_E_DENIED && r != FL_E_AUTH)
		fl_warn("upload from %s refused: %s", who.cn, msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	fl_msg_update_part_clear(&first);
	free(buf);
}

/* GetCrl: the latest CRL the coordinator published (number 0: none). */
int coord_agent_get_crl(coord_unary *u)
{
	fl_msg_crl req, rep;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_crl, &req, "CrlInfo")) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_certs_crl_get(u->svc->certs, u->svc->st,
						      &rep.number, &rep.pem),
				  "cannot read the CRL", u->msg)) != 0)
		goto out;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_crl, &rep, "the CRL");
out:
	fl_msg_crl_clear(&req);
	fl_msg_crl_clear(&rep);
	return r;
}
