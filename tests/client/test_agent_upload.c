/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the agent's upload chunking, model reassembly, backoff and
 * done set (no network). */
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"

/* Collects the encoded messages of an upload stream. */
typedef struct sink {
	fl_msg_update_part parts[16];
	size_t n;
	size_t fail_at;     /* 1-based call that fails, 0 = never */
} sink;

static int collect(void *ctx, const uint8_t *msg, size_t len)
{
	sink *s = ctx;

	if (s->fail_at && s->n + 1 == s->fail_at)
		return FL_E_NET;
	if (s->n == 16 || fl_codec_decode_update_part(msg, len, &s->parts[s->n]) != 0)
		return FL_E_PARSE;
	s->n++;
	return 0;
}

static void sink_clear(sink *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		fl_msg_update_part_clear(&s->parts[i]);
	s->n = 0;
}

static double get_le(const uint8_t *p)
{
	uint64_t u = 0;
	double d;
	int b;

	for (b = 7; b >= 0; b--)
		u = (u << 8) | p[b];
	memcpy(&d, &u, sizeof(d));
	return d;
}

static void header(fl_msg_update_header *h, uint64_t words)
{
	memset(h, 0, sizeof(*h));
	h->job_id = 9;
	h->round = 4;
	h->attempt = 2;
	h->kind = FL_TASK_TRAIN;
	h->encoding = FL_ENC_F64;
	h->words = words;
}

static void test_chunks(void)
{
	const uint64_t words = 70000;   /* 560000 bytes: 256 KiB, 256 KiB, rest */
	fl_msg_update_header h;
	double *v = malloc(words * sizeof(double));
	sink s;
	size_t i, off = 0, bad = 0;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < words; i++)
		v[i] = (double)i * 0.5 - 1000.25;
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(0), 0);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(1), 1);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(32768), 1);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(32769), 2);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(words), 3);
	header(&h, words);
	FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, v, words, collect, &s), 0);
	FL_CHECK_EQ_INT(s.n, 4);
	FL_CHECK(s.parts[0].is_header);
	FL_CHECK_EQ_INT(s.parts[0].header.job_id, 9);
	FL_CHECK_EQ_INT(s.parts[0].header.round, 4);
	FL_CHECK_EQ_INT(s.parts[0].header.attempt, 2);
	FL_CHECK_EQ_INT(s.parts[0].header.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(s.parts[0].header.words, words);
	FL_CHECK_EQ_INT(s.parts[1].len, FL_AGENT_CHUNK_BYTES);
	FL_CHECK_EQ_INT(s.parts[2].len, FL_AGENT_CHUNK_BYTES);
	FL_CHECK_EQ_INT(s.parts[3].len, words * 8 - 2 * FL_AGENT_CHUNK_BYTES);
	for (i = 1; i < s.n; i++) {
		size_t j;

		FL_CHECK(!s.parts[i].is_header);
		for (j = 0; j + 8 <= s.parts[i].len; j += 8, off++)
			bad += get_le(s.parts[i].data + j) != v[off];
	}
	FL_CHECK_EQ_INT(off, words);
	FL_CHECK_EQ_INT(bad, 0);
	sink_clear(&s);

	/* A small vector goes as one chunk. */
	header(&h, 71);
	FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, v, 71, collect, &s), 0);
	FL_CHECK_EQ_INT(s.n, 2);
	FL_CHECK_EQ_INT(s.parts[1].len, 71 * 8);
	FL_CHECK_NEAR(get_le(s.parts[1].data + 70 * 8), v[70], 0);
	sink_clear(&s);

	/* The header must state the length; a failing sink stops the stream. */
	FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, v, 72, collect, &s), FL_E_INVAL);
	FL_CHECK_EQ_INT(s.n, 0);
	header(&h, words);
	s.fail_at = 3;
	FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, v, words, collect, &s), FL_E_NET);
	FL_CHECK_EQ_INT(s.n, 2);
	sink_clear(&s);
	free(v);
}

static void test_blob(void)
{
	char msg[FL_ERRMSG_BYTES] = "";
	uint8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	fl_msg_chunk c1 = { 10, 0, data, 6 }, c2 = { 10, 6, data + 6, 4 };
	fl_msg_chunk skip = { 10, 7, data + 6, 3 }, over = { 10, 6, data, 5 };
	fl_msg_chunk other = { 11, 6, data + 6, 4 }, huge = { (uint64_t)1 << 62, 0, data, 1 };
	fl_agent_blob b;

	memset(&b, 0, sizeof(b));
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &c1, msg), 0);
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &skip, msg), FL_E_PARSE);
	FL_CHECK(strstr(msg, "offset") != NULL);
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &over, msg), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &other, msg), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &c2, msg), 0);
	FL_CHECK_EQ_INT(b.len, 10);
	FL_CHECK(b.data && memcmp(b.data, data, 10) == 0);
	fl_agent_blob_clear(&b);
	FL_CHECK_EQ_INT(fl_agent_blob_feed(&b, &huge, msg), FL_E_TOOBIG);
	fl_agent_blob_clear(&b);
}

static void test_backoff(void)
{
	const uint32_t base[] = { 500, 1000, 2000, 4000, 8000, 10000, 10000 };
	fl_agent_backoff b;
	uint32_t d, i, distinct = 0, prev = 0;

	fl_agent_backoff_init(&b, 42);
	for (i = 0; i < 7; i++) {
		d = fl_agent_backoff_fail(&b);
		FL_CHECK(d >= base[i] * 8 / 10 && d <= base[i] * 12 / 10);
		FL_CHECK(d <= FL_AGENT_BACKOFF_MAX_MS);
	}
	FL_CHECK_EQ_INT(fl_agent_backoff_ok(&b), 7);
	FL_CHECK_EQ_INT(fl_agent_backoff_ok(&b), 0);
	/* Back to the start, with jitter that varies. */
	for (i = 0; i < 20; i++) {
		d = fl_agent_backoff_fail(&b);
		FL_CHECK(d >= 400 && d <= 600);
		distinct += d != prev;
		prev = d;
		fl_agent_backoff_ok(&b);
	}
	FL_CHECK(distinct > 10);
}

static void test_done(void)
{
	fl_agent_done d;
	uint32_t i;

	fl_agent_done_init(&d);
	FL_CHECK(!fl_agent_done_has(&d, 1, 2, 1));
	fl_agent_done_add(&d, 1, 2, 1);
	FL_CHECK(fl_agent_done_has(&d, 1, 2, 1));
	FL_CHECK(!fl_agent_done_has(&d, 1, 2, 2));
	FL_CHECK(!fl_agent_done_has(&d, 1, 3, 1));
	FL_CHECK(!fl_agent_done_has(&d, 2, 2, 1));
	/* A full ring forgets the oldest entry only. */
	for (i = 0; i < FL_AGENT_DONE_SLOTS - 1; i++)
		fl_agent_done_add(&d, 7, i, 1);
	FL_CHECK(fl_agent_done_has(&d, 1, 2, 1));
	fl_agent_done_add(&d, 8, 0, 1);
	FL_CHECK(!fl_agent_done_has(&d, 1, 2, 1));
	FL_CHECK(fl_agent_done_has(&d, 7, 0, 1));
	FL_CHECK(fl_agent_done_has(&d, 8, 0, 1));
}

int main(void)
{
	test_chunks();
	test_blob();
	test_backoff();
	test_done();
	return FL_TEST_DONE();
}
