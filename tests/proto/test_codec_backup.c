/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_backup: BackupChunk round trip and refusals (no file size, a
 * slice outside the file, a digest that is not 32 bytes, no schema
 * version, an oversized slice, bytes that do not parse).
 * With "--write-corpus DIR" it writes a seed file for fuzz_codec instead. */
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"

static uint8_t digest[FL_MSG_SHA256_BYTES];

static void rt(uint8_t **buf, size_t *len)
{
	uint8_t data[500];
	fl_msg_backup_chunk in, out;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	for (size_t i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)(0xa0 + i);
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.part = (fl_msg_chunk){ 4096, 1024, data, sizeof(data) };
	memcpy(in.sha256, digest, sizeof(digest));
	in.schema_version = 4;
	FL_CHECK_EQ_INT(fl_codec_encode_backup_chunk(&in, buf, len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_backup_chunk(*buf, *len, &out), 0);
	FL_CHECK(out.part.total_bytes == 4096 && out.part.offset == 1024);
	FL_CHECK(out.part.len == sizeof(data) && out.part.data &&
		 memcmp(out.part.data, data, sizeof(data)) == 0 &&
		 out.part.data != data);
	FL_CHECK(memcmp(out.sha256, digest, sizeof(digest)) == 0);
	FL_CHECK_EQ_INT(out.schema_version, 4);
	fl_msg_backup_chunk_clear(&out);
	fl_msg_backup_chunk_clear(NULL);
	in.part.len = FL_MSG_CHUNK_MAX + 1;
	FL_CHECK_EQ_INT(fl_codec_encode_backup_chunk(&in, buf + 1, len), FL_E_TOOBIG);
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* Writes a BackupChunk by hand (field numbers of control.proto), so that
 * fields the encoder never makes can be sent; expects the decoder's verdict. */
static void expect(uint64_t total, uint64_t off, size_t dlen, size_t hlen,
		   uint32_t ver, int want)
{
	fl_msg_backup_chunk out;
	uint8_t *buf = calloc(1, dlen + 128);
	size_t n = 0;

	if (!buf) {
		FL_CHECK(0);
		return;
	}
	buf[n++] = 0x08;
	n += put_varint(buf + n, total);
	buf[n++] = 0x10;
	n += put_varint(buf + n, off);
	buf[n++] = 0x1a;
	n += put_varint(buf + n, dlen);
	n += dlen;                          /* zero bytes */
	if (hlen) {
		buf[n++] = 0x22;
		n += put_varint(buf + n, hlen);
		n += hlen;
	}
	if (ver) {
		buf[n++] = 0x28;
		n += put_varint(buf + n, ver);
	}
	memset(&out, 0x5a, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_backup_chunk(buf, n, &out), want);
	if (want == 0)
		fl_msg_backup_chunk_clear(&out);
	else
		FL_CHECK(out.schema_version == 0x5a5a5a5au);   /* untouched */
	free(buf);
}

static void refusals(const uint8_t *good, size_t len)
{
	fl_msg_backup_chunk out;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };

	expect(100, 0, 100, 32, 4, 0);
	expect(100, 100, 0, 32, 4, 0);          /* an empty last slice */
	expect(0, 0, 0, 32, 4, FL_E_RANGE);     /* no file */
	expect(100, 101, 0, 32, 4, FL_E_RANGE); /* offset past the end */
	expect(100, 50, 51, 32, 4, FL_E_RANGE); /* slice past the end */
	expect(UINT64_MAX, UINT64_MAX - 1, 2, 32, 4, FL_E_RANGE);
	expect(100, 0, 10, 31, 4, FL_E_RANGE);  /* short digest */
	expect(100, 0, 10, 0, 4, FL_E_RANGE);   /* no digest */
	expect(100, 0, 10, 33, 4, FL_E_RANGE);
	expect(100, 0, 10, 32, 0, FL_E_RANGE);  /* no schema version */
	expect((uint64_t)FL_MSG_CHUNK_MAX * 4, 0, FL_MSG_CHUNK_MAX + 1, 32, 4,
	       FL_E_TOOBIG);
	FL_CHECK_EQ_INT(fl_codec_decode_backup_chunk(junk, sizeof(junk), &out),
			FL_E_PARSE);
	/* every truncation of a good message: an error or a valid message,
	 * never a crash (ASan) */
	for (size_t n = 0; n < len; n++) {
		memset(&out, 0, sizeof(out));
		if (fl_codec_decode_backup_chunk(good, n, &out) == 0)
			fl_msg_backup_chunk_clear(&out);
	}
	FL_CHECK_EQ_INT(fl_codec_decode_backup_chunk(good, len, NULL), FL_E_INVAL);
}

int main(int argc, char **argv)
{
	uint8_t *buf[2] = { NULL, NULL };
	size_t len = 0;
	int rc = 0;

	rt(buf, &len);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("backup_chunk"), FUZZ_BACKUP_CHUNK);
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0 && buf[0]) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/backup_chunk", argv[2]);
		if ((f = fopen(path, "wb")) == NULL) {
			rc = 1;
		} else {
			fputc(FUZZ_BACKUP_CHUNK, f);
			fwrite(buf[0], 1, len, f);
			fclose(f);
		}
	} else if (buf[0]) {
		refusals(buf[0], len);
	}
	free(buf[0]);
	free(buf[1]);
	return rc ? rc : FL_TEST_DONE();
}
