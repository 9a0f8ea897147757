/* SPDX-License-Identifier: Apache-2.0 */
/* test_jsonlog: the JSON log line writer (escaping, fields, truncation),
 * fl_log in json format with a thread's context, and the log_format keys. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_test.h"

#define ST "2026-01-02T03:04:05.678Z"

static void test_fields(void)
{
	char b[1024];
	size_t n;

	n = fl_log_json_line(b, sizeof(b), ST, FL_LOG_WARN, "coordinator", 7, 3, 2,
			     "site-a", "hello");
	FL_CHECK(strcmp(b, "{\"time\":\"" ST "\",\"level\":\"warn\",\"component\":"
		 "\"coordinator\",\"job\":7,\"round\":3,\"attempt\":2,\"site\":"
		 "\"site-a\",\"message\":\"hello\"}\n") == 0);
	FL_CHECK_EQ_INT(n, strlen(b));
	/* Unknown context: the fields are left out, not zero. */
	fl_log_json_line(b, sizeof(b), ST, FL_LOG_DEBUG, "agent", 0, 0, 0, NULL, "x");
	FL_CHECK(strcmp(b, "{\"time\":\"" ST "\",\"level\":\"debug\",\"component\":"
		 "\"agent\",\"message\":\"x\"}\n") == 0);
	fl_log_json_line(b, sizeof(b), ST, FL_LOG_ERROR, "agent", 9, 0, 0, "", "y");
	FL_CHECK(strstr(b, "\"job\":9,\"message\"") != NULL);
	FL_CHECK(strstr(b, "\"level\":\"error\"") != NULL);
	FL_CHECK_EQ_INT(fl_log_json_line(b, 100, ST, FL_LOG_INFO, "a", 0, 0, 0, NULL, "m"), 0);
}

static void test_escape(void)
{
	char b[1024];

	fl_log_json_line(b, sizeof(b), ST, FL_LOG_INFO, "c", 0, 0, 0, NULL,
			 "q\"b\\s/ \n\t\r\x01\x1f\x7f end");
	FL_CHECK(strstr(b, "\"message\":\"q\\\"b\\\\s/ \\u000a\\u0009\\u000d"
			"\\u0001\\u001f\\u007f end\"}\n") != NULL);
	/* Valid UTF-8 stays; each bad byte becomes U+FFFD. */
	fl_log_json_line(b, sizeof(b), ST, FL_LOG_INFO, "c", 0, 0, 0, NULL,
			 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\xff|\xc3|\xc0\xaf|"
			 "\xed\xa0\x80|\xf4\x90\x80\x80");
	FL_CHECK(strstr(b, "\"message\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|"
			"\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
			"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\n") != NULL);
	/* A truncated sequence at the very end. */
	fl_log_json_line(b, sizeof(b), ST, FL_LOG_INFO, "c", 0, 0, 0, "s\"\x01",
			 "end\xe2\x82");
	FL_CHECK(strstr(b, "\"site\":\"s\\\"\\u0001\"") != NULL);
	FL_CHECK(strstr(b, "\"message\":\"end\xef\xbf\xbd\xef\xbf\xbd\"}\n") != NULL);
}

/* A message longer than the buffer is cut, and the line stays one valid
 * JSON object: never half an escape or half a UTF-8 character. */
static void test_truncate(void)
{
	char msg[4000], b[300];
	size_t n, i;

	for (i = 0; i + 1 < sizeof(msg); i++)
		msg[i] = (i % 3 == 0) ? '\n' : (i % 3 == 1) ? '\xc3' : '\xa9';
	msg[sizeof(msg) - 1] = '\0';
	n = fl_log_json_line(b, sizeof(b), ST, FL_LOG_INFO, "c", 1, 2, 3, "s", msg);
	FL_CHECK(n < sizeof(b));
	FL_CHECK(n >= 3 && strcmp(b + n - 3, "\"}\n") == 0);
	/* The body ends on a whole escape: "\u000a" or "é". */
	FL_CHECK(b[n - 4] == 'a' || b[n - 4] == '\xa9');
	FL_CHECK(strstr(b, "\"attempt\":3,\"site\":\"s\",\"message\":\"\\u000a") != NULL);
}

/* fl_log in json mode writes one line with this thread's context. */
static void test_fl_log(void)
{
	char path[] = "/tmp/fl_test_jsonlog_XXXXXX", buf[2048];
	FILE *f;
	size_t n;
	int fd, saved;

	if ((fd = mkstemp(path)) < 0) {
		FL_CHECK(0);
		return;
	}
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fl_log_set_prog("coordinator");
	fl_log_set_format(FL_LOG_JSON);
	fl_log_ctx_set(12, 4, 1, "hosp-b");
	fl_info("secagg %s -> %s", "share", "input");
	fl_log_ctx_clear();
	fl_debug("below the level: not written");
	fl_warn("no context \"%d\"", 5);
	fl_log_set_format(FL_LOG_TEXT);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	if ((f = fopen(path, "r")) == NULL) {
		FL_CHECK(0);
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	FL_CHECK(strstr(buf, "\"level\":\"info\",\"component\":\"coordinator\",\"job\":12,"
			"\"round\":4,\"attempt\":1,\"site\":\"hosp-b\",\"message\":"
			"\"secagg share -> input\"}\n{") != NULL);
	FL_CHECK(strstr(buf, "\"level\":\"warn\",\"component\":\"coordinator\","
			"\"message\":\"no context \\\"5\\\"\"}\n") != NULL);
	FL_CHECK(strstr(buf, "below") == NULL);
}

static void test_config_keys(void)
{
	static fl_agent_config a;
	static fl_coord_config c;
	char err[FL_ERRMSG_BYTES];
	enum fl_log_format f;
	const char *at = "[agent]\ncoordinator=h:1\nlog_format=json\n[tls]\nca=a\ncert=b\nkey=c\n";
	const char *ct = "[coordinator]\nlog_format = json\n[tls]\nca=a\ncert=b\nkey=c\n";
	const char *bad = "[coordinator]\nlog_format = xml\n[tls]\nca=a\ncert=b\nkey=c\n";
	const char *def = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n";

	FL_CHECK_EQ_INT(fl_agent_config_parse(at, strlen(at), NULL, &a, err), 0);
	FL_CHECK(strcmp(a.log_format, "json") == 0);
	FL_CHECK_EQ_INT(fl_agent_config_parse(def, strlen(def), NULL, &a, err), 0);
	FL_CHECK(strcmp(a.log_format, "text") == 0);
	FL_CHECK_EQ_INT(fl_coord_config_parse(ct, strlen(ct), NULL, &c, err), 0);
	FL_CHECK(strcmp(c.log_format, "json") == 0);
	FL_CHECK_EQ_INT(fl_coord_config_parse(bad, strlen(bad), NULL, &c, err), FL_E_CONFIG);
	FL_CHECK(strstr(err, "log_format") != NULL && strstr(err, "xml") != NULL);
	FL_CHECK_EQ_INT(fl_log_format_parse("json", &f), 0);
	FL_CHECK_EQ_INT(f, FL_LOG_JSON);
	FL_CHECK_EQ_INT(fl_log_format_parse("JSON", &f), FL_E_INVAL);
}

int main(void)
{
	test_fields();
	test_escape();
	test_truncate();
	test_fl_log();
	test_config_keys();
	return FL_TEST_DONE();
}
