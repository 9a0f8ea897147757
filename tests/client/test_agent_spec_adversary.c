/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_spec_adversary: R2 (with R7, R11), the job spec is signed by
 * the admin who submitted it. A coordinator that alters the spec after
 * signing, has it signed by a site, by another CA's admin or by a revoked
 * admin, or sends it unsigned, is refused at advertise before anything is
 * made; the admin-signed spec is accepted. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_int.h"
#include "agent_test_spec.h"
#include "fl_err.h"
#include "fl_test.h"

#define R2_LINE "R2: the job spec is not signed by a consortium admin ("

static const char *g_spec =
	"[job]\nname = t\ndataset = breast_cancer\nmodel = logistic\n"
	"label = label\nlabels = 0, 1\nrounds = 3\n"
	"[train]\nlocal_epochs = 2\nbatch_size = 16\nlr = 0.05\n"
	"[round]\ntest_fraction = 0.25\nseed = 7\n";
/* What a cheating coordinator hands out instead: a larger learning rate. */
static const char *g_spec_evil =
	"[job]\nname = t\ndataset = breast_cancer\nmodel = logistic\n"
	"label = label\nlabels = 0, 1\nrounds = 3\n"
	"[train]\nlocal_epochs = 2\nbatch_size = 16\nlr = 50\n"
	"[round]\ntest_fraction = 0.25\nseed = 7\n";
static char *g_names[] = { "site1", "site2", "site3" };

static fl_msg_task task(const char *spec)
{
	fl_msg_task t;

	memset(&t, 0, sizeof(t));
	t.job_id = 5;
	t.round = 2;
	t.attempt = 1;
	t.kind = FL_TASK_TRAIN;
	t.spec = (char *)spec;
	t.phase = FL_SA_ADVERTISE;
	t.sa.n = 3;
	t.sa.client_id = 1;
	t.sa.has_model = true;
	memset(t.sa.model_sha256, 7, sizeof(t.sa.model_sha256));
	t.sa.names = g_names;
	return t;
}

static void expect_refused(fl_agent *a, const fl_msg_task *t, const char *reason)
{
	char why[FL_ERRMSG_BYTES] = "";

	FL_CHECK_EQ_INT(agent_spec_check(a, t, NULL, why), FL_E_CONTEXT);
	if (strncmp(why, R2_LINE, strlen(R2_LINE)) != 0 || !strstr(why, reason)) {
		fprintf(stderr, "refusal '%s' lacks '%s'\n", why, reason);
		FL_CHECK(0);
	}
}

/* The agent's own path at advertise: one log line in the agent's style,
 * FL_E_CONTEXT, and no attempt state or keys made. */
static void test_run_refuses(fl_agent *a, const fl_msg_task *t)
{
	char path[] = "/tmp/fedc-test-spec-log.XXXXXX", *log = NULL, *p;
	size_t len = 0;
	bool worked = true;
	int fd, saved, lines = 0;

	FL_CHECK((fd = mkstemp(path)) >= 0);
	close(fd);
	fflush(stderr);
	saved = dup(2);
	FL_CHECK(freopen(path, "w", stderr) != NULL);
	FL_CHECK_EQ_INT(agent_task_run(a, t, &worked), FL_E_CONTEXT);
	fflush(stderr);
	FL_CHECK(dup2(saved, 2) == 2);
	close(saved);
	FL_CHECK(!worked);
	FL_CHECK(a->sa.c == NULL && !a->sa.has_input);
	FL_CHECK_EQ_INT(fl_file_read(path, 1u << 20, &log, &len), 0);
	for (p = log; p && (p = strstr(p, "refused")); p++)
		lines++;
	FL_CHECK_EQ_INT(lines, 1);
	FL_CHECK(log && strstr(log, "refused job 5 round 2 attempt 1 (train "
			       "advertise): " R2_LINE "the signature does not match "
			       "the spec text (altered after signing?))\n"));
	free(log);
	unlink(path);
}

int main(void)
{
	agent_test_spec cons, rogue;
	fl_test_site site, admin_rev;
	fl_agent *a = calloc(1, sizeof(*a));
	fl_cert_info who;
	char why[FL_ERRMSG_BYTES] = "", *crl = NULL;
	const long revoked[] = { 901 };
	size_t crl_len = 0;
	fl_msg_task t;

	FL_CHECK(a != NULL);
	FL_CHECK_EQ_INT(agent_test_spec_new(&cons, "consortium CA"), 0);
	FL_CHECK_EQ_INT(agent_test_spec_new(&rogue, "consortium CA"), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&cons.ca, "site1", 77, 0, &site), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&cons.ca, "former-admin", "admin", 901, 1,
					 -60, 86400, &admin_rev), 0);
	if (!a || !(a->verifier = agent_test_spec_verifier(&cons)))
		return FL_TEST_DONE();

	/* signed by the consortium's admin: accepted */
	t = task(g_spec);
	FL_CHECK_EQ_INT(agent_test_spec_sign(&cons.admin, &t), 0);
	FL_CHECK_EQ_INT(agent_spec_check(a, &t, &who, why), 0);
	FL_CHECK(strcmp(who.cn, "operator") == 0 && strcmp(who.role, "admin") == 0);

	/* altered after signing: the signature no longer matches */
	t.spec = (char *)g_spec_evil;
	expect_refused(a, &t, "the signature does not match the spec text");
	test_run_refuses(a, &t);
	/* one byte of the signature changed */
	t = task(g_spec);
	FL_CHECK_EQ_INT(agent_test_spec_sign(&cons.admin, &t), 0);
	t.spec_sig[t.spec_sig_len - 1] ^= 1;
	expect_refused(a, &t, "the signature does not match the spec text");

	/* signed by a site certificate of the same CA */
	t = task(g_spec_evil);
	FL_CHECK_EQ_INT(agent_test_spec_sign(&site, &t), 0);
	expect_refused(a, &t, "signed by 'site1' whose role is 'site', not admin");

	/* signed by the admin of another CA of the same name (the coordinator
	 * mints certificates with a CA it holds, not the consortium's) */
	t = task(g_spec_evil);
	FL_CHECK_EQ_INT(agent_test_spec_sign(&rogue.admin, &t), 0);
	expect_refused(a, &t, "not issued by the consortium CA");

	/* unsigned, or with a signature but no certificate, or no spec */
	t = task(g_spec_evil);
	expect_refused(a, &t, "the spec carries no signature");
	FL_CHECK_EQ_INT(agent_test_spec_sign(&cons.admin, &t), 0);
	t.spec_cert = NULL;
	expect_refused(a, &t, "the spec carries no signature");
	t = task(NULL);
	expect_refused(a, &t, "the task carries no spec");

	/* signed by an admin the consortium has since revoked */
	fl_verifier_free(a->verifier);
	crl = fl_test_crl(&cons.ca, revoked, 1, &crl_len);
	FL_CHECK(crl != NULL);
	FL_CHECK_EQ_INT(fl_verifier_new(cons.ca.pem, cons.ca.pem_len, crl, crl_len,
					&a->verifier), 0);
	t = task(g_spec);
	FL_CHECK_EQ_INT(agent_test_spec_sign(&admin_rev, &t), 0);
	expect_refused(a, &t, "its certificate is revoked");
	FL_CHECK_EQ_INT(agent_test_spec_sign(&cons.admin, &t), 0);
	FL_CHECK_EQ_INT(agent_spec_check(a, &t, NULL, why), 0);

	free(crl);
	agent_sa_drop(a);
	fl_verifier_free(a->verifier);
	free(a);
	fl_test_site_free(&site);
	fl_test_site_free(&admin_rev);
	agent_test_spec_free(&rogue);
	agent_test_spec_free(&cons);
	return FL_TEST_DONE();
}
