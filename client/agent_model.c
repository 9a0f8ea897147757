/* SPDX-License-Identifier: Apache-2.0 */
/* agent_model: download the global model with GetModel and reassemble it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_agent.h"
#include "fl_codec.h"
#include "fl_err.h"

/* A native model file: header, mean, scale and weights, with room to spare. */
#define MODEL_MAX_BYTES ((size_t)FL_MODEL_MAX_PARAMS * 8u * 2u + 4096u)

int fl_agent_blob_feed(fl_agent_blob *b, const fl_msg_chunk *c, char *errmsg)
{
	return fl_codec_blob_feed(b, c, MODEL_MAX_BYTES, errmsg);
}

void fl_agent_blob_clear(fl_agent_blob *b)
{
	fl_codec_blob_clear(b);
}

int fl_agent_model_fetch(fl_rpc_channel *ch, uint64_t job_id, uint32_t version,
			 uint32_t timeout_ms, fl_model **out, fl_rpc_status *st,
			 char *errmsg)
{
	return fl_agent_model_fetch_sha(ch, job_id, version, timeout_ms, out, NULL,
					st, errmsg);
}

int fl_agent_model_fetch_sha(fl_rpc_channel *ch, uint64_t job_id,
			     uint32_t version, uint32_t timeout_ms, fl_model **out,
			     uint8_t *sha256, fl_rpc_status *st, char *errmsg)
{
	fl_msg_model_req req = { job_id, version, false };
	fl_agent_blob blob;
	fl_rpc_stream *s = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	bool broke = false;
	int r, rf;

	memset(&blob, 0, sizeof(blob));
	memset(st, 0, sizeof(*st));
	if ((r = fl_codec_encode_model_req(&req, &buf, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot encode the model request: %s", fl_strerror(r));
		goto out;
	}
	if ((r = fl_rpc_stream_open(ch, FL_RPC_AGENT_GET_MODEL, timeout_ms, &s)) != 0 ||
	    (r = fl_rpc_stream_send(s, buf, len)) != 0 ||
	    (r = fl_rpc_stream_close_send(s)) != 0)
		fl_errmsg_set(errmsg, "cannot request the model: %s", fl_strerror(r));
	else
		r = fl_codec_blob_recv(s, &blob, MODEL_MAX_BYTES, errmsg, &broke);
	if (s) {
		/* The status names the server's reason (no such version ...). */
		rf = fl_rpc_stream_finish(s, st);
		if (rf != 0) {
			fl_errmsg_set(errmsg, "GetModel failed: %s", st->detail[0] ?
				      st->detail : fl_strerror(rf));
			r = rf;
		}
	}
	if (r != 0)
		goto out;
	if ((r = fl_model_decode(blob.data, blob.len, out)) != 0)
		fl_errmsg_set(errmsg, "the downloaded model does not decode: %s",
			      fl_strerror(r));
	else if (sha256)
		crypto_hash_sha256(sha256, blob.data, blob.len);
out:
	fl_agent_blob_clear(&blob);
	fl_rpc_stream_free(s);
	free(buf);
	return r;
}
