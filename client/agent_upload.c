/* SPDX-License-Identifier: Apache-2.0 */
/* agent_upload: the PutUpdate stream (header, then little-endian chunks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_codec.h"
#include "fl_err.h"

#define WORD_BYTES 8u

size_t fl_agent_upload_nchunks(uint64_t words)
{
	uint64_t bytes = words * WORD_BYTES;

	return (size_t)((bytes + FL_AGENT_CHUNK_BYTES - 1) / FL_AGENT_CHUNK_BYTES);
}

/* Writes n doubles as little-endian IEEE-754, whatever the host order. */
static void put_le_doubles(uint8_t *out, const double *v, size_t n)
{
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		uint64_t u;

		memcpy(&u, &v[i], sizeof(u));
		for (b = 0; b < 8; b++)
			out[i * WORD_BYTES + (size_t)b] = (uint8_t)(u >> (8 * b));
	}
}

static int send_part(const fl_msg_update_part *p, fl_agent_sink_fn sink, void *ctx)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_codec_encode_update_part(p, &msg, &len)) != 0)
		return r;
	r = sink(ctx, msg, len);
	free(msg);
	return r;
}

int fl_agent_upload_encode(const fl_msg_update_header *h, const double *vec,
			   uint64_t words, fl_agent_sink_fn sink, void *ctx)
{
	fl_msg_update_part part;
	uint8_t *chunk = NULL;
	uint64_t done = 0, per = FL_AGENT_CHUNK_BYTES / WORD_BYTES;
	int r;

	if (!h || (!vec && words) || !sink || h->words != words ||
	    h->encoding != FL_ENC_F64)
		return FL_E_INVAL;
	memset(&part, 0, sizeof(part));
	part.is_header = true;
	part.header = *h;
	if ((r = send_part(&part, sink, ctx)) != 0)
		return r;
	if (words == 0)
		return 0;
	/* One reusable buffer, the size of the first (largest) chunk. */
	if ((chunk = malloc((size_t)(words < per ? words : per) * WORD_BYTES)) == NULL)
		return FL_E_NOMEM;
	while (done < words) {
		uint64_t n = words - done < per ? words - done : per;

		put_le_doubles(chunk, vec + done, (size_t)n);
		memset(&part, 0, sizeof(part));
		part.is_header = false;
		part.data = chunk;
		part.len = (size_t)n * WORD_BYTES;
		if ((r = send_part(&part, sink, ctx)) != 0)
			break;
		done += n;
	}
	free(chunk);
	return r;
}

static int stream_sink(void *ctx, const uint8_t *msg, size_t len)
{
	return fl_rpc_stream_send(ctx, msg, len);
}

int fl_agent_upload(fl_rpc_channel *ch, const fl_msg_update_header *h,
		    const double *vec, uint64_t words, uint32_t timeout_ms,
		    fl_rpc_status *st)
{
	fl_rpc_stream *s = NULL;
	fl_msg_update_reply rep;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r, rf;

	memset(st, 0, sizeof(*st));
	if ((r = fl_rpc_stream_open(ch, FL_RPC_AGENT_PUT_UPDATE, timeout_ms, &s)) != 0) {
		snprintf(st->detail, sizeof(st->detail), "cannot open the upload: %s",
			 fl_strerror(r));
		goto out;
	}
	r = fl_agent_upload_encode(h, vec, words, stream_sink, s);
	if (r == 0)
		r = fl_rpc_stream_close_send(s);
	if (r == 0 && (r = fl_rpc_stream_recv(s, &buf, &len)) == 0) {
		if (fl_codec_decode_update_reply(buf, len, &rep) != 0 ||
		    rep.words != words)
			r = FL_E_PARSE;
	}
	/* The server's status explains a broken send better than the send. */
	rf = fl_rpc_stream_finish(s, st);
	if (rf != 0)
		r = rf;
	else if (r == FL_E_PARSE)
		snprintf(st->detail, sizeof(st->detail), "the reply does not confirm "
			 "%llu words", (unsigned long long)words);
	else if (r != 0 && st->detail[0] == '\0')
		snprintf(st->detail, sizeof(st->detail), "%s", fl_strerror(r));
out:
	free(buf);
	fl_rpc_stream_free(s);
	return r;
}
