/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_record: the site-local contribution records round-trip exactly,
 * land where the integration test looks, and bad files are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_test.h"

static int write_text(const char *path, const char *text)
{
	return fl_file_write(path, text, strlen(text), 0600);
}

/* A vector longer than FL_AGENT_RECORD_TEXT_MAX goes as base64 of its
 * little-endian float64 bytes: it must come back bit for bit, and a
 * damaged or NaN-carrying encoding must be refused. */
static void check_binary(const char *dir)
{
	char path[FL_PATH_BYTES + 64], msg[FL_ERRMSG_BYTES] = "", *text = NULL;
	size_t n = FL_AGENT_RECORD_TEXT_MAX * 3 + 7, i, len = 0;
	fl_agent_record rec, got;
	double *v = calloc(n, sizeof(*v));
	int same = 1;

	FL_CHECK(v != NULL);
	if (!v)
		return;
	for (i = 0; i < n; i++)
		v[i] = (i % 7 == 0 ? -1.0 : 1.0) * (double)i / 3.0 * (i % 5 ? 1e-3 : 1e5);
	v[1] = -0.0;
	v[2] = 4.9406564584124654e-324;   /* the smallest subnormal */
	v[3] = 1.7976931348623157e308;
	memset(&rec, 0, sizeof(rec));
	memset(&got, 0, sizeof(got));
	rec.job_id = 5;
	rec.round = 7;
	rec.attempt = 1;
	rec.kind = FL_TASK_TRAIN;
	rec.rows = 10;
	rec.nreal = 3;
	rec.weight_scale = 30;
	rec.has_model = true;
	rec.model_version = 6;
	memset(rec.model_sha256, 'a', FL_AGENT_SHA256_HEX - 1);
	rec.vec = v;
	rec.n = n;
	FL_CHECK_EQ_INT(fl_agent_record_write(dir, &rec, msg), 0);
	FL_CHECK_EQ_INT(fl_agent_record_path(dir, 5, 7, 1, path, sizeof(path)), 0);
	FL_CHECK_EQ_INT(fl_file_read(path, FL_AGENT_RECORD_MAX_BYTES, &text, &len), 0);
	FL_CHECK(text && strstr(text, "\"" FL_AGENT_RECORD_B64_KEY "\": \"") != NULL);
	FL_CHECK(text && strstr(text, "\"vec\"") == NULL);
	/* 8 bytes a value in base64: about 10.7 characters, not 25 */
	FL_CHECK(len < n * 11 + 512);
	FL_CHECK_EQ_INT(fl_agent_record_read(path, &got, msg), 0);
	FL_CHECK_EQ_INT(got.n, n);
	FL_CHECK(got.has_model && got.model_version == 6 && got.nreal == 3);
	for (i = 0; i < n && i < got.n; i++)
		same &= memcmp(&got.vec[i], &v[i], sizeof(double)) == 0;
	FL_CHECK(same);
	fl_agent_record_clear(&got);
	free(text);

	{
		static const char *const texts[] = {
			/* not base64 */
			"{\"kind\": \"train\", \"n\": 1, \"vec_f64le_b64\": \"AAAA*AAAAAA=\"}",
			/* 6 bytes: not whole values */
			"{\"kind\": \"train\", \"n\": 1, \"vec_f64le_b64\": \"AAAAAAAA\"}",
			/* a NaN (0x7ff8000000000000) */
			"{\"kind\": \"train\", \"n\": 1, \"vec_f64le_b64\": \"AAAAAAAA+H8=\"}",
			/* +infinity (0x7ff0000000000000) */
			"{\"kind\": \"train\", \"n\": 1, \"vec_f64le_b64\": \"AAAAAAAA8H8=\"}",
			/* n says 2 */
			"{\"kind\": \"train\", \"n\": 2, \"vec_f64le_b64\": \"AAAAAAAA8D8=\"}",
			/* two vectors */
			"{\"kind\": \"train\", \"n\": 1, \"vec\": [1], \"vec_f64le_b64\": \"AAAAAAAA8D8=\"}",
			/* unterminated */
			"{\"kind\": \"train\", \"n\": 1, \"vec_f64le_b64\": \"AAAAAAAA8D8=",
		};
		char bad[FL_PATH_BYTES + 64];

		snprintf(bad, sizeof(bad), "%s/badbin.json", dir);
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			int r;

			FL_CHECK(write_text(bad, texts[i]) == 0);
			msg[0] = '\0';
			r = fl_agent_record_read(bad, &got, msg);
			if (r != FL_E_PARSE)
				fprintf(stderr, "binary text %zu: got %d\n", i, r);
			FL_CHECK_EQ_INT(r, FL_E_PARSE);
			FL_CHECK(msg[0] != '\0');
			FL_CHECK(got.vec == NULL && got.n == 0);
		}
		/* 1.0 = 0x3ff0000000000000, little-endian */
		FL_CHECK(write_text(bad, "{\"kind\": \"eval\", \"n\": 1, "
				    "\"vec_f64le_b64\": \"AAAAAAAA8D8=\"}") == 0);
		FL_CHECK_EQ_INT(fl_agent_record_read(bad, &got, msg), 0);
		FL_CHECK(got.n == 1 && got.vec[0] == 1.0);
		fl_agent_record_clear(&got);
		unlink(bad);
	}
	unlink(path);
	free(v);
}

int main(void)
{
	char dir[] = "/tmp/fedc-test-record.XXXXXX";
	char path[FL_PATH_BYTES + 64], bad[FL_PATH_BYTES + 64];
	char msg[FL_ERRMSG_BYTES] = "";
	double v[] = { 0.1, -1.0 / 3.0, 1e-300, 123456789.125, 0.0, -7.5e10, 42.0 };
	fl_agent_record rec, got;
	struct stat sb;
	size_t i;
	int same = 1;

	FL_CHECK(mkdtemp(dir) != NULL);
	memset(&rec, 0, sizeof(rec));
	memset(&got, 0, sizeof(got));
	rec.job_id = 12;
	rec.round = 3;
	rec.attempt = 2;
	rec.kind = FL_TASK_TRAIN;
	rec.rows = 140;
	rec.nreal = 4;
	rec.weight_scale = 426;
	rec.vec = v;
	rec.n = sizeof(v) / sizeof(v[0]);

	FL_CHECK_EQ_INT(fl_agent_record_path(dir, 12, 3, 2, path, sizeof(path)), 0);
	FL_CHECK(strstr(path, "/records/job12-round3-attempt2.json") != NULL);
	FL_CHECK_EQ_INT(fl_agent_record_path(dir, 12, 3, 2, bad, 16), FL_E_TOOBIG);

	FL_CHECK_EQ_INT(fl_agent_record_write(dir, &rec, msg), 0);
	FL_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	FL_CHECK_EQ_INT(fl_agent_record_read(path, &got, msg), 0);
	FL_CHECK(got.job_id == 12 && got.round == 3 && got.attempt == 2);
	FL_CHECK_EQ_INT(got.kind, FL_TASK_TRAIN);
	FL_CHECK_EQ_INT(got.rows, 140);
	FL_CHECK_EQ_INT(got.nreal, 4);
	FL_CHECK_NEAR(got.weight_scale, 426, 0);
	FL_CHECK_EQ_INT(got.n, rec.n);
	/* %.17g round-trips every double bit for bit. */
	for (i = 0; i < rec.n && i < got.n; i++)
		same &= memcmp(&got.vec[i], &v[i], sizeof(double)) == 0;
	FL_CHECK(same);
	fl_agent_record_clear(&got);
	fl_agent_record_clear(&got);   /* clear twice is harmless */

	/* A non-finite value is not recorded. */
	v[1] = INFINITY;
	FL_CHECK_EQ_INT(fl_agent_record_write(dir, &rec, msg), FL_E_RANGE);
	v[1] = 2.0;

	/* Broken files: each refused with FL_E_PARSE, nothing returned. */
	{
		static const char *const texts[] = {
			"",
			"{",
			"[1, 2]",
			"{\"kind\": \"train\", \"n\": 2, \"vec\": [1, 2",
			"{\"kind\": \"train\", \"n\": 3, \"vec\": [1, 2]}",
			"{\"kind\": \"nope\", \"n\": 1, \"vec\": [1]}",
			"{\"kind\": \"train\", \"vec\": [1]}",
			"{\"kind\": \"train\", \"n\": 1, \"vec\": [1e999]}",
			"{\"kind\": \"train\", \"n\": 1, \"vec\": [nan]}",
			"{\"kind\": \"train\", \"n\": -1, \"vec\": []}",
			"{\"kind\": \"train\", \"n\": 1, \"nreal\": 2, \"vec\": [1]}",
			"{\"kind\": \"train\", \"n\": 1, \"vec\": [1], \"extra\": 1}",
			"{\"kind\": \"tr\\\"ain\", \"n\": 1, \"vec\": [1]}",
		};
		snprintf(bad, sizeof(bad), "%s/bad.json", dir);
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			int r;

			FL_CHECK(write_text(bad, texts[i]) == 0);
			msg[0] = '\0';
			r = fl_agent_record_read(bad, &got, msg);
			if (r != FL_E_PARSE)
				fprintf(stderr, "text %zu: got %d\n", i, r);
			FL_CHECK_EQ_INT(r, FL_E_PARSE);
			FL_CHECK(msg[0] != '\0');
			FL_CHECK(got.vec == NULL && got.n == 0);
		}
		/* The minimal valid form. */
		FL_CHECK(write_text(bad, "{\"kind\": \"eval\", \"n\": 2, \"vec\": [1, 2.5]}") == 0);
		FL_CHECK_EQ_INT(fl_agent_record_read(bad, &got, msg), 0);
		FL_CHECK(got.n == 2 && got.kind == FL_TASK_EVAL && got.vec[1] == 2.5);
		fl_agent_record_clear(&got);
		unlink(bad);
	}
	FL_CHECK_EQ_INT(fl_agent_record_read("/nonexistent/x.json", &got, msg), FL_E_IO);
	check_binary(dir);

	unlink(path);
	snprintf(bad, sizeof(bad), "%s/records", dir);
	rmdir(bad);
	rmdir(dir);
	return FL_TEST_DONE();
}
