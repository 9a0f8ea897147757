/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_wire: a schema-guided walk of protobuf wire bytes that refuses
 * NUL bytes inside string fields (protobuf-c would truncate them). */
#include <string.h>
#include "fl_codec_util.h"
#include "fl_err.h"

#define FL_WIRE_MAX_DEPTH 8

static int wire_varint(const uint8_t *buf, size_t len, size_t *pos,
		       uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*pos >= len)
			return FL_E_PARSE;
		b = buf[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return FL_E_PARSE;
}

static int wire_walk(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
		     size_t len, int depth)
{
	size_t pos = 0;
	uint64_t key, n;
	int r;

	if (depth > FL_WIRE_MAX_DEPTH)
		return FL_E_PARSE;
	while (pos < len) {
		const ProtobufCFieldDescriptor *f;

		if ((r = wire_varint(buf, len, &pos, &key)) != 0)
			return r;
		switch (key & 7) {
		case 0:
			if ((r = wire_varint(buf, len, &pos, &n)) != 0)
				return r;
			break;
		case 1:
		case 5:
			n = (key & 7) == 1 ? 8 : 4;
			if (len - pos < n)
				return FL_E_PARSE;
			pos += n;
			break;
		case 2:
			if ((r = wire_varint(buf, len, &pos, &n)) != 0)
				return r;
			if (n > len - pos)
				return FL_E_PARSE;
			f = NULL;
			if (key >> 3 <= UINT32_MAX)
				f = protobuf_c_message_descriptor_get_field(
					d, (unsigned)(key >> 3));
			if (f && f->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(buf + pos, '\0', (size_t)n) != NULL)
				return FL_E_PARSE;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    (r = wire_walk(f->descriptor, buf + pos, (size_t)n,
					   depth + 1)) != 0)
				return r;
			pos += (size_t)n;
			break;
		default:
			/* Groups are not part of proto3. */
			return FL_E_PARSE;
		}
	}
	return 0;
}

int fl_codec_wire_check(const ProtobufCMessageDescriptor *d,
			const uint8_t *buf, size_t len)
{
	if (!d || (!buf && len))
		return FL_E_INVAL;
	return wire_walk(d, buf, len, 0);
}
