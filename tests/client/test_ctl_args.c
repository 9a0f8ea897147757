/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of fedctl's argument parsing, settings, exit codes and output
 * helpers (nothing here reaches a coordinator). */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "fl_err.h"
#include "fl_test.h"

/* Runs ctl_main on a NULL-terminated argument list with captured output. */
static int run(char **out_text, char **err_text, ...)
{
	char *argv[32], *ob = NULL, *eb = NULL;
	size_t ol = 0, el = 0;
	int argc = 0, rc;
	ctl_ctx c;
	va_list ap;

	va_start(ap, err_text);
	argv[argc++] = "fedctl";
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	ctl_ctx_init(&c);
	c.out = open_memstream(&ob, &ol);
	c.err = open_memstream(&eb, &el);
	rc = ctl_main(&c, argc, argv);
	fclose(c.out);
	fclose(c.err);
	ctl_ctx_clear(&c);
	if (out_text)
		*out_text = ob;
	else
		free(ob);
	if (err_text)
		*err_text = eb;
	else
		free(eb);
	return rc;
}

static void test_globals(void)
{
	char *argv[] = { "fedctl", "--coordinator", "h:1", "--ca", "a.pem", "--cert",
			 "b.pem", "--key", "c.key", "--json", "--timeout", "500", "job",
			 "list", NULL };
	char *bad[] = { "fedctl", "--timeout", "soon", "job", "list", NULL };
	char *unknown[] = { "fedctl", "--colour", "job", NULL };
	char *novalue[] = { "fedctl", "--ca", NULL };
	ctl_ctx c;
	int next = 0;

	ctl_ctx_init(&c);
	c.err = fopen("/dev/null", "w");
	FL_CHECK_EQ_INT(ctl_parse_globals(&c, 14, argv, &next), 0);
	FL_CHECK_EQ_INT(next, 12);
	FL_CHECK(strcmp(c.coordinator, "h:1") == 0 && strcmp(c.ca, "a.pem") == 0 &&
		 strcmp(c.cert, "b.pem") == 0 && strcmp(c.key, "c.key") == 0);
	FL_CHECK(c.json);
	FL_CHECK_EQ_INT(c.timeout_ms, 500);
	FL_CHECK_EQ_INT(ctl_parse_globals(&c, 5, bad, &next), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(ctl_parse_globals(&c, 3, unknown, &next), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(ctl_parse_globals(&c, 2, novalue, &next), CTL_EXIT_USAGE);
	fclose(c.err);
}

static void test_dispatch(void)
{
	char *out = NULL, *err = NULL;

	FL_CHECK_EQ_INT(run(NULL, NULL, NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(&out, NULL, "help", NULL), 0);
	FL_CHECK(out && strstr(out, "job watch") && strstr(out, "Exit status") &&
		 strstr(out, "sites list"));
	free(out);
	FL_CHECK_EQ_INT(run(&out, NULL, "--help", NULL), 0);
	FL_CHECK(out && strstr(out, "FEDC_COORDINATOR"));
	free(out);
	FL_CHECK_EQ_INT(run(&out, NULL, "job", "--help", NULL), 0);
	FL_CHECK(out && strstr(out, "submit") && strstr(out, "abort"));
	free(out);
	FL_CHECK_EQ_INT(run(&out, NULL, "job", "watch", "--help", NULL), 0);
	FL_CHECK(out && strstr(out, "--interval"));
	free(out);
	FL_CHECK_EQ_INT(run(&out, NULL, "help", "model", "get", NULL), 0);
	FL_CHECK(out && strstr(out, "--format"));
	free(out);
	FL_CHECK_EQ_INT(run(&out, NULL, "sites", "list", "--help", NULL), 0);
	free(out);
	FL_CHECK_EQ_INT(run(NULL, &err, "job", "bogus", NULL), CTL_EXIT_USAGE);
	FL_CHECK(err && strstr(err, "bogus"));
	free(err);
	FL_CHECK_EQ_INT(run(NULL, NULL, "bogus", NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "help", "nogroup", NULL), CTL_EXIT_USAGE);
	/* Bad arguments are caught before any connection. */
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", "status", NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, &err, "job", "status", "abc", NULL), CTL_EXIT_USAGE);
	FL_CHECK(err && strstr(err, "not a job id"));
	free(err);
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", "status", "1", "2", NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", "watch", "1", "--interval", "x", NULL),
			CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", "watch", "1", "--speed", "1", NULL),
			CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, &err, "model", "get", "1", NULL), CTL_EXIT_USAGE);
	FL_CHECK(err && strstr(err, "-o FILE"));
	free(err);
	FL_CHECK_EQ_INT(run(NULL, NULL, "model", "get", "1", "--format", "xml", "-o",
			    "f", NULL), CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "site", "add", "x", "--role", "king", NULL),
			CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(run(NULL, NULL, "job", "submit", "/nonexistent.ini", NULL),
			CTL_EXIT_USAGE);
	/* No coordinator anywhere: a usage error that says what is missing. */
	unsetenv("FEDC_COORDINATOR");
	setenv("HOME", "/nonexistent", 1);
	FL_CHECK_EQ_INT(run(NULL, &err, "job", "list", NULL), CTL_EXIT_USAGE);
	FL_CHECK(err && strstr(err, "coordinator address") && strstr(err, "hint"));
	free(err);
}

static void test_exit_codes(void)
{
	FL_CHECK_EQ_INT(ctl_exit_code(0, 0), CTL_EXIT_OK);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_NET, 14), CTL_EXIT_UNREACHABLE);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_TIMEOUT, 4), CTL_EXIT_UNREACHABLE);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_NOTFOUND, 5), CTL_EXIT_NOTFOUND);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_DENIED, 7), CTL_EXIT_DENIED);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_AUTH, 16), CTL_EXIT_DENIED);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_INVAL, 3), CTL_EXIT_INVALID);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_STATE, 9), CTL_EXIT_OTHER);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_NET, 13), CTL_EXIT_OTHER);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_NET, 0), CTL_EXIT_UNREACHABLE);
	FL_CHECK_EQ_INT(ctl_exit_code(FL_E_IO, 0), CTL_EXIT_OTHER);
}

static void test_settings(void)
{
	char dir[] = "/tmp/fl_test_ctl_XXXXXX", path[128], msg[FL_ERRMSG_BYTES] = "";
	ctl_ctx c;
	FILE *f;

	FL_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fedctl.ini", dir);
	f = fopen(path, "w");
	fprintf(f, "[fedctl]\ncoordinator = example:7443\nca = ca.pem\n"
		"cert = /abs/op.pem\nkey = op.key\n");
	fclose(f);
	ctl_ctx_init(&c);
	snprintf(c.cert, sizeof(c.cert), "flag.pem");
	FL_CHECK_EQ_INT(ctl_profile_load(&c, path, msg), 0);
	FL_CHECK(strcmp(c.coordinator, "example:7443") == 0);
	FL_CHECK(strncmp(c.ca, dir, strlen(dir)) == 0 && strstr(c.ca, "/ca.pem"));
	FL_CHECK(strcmp(c.cert, "flag.pem") == 0);   /* the flag wins */
	FL_CHECK(strstr(c.key, "/op.key") != NULL);

	/* Environment variables fill what flags left empty, before the profile. */
	ctl_ctx_init(&c);
	c.err = fopen("/dev/null", "w");
	c.profile = path;
	snprintf(c.key, sizeof(c.key), "flag.key");
	setenv("FEDC_COORDINATOR", "env:1", 1);
	setenv("FEDC_CA", "env-ca.pem", 1);
	unsetenv("FEDC_CERT");
	unsetenv("FEDC_KEY");
	FL_CHECK_EQ_INT(ctl_conn_resolve(&c), 0);
	FL_CHECK(strcmp(c.coordinator, "env:1") == 0);
	FL_CHECK(strcmp(c.ca, "env-ca.pem") == 0);
	FL_CHECK(strcmp(c.cert, "/abs/op.pem") == 0);
	FL_CHECK(strcmp(c.key, "flag.key") == 0);
	fclose(c.err);
	unsetenv("FEDC_COORDINATOR");
	unsetenv("FEDC_CA");

	/* A typo in the profile names its line. */
	f = fopen(path, "w");
	fprintf(f, "[fedctl]\ncoordinator = x:1\ncerts = a.pem\n");
	fclose(f);
	ctl_ctx_init(&c);
	FL_CHECK_EQ_INT(ctl_profile_load(&c, path, msg), FL_E_CONFIG);
	FL_CHECK(strstr(msg, ":3:") && strstr(msg, "certs"));
	FL_CHECK_EQ_INT(ctl_profile_load(&c, "/nonexistent/p.ini", msg), FL_E_IO);
	unlink(path);
	rmdir(dir);
}

static void test_args(void)
{
	const char *pos[2] = { NULL, NULL }, *out = NULL, *ver = NULL;
	bool force = false;
	const ctl_opt opts[] = {
		{ "--output", "-o", &out, NULL },
		{ "--version", NULL, &ver, NULL },
		{ "--force", NULL, NULL, &force },
	};
	const ctl_cmd cmd = { "get", NULL, "ID [-o F]", "Gets." };
	char *argv[] = { "get", "7", "-o", "m.bin", "--json", "--force", "--version",
			 "3", NULL };
	ctl_ctx c;

	ctl_ctx_init(&c);
	c.err = fopen("/dev/null", "w");
	FL_CHECK_EQ_INT(ctl_args_parse(&c, "model", &cmd, 8, argv, opts, 3, pos, 1, 2), 0);
	FL_CHECK(pos[0] && strcmp(pos[0], "7") == 0 && pos[1] == NULL);
	FL_CHECK(out && strcmp(out, "m.bin") == 0);
	FL_CHECK(ver && strcmp(ver, "3") == 0);
	FL_CHECK(force && c.json);
	FL_CHECK_EQ_INT(ctl_args_parse(&c, "model", &cmd, 1, argv, opts, 3, pos, 1, 2),
			CTL_EXIT_USAGE);
	FL_CHECK_EQ_INT(ctl_args_parse(&c, "model", &cmd, 3, argv, opts, 3, pos, 1, 2),
			CTL_EXIT_USAGE);   /* -o without its value */
	fclose(c.err);
}

static void test_output(void)
{
	fl_msg_round_info r;
	char *buf = NULL, t[32];
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	ctl_json_str(f, "a\"b\\c\n\x01");
	ctl_json_num(f, NAN);
	fclose(f);
	FL_CHECK(buf && strcmp(buf, "\"a\\\"b\\\\c\\n\\u0001\"null") == 0);
	free(buf);

	memset(&r, 0, sizeof(r));
	r.round = 3;
	r.attempt = 1;
	snprintf(r.state, sizeof(r.state), "done");
	snprintf(r.kind, sizeof(r.kind), "train");
	r.selected = r.survived = 3;
	r.started_ms = 1000;
	r.finished_ms = 2200;
	r.train_loss = 0.21334;
	r.eval.present = true;
	r.eval.accuracy = 0.95123;
	r.eval.macro_f1 = 0.512;
	f = open_memstream(&buf, &len);
	ctl_round_line(f, &r, 20, "softmax");
	fclose(f);
	FL_CHECK(buf && strcmp(buf, "round  3/20  sites 3/3  train_loss 0.2133  "
			       "acc 0.9512  f1 0.5120  1.20s\n") == 0);
	free(buf);
	FL_CHECK(strcmp(ctl_fmt_time(0, t, sizeof(t)), "-") == 0);
	FL_CHECK(strcmp(ctl_fmt_time(86400000, t, sizeof(t)), "1970-01-02 00:00:00") == 0);
}

int main(void)
{
	test_globals();
	test_dispatch();
	test_exit_codes();
	test_settings();
	test_args();
	test_output();
	return FL_TEST_DONE();
}
