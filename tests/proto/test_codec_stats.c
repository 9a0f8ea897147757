/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec_stats: round trips of JobStats (Control GetStats), OwnMetrics
 * (Agent ReportMetrics) and SiteMetricsList (Control GetSiteMetrics), their
 * caps and range checks, and refusal of oversize, garbage and truncated
 * input. With "--write-corpus DIR" it writes seed files for fuzz_codec. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"
#include "test_wbuf.h"

typedef struct sample {
	const char *name;
	uint8_t *buf;
	size_t len;
	int (*dec)(const uint8_t *b, size_t n);
	uint8_t str_tag;    /* tag byte of a string field (0: none) */
} sample;

static int dec_stats(const uint8_t *b, size_t n)
{
	fl_msg_job_stats m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_job_stats(b, n, &m)) == 0)
		fl_msg_job_stats_clear(&m);
	return r;
}

static int dec_own(const uint8_t *b, size_t n)
{
	fl_msg_own_metrics m;

	memset(&m, 0x5a, sizeof(m));
	return fl_codec_decode_own_metrics(b, n, &m);
}

static int dec_sml(const uint8_t *b, size_t n)
{
	fl_msg_site_metrics_list m;
	int r;

	memset(&m, 0x5a, sizeof(m));
	if ((r = fl_codec_decode_site_metrics_list(b, n, &m)) == 0)
		fl_msg_site_metrics_list_clear(&m);
	return r;
}

static void rt_own(sample *s)
{
	fl_msg_own_metrics in = { 9, 3, 2, 28, 0.25, 0.75, 0.5, NAN }, out;
	uint8_t *b = NULL;
	size_t n = 0;

	FL_CHECK_EQ_INT(fl_codec_encode_own_metrics(&in, &s->buf, &s->len), 0);
	memset(&out, 0, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_own_metrics(s->buf, s->len, &out), 0);
	FL_CHECK(out.job_id == 9 && out.round == 3 && out.attempt == 2 && out.n == 28 &&
		 out.loss == 0.25 && out.accuracy == 0.75 && out.macro_f1 == 0.5 &&
		 isnan(out.r2));
	/* refused figures: accuracy above 1, infinite loss, negative rows */
	in.accuracy = 1.5;
	FL_CHECK_EQ_INT(fl_codec_encode_own_metrics(&in, &b, &n), FL_E_RANGE);
	in.accuracy = 0.5;
	in.loss = INFINITY;
	FL_CHECK_EQ_INT(fl_codec_encode_own_metrics(&in, &b, &n), FL_E_RANGE);
	in.loss = 1;
	in.n = -1;
	FL_CHECK_EQ_INT(fl_codec_encode_own_metrics(&in, &b, &n), FL_E_RANGE);
	FL_CHECK(b == NULL);
}

static void rt_sml(sample *s)
{
	fl_msg_site_metrics e[2];
	fl_msg_site_metrics_list in = { e, 2 }, out;

	memset(e, 0, sizeof(e));
	e[0].round = 3;
	strcpy(e[0].site, "site1");
	e[0].metrics.present = true;
	e[0].metrics.n = 28;
	e[0].metrics.loss = 0.24;
	e[0].metrics.accuracy = 0.93;
	e[0].metrics.macro_f1 = 0.91;
	e[0].metrics.r2 = NAN;
	e[0].reported_ms = 1800000000000LL;
	e[1] = e[0];
	strcpy(e[1].site, "site7");
	e[1].metrics.r2 = 0.5;
	e[1].metrics.accuracy = NAN;
	FL_CHECK_EQ_INT(fl_codec_encode_site_metrics_list(&in, &s->buf, &s->len), 0);
	memset(&out, 0, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_site_metrics_list(s->buf, s->len, &out), 0);
	FL_CHECK(out.n == 2);
	if (out.n == 2) {
		FL_CHECK(!strcmp(out.entries[0].site, "site1") && out.entries[0].round == 3 &&
			 out.entries[0].metrics.present && out.entries[0].metrics.n == 28 &&
			 out.entries[0].metrics.accuracy == 0.93 &&
			 isnan(out.entries[0].metrics.r2) &&
			 out.entries[0].reported_ms == 1800000000000LL);
		FL_CHECK(!strcmp(out.entries[1].site, "site7") &&
			 out.entries[1].metrics.r2 == 0.5 &&
			 isnan(out.entries[1].metrics.accuracy));
	}
	fl_msg_site_metrics_list_clear(&out);
	FL_CHECK(out.entries == NULL && out.n == 0);
}

/* Hand-made OwnMetrics and SiteMetricsList bytes that break a range. */
static void check_hostile_metrics(void)
{
	wbuf w = { NULL, 0, 0 }, e = { NULL, 0, 0 }, m = { NULL, 0, 0 };
	char name[FL_NAME_BYTES + 1];

	w_f64(&w, 6, 2.0);                       /* accuracy 2 */
	FL_CHECK_EQ_INT(dec_own(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	w_f64(&w, 4, -INFINITY);                 /* rows */
	FL_CHECK_EQ_INT(dec_own(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	w_f64(&w, 4, NAN);
	FL_CHECK_EQ_INT(dec_own(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	w_f64(&w, 8, 0.5);                       /* r2 alone: fine */
	FL_CHECK_EQ_INT(dec_own(w.b, w.n), 0);
	w.n = 0;
	/* an entry whose metrics have a macro-F1 of -0.5 */
	w_f64(&m, 5, -0.5);
	w_str(&e, 2, "site1");
	w_bytes(&e, 3, m.b, m.n);
	w_bytes(&w, 1, e.b, e.n);
	FL_CHECK_EQ_INT(dec_sml(w.b, w.n), FL_E_RANGE);
	w.n = e.n = 0;
	memset(name, 's', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	w_str(&e, 2, name);                      /* site name too long */
	w_bytes(&w, 1, e.b, e.n);
	FL_CHECK_EQ_INT(dec_sml(w.b, w.n), FL_E_TOOBIG);
	w.n = 0;
	for (size_t i = 0; i < FL_MSG_MAX_LIST + 1; i++)
		w_bytes(&w, 1, name, 0);         /* one entry too many */
	FL_CHECK_EQ_INT(dec_sml(w.b, w.n), FL_E_TOOBIG);
	free(w.b);
	free(e.b);
	free(m.b);
}

static void fill(fl_msg_job_stats *s, fl_msg_feature_stats *f, size_t nf,
		 fl_msg_label_count *l, size_t nl)
{
	memset(s, 0, sizeof(*s));
	s->job_id = 42;
	strcpy(s->state, "done");
	s->ready = true;
	s->count = 569;
	s->sites = 4;
	for (size_t i = 0; i < nf; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		snprintf(f[i].name, sizeof(f[i].name), "feature_%zu", i);
		f[i].mean = 14.127 + (double)i;
		f[i].std = 3.5 / (double)(i + 1);
	}
	for (size_t i = 0; i < nl; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		snprintf(l[i].label, sizeof(l[i].label), "class%zu", i);
		l[i].count = 100.0 * (double)(i + 1);
	}
	s->features = f;
	s->nfeatures = nf;
	s->labels = l;
	s->nlabels = nl;
}

static void rt_stats(sample *s)
{
	fl_msg_feature_stats f[3];
	fl_msg_label_count l[2];
	fl_msg_job_stats in, out, empty;

	fill(&in, f, 3, l, 2);
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&in, &s->buf, &s->len), 0);
	memset(&out, 0, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_job_stats(s->buf, s->len, &out), 0);
	FL_CHECK(out.job_id == 42 && !strcmp(out.state, "done") && out.ready &&
		 out.count == 569 && out.sites == 4);
	FL_CHECK(out.nfeatures == 3 && out.nlabels == 2);
	for (size_t i = 0; i < 3 && out.nfeatures == 3; i++)
		FL_CHECK(!strcmp(out.features[i].name, f[i].name) &&
			 out.features[i].mean == f[i].mean &&
			 out.features[i].std == f[i].std);
	for (size_t i = 0; i < 2 && out.nlabels == 2; i++)
		FL_CHECK(!strcmp(out.labels[i].label, l[i].label) &&
			 out.labels[i].count == l[i].count);
	fl_msg_job_stats_clear(&out);
	FL_CHECK(out.features == NULL && out.labels == NULL);

	/* noisy figures ([privacy] bounds): sigma, epsilon, the noisy sums as
	 * summed (negative ones too) and the note travel unchanged */
	uint8_t *b = NULL;
	size_t n = 0;
	double sums[4] = { -12.5, 3e9, 0.25, 7 };
	in.noisy = true;
	in.noise_sigma = 1574.8;
	in.epsilon = 12.51;
	in.noisy_sums = sums;
	in.nnoisy_sums = 4;
	strcpy(in.note, "noisy; negative noisy counts shown as 0");
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&in, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_stats(b, n, &out), 0);
	FL_CHECK(out.noisy && out.noise_sigma == 1574.8 && out.epsilon == 12.51 &&
		 out.nnoisy_sums == 4 && !strcmp(out.note, in.note));
	for (size_t i = 0; i < 4 && out.nnoisy_sums == 4; i++)
		FL_CHECK(out.noisy_sums[i] == sums[i]);
	fl_msg_job_stats_clear(&out);
	free(b);
	b = NULL;
	/* a negative sigma is refused */
	in.noise_sigma = -1;
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&in, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_stats(b, n, &out), FL_E_RANGE);
	free(b);
	b = NULL;

	/* not ready yet: only the id and state */
	memset(&empty, 0, sizeof(empty));
	empty.job_id = 7;
	strcpy(empty.state, "running");
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&empty, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_stats(b, n, &out), 0);
	FL_CHECK(out.job_id == 7 && !out.ready && out.nfeatures == 0 &&
		 !strcmp(out.state, "running"));
	fl_msg_job_stats_clear(&out);
	free(b);
}

static void check_refusals(const sample *s)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t badwire[] = { 0x0f, 0x01 };
	uint8_t overlen[] = { s->str_tag, 0x7f, 'a' };
	uint8_t nul[] = { s->str_tag, 0x02, 'a', 0x00 };
	uint8_t *big = calloc(1, FL_MSG_MAX_BYTES + 1);
	uint8_t junk[512];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int r;

	FL_CHECK_EQ_INT(s->dec(big, FL_MSG_MAX_BYTES + 1), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(s->dec(garbage, sizeof(garbage)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(badwire, sizeof(badwire)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(overlen, sizeof(overlen)), FL_E_PARSE);
	if (s->str_tag)   /* a NUL inside a string */
		FL_CHECK_EQ_INT(s->dec(nul, sizeof(nul)), FL_E_PARSE);
	for (size_t cut = 1; cut <= s->len; cut++) {
		r = s->dec(s->buf, s->len - cut);
		/* a prefix fails to parse or is a shorter valid message */
		FL_CHECK(r == 0 || r == FL_E_PARSE);
	}
	FL_CHECK_EQ_INT(s->dec(s->buf, s->len - 1), FL_E_PARSE);
	/* random bytes: an error code or a message, never a crash */
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(junk); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			junk[i] = (uint8_t)x;
		}
		r = s->dec(junk, (size_t)(x % sizeof(junk)));
		FL_CHECK(r == 0 || r == FL_E_PARSE || r == FL_E_RANGE || r == FL_E_TOOBIG);
	}
	FL_CHECK_EQ_INT(s->dec(s->buf, s->len), 0);
	free(big);
}

/* Hand-made JobStats bytes that break a cap or a range. */
static void check_hostile(void)
{
	wbuf w = { NULL, 0, 0 };
	char name[FL_NAME_BYTES + 1];
	uint8_t fs[64];
	size_t i;

	w_f64(&w, 4, -1.0);                       /* negative count */
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	w_f64(&w, 4, NAN);
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	w_uint(&w, 5, FL_MSG_MAX_PARTICIPANTS + 1);   /* too many sites */
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';           /* FL_NAME_BYTES chars: too long */
	{
		wbuf f = { NULL, 0, 0 };

		w_str(&f, 1, name);
		w_bytes(&w, 6, f.b, f.n);
		free(f.b);
	}
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_TOOBIG);
	w.n = 0;
	w_str(&w, 2, "a state far too long for its field");
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_TOOBIG);
	w.n = 0;
	{                                        /* a label with a negative count */
		wbuf l = { NULL, 0, 0 };

		w_str(&l, 1, "x");
		w_f64(&l, 2, -3.0);
		w_bytes(&w, 7, l.b, l.n);
		free(l.b);
	}
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_RANGE);
	w.n = 0;
	/* one feature too many (empty FeatureStats entries are 2 bytes each) */
	memset(fs, 0, sizeof(fs));
	for (i = 0; i < FL_MSG_STATS_MAX_FEATURES + 1; i++)
		w_bytes(&w, 6, fs, 0);
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_TOOBIG);
	w.n = 0;
	for (i = 0; i < FL_MSG_STATS_MAX_LABELS + 1; i++)
		w_bytes(&w, 7, fs, 0);
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), FL_E_TOOBIG);
	w.n = 0;
	for (i = 0; i < FL_MSG_STATS_MAX_LABELS; i++)
		w_bytes(&w, 7, fs, 0);           /* exactly the cap: accepted */
	FL_CHECK_EQ_INT(dec_stats(w.b, w.n), 0);
	free(w.b);
}

static void check_encode_refusals(void)
{
	fl_msg_feature_stats f[1];
	fl_msg_label_count l[1];
	fl_msg_job_stats s;
	uint8_t *b = NULL;
	size_t n = 0;

	fill(&s, f, 1, l, 1);
	memset(f[0].name, 'x', sizeof(f[0].name));   /* no NUL */
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&s, &b, &n), FL_E_INVAL);
	fill(&s, f, 1, l, 1);
	s.features = NULL;
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&s, &b, &n), FL_E_INVAL);
	fill(&s, f, 1, l, 1);
	s.nlabels = FL_MSG_STATS_MAX_LABELS + 1;
	FL_CHECK_EQ_INT(fl_codec_encode_job_stats(&s, &b, &n), FL_E_TOOBIG);
	FL_CHECK(b == NULL);
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
		{ "job_stats", NULL, 0, dec_stats, 0x12 },
		{ "own_metrics", NULL, 0, dec_own, 0 },
		{ "site_metrics_list", NULL, 0, dec_sml, 0x0a },
	};
	size_t n = sizeof(s) / sizeof(s[0]);
	int rc = 0;

	rt_stats(&s[0]);
	rt_own(&s[1]);
	rt_sml(&s[2]);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("job_stats"), FUZZ_JOB_STATS);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("own_metrics"), FUZZ_OWN_METRICS);
	FL_CHECK_EQ_INT((int)fuzz_codec_id("site_metrics_list"), FUZZ_SITE_METRICS_LIST);
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0) {
		rc = write_corpus(argv[2], s, n);
	} else {
		for (size_t i = 0; i < n; i++)
			check_refusals(&s[i]);
		check_hostile();
		check_hostile_metrics();
		check_encode_refusals();
	}
	for (size_t i = 0; i < n; i++)
		free(s[i].buf);
	return rc ? rc : FL_TEST_DONE();
}
