/* SPDX-License-Identifier: Apache-2.0 */
/* test_util: file helpers, splitmix64 known answers, RNG ranges, log levels. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_err.h"
#include "fl_log.h"
#include "fl_test.h"
#include "fl_util.h"

static void test_files(void)
{
	char dir[] = "/tmp/fl_test_util_XXXXXX", path[128], *buf = NULL;
	const char data[] = "hello\0world";
	size_t len = 0;
	struct stat st;

	if (mkdtemp(dir) == NULL) {
		FL_CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/f.bin", dir);
	FL_CHECK_EQ_INT(fl_file_write(path, data, sizeof(data), 0600), 0);
	FL_CHECK_EQ_INT(stat(path, &st), 0);
	FL_CHECK_EQ_INT(st.st_mode & 0777, 0600);
	FL_CHECK_EQ_INT(fl_file_read(path, 1024, &buf, &len), 0);
	FL_CHECK_EQ_INT(len, sizeof(data));
	FL_CHECK(buf != NULL && memcmp(buf, data, sizeof(data)) == 0 && buf[len] == '\0');
	free(buf);
	buf = NULL;
	FL_CHECK_EQ_INT(fl_file_read(path, sizeof(data) - 1, &buf, &len), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(fl_file_read(path, sizeof(data), &buf, &len), 0);
	free(buf);
	FL_CHECK_EQ_INT(fl_file_write(path, "x", 1, 0644), 0);   /* replaces */
	FL_CHECK_EQ_INT(fl_file_read(path, 10, &buf, &len), 0);
	FL_CHECK_EQ_INT(len, 1);
	free(buf);
	unlink(path);
	rmdir(dir);
	FL_CHECK_EQ_INT(fl_file_read(path, 10, &buf, &len), FL_E_IO);
	FL_CHECK_EQ_INT(fl_file_write("/nonexistent-dir/x", "x", 1, 0600), FL_E_IO);
}

static void test_rng(void)
{
	fl_rng r;
	double s = 0, s2 = 0, umin = 1, umax = 0;
	const int n = 200000;
	int out_of_range = 0;

	/* splitmix64 reference outputs for seed 0. */
	FL_CHECK(fl_mix64(0) == 0xe220a8397b1dcdafULL);
	fl_rng_seed(&r, 0);
	FL_CHECK(fl_rng_next(&r) == 0xe220a8397b1dcdafULL);
	FL_CHECK(fl_rng_next(&r) == 0x6e789e6aa1b965f4ULL);
	fl_rng_seed(&r, 5);
	for (int i = 0; i < n; i++) {
		double u = fl_rng_uniform(&r);
		umin = u < umin ? u : umin;
		umax = u > umax ? u : umax;
		out_of_range += !(u >= 0.0 && u < 1.0);
		double z = fl_rng_normal(&r);
		s += z;
		s2 += z * z;
	}
	FL_CHECK_EQ_INT(out_of_range, 0);
	FL_CHECK(umin < 0.001 && umax > 0.999);
	FL_CHECK_NEAR(s / n, 0.0, 0.01);
	FL_CHECK_NEAR(s2 / n, 1.0, 0.02);
}

static void test_misc(void)
{
	enum fl_log_level lv = FL_LOG_INFO;
	char msg[FL_ERRMSG_BYTES];
	int64_t t0 = fl_mono_ms();

	FL_CHECK_EQ_INT(fl_log_level_parse("error", &lv), 0);
	FL_CHECK_EQ_INT(lv, FL_LOG_ERROR);
	FL_CHECK_EQ_INT(fl_log_level_parse("verbose", &lv), FL_E_INVAL);
	fl_errmsg_set(msg, "line %d: %s", 17, "bad");
	FL_CHECK(strcmp(msg, "line 17: bad") == 0);
	fl_errmsg_set(NULL, "ignored %d", 1);
	fl_sleep_ms(20);
	FL_CHECK(fl_mono_ms() - t0 >= 19);
	FL_CHECK(fl_time_ms() > 1600000000000LL);
	FL_CHECK(strcmp(fl_strerror(FL_E_CSV), "bad CSV input") == 0);
}

static void test_url_password(void)
{
	FL_CHECK(fl_url_has_password("postgresql://fedc:pw@db:5432/x?query=SELECT 1"));
	FL_CHECK(fl_url_has_password("postgresql://fedc:@db/x"));
	FL_CHECK(fl_url_has_password("postgresql://a@b:pw@db/x"));
	FL_CHECK(!fl_url_has_password("postgresql://fedc@db:5432/x?query=SELECT a:b@c"));
	FL_CHECK(!fl_url_has_password("postgresql://db:5432/x"));
	FL_CHECK(!fl_url_has_password("sqlite:///srv/a:b@c.db?query=SELECT 1"));
	FL_CHECK(!fl_url_has_password("/srv/data/a.csv"));
	FL_CHECK(!fl_url_has_password(NULL));
}

int main(void)
{
	test_url_password();
	test_files();
	test_rng();
	test_misc();
	return FL_TEST_DONE();
}
