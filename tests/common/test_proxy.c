/* SPDX-License-Identifier: Apache-2.0 */
/* test_proxy: proxy URLs: accepted forms, refusals, redaction, the choice
 * between config and environment, and the [agent] proxy config key. */
#include <stdlib.h>
#include <string.h>

#include "fl_config.h"
#include "fl_err.h"
#include "fl_proxy.h"
#include "fl_test.h"
#include "fl_util.h"

#define SECRET "s3cr3t-Pw"

static void test_check(void)
{
	static const char *const good[] = {
		"http://proxy.example.org:3128", "http://127.0.0.1:8888/",
		"HTTP://Proxy:80", "http://[::1]:3128",
		"http://user:" SECRET "@proxy:3128", "http://user@proxy:1",
		"http://us%40er:p%3Ass@10.0.0.1:65535",
	};
	static const char *const bad[] = {
		"", "proxy:3128", "https://proxy:3128", "socks5://proxy:1080",
		"http://", "http://proxy", "http://proxy:", "http://proxy:0",
		"http://proxy:65536", "http://proxy:12345678", "http://proxy:80x",
		"http://:3128", "http://pro xy:3128", "http://proxy:3128/path",
		"http://proxy:3128?q=1", "http://a@b@proxy:1", "http://@proxy:1",
		"http://u:p%zz@proxy:1", "http://[::1:3128", "http://[]:1",
		"http://pro/xy:1", "http://proxy:3128\n",
	};
	char err[FL_ERRMSG_BYTES];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = fl_proxy_url_check(good[i], err);

		if (r != 0)
			fprintf(stderr, "refused '%s': %s\n", good[i], err);
		FL_CHECK_EQ_INT(r, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		FL_CHECK_EQ_INT(fl_proxy_url_check(bad[i], err), FL_E_CONFIG);
		FL_CHECK(err[0] != '\0');
	}
	/* a refusal names the URL, never its password */
	FL_CHECK_EQ_INT(fl_proxy_url_check("http://bob:" SECRET "@proxy", err),
			FL_E_CONFIG);
	FL_CHECK(strstr(err, SECRET) == NULL);
	FL_CHECK(strstr(err, "bob") == NULL);
	FL_CHECK(strstr(err, "http://***@proxy") != NULL);
	FL_CHECK(strstr(err, "port is missing") != NULL);
	FL_CHECK_EQ_INT(fl_proxy_url_check("https://bob:" SECRET "@proxy:1", err),
			FL_E_CONFIG);
	FL_CHECK(strstr(err, SECRET) == NULL);
	FL_CHECK(strstr(err, "only http://") != NULL);
}

static void test_redact(void)
{
	char out[FL_PROXY_URL_BYTES];

	fl_proxy_url_redact("http://u:" SECRET "@proxy:3128", out, sizeof(out));
	FL_CHECK(strcmp(out, "http://***@proxy:3128") == 0);
	fl_proxy_url_redact("http://proxy:3128", out, sizeof(out));
	FL_CHECK(strcmp(out, "http://proxy:3128") == 0);
	/* malformed: everything up to the last '@' goes */
	fl_proxy_url_redact("u:" SECRET "@a@proxy", out, sizeof(out));
	FL_CHECK(strcmp(out, "***@proxy") == 0);
	fl_proxy_url_redact("http://u:p@x://" SECRET "@h:1", out, sizeof(out));
	FL_CHECK(strcmp(out, "http://***@h:1") == 0);
	fl_proxy_url_redact("http://u:" SECRET "@proxy:3128", out, 8);
	FL_CHECK(strcmp(out, "http://") == 0);
	fl_proxy_url_redact(NULL, out, sizeof(out));
	FL_CHECK(out[0] == '\0');
}

static void test_pick(void)
{
	char err[FL_ERRMSG_BYTES] = "";
	const char *url = NULL, *src = NULL;

	unsetenv("grpc_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	FL_CHECK_EQ_INT(fl_proxy_pick(NULL, &url, &src, err), 0);
	FL_CHECK(url && url[0] == '\0');
	setenv("HTTPS_PROXY", "http://upper:3128", 1);
	FL_CHECK_EQ_INT(fl_proxy_pick(NULL, &url, &src, err), 0);
	FL_CHECK(url && strcmp(url, "http://upper:3128") == 0);
	FL_CHECK(src && strcmp(src, "HTTPS_PROXY") == 0);
	setenv("https_proxy", "http://lower:3128", 1);
	FL_CHECK_EQ_INT(fl_proxy_pick(NULL, &url, &src, err), 0);
	FL_CHECK(url && strcmp(url, "http://lower:3128") == 0);
	/* the config wins; an empty key dials directly */
	FL_CHECK_EQ_INT(fl_proxy_pick("http://cfg:1", &url, &src, err), 0);
	FL_CHECK(url && strcmp(url, "http://cfg:1") == 0);
	FL_CHECK(src && strcmp(src, "[agent] proxy") == 0);
	FL_CHECK_EQ_INT(fl_proxy_pick("", &url, &src, err), 0);
	FL_CHECK(url && url[0] == '\0');
	/* an empty variable: no proxy, as gRPC reads it */
	setenv("grpc_proxy", "", 1);
	FL_CHECK_EQ_INT(fl_proxy_pick(NULL, &url, &src, err), 0);
	FL_CHECK(url && url[0] == '\0');
	unsetenv("grpc_proxy");
	/* a malformed variable is refused, redacted, naming the variable */
	setenv("https_proxy", "http://u:" SECRET "@proxy:http", 1);
	url = src = NULL;
	FL_CHECK_EQ_INT(fl_proxy_pick(NULL, &url, &src, err), FL_E_CONFIG);
	FL_CHECK(url == NULL && src == NULL);
	FL_CHECK(strstr(err, "https_proxy") != NULL);
	FL_CHECK(strstr(err, SECRET) == NULL);
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
}

static void test_config_key(void)
{
	fl_agent_config *c = calloc(1, sizeof(*c));
	char err[FL_ERRMSG_BYTES] = "";
	const char *ok = "[agent]\ncoordinator=h:1\nproxy = http://u:p@px:3128\n"
			 "[tls]\nca=a\ncert=b\nkey=c\n";
	const char *none = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n";
	const char *empty = "[agent]\ncoordinator=h:1\nproxy =\n"
			    "[tls]\nca=a\ncert=b\nkey=c\n";
	const char *badv = "[agent]\ncoordinator=h:1\nproxy = http://u:" SECRET
			   "@px:99999\n[tls]\nca=a\ncert=b\nkey=c\n";

	if (c == NULL)
		return;
	FL_CHECK_EQ_INT(fl_agent_config_parse(ok, strlen(ok), NULL, c, err), 0);
	FL_CHECK(strcmp(c->proxy, "http://u:p@px:3128") == 0 && c->proxy_set);
	FL_CHECK_EQ_INT(fl_agent_config_parse(none, strlen(none), NULL, c, err), 0);
	FL_CHECK(c->proxy[0] == '\0' && !c->proxy_set);
	FL_CHECK_EQ_INT(fl_agent_config_parse(empty, strlen(empty), NULL, c, err), 0);
	FL_CHECK(c->proxy[0] == '\0' && c->proxy_set);
	err[0] = '\0';
	FL_CHECK_EQ_INT(fl_agent_config_parse(badv, strlen(badv), NULL, c, err),
			FL_E_CONFIG);
	FL_CHECK(strstr(err, ":3:") != NULL || strstr(err, "line 3") != NULL);
	FL_CHECK(strstr(err, "bad proxy URL 'http://***@px:99999'") != NULL);
	FL_CHECK(strstr(err, SECRET) == NULL);
	free(c);
}

int main(void)
{
	test_check();
	test_redact();
	test_pick();
	test_config_key();
	return FL_TEST_DONE();
}
