/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_blob: reassembles a file sent as a stream of ModelChunks
 * (GetModel, for the agent and for fedctl alike). */
#ifndef FL_CODEC_BLOB_H
#define FL_CODEC_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_msg.h"
#include "fl_rpc.h"

typedef struct fl_codec_blob {
	uint8_t *data;     /* owned */
	size_t len;        /* bytes received */
	size_t total;      /* announced size */
	bool started;
} fl_codec_blob;

/* Appends one chunk after checking that it continues the file: the first
 * chunk announces 1..max bytes (else FL_E_TOOBIG), later ones the same
 * size and the next offset (else FL_E_PARSE), and no chunk runs past the
 * end (FL_E_TOOBIG). FL_E_NOMEM. The reason goes to errmsg
 * (FL_ERRMSG_BYTES, may be NULL). */
int fl_codec_blob_feed(fl_codec_blob *b, const fl_msg_chunk *c, size_t max,
		       char *errmsg);

/* Receives and feeds chunks from s until the server ends the stream, then
 * checks that the file is whole (FL_E_PARSE if not). A broken stream
 * returns its error with *broke set (its status tells why); a bad chunk
 * (fl_codec_decode_chunk's errors) or a feed error leaves *broke false.
 * The reason goes to errmsg. */
int fl_codec_blob_recv(fl_rpc_stream *s, fl_codec_blob *b, size_t max,
		       char *errmsg, bool *broke);

/* Frees b's data and zeroes b; NULL is fine. */
void fl_codec_blob_clear(fl_codec_blob *b);

#endif
