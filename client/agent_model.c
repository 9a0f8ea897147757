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
	if (!b->started) {
		if (c->total_bytes == 0 || c->total_bytes > MODEL_MAX_BYTES) {
			fl_errmsg_set(errmsg, "model size %llu bytes is out of range",
				      (unsigned long long)c->total_bytes);
			return FL_E_TOOBIG;
		}
		if ((b->data = malloc((size_t)c->total_bytes)) == NULL)
			return FL_E_NOMEM;
		b->total = (size_t)c->total_bytes;
		b->started = true;
	}
	if (c->total_bytes != b->total) {
		fl_errmsg_set(errmsg, "model chunks disagree on the size (%llu, then %zu)",
			      (unsigned long long)c->total_bytes, b->total);
		return FL_E_PARSE;
	}
	if (c->offset != b->len) {
		fl_errmsg_set(errmsg, "model chunk at offset %llu, expected %zu",
			      (unsigned long long)c->offset, b->len);
		return FL_E_PARSE;
	}
	if (c->len > b->total - b->len) {
		fl_errmsg_set(errmsg, "model chunks exceed the announced %zu bytes",
			      b->total);
		return FL_E_TOOBIG;
	}
	if (c->len)
		memcpy(b->data + b->len, c->data, c->len);
	b->len += c->len;
	return 0;
}

void fl_agent_blob_clear(fl_agent_blob *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Receives chunks until the server ends the stream. */
static int recv_blob(fl_rpc_stream *s, fl_agent_blob *b, char *errmsg)
{
	fl_msg_chunk c;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	for (;;) {
		if ((r = fl_rpc_stream_recv(s, &buf, &len)) == FL_E_EOF)
			break;
		if (r != 0) {
			fl_errmsg_set(errmsg, "model download broke: %s", fl_strerror(r));
			return r;
		}
		r = fl_codec_decode_chunk(buf, len, &c);
		free(buf);
		if (r != 0) {
			fl_errmsg_set(errmsg, "bad model chunk: %s", fl_strerror(r));
			return r;
		}
		r = fl_agent_blob_feed(b, &c, errmsg);
		fl_msg_chunk_clear(&c);
		if (r != 0)
			return r;
	}
	return 0;
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
		r = recv_blob(s, &blob, errmsg);
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
	if (!blob.started || blob.len != blob.total) {
		fl_errmsg_set(errmsg, "model download ended after %zu of %zu bytes",
			      blob.len, blob.total);
		r = FL_E_PARSE;
		goto out;
	}
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
