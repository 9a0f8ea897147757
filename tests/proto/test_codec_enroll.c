/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_enroll: round trips of the enrollment messages, their caps,
 * and refusal of oversize, garbage and truncated input. With
 * "--write-corpus DIR" it writes seed files for fuzz_codec instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec_enroll.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"

typedef struct sample {
	const char *name;
	uint8_t *buf;
	size_t len;
	int (*dec)(const uint8_t *b, size_t n);
} sample;

static int dec_req(const uint8_t *b, size_t n)
{
	fl_msg_enroll_req m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_enroll_req(b, n, &m)) == 0)
		fl_msg_enroll_req_clear(&m);
	return r;
}

static int dec_reply(const uint8_t *b, size_t n)
{
	fl_msg_enroll_reply m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_enroll_reply(b, n, &m)) == 0)
		fl_msg_enroll_reply_clear(&m);
	return r;
}

static int dec_treq(const uint8_t *b, size_t n)
{
	fl_msg_enroll_token_req m;

	return fl_codec_decode_enroll_token_req(b, n, &m);
}

static int dec_tok(const uint8_t *b, size_t n)
{
	fl_msg_enroll_token m;

	return fl_codec_decode_enroll_token(b, n, &m);
}

static void rt_req(sample *s)
{
	fl_msg_enroll_req in, out;
	char csr[] = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n"
		     "-----END CERTIFICATE REQUEST-----\n";

	memset(&in, 0, sizeof(in));
	strcpy(in.token, "fedc1.0123abcd.00112233445566778899aabbccddeeff00112233");
	strcpy(in.agent_version, "fedc-agent");
	in.csr_pem = csr;
	FL_CHECK_EQ_INT(fl_codec_encode_enroll_req(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_enroll_req(s->buf, s->len, &out), 0);
	FL_CHECK(!strcmp(out.token, in.token) && !strcmp(out.csr_pem, csr) &&
		 !strcmp(out.agent_version, "fedc-agent"));
	fl_msg_enroll_req_clear(&out);
	FL_CHECK(out.csr_pem == NULL);
	in.csr_pem = NULL;
	FL_CHECK(fl_codec_encode_enroll_req(&in, &s->buf, &s->len) == FL_E_INVAL);
}

static void rt_reply(sample *s)
{
	fl_msg_enroll_reply in, out;
	char cert[] = "CERT", ca[] = "CA";

	memset(&in, 0, sizeof(in));
	strcpy(in.site, "site4");
	strcpy(in.serial, "4ea2df1d");
	in.cert_pem = cert;
	in.ca_pem = ca;
	in.not_after_ms = 1234567890123LL;
	in.renew_days = 30;
	FL_CHECK_EQ_INT(fl_codec_encode_enroll_reply(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_enroll_reply(s->buf, s->len, &out), 0);
	FL_CHECK(!strcmp(out.site, "site4") && !strcmp(out.serial, "4ea2df1d") &&
		 !strcmp(out.cert_pem, "CERT") && !strcmp(out.ca_pem, "CA"));
	FL_CHECK(out.not_after_ms == 1234567890123LL && out.renew_days == 30);
	fl_msg_enroll_reply_clear(&out);
}

static void rt_treq(sample *s)
{
	fl_msg_enroll_token_req in = { "site4", 3600 }, out;

	FL_CHECK_EQ_INT(fl_codec_encode_enroll_token_req(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_enroll_token_req(s->buf, s->len, &out), 0);
	FL_CHECK(!strcmp(out.site, "site4") && out.ttl_s == 3600);
}

static void rt_tok(sample *s)
{
	fl_msg_enroll_token in, out;

	memset(&in, 0, sizeof(in));
	strcpy(in.site, "site4");
	strcpy(in.token, "fedc1.0123abcd.ffee");
	in.expires_ms = 1800000000000LL;
	FL_CHECK_EQ_INT(fl_codec_encode_enroll_token(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_enroll_token(s->buf, s->len, &out), 0);
	FL_CHECK(!strcmp(out.site, "site4") && !strcmp(out.token, in.token) &&
		 out.expires_ms == in.expires_ms);
}

static void check_refusals(const sample *s)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t badwire[] = { 0x0f, 0x01 };
	static const uint8_t overlen[] = { 0x0a, 0x7f, 'a' };
	static const uint8_t nul[] = { 0x0a, 0x02, 'a', 0x00 };
	uint8_t *big = calloc(1, FL_MSG_MAX_BYTES + 1);
	int r;

	FL_CHECK_EQ_INT(s->dec(big, FL_MSG_MAX_BYTES + 1), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(s->dec(garbage, sizeof(garbage)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(badwire, sizeof(badwire)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(overlen, sizeof(overlen)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(nul, sizeof(nul)), FL_E_PARSE);
	for (size_t cut = 1; cut <= s->len; cut++) {
		r = s->dec(s->buf, s->len - cut);
		/* every prefix either fails to parse or is a shorter valid message
		 * (cut at a field boundary); never a crash */
		FL_CHECK(r == 0 || r == FL_E_PARSE);
	}
	FL_CHECK_EQ_INT(s->dec(s->buf, s->len - 1), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(s->buf, s->len), 0);
	free(big);
}

static void check_caps(void)
{
	fl_msg_enroll_token_req tr;
	fl_msg_enroll_req rq;
	uint8_t *b = NULL;
	size_t n = 0;
	char *huge = malloc(FL_ENROLL_PEM_MAX + 2);

	/* a site name one byte too long (no NUL in the fixed field) */
	memset(&tr, 'x', sizeof(tr.site));
	tr.ttl_s = 1;
	FL_CHECK_EQ_INT(fl_codec_encode_enroll_token_req(&tr, &b, &n), FL_E_INVAL);
	memset(&rq, 0, sizeof(rq));
	memset(huge, 'a', FL_ENROLL_PEM_MAX + 1);
	huge[FL_ENROLL_PEM_MAX + 1] = '\0';
	rq.csr_pem = huge;
	FL_CHECK_EQ_INT(fl_codec_encode_enroll_req(&rq, &b, &n), FL_E_INVAL);
	free(huge);
}

static int write_corpus(const char *dir, const sample *s, size_t n)
{
	char path[512];

	for (size_t i = 0; i < n; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, s[i].name);
		if ((f = fopen(path, "wb")) == NULL)
			return 1;
		fputc((int)fuzz_codec_id(s[i].name), f);
		fwrite(s[i].buf, 1, s[i].len, f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	sample s[] = {
		{ "enroll_req", NULL, 0, dec_req },
		{ "enroll_reply", NULL, 0, dec_reply },
		{ "enroll_token_req", NULL, 0, dec_treq },
		{ "enroll_token", NULL, 0, dec_tok },
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	int rc = 0;

	rt_req(&s[0]);
	rt_reply(&s[1]);
	rt_treq(&s[2]);
	rt_tok(&s[3]);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("enroll_token_req"), FUZZ_ENROLL_TOKEN_REQ);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("enroll_token"), FUZZ_ENROLL_TOKEN);
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0) {
		rc = write_corpus(argv[2], s, n);
	} else {
		for (size_t i = 0; i < n; i++)
			check_refusals(&s[i]);
		check_caps();
	}
	for (size_t i = 0; i < n; i++)
		free(s[i].buf);
	return rc ? rc : FL_TEST_DONE();
}
