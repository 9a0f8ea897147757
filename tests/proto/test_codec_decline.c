/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_decline: a site's decline (Agent Decline) and the declines
 * of a job status (Control SiteDecline): round trips, the reason names,
 * and refusal of unknown reasons, control characters, oversize texts,
 * garbage and truncated input. With "--write-corpus DIR" it writes the
 * fuzz_codec seed "decline" instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"
#include "test_wbuf.h"

static int dec_decline(const uint8_t *b, size_t n)
{
	fl_msg_decline m;

	memset(&m, 0x5a, sizeof(m));
	return fl_codec_decode_decline(b, n, &m);
}

static void check_names(void)
{
	for (int r = 1; r <= FL_DECLINE_LAST; r++) {
		const char *n = fl_decline_reason_name((enum fl_decline_reason)r);

		FL_CHECK(strcmp(n, "unspecified") != 0);
		FL_CHECK_EQ_INT(fl_decline_reason_parse(n), r);
	}
	FL_CHECK(strcmp(fl_decline_reason_name(FL_DECLINE_COLUMN), "column_missing") == 0);
	FL_CHECK(strcmp(fl_decline_reason_name((enum fl_decline_reason)99), "unspecified") == 0);
	FL_CHECK_EQ_INT(fl_decline_reason_parse("nonsense"), FL_DECLINE_NONE);
	FL_CHECK_EQ_INT(fl_decline_reason_parse(NULL), FL_DECLINE_NONE);
	/* all reasons hold for the job but a trainer's failure */
	FL_CHECK(fl_decline_lasting(FL_DECLINE_DATASET));
	FL_CHECK(fl_decline_lasting(FL_DECLINE_LABEL));
	FL_CHECK(fl_decline_lasting(FL_DECLINE_DIVERGED));
	FL_CHECK(!fl_decline_lasting(FL_DECLINE_TRAINER));
	FL_CHECK(!fl_decline_lasting(FL_DECLINE_POLICY_ROUND));
	FL_CHECK(strcmp(fl_decline_reason_name(FL_DECLINE_POLICY_ROUND), "policy_round") == 0);
	FL_CHECK(!fl_decline_lasting(FL_DECLINE_NONE));
}

/* Returns the encoding (caller frees) of a good decline. */
static uint8_t *rt_decline(size_t *len)
{
	fl_msg_decline in, out;
	uint8_t *b = NULL;

	memset(&in, 0, sizeof(in));
	in.job_id = 7;
	in.round = 0;
	in.attempt = 2;
	in.reason = FL_DECLINE_LABEL;
	snprintf(in.text, sizeof(in.text), "12 of 300 rows have a 'label' that is "
		 "not one of the job's 2 labels");
	FL_CHECK_EQ_INT(fl_codec_encode_decline(&in, &b, len), 0);
	memset(&out, 0x5a, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_decline(b, *len, &out), 0);
	FL_CHECK_EQ_INT(out.job_id, 7);
	FL_CHECK_EQ_INT(out.attempt, 2);
	FL_CHECK_EQ_INT(out.reason, FL_DECLINE_LABEL);
	FL_CHECK(strcmp(out.text, in.text) == 0);
	/* truncated input never decodes into a success with a changed text */
	for (size_t k = 1; k < *len; k++) {
		memset(&out, 0, sizeof(out));
		if (fl_codec_decode_decline(b, k, &out) == 0)
			FL_CHECK(strcmp(out.text, in.text) != 0 || out.reason != in.reason);
	}
	return b;
}

static void check_encode_refusals(void)
{
	fl_msg_decline in;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&in, 0, sizeof(in));
	in.reason = FL_DECLINE_NONE;
	FL_CHECK_EQ_INT(fl_codec_encode_decline(&in, &b, &n), FL_E_RANGE);
	in.reason = (enum fl_decline_reason)(FL_DECLINE_LAST + 1);
	FL_CHECK_EQ_INT(fl_codec_encode_decline(&in, &b, &n), FL_E_RANGE);
	in.reason = FL_DECLINE_POLICY;
	snprintf(in.text, sizeof(in.text), "two\nlines");
	FL_CHECK_EQ_INT(fl_codec_encode_decline(&in, &b, &n), FL_E_PARSE);
	memset(in.text, 'x', sizeof(in.text));   /* no NUL */
	FL_CHECK(fl_codec_encode_decline(&in, &b, &n) != 0);
	FL_CHECK(b == NULL);
	FL_CHECK_EQ_INT(fl_codec_encode_decline(NULL, &b, &n), FL_E_INVAL);
}

static void check_hostile(void)
{
	wbuf w = { 0 };
	uint8_t junk[64];

	w_uint(&w, 1, 1);
	w_uint(&w, 4, 99);   /* unknown reason */
	FL_CHECK_EQ_INT(dec_decline(w.b, w.n), FL_E_RANGE);
	w_reset(&w);
	w_uint(&w, 1, 1);    /* no reason at all */
	FL_CHECK_EQ_INT(dec_decline(w.b, w.n), FL_E_RANGE);
	w_reset(&w);
	w_uint(&w, 4, FL_DECLINE_COLUMN);
	w_str(&w, 5, "bell\a");   /* a control character */
	FL_CHECK_EQ_INT(dec_decline(w.b, w.n), FL_E_PARSE);
	w_reset(&w);
	w_uint(&w, 4, FL_DECLINE_COLUMN);
	w_fill(&w, 5, 'a', FL_MSG_DECLINE_TEXT_MAX + 1);   /* one byte over */
	FL_CHECK_EQ_INT(dec_decline(w.b, w.n), FL_E_TOOBIG);
	w_reset(&w);
	w_uint(&w, 4, FL_DECLINE_COLUMN);
	w_fill(&w, 5, 'a', FL_MSG_DECLINE_TEXT_MAX);       /* exactly the cap */
	FL_CHECK_EQ_INT(dec_decline(w.b, w.n), 0);
	w_reset(&w);
	memset(junk, 0xff, sizeof(junk));
	FL_CHECK(dec_decline(junk, sizeof(junk)) != 0);
	FL_CHECK_EQ_INT(fl_codec_decode_decline(junk, 1, NULL), FL_E_INVAL);
	free(w.b);
}

/* A job status carries its declines; a bad one makes the whole status bad. */
static void check_job_status(void)
{
	fl_msg_job_status in, out;
	fl_msg_decline d[2];
	uint8_t *b = NULL;
	size_t n = 0;

	memset(&in, 0, sizeof(in));
	memset(d, 0, sizeof(d));
	in.job.job_id = 3;
	snprintf(in.job.state, sizeof(in.job.state), "failed");
	d[0].round = 0;
	d[0].attempt = 1;
	d[0].reason = FL_DECLINE_COLUMN;
	d[0].at_ms = 1234;
	snprintf(d[0].site, sizeof(d[0].site), "site1");
	snprintf(d[0].text, sizeof(d[0].text), "feature column 'x.37' is not in the data");
	d[1] = d[0];
	d[1].reason = FL_DECLINE_DATASET;
	d[1].attempt = 0;
	snprintf(d[1].site, sizeof(d[1].site), "site2");
	in.declines = d;
	in.ndeclines = 2;
	FL_CHECK_EQ_INT(fl_codec_encode_job_status(&in, &b, &n), 0);
	memset(&out, 0, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_job_status(b, n, &out), 0);
	FL_CHECK_EQ_INT(out.ndeclines, 2);
	if (out.ndeclines == 2) {
		FL_CHECK(strcmp(out.declines[0].site, "site1") == 0);
		FL_CHECK_EQ_INT(out.declines[0].reason, FL_DECLINE_COLUMN);
		FL_CHECK_EQ_INT(out.declines[0].at_ms, 1234);
		FL_CHECK(strcmp(out.declines[0].text, d[0].text) == 0);
		FL_CHECK_EQ_INT(out.declines[1].reason, FL_DECLINE_DATASET);
		FL_CHECK_EQ_INT(out.declines[1].attempt, 0);
	}
	fl_msg_job_status_clear(&out);
	FL_CHECK(out.declines == NULL && out.ndeclines == 0);
	free(b);
	b = NULL;
	d[1].reason = FL_DECLINE_NONE;   /* not sent */
	FL_CHECK_EQ_INT(fl_codec_encode_job_status(&in, &b, &n), FL_E_RANGE);
	FL_CHECK(b == NULL);
	{
		/* an old coordinator's status (no declines) still decodes */
		wbuf w = { 0 }, job = { 0 }, decl = { 0 };

		w_uint(&job, 1, 3);
		w_sub(&w, 1, &job);
		memset(&out, 0, sizeof(out));
		FL_CHECK_EQ_INT(fl_codec_decode_job_status(w.b, w.n, &out), 0);
		FL_CHECK_EQ_INT(out.ndeclines, 0);
		fl_msg_job_status_clear(&out);
		/* and one with a decline of an unknown reason is refused */
		w_str(&decl, 3, "site9");
		w_uint(&decl, 4, 42);
		w_sub(&w, 3, &decl);
		FL_CHECK_EQ_INT(fl_codec_decode_job_status(w.b, w.n, &out), FL_E_RANGE);
		free(w.b);
		free(job.b);
		free(decl.b);
	}
}

int main(int argc, char **argv)
{
	uint8_t *b;
	size_t n = 0;
	int rc = 0;

	FL_CHECK_EQ_INT((int)fuzz_codec_id("decline"), FUZZ_DECLINE);
	b = rt_decline(&n);
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/decline", argv[2]);
		if ((f = fopen(path, "wb")) == NULL) {
			rc = 1;
		} else {
			fputc(FUZZ_DECLINE, f);
			fwrite(b, 1, n, f);
			fclose(f);
		}
	} else {
		check_names();
		check_encode_refusals();
		check_hostile();
		check_job_status();
	}
	free(b);
	return rc ? rc : FL_TEST_DONE();
}
