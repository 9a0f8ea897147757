/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_blob: ModelChunk stream reassembly (see fl_codec_blob.h). */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_blob.h"
#include "fl_err.h"
#include "fl_util.h"

int fl_codec_blob_feed(fl_codec_blob *b, const fl_msg_chunk *c, size_t max,
		       char *errmsg)
{
	if (!b->started) {
		if (c->total_bytes == 0 || c->total_bytes > max) {
			fl_errmsg_set(errmsg, "model size %llu bytes is out of range",
				      (unsigned long long)c->total_bytes);
			return FL_E_TOOBIG;
		}
		if ((b->data = malloc((size_t)c->total_bytes)) == NULL) {
			fl_errmsg_set(errmsg, "out of memory for a %llu-byte model",
				      (unsigned long long)c->total_bytes);
			return FL_E_NOMEM;
		}
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

int fl_codec_blob_recv(fl_rpc_stream *s, fl_codec_blob *b, size_t max,
		       char *errmsg, bool *broke)
{
	fl_msg_chunk c;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*broke = false;
	for (;;) {
		if ((r = fl_rpc_stream_recv(s, &buf, &len)) == FL_E_EOF)
			break;
		if (r != 0) {
			fl_errmsg_set(errmsg, "model download broke: %s", fl_strerror(r));
			*broke = true;
			return r;
		}
		r = fl_codec_decode_chunk(buf, len, &c);
		free(buf);
		if (r != 0) {
			fl_errmsg_set(errmsg, "bad model chunk: %s", fl_strerror(r));
			return r;
		}
		r = fl_codec_blob_feed(b, &c, max, errmsg);
		fl_msg_chunk_clear(&c);
		if (r != 0)
			return r;
	}
	if (!b->started || b->len != b->total) {
		fl_errmsg_set(errmsg, "model download ended after %zu of %zu bytes",
			      b->len, b->total);
		return FL_E_PARSE;
	}
	return 0;
}

void fl_codec_blob_clear(fl_codec_blob *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}
