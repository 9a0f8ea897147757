/* SPDX-License-Identifier: Apache-2.0 */
/* test_targets: coordinator address lists (active/standby failover):
 * accepted forms, refusals with the reason, rotation, and the [agent]
 * coordinator key. */
#include <stdio.h>
#include <string.h>

#include "fl_config.h"
#include "fl_err.h"
#include "fl_targets.h"
#include "fl_test.h"
#include "fl_util.h"

static void test_parse(void)
{
	char err[FL_ERRMSG_BYTES] = "";
	fl_targets t;

	FL_CHECK_EQ_INT(fl_targets_parse("127.0.0.1:7000", &t, err), 0);
	FL_CHECK_EQ_INT(t.n, 1);
	FL_CHECK(strcmp(fl_targets_current(&t), "127.0.0.1:7000") == 0);
	FL_CHECK(strcmp(fl_targets_next(&t), "127.0.0.1:7000") == 0);   /* one: stays */

	FL_CHECK_EQ_INT(fl_targets_parse(" a.example:443 ,\tb.example:8443,[::1]:9 ",
					 &t, err), 0);
	FL_CHECK_EQ_INT(t.n, 3);
	FL_CHECK(strcmp(t.t[0], "a.example:443") == 0);
	FL_CHECK(strcmp(t.t[1], "b.example:8443") == 0);
	FL_CHECK(strcmp(t.t[2], "[::1]:9") == 0);
	FL_CHECK(strcmp(fl_targets_current(&t), "a.example:443") == 0);
	FL_CHECK(strcmp(fl_targets_next(&t), "b.example:8443") == 0);
	FL_CHECK(strcmp(fl_targets_next(&t), "[::1]:9") == 0);
	FL_CHECK(strcmp(fl_targets_next(&t), "a.example:443") == 0);   /* wraps */
	FL_CHECK_EQ_INT(fl_targets_parse("dns:///coord.example:443", &t, err), 0);
}

static void refused(const char *s, const char *why)
{
	char err[FL_ERRMSG_BYTES] = "";
	fl_targets t;

	FL_CHECK_EQ_INT(fl_targets_parse(s, &t, err), FL_E_CONFIG);
	if (strstr(err, why) == NULL)
		fprintf(stderr, "'%s': message '%s' lacks '%s'\n", s, err, why);
	FL_CHECK(strstr(err, why) != NULL);
}

static void test_refused(void)
{
	char big[400];

	refused("", "empty entry");
	refused("a:1,", "empty entry");
	refused("a:1,,b:2", "empty entry");
	refused("a:1, b", "not host:port");
	refused("a:1, b:", "not host:port");
	refused(":443", "not host:port");
	refused("a b:1", "not host:port");
	refused("a:1x", "not host:port");
	refused("a:1, b:2, a:1", "listed twice");
	refused("a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1", "more than 8");
	memset(big, 'x', sizeof(big));
	memcpy(big + 300, ":443", 5);
	refused(big, "at most 255");
}

static void test_config(void)
{
	char err[FL_ERRMSG_BYTES] = "";
	const char *good = "[agent]\ncoordinator = h1:7000, h2:7000\n"
			   "[tls]\nca = ca.pem\ncert = s.pem\nkey = s.key\n"
			   "[data]\nshuttle = s.csv\n";
	const char *bad = "[agent]\ncoordinator = h1:7000, h2\n"
			  "[tls]\nca = ca.pem\ncert = s.pem\nkey = s.key\n"
			  "[data]\nshuttle = s.csv\n";
	fl_agent_config cfg;

	FL_CHECK_EQ_INT(fl_agent_config_parse(good, strlen(good), "/etc/fedc", &cfg, err), 0);
	FL_CHECK(strcmp(cfg.coordinator, "h1:7000, h2:7000") == 0);
	FL_CHECK(fl_agent_config_parse(bad, strlen(bad), "/etc/fedc", &cfg, err) != 0);
	FL_CHECK(strstr(err, "'h2' is not host:port") != NULL);
	FL_CHECK(strstr(err, "line 2") != NULL);
}

int main(void)
{
	test_parse();
	test_refused();
	test_config();
	return FL_TEST_DONE();
}
