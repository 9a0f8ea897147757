/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_util: the codecs' base layer over protobuf-c: pack, unpack and
 * its wire check, and the string and byte copies every codec uses. Below
 * the table walker (fl_codec_tab) and the message codecs (fl_codec_int.h),
 * which include it; it includes neither. */
#ifndef FL_CODEC_UTIL_H
#define FL_CODEC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Packs m into a malloc'd buffer (caller frees; at least 1 byte allocated
 * even for an empty message). FL_E_TOOBIG if the result would exceed
 * FL_MSG_MAX_BYTES, FL_E_NOMEM. */
int fl_codec_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

/* Unpacks untrusted bytes as a d message. Refuses len > FL_MSG_MAX_BYTES
 * (FL_E_TOOBIG), bytes that do not parse (FL_E_PARSE) and strings holding
 * a NUL byte (FL_E_PARSE). Returns the message (owned by the caller, freed
 * with fl_codec_free) and sets *err = 0, or returns NULL with *err set. */
ProtobufCMessage *fl_codec_unpack(const ProtobufCMessageDescriptor *d,
				  const uint8_t *buf, size_t len, int *err);
void fl_codec_free(ProtobufCMessage *m);

/* Walks the wire form of a d message and refuses string fields (at any
 * depth) that contain a NUL byte, and malformed framing: FL_E_PARSE. */
int fl_codec_wire_check(const ProtobufCMessageDescriptor *d,
			const uint8_t *buf, size_t len);

/* True if the fixed-size field holds a NUL-terminated string. */
bool fl_codec_fixed_ok(const char *field, size_t cap);
/* Copies src ("" if NULL) into a fixed field of cap bytes; FL_E_TOOBIG if
 * it does not fit with its NUL. */
int fl_codec_str_in(char *dst, size_t cap, const char *src);
/* Duplicates src into *out (malloc'd). Empty src gives NULL when
 * null_if_empty. FL_E_TOOBIG if strlen(src) > max, FL_E_NOMEM. */
int fl_codec_str_dup(const char *src, size_t max, bool null_if_empty,
		     char **out);

/* Copies bytes src into dst (cap bytes), *len its length; FL_E_TOOBIG if
 * it does not fit. */
int fl_codec_bytes_in(uint8_t *dst, size_t cap, size_t *len,
		      ProtobufCBinaryData src);

#endif
