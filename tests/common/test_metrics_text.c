/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of fl_prom (the Prometheus text format writer) and of the
 * [ops] config section. */
#include <string.h>
#include <stdlib.h>

#include "fl_config.h"
#include "fl_err.h"
#include "fl_prom.h"
#include "fl_test.h"

static char *finish(fl_prom_buf *b)
{
	char *s = NULL;
	size_t len = 0;

	FL_CHECK_EQ_INT(fl_prom_buf_finish(b, &s, &len), 0);
	FL_CHECK(s != NULL && strlen(s) == len);
	return s;
}

static void test_samples_and_escaping(void)
{
	fl_prom_buf *b = fl_prom_buf_new();
	const char *lab[] = { "site", "a\"b\\c\nd", "kind", "train", NULL };
	char *s;

	fl_prom_head(b, "x_total", "counter", "Help with a \\ and a\nnewline.");
	fl_prom_sample(b, "x_total", lab, 3);
	fl_prom_sample(b, "x_total", NULL, 0.25);
	fl_prom_sample(b, "y", NULL, 1.0 / 0.0);
	fl_prom_sample(b, "y", NULL, -1.0 / 0.0);
	fl_prom_sample(b, "y", NULL, 0.0 / 0.0);
	fl_prom_sample(b, "y", NULL, 12345678901.0);
	s = finish(b);
	FL_CHECK(strcmp(s,
		"# HELP x_total Help with a \\\\ and a\\nnewline.\n"
		"# TYPE x_total counter\n"
		"x_total{site=\"a\\\"b\\\\c\\nd\",kind=\"train\"} 3\n"
		"x_total 0.25\n"
		"y +Inf\n"
		"y -Inf\n"
		"y NaN\n"
		"y 12345678901\n") == 0);
	if (strstr(s, "x_total{") == NULL)
		fprintf(stderr, "got:\n%s", s);
	free(s);
}

static void test_histogram(void)
{
	static const double le[] = { 0.1, 1, 10 };
	const char *lab[] = { "phase", "input", NULL };
	fl_prom_buf *b = fl_prom_buf_new();
	fl_prom_hist h;
	char *s;

	fl_prom_hist_init(&h, le, 3);
	/* 0.05 -> le 0.1; 0.1 (on the bound) -> le 0.1; 0.5 -> le 1;
	 * 5 and 7 -> le 10; 100 -> +Inf only */
	fl_prom_hist_observe(&h, 0.05);
	fl_prom_hist_observe(&h, 0.1);
	fl_prom_hist_observe(&h, 0.5);
	fl_prom_hist_observe(&h, 5);
	fl_prom_hist_observe(&h, 7);
	fl_prom_hist_observe(&h, 100);
	fl_prom_head(b, "d_seconds", "histogram", "Durations.");
	fl_prom_hist_write(b, "d_seconds", lab, &h);
	s = finish(b);
	/* cumulative: 2, 3, 5, and +Inf = count = 6 */
	FL_CHECK(strcmp(s,
		"# HELP d_seconds Durations.\n"
		"# TYPE d_seconds histogram\n"
		"d_seconds_bucket{phase=\"input\",le=\"0.1\"} 2\n"
		"d_seconds_bucket{phase=\"input\",le=\"1\"} 3\n"
		"d_seconds_bucket{phase=\"input\",le=\"10\"} 5\n"
		"d_seconds_bucket{phase=\"input\",le=\"+Inf\"} 6\n"
		"d_seconds_sum{phase=\"input\"} 112.65\n"
		"d_seconds_count{phase=\"input\"} 6\n") == 0);
	if (strstr(s, "le=\"+Inf\"} 6") == NULL)
		fprintf(stderr, "got:\n%s", s);
	free(s);

	/* no labels, no observations: every bucket 0 */
	b = fl_prom_buf_new();
	fl_prom_hist_init(&h, le, 3);
	fl_prom_hist_write(b, "e", NULL, &h);
	s = finish(b);
	FL_CHECK(strstr(s, "e_bucket{le=\"0.1\"} 0\n") != NULL);
	FL_CHECK(strstr(s, "e_bucket{le=\"+Inf\"} 0\n") != NULL);
	FL_CHECK(strstr(s, "e_sum 0\ne_count 0\n") != NULL);
	free(s);
}

static void test_ops_config(void)
{
	static const char base[] =
		"[coordinator]\nlisten = 127.0.0.1:7443\n"
		"[tls]\nca = ca.pem\ncert = c.pem\nkey = c.key\n";
	char text[512], err[FL_ERRMSG_BYTES];
	fl_coord_config c;
	fl_agent_config a;

	/* off by default */
	err[0] = '\0';
	FL_CHECK_EQ_INT(fl_coord_config_parse(base, strlen(base), "/etc/fedc", &c, err), 0);
	FL_CHECK(c.ops.listen[0] == '\0' && c.ops.port_file[0] == '\0');
	snprintf(text, sizeof(text), "%s[ops]\nlisten = 127.0.0.1:9464\n"
		 "port_file = ops.port\n", base);
	FL_CHECK_EQ_INT(fl_coord_config_parse(text, strlen(text), "/etc/fedc", &c, err), 0);
	FL_CHECK(strcmp(c.ops.listen, "127.0.0.1:9464") == 0);
	FL_CHECK(strcmp(c.ops.port_file, "/etc/fedc/ops.port") == 0);
	snprintf(text, sizeof(text), "%s[ops]\nlisten = 9464\n", base);
	FL_CHECK_EQ_INT(fl_coord_config_parse(text, strlen(text), NULL, &c, err), FL_E_CONFIG);
	FL_CHECK(strstr(err, "host:port") != NULL);
	snprintf(text, sizeof(text), "%s[ops]\nsecret = 1\n", base);
	FL_CHECK_EQ_INT(fl_coord_config_parse(text, strlen(text), NULL, &c, err), FL_E_CONFIG);
	FL_CHECK(strstr(err, "unknown key 'secret' in [ops]") != NULL);

	snprintf(text, sizeof(text), "[agent]\ncoordinator = h:1\n[tls]\nca = a\n"
		 "cert = b\nkey = c\n");
	FL_CHECK_EQ_INT(fl_agent_config_parse(text, strlen(text), NULL, &a, err), 0);
	FL_CHECK(a.ops.listen[0] == '\0');
	snprintf(text, sizeof(text), "[agent]\ncoordinator = h:1\n[tls]\nca = a\n"
		 "cert = b\nkey = c\n[ops]\nlisten = [::1]:0\n");
	FL_CHECK_EQ_INT(fl_agent_config_parse(text, strlen(text), NULL, &a, err), 0);
	FL_CHECK(strcmp(a.ops.listen, "[::1]:0") == 0);
}

int main(void)
{
	test_samples_and_escaping();
	test_histogram();
	test_ops_config();
	return FL_TEST_DONE();
}
