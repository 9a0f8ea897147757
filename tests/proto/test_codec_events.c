/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_events: round trips of EventRequest, EventList, AuditList and
 * SiteDetail (Control GetJobEvents, ListAudit, GetSite), their caps, and
 * refusal of oversize, garbage and truncated input. With
 * "--write-corpus DIR" it writes seed files for fuzz_codec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec_events.h"
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
	fl_msg_event_req m;

	return fl_codec_decode_event_req(b, n, &m);
}

static int dec_events(const uint8_t *b, size_t n)
{
	fl_msg_event_list m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_event_list(b, n, &m)) == 0)
		fl_msg_event_list_clear(&m);
	return r;
}

static int dec_audit(const uint8_t *b, size_t n)
{
	fl_msg_audit_list m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_audit_list(b, n, &m)) == 0)
		fl_msg_audit_list_clear(&m);
	return r;
}

static int dec_site(const uint8_t *b, size_t n)
{
	fl_msg_site_detail m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_site_detail(b, n, &m)) == 0)
		fl_msg_site_detail_clear(&m);
	return r;
}

static void rt_req(sample *s)
{
	fl_msg_event_req in = { 42, 7 }, out;

	FL_CHECK_EQ_INT(fl_codec_encode_event_req(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_event_req(s->buf, s->len, &out), 0);
	FL_CHECK(out.job_id == 42 && out.after_id == 7);
}

static void rt_events(sample *s)
{
	fl_msg_job_event e[2];
	fl_msg_event_list in = { e, 2, "running" }, out;
	uint8_t *b = NULL;
	size_t n = 0;

	memset(e, 0, sizeof(e));
	e[0].id = 1, e[0].ts_ms = 1700000000000, e[0].round = 1, e[0].attempt = 1;
	strcpy(e[0].kind, "round_started");
	strcpy(e[0].text, "train round, 3 sites selected");
	e[1].id = 2, e[1].round = 1, e[1].attempt = 2;
	strcpy(e[1].kind, "site_dropped");
	strcpy(e[1].site, "site-b");
	strcpy(e[1].text, "missed the input phase \"x\"");
	FL_CHECK_EQ_INT(fl_codec_encode_event_list(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_event_list(s->buf, s->len, &out), 0);
	FL_CHECK_EQ_INT(out.n, 2);
	FL_CHECK(strcmp(out.job_state, "running") == 0);
	FL_CHECK(out.events[1].id == 2 && out.events[1].attempt == 2);
	FL_CHECK(strcmp(out.events[1].site, "site-b") == 0);
	FL_CHECK(strcmp(out.events[1].text, e[1].text) == 0);
	FL_CHECK(out.events[0].ts_ms == 1700000000000);
	fl_msg_event_list_clear(&out);
	/* An unterminated field is a caller's bug: refused, not read past. */
	memset(e[0].kind, 'k', sizeof(e[0].kind));
	FL_CHECK_EQ_INT(fl_codec_encode_event_list(&in, &b, &n), FL_E_INVAL);
	in.n = FL_EVENTS_MAX_LIST + 1;
	FL_CHECK_EQ_INT(fl_codec_encode_event_list(&in, &b, &n), FL_E_TOOBIG);
	FL_CHECK(b == NULL);
}

static void rt_audit(sample *s)
{
	fl_msg_audit_entry e[1];
	fl_msg_audit_list in = { e, 1 }, out;

	memset(e, 0, sizeof(e));
	e[0].id = 9, e[0].ts_ms = 5;
	strcpy(e[0].who, "admin");
	strcpy(e[0].action, "submit_job");
	strcpy(e[0].detail, "job 1 'demo'");
	FL_CHECK_EQ_INT(fl_codec_encode_audit_list(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_audit_list(s->buf, s->len, &out), 0);
	FL_CHECK_EQ_INT(out.n, 1);
	FL_CHECK(out.entries[0].id == 9 && strcmp(out.entries[0].action, "submit_job") == 0);
	FL_CHECK(strcmp(out.entries[0].detail, "job 1 'demo'") == 0);
	fl_msg_audit_list_clear(&out);
}

static void rt_site(sample *s)
{
	static fl_msg_site_detail in, out;
	fl_msg_site_cert c[1];
	uint64_t jobs[2] = { 3, 5 };

	memset(c, 0, sizeof(c));
	strcpy(in.site.name, "site-a");
	strcpy(in.site.role, "site");
	in.site.last_seen_ms = 77;
	in.site.online = true;
	strcpy(in.datasets, "shuttle,breast");
	strcpy(c[0].serial, "0a1b");
	memset(c[0].fingerprint, 'f', 64);
	c[0].not_after_ms = 99;
	in.certs = c, in.ncerts = 1, in.rounds = 4, in.jobs = jobs, in.njobs = 2;
	FL_CHECK_EQ_INT(fl_codec_encode_site_detail(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_site_detail(s->buf, s->len, &out), 0);
	FL_CHECK(strcmp(out.site.name, "site-a") == 0 && out.site.online);
	FL_CHECK(out.site.last_seen_ms == 77 && out.rounds == 4);
	FL_CHECK(out.ncerts == 1 && strcmp(out.certs[0].serial, "0a1b") == 0);
	FL_CHECK(strlen(out.certs[0].fingerprint) == 64 && out.certs[0].not_after_ms == 99);
	FL_CHECK(out.njobs == 2 && out.jobs[0] == 3 && out.jobs[1] == 5);
	FL_CHECK(strcmp(out.datasets, "shuttle,breast") == 0);
	fl_msg_site_detail_clear(&out);
}

static void check_refusals(const sample *s)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *big = calloc(1, FL_MSG_MAX_BYTES + 1);
	uint8_t junk[256];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int r;

	FL_CHECK_EQ_INT(s->dec(big, FL_MSG_MAX_BYTES + 1), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(s->dec(garbage, sizeof(garbage)), FL_E_PARSE);
	for (size_t cut = 1; cut <= s->len; cut++) {
		r = s->dec(s->buf, s->len - cut);
		FL_CHECK(r == 0 || r == FL_E_PARSE);
	}
	for (int round = 0; round < 300; round++) {
		for (size_t i = 0; i < sizeof(junk); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			junk[i] = (uint8_t)x;
		}
		(void)s->dec(junk, (size_t)(x % sizeof(junk)));
	}
	free(big);
}

/* A string longer than its field is refused (FL_E_TOOBIG), not cut. */
static void check_caps(void)
{
	fl_msg_job_event e;
	fl_msg_event_list in = { &e, 1, "" }, out;
	uint8_t *b = NULL, *p;
	size_t n = 0;
	char *pos;

	memset(&e, 0, sizeof(e));
	memset(e.site, 's', sizeof(e.site) - 1);
	FL_CHECK_EQ_INT(fl_codec_encode_event_list(&in, &b, &n), 0);
	/* Grow the site by one byte on the wire: still well-formed protobuf. */
	p = malloc(n + 1);
	pos = memchr(b, 's', n);
	if (p && pos && pos[-1] == (char)(sizeof(e.site) - 1)) {
		size_t off = (size_t)((uint8_t *)pos - b);

		memcpy(p, b, off);
		p[off - 1] = (uint8_t)sizeof(e.site);
		p[off] = 's';
		memcpy(p + off + 1, b + off, n - off);
		/* the outer length prefix of the event grew by one too */
		p[1] = (uint8_t)(p[1] + 1);
		FL_CHECK_EQ_INT(fl_codec_decode_event_list(p, n + 1, &out), FL_E_TOOBIG);
	} else {
		FL_CHECK(0);
	}
	free(p);
	free(b);
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
		{ "event_req", NULL, 0, dec_req },
		{ "event_list", NULL, 0, dec_events },
		{ "audit_list", NULL, 0, dec_audit },
		{ "site_detail", NULL, 0, dec_site },
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	int rc = 0;

	rt_req(&s[0]);
	rt_events(&s[1]);
	rt_audit(&s[2]);
	rt_site(&s[3]);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("event_req"), FUZZ_EVENT_REQ);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("event_list"), FUZZ_EVENT_LIST);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("audit_list"), FUZZ_AUDIT_LIST);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("site_detail"), FUZZ_SITE_DETAIL);
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
