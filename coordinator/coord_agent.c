/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agent: handlers of the Agent service (Poll, GetModel, PutUpdate). */
#include <stdlib.h>
#include <string.h>

#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

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
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_poll_req(buf, len, &req)) != 0) {
		fl_errmsg_set(msg, "bad PollRequest: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_engine_poll(svc->eng, who.cn, &req, fl_time_ms(), &task)) != 0) {
		fl_errmsg_set(msg, "cannot poll: %s", fl_strerror(r));
		goto out;
	}
	if ((r = fl_codec_encode_task(&task, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the task: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	fl_msg_task_clear(&task);
	free(buf);
}

void coord_agent_get_model(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_model_req req;
	coord_blob *b = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_model_req(buf, len, &req)) != 0) {
		fl_errmsg_set(msg, "bad ModelRequest: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_engine_model(svc->eng, who.cn, req.job_id, req.version,
				    req.latest, &b, msg)) != 0)
		goto out;
	r = coord_svc_send_model(call, b, msg);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	coord_blob_release(b);
	free(buf);
}

/* Receives data chunks until the client half-closes. */
static int coord_agent_recv_data(fl_rpc_call *call, coord_agg_input *in,
				 char *msg)
{
	fl_msg_update_part part;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	for (;;) {
		if ((r = fl_rpc_call_recv(call, &buf, &len)) == FL_E_EOF)
			return 0;
		if (r != 0) {
			fl_errmsg_set(msg, "upload stream broke: %s", fl_strerror(r));
			return r;
		}
		r = fl_codec_decode_update_part(buf, len, &part);
		free(buf);
		if (r != 0) {
			fl_errmsg_set(msg, "bad UpdateChunk: %s", fl_strerror(r));
			return r;
		}
		if (part.is_header) {
			fl_errmsg_set(msg, "a second header in one upload stream");
			fl_msg_update_part_clear(&part);
			return FL_E_PARSE;
		}
		r = coord_agg_input_feed(in, part.data, part.len);
		fl_msg_update_part_clear(&part);
		if (r != 0) {
			fl_errmsg_set(msg, "update has more bytes than its header's "
				      "%llu words", (unsigned long long)
				      coord_agg_input_words(in));
			return r;
		}
	}
}

void coord_agent_put_update(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_update_part first;
	coord_agg_input *in = NULL;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r, begun = 0;

	memset(&first, 0, sizeof(first));
	memset(&who, 0, sizeof(who));
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_update_part(buf, len, &first)) != 0) {
		fl_errmsg_set(msg, "bad UpdateChunk: %s", fl_strerror(r));
		goto out;
	}
	if (!first.is_header) {
		fl_errmsg_set(msg, "the first message of an upload must be its header");
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = coord_engine_upload_begin(svc->eng, who.cn, &first.header,
					   fl_time_ms(), msg)) != 0)
		goto out;
	begun = 1;
	if ((r = coord_agg_input_new(first.header.words, &in)) != 0) {
		fl_errmsg_set(msg, "cannot hold %llu words: %s",
			      (unsigned long long)first.header.words, fl_strerror(r));
		goto out;
	}
	if ((r = coord_agent_recv_data(call, in, msg)) != 0 ||
	    (r = coord_agg_input_finish(in, msg)) != 0 ||
	    (r = coord_engine_upload_commit(svc->eng, who.cn, &first.header, in,
					    msg)) != 0)
		goto out;
	begun = 0;
	{
		fl_msg_update_reply rep = { first.header.words };

		if ((r = fl_codec_encode_update_reply(&rep, &out, &outlen)) != 0) {
			fl_errmsg_set(msg, "cannot encode the reply: %s", fl_strerror(r));
			goto out;
		}
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	if (begun)
		coord_engine_upload_abort(svc->eng, who.cn, &first.header);
	if (r != 0 && r != FL_E_DENIED && r != FL_E_AUTH)
		fl_warn("upload from %s refused: %s", who.cn, msg);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	coord_agg_input_free(in);
	fl_msg_update_part_clear(&first);
	free(buf);
}
