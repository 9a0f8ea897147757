/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the agent's model reassembly, backoff and done set (no
 * network). The masked upload is in test_agent_upload.c. */
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_test.h"

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
	test_blob();
	test_backoff();
	test_done();
	return FL_TEST_DONE();
}
