/* SPDX-License-Identifier: Apache-2.0 */
/* test_msg_close: the closed_by text (which rule closed each secure-
 * aggregation phase): format, parse, refusals, and its trip through
 * RoundInfo in a JobStatus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_test.h"

static void test_format_parse(void)
{
	uint8_t by[FL_MSG_PHASES] = { FL_CLOSE_ALL, FL_CLOSE_GRACE, FL_CLOSE_DEADLINE,
				      FL_CLOSE_ALL, FL_CLOSE_GRACE };
	uint8_t back[FL_MSG_PHASES], none[FL_MSG_PHASES] = { 0 };
	char buf[FL_MSG_CLOSED_BY_BYTES];

	fl_msg_closed_by_format(by, buf);
	FL_CHECK(strcmp(buf, "advertise=all share=grace input=deadline "
			"consistency=all unmask=grace") == 0);
	FL_CHECK_EQ_INT(fl_msg_closed_by_parse(buf, back), 0);
	FL_CHECK(memcmp(by, back, sizeof(by)) == 0);
	/* the longest text fits */
	memset(by, FL_CLOSE_DEADLINE, sizeof(by));
	fl_msg_closed_by_format(by, buf);
	FL_CHECK(strlen(buf) < FL_MSG_CLOSED_BY_BYTES - 1);
	FL_CHECK_EQ_INT(fl_msg_closed_by_parse(buf, back), 0);
	FL_CHECK(memcmp(by, back, sizeof(by)) == 0);
	/* a failed attempt: only the phases that closed */
	memset(by, 0, sizeof(by));
	by[0] = FL_CLOSE_ALL;
	by[2] = FL_CLOSE_DEADLINE;
	fl_msg_closed_by_format(by, buf);
	FL_CHECK(strcmp(buf, "advertise=all input=deadline") == 0);
	fl_msg_closed_by_format(none, buf);
	FL_CHECK(strcmp(buf, "") == 0);
	FL_CHECK_EQ_INT(fl_msg_closed_by_parse("", back), 0);
	FL_CHECK(memcmp(back, none, sizeof(none)) == 0);
}

static void test_refusals(void)
{
	static const char *bad[] = {
		"advertise=soon", "input", "=all", "input=", "off=all", "unknown=all",
		"share=all share=grace", "share=all ", " share=all", "share=all  input=all",
		"share=all,input=all", "Share=all", "share=ALL",
	};
	uint8_t by[FL_MSG_PHASES];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FL_CHECK_EQ_INT(fl_msg_closed_by_parse(bad[i], by), FL_E_PARSE);
		if (fl_msg_closed_by_parse(bad[i], by) != FL_E_PARSE)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
	}
}

/* JobStatus with one round: closed_by survives the trip; a coordinator's
 * malformed text is refused by the decoder. */
static void test_codec(void)
{
	fl_msg_round_info r;
	fl_msg_job_status st, out;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(&st, 0, sizeof(st));
	memset(&r, 0, sizeof(r));
	r.round = 2;
	r.attempt = 1;
	strcpy(r.state, "done");
	strcpy(r.kind, "train");
	strcpy(r.closed_by, "advertise=all share=all input=grace consistency=all "
	       "unmask=all");
	st.job.job_id = 7;
	strcpy(st.job.state, "running");
	st.rounds = &r;
	st.nrounds = 1;
	FL_CHECK_EQ_INT(fl_codec_encode_job_status(&st, &buf, &len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_status(buf, len, &out), 0);
	FL_CHECK(out.nrounds == 1 && strcmp(out.rounds[0].closed_by, r.closed_by) == 0);
	fl_msg_job_status_clear(&out);
	free(buf);
	buf = NULL;
	strcpy(r.closed_by, "input=whenever");
	FL_CHECK_EQ_INT(fl_codec_encode_job_status(&st, &buf, &len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_status(buf, len, &out), FL_E_PARSE);
	free(buf);
}

int main(void)
{
	test_format_parse();
	test_refusals();
	test_codec();
	return FL_TEST_DONE();
}
