/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_util: pack/unpack with size caps, string and byte helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec_util.h"
#include "fl_err.h"
#include "fl_msg.h"

int fl_codec_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t n;
	uint8_t *b;

	if (!m || !buf || !len)
		return FL_E_INVAL;
	n = protobuf_c_message_get_packed_size(m);
	if (n > FL_MSG_MAX_BYTES)
		return FL_E_TOOBIG;
	/* Empty messages pack to zero bytes; still hand back a real buffer. */
	if ((b = malloc(n ? n : 1)) == NULL)
		return FL_E_NOMEM;
	if (protobuf_c_message_pack(m, b) != n) {
		free(b);
		return FL_E_INVAL;
	}
	*buf = b;
	*len = n;
	return 0;
}

ProtobufCMessage *fl_codec_unpack(const ProtobufCMessageDescriptor *d,
				  const uint8_t *buf, size_t len, int *err)
{
	static const uint8_t empty[1];
	ProtobufCMessage *m = NULL;
	int r;

	if (!d || (!buf && len)) {
		r = FL_E_INVAL;
		goto out;
	}
	if (len > FL_MSG_MAX_BYTES) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (!buf)
		buf = empty;
	if ((m = protobuf_c_message_unpack(d, NULL, len, buf)) == NULL) {
		r = FL_E_PARSE;
		goto out;
	}
	/* protobuf-c stops C strings at the first NUL: refuse such input
	 * rather than silently truncating names. */
	if ((r = fl_codec_wire_check(d, buf, len)) != 0) {
		protobuf_c_message_free_unpacked(m, NULL);
		m = NULL;
	}
out:
	if (err)
		*err = r;
	return m;
}

void fl_codec_free(ProtobufCMessage *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

bool fl_codec_fixed_ok(const char *field, size_t cap)
{
	return field && memchr(field, '\0', cap) != NULL;
}

int fl_codec_str_in(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	n = strlen(src);
	if (n >= cap)
		return FL_E_TOOBIG;
	memcpy(dst, src, n + 1);
	return 0;
}

int fl_codec_str_dup(const char *src, size_t max, bool null_if_empty,
		     char **out)
{
	size_t n;
	char *s;

	if (!src)
		src = "";
	n = strlen(src);
	if (n > max)
		return FL_E_TOOBIG;
	if (n == 0 && null_if_empty) {
		*out = NULL;
		return 0;
	}
	if ((s = malloc(n + 1)) == NULL)
		return FL_E_NOMEM;
	memcpy(s, src, n + 1);
	*out = s;
	return 0;
}

int fl_codec_bytes_in(uint8_t *dst, size_t cap, size_t *len,
		      ProtobufCBinaryData src)
{
	if (src.len > cap)
		return FL_E_TOOBIG;
	if (src.len)
		memcpy(dst, src.data, src.len);
	*len = src.len;
	return 0;
}
