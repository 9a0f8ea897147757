/* SPDX-License-Identifier: Apache-2.0 */
/* agent_upload: the masked PutUpdate stream (header, then little-endian
 * uint32 chunks). There is no unmasked upload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_agent.h"
#include "fl_codec.h"
#include <grpc/status.h>
#include "fl_err.h"

#define WORD_BYTES 4u

size_t fl_agent_upload_nchunks(uint64_t m)
{
	return (size_t)((m + FL_AGENT_CHUNK_WORDS - 1) / FL_AGENT_CHUNK_WORDS);
}

/* Rewrites n words in place as little-endian bytes, whatever the host order
 * (each word's bytes overlap only the word itself). */
static void words_to_le(uint32_t *w, size_t n)
{
	uint8_t *b = (uint8_t *)w;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t u = w[i];

		b[4 * i] = (uint8_t)u;
		b[4 * i + 1] = (uint8_t)(u >> 8);
		b[4 * i + 2] = (uint8_t)(u >> 16);
		b[4 * i + 3] = (uint8_t)(u >> 24);
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

int fl_agent_upload_encode(const fl_msg_update_header *h, const uint32_t *x,
			   uint64_t m, fl_secagg_client *sa,
			   fl_agent_sink_fn sink, void *ctx)
{
	fl_msg_update_part part;
	uint32_t *chunk = NULL;
	uint64_t done = 0, per = FL_AGENT_CHUNK_WORDS;
	size_t cap;
	int r;

	if (!h || !x || m == 0 || !sa || !sink || h->words != m ||
	    h->encoding != FL_ENC_U32)
		return FL_E_INVAL;
	cap = (size_t)(m < per ? m : per);
	/* One reusable buffer, the size of the first (largest) chunk. */
	if ((chunk = malloc(cap * WORD_BYTES)) == NULL)
		return FL_E_NOMEM;
	memset(&part, 0, sizeof(part));
	part.is_header = true;
	part.header = *h;
	if ((r = send_part(&part, sink, ctx)) != 0)
		goto out;
	while (done < m) {
		size_t n = (size_t)(m - done < per ? m - done : per);

		/* Masks the words straight into the send buffer. */
		if ((r = fl_secagg_client_mask_chunk(sa, done, x + done, chunk, n)) != 0)
			break;
		words_to_le(chunk, n);
		memset(&part, 0, sizeof(part));
		part.is_header = false;
		part.data = (uint8_t *)chunk;
		part.len = n * WORD_BYTES;
		if ((r = send_part(&part, sink, ctx)) != 0)
			break;
		done += n;
	}
out:
	free(chunk);
	return r;
}

/* The upload's sink: after the header, waits for the coordinator's go
 * ahead (it admits a few uploads at a time) before sending the data. */
typedef struct upload_sink {
	fl_rpc_stream *s;
	unsigned sent;
	bool refused;            /* the coordinator ended the call instead */
} upload_sink;

static int stream_sink(void *ctx, const uint8_t *msg, size_t len)
{
	upload_sink *u = ctx;
	bool go = false;
	int r;

	if ((r = fl_rpc_stream_send(u->s, msg, len)) != 0)
		return r;
	if (u->sent++ == 0) {
		if ((r = fl_rpc_stream_wait_go(u->s, &go)) != 0)
			return r;
		if (!go) {
			u->refused = true;
			return FL_E_ABORTED;
		}
	}
	return 0;
}

int fl_agent_upload(fl_rpc_channel *ch, const fl_msg_update_header *h,
		    const uint32_t *x, uint64_t m, fl_secagg_client *sa,
		    uint32_t timeout_ms, fl_rpc_status *st)
{
	upload_sink u = { NULL, 0, false };
	fl_msg_update_reply rep;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r, rf;

	memset(st, 0, sizeof(*st));
	if ((r = fl_rpc_stream_open(ch, FL_RPC_AGENT_PUT_UPDATE, timeout_ms, &u.s)) != 0) {
		snprintf(st->detail, sizeof(st->detail), "cannot open the upload: %s",
			 fl_strerror(r));
		goto out;
	}
	r = fl_agent_upload_encode(h, x, m, sa, stream_sink, &u);
	if (u.refused) {
		/* Refused before any data was sent: the status says why. */
		r = fl_rpc_stream_finish(u.s, st);
		if (r == 0) {
			r = FL_E_PARSE;
			snprintf(st->detail, sizeof(st->detail), "the coordinator "
				 "neither admitted nor refused the upload");
		} else if (st->code == GRPC_STATUS_RESOURCE_EXHAUSTED) {
			r = FL_E_BUSY;
		}
		goto out;
	}
	if (r == 0)
		r = fl_rpc_stream_close_send(u.s);
	/* Read the reply before finishing: the glue otherwise waits for the
	 * deadline. */
	if (r == 0 && (r = fl_rpc_stream_recv(u.s, &buf, &len)) == 0) {
		if (fl_codec_decode_update_reply(buf, len, &rep) != 0 ||
		    rep.words != m)
			r = FL_E_PARSE;
	}
	/* The server's status explains a broken send better than the send. */
	rf = fl_rpc_stream_finish(u.s, st);
	if (rf != 0)
		r = rf;
	else if (r == FL_E_PARSE)
		snprintf(st->detail, sizeof(st->detail), "the reply does not confirm "
			 "%llu words", (unsigned long long)m);
	else if (r != 0 && st->detail[0] == '\0')
		snprintf(st->detail, sizeof(st->detail), "%s", fl_strerror(r));
out:
	free(buf);
	fl_rpc_stream_free(u.s);
	return r;
}
