/* SPDX-License-Identifier: Apache-2.0 */
/* test_config: agent and coordinator config files, paths, defaults, errors. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_config.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_util.h"

static const char *agent_text =
	"[agent]\n"
	"coordinator = coord.example:7443\n"
	"poll_interval_ms = 250\n"
	"renew_days = 14\n"
	"state_dir = state\n"
	"log_level = debug\n"
	"[tls]\n"
	"ca = pki/ca.pem\n"
	"cert = /etc/fedc/site.pem\n"
	"key = pki/site.key\n"
	"[data]\n"
	"shuttle = data/shuttle-a.csv\n"
	"breast = /srv/breast.csv\n"
	"quality = sqlite:///srv/q.db?query=SELECT a, b FROM t WHERE c = 'x'\n";

static void test_agent(void)
{
	fl_agent_config *c = calloc(1, sizeof(*c));
	char err[FL_ERRMSG_BYTES] = "";
	int r;

	if (c == NULL)
		return;
	r = fl_agent_config_parse(agent_text, strlen(agent_text), "/opt/site", c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r == 0) {
		FL_CHECK(strcmp(c->coordinator, "coord.example:7443") == 0);
		FL_CHECK_EQ_INT(c->poll_interval_ms, 250);
		FL_CHECK_EQ_INT(c->renew_days, 14);
		FL_CHECK(strcmp(c->state_dir, "/opt/site/state") == 0);
		FL_CHECK(strcmp(c->log_level, "debug") == 0);
		FL_CHECK(strcmp(c->tls.ca, "/opt/site/pki/ca.pem") == 0);
		FL_CHECK(strcmp(c->tls.cert, "/etc/fedc/site.pem") == 0);
		FL_CHECK(strcmp(c->tls.key, "/opt/site/pki/site.key") == 0);
		FL_CHECK_EQ_INT(c->ndatasets, 3);
		/* a data source URL is kept as written, not made relative */
		FL_CHECK(strcmp(fl_agent_config_dataset(c, "quality"),
				"sqlite:///srv/q.db?query=SELECT a, b FROM t WHERE c = 'x'") == 0);
		FL_CHECK(strcmp(fl_agent_config_dataset(c, "shuttle"),
				"/opt/site/data/shuttle-a.csv") == 0);
		FL_CHECK(strcmp(fl_agent_config_dataset(c, "breast"), "/srv/breast.csv") == 0);
		FL_CHECK(fl_agent_config_dataset(c, "concrete") == NULL);
	}
	/* Defaults. */
	const char *min = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n";
	r = fl_agent_config_parse(min, strlen(min), NULL, c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r == 0) {
		FL_CHECK_EQ_INT(c->poll_interval_ms, 500);
		FL_CHECK_EQ_INT(c->renew_days, 0);
		FL_CHECK(strcmp(c->state_dir, ".") == 0);
		FL_CHECK(strcmp(c->log_level, "info") == 0);
		FL_CHECK(strcmp(c->tls.ca, "a") == 0);
		FL_CHECK_EQ_INT(c->ndatasets, 0);
	}
	free(c);
}

static void expect_agent_err(const char *text, const char *needle)
{
	fl_agent_config *c = calloc(1, sizeof(*c));
	char err[FL_ERRMSG_BYTES] = "";

	if (c == NULL)
		return;
	FL_CHECK_EQ_INT(fl_agent_config_parse(text, strlen(text), "/b", c, err), FL_E_CONFIG);
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		FL_CHECK(0);
	}
	free(c);
}

static void test_agent_errors(void)
{
	expect_agent_err("[tls]\nca=a\ncert=b\nkey=c\n", "missing required key 'coordinator' in [agent]");
	expect_agent_err("[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\n", "'key' in [tls]");
	expect_agent_err("[agent]\ncoordinator=h:1\npoll_interval_ms=fast\n[tls]\nca=a\ncert=b\nkey=c\n",
			 "line 3: 'poll_interval_ms'");
	expect_agent_err("[agent]\ncoordinator=h:1\npoll_interval_ms=0\n", "'poll_interval_ms'");
	expect_agent_err("[agent]\ncoordinator=h:1\ncolour=blue\n", "line 3: unknown key 'colour' in [agent]");
	expect_agent_err("[agents]\ncoordinator=h:1\n", "unknown section [agents]");
	expect_agent_err("[agent]\ncoordinator=h:1\nlog_level=loud\n", "'log_level'");
	expect_agent_err("[data]\na=x\na=y\n", "listed twice");
	expect_agent_err("[agent]\nno equals sign here\n", "line 2");
}

static void test_policy(void)
{
	fl_agent_config *c = calloc(1, sizeof(*c));
	char err[FL_ERRMSG_BYTES] = "";
	const char *base = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n";
	const char *pol = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n"
			  "[policy]\nallowed_kinds = stats, train\n"
			  "allowed_models = logistic,mlp\nmax_rounds_per_day = 48\n"
			  "min_other_participants = 4\nmin_clip = 0.5\n"
			  "max_model_params = 100000\n";
	const char *all = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n"
			  "[policy]\nallowed_kinds = all\nallowed_models = linear\n"
			  "min_other_participants = 0\n";
	int r;

	if (c == NULL)
		return;
	/* Defaults: everything allowed, but never with fewer than 2 others. */
	r = fl_agent_config_parse(base, strlen(base), NULL, c, err);
	FL_CHECK_EQ_INT(r, 0);
	FL_CHECK_EQ_INT(c->policy.kinds, FL_POLICY_KINDS_ALL);
	FL_CHECK_EQ_INT(c->policy.models, FL_POLICY_MODELS_ALL);
	FL_CHECK_EQ_INT(c->policy.max_rounds_per_day, 0);
	FL_CHECK_EQ_INT(c->policy.min_other_participants, 2);
	FL_CHECK(c->policy.min_clip == 0.0);
	FL_CHECK(c->policy.max_model_params == 0);
	/* the privacy budget: none by default, delta 1e-6, for ever */
	FL_CHECK(c->policy.max_epsilon == 0 && c->policy.dp_delta == 1e-6 &&
		 c->policy.epsilon_window_days == 0 && !c->policy.require_dp);
	{
		const char *dp = "[agent]\ncoordinator=h:1\n[tls]\nca=a\ncert=b\nkey=c\n"
				 "[policy]\nmax_epsilon = 8\ndelta = 1e-5\n"
				 "epsilon_window_days = 30\nrequire_dp = true\n";

		FL_CHECK_EQ_INT(fl_agent_config_parse(dp, strlen(dp), NULL, c, err), 0);
		FL_CHECK(c->policy.max_epsilon == 8 && c->policy.dp_delta == 1e-5 &&
			 c->policy.epsilon_window_days == 30 && c->policy.require_dp);
	}
	r = fl_agent_config_parse(pol, strlen(pol), NULL, c, err);
	FL_CHECK_EQ_INT(r, 0);
	FL_CHECK_EQ_INT(c->policy.kinds, FL_POLICY_KIND_STATS | FL_POLICY_KIND_TRAIN);
	FL_CHECK_EQ_INT(c->policy.models, FL_POLICY_MODEL_BIT(FL_MODEL_LOGISTIC) |
			FL_POLICY_MODEL_BIT(FL_MODEL_MLP));
	FL_CHECK_EQ_INT(c->policy.max_rounds_per_day, 48);
	FL_CHECK_EQ_INT(c->policy.min_other_participants, 4);
	FL_CHECK_NEAR(c->policy.min_clip, 0.5, 1e-12);
	FL_CHECK(c->policy.max_model_params == 100000);
	r = fl_agent_config_parse(all, strlen(all), NULL, c, err);
	FL_CHECK_EQ_INT(r, 0);
	FL_CHECK_EQ_INT(c->policy.kinds, FL_POLICY_KINDS_ALL);
	FL_CHECK_EQ_INT(c->policy.models, FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR));
	FL_CHECK_EQ_INT(c->policy.min_other_participants, 0);
	free(c);

	/* Errors name the key (and the line). */
	expect_agent_err("[agent]\ncoordinator=h:1\n[policy]\nallowed_kinds = stats, predict\n",
			 "line 4: 'allowed_kinds': unknown name 'predict'");
	expect_agent_err("[policy]\nallowed_models = logistic, svm\n",
			 "'allowed_models': unknown name 'svm'");
	expect_agent_err("[policy]\nallowed_models =\n", "'allowed_models' has an empty name");
	expect_agent_err("[policy]\nallowed_kinds = train,\n", "'allowed_kinds' has an empty name");
	expect_agent_err("[policy]\nallowed_kinds = Train\n", "unknown name 'Train'");
	expect_agent_err("[policy]\nmax_rounds_per_day = -1\n", "line 2: 'max_rounds_per_day'");
	expect_agent_err("[policy]\nmin_other_participants = -2\n", "'min_other_participants'");
	expect_agent_err("[policy]\nmin_other_participants = 1000\n", "'min_other_participants'");
	expect_agent_err("[policy]\nmin_clip = -0.5\n", "'min_clip' must be a number >= 0");
	expect_agent_err("[policy]\nmin_clip = wide\n", "'min_clip'");
	expect_agent_err("[policy]\nmax_model_params = -7\n", "'max_model_params'");
	expect_agent_err("[policy]\nmax_epsilon = -1\n", "'max_epsilon' must be a number in [0, 1e4]");
	expect_agent_err("[policy]\ndelta = 0\n", "'delta' must be a number in (0, 0.1)");
	expect_agent_err("[policy]\ndelta = 0.5\n", "'delta'");
	expect_agent_err("[policy]\nepsilon_window_days = -3\n", "'epsilon_window_days'");
	expect_agent_err("[policy]\nrequire_dp = yes\n", "'require_dp' must be true or false");
	expect_agent_err("[policy]\nmin_participants = 3\n",
			 "unknown key 'min_participants' in [policy]");
	/* The coordinator has no [policy]. */
	{
		fl_coord_config cc;

		FL_CHECK_EQ_INT(fl_coord_config_parse("[policy]\nmin_clip=1\n", 21, NULL,
						      &cc, err), FL_E_CONFIG);
	}
}

static void test_coord(void)
{
	fl_coord_config c;
	char err[FL_ERRMSG_BYTES] = "";
	const char *t = "[coordinator]\nlisten = 0.0.0.0:9000\ndatabase = db/c.db\n"
			"offline_after_ms = 3000\nlog_level = warn\n"
			"[tls]\nca = ca.pem\ncert = c.pem\nkey = c.key\n";
	const char *min = "[tls]\nca = ca.pem\ncert = c.pem\nkey = c.key\n";
	int r;

	r = fl_coord_config_parse(t, strlen(t), "/etc/fedc", &c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r == 0) {
		FL_CHECK(strcmp(c.listen, "0.0.0.0:9000") == 0);
		FL_CHECK(strcmp(c.database, "/etc/fedc/db/c.db") == 0);
		FL_CHECK_EQ_INT(c.offline_after_ms, 3000);
		FL_CHECK(strcmp(c.log_level, "warn") == 0);
		FL_CHECK(strcmp(c.tls.key, "/etc/fedc/c.key") == 0);
	}
	r = fl_coord_config_parse(min, strlen(min), "/etc/fedc", &c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r == 0) {
		FL_CHECK(strcmp(c.listen, "127.0.0.1:7443") == 0);
		FL_CHECK(strcmp(c.database, "/etc/fedc/coordinator.db") == 0);
		FL_CHECK_EQ_INT(c.offline_after_ms, 10000);
		FL_CHECK(strcmp(c.log_level, "info") == 0);
	}
	const char *neg = "[coordinator]\noffline_after_ms=-5\n";
	const char *nokey = "[coordinator]\n[tls]\nca=a\ncert=b\n";
	r = fl_coord_config_parse(neg, strlen(neg), NULL, &c, err);
	FL_CHECK_EQ_INT(r, FL_E_CONFIG);
	FL_CHECK(strstr(err, "line 2") != NULL);
	r = fl_coord_config_parse(nokey, strlen(nokey), NULL, &c, err);
	FL_CHECK_EQ_INT(r, FL_E_CONFIG);
	FL_CHECK(strstr(err, "'key' in [tls]") != NULL);
	/* Agent-only sections are unknown to the coordinator. */
	r = fl_coord_config_parse("[data]\nx=y\n", 12, NULL, &c, err);
	FL_CHECK_EQ_INT(r, FL_E_CONFIG);
	/* [ca]: the CA kept online; off by default, both files or neither. */
	FL_CHECK_EQ_INT(fl_coord_config_parse(min, strlen(min), NULL, &c, err), 0);
	FL_CHECK(c.ca.cert[0] == '\0' && c.ca.leaf_days == 397 &&
		 c.ca.token_ttl_s == FL_CA_DEFAULT_TOKEN_TTL_S &&
		 c.ca.renew_days == FL_CA_DEFAULT_RENEW_DAYS);
	const char *ca = "[tls]\nca=a\ncert=b\nkey=c\n[ca]\ncert = pki/ca.pem\n"
			 "key = pki/ca.key\npassphrase_file = pass\nleaf_days = 30\n"
			 "token_ttl_s = 600\nrenew_days = 10\n";
	r = fl_coord_config_parse(ca, strlen(ca), "/etc/fedc", &c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r == 0)
		FL_CHECK(strcmp(c.ca.cert, "/etc/fedc/pki/ca.pem") == 0 &&
			 strcmp(c.ca.key, "/etc/fedc/pki/ca.key") == 0 &&
			 strcmp(c.ca.passphrase_file, "/etc/fedc/pass") == 0 &&
			 c.ca.leaf_days == 30 && c.ca.token_ttl_s == 600 &&
			 c.ca.renew_days == 10);
	const char *half = "[tls]\nca=a\ncert=b\nkey=c\n[ca]\ncert = ca.pem\n";
	FL_CHECK_EQ_INT(fl_coord_config_parse(half, strlen(half), NULL, &c, err),
			FL_E_CONFIG);
	FL_CHECK(strstr(err, "[ca] needs both") != NULL);
	const char *ttl = "[tls]\nca=a\ncert=b\nkey=c\n[ca]\ntoken_ttl_s = 5\n";
	FL_CHECK_EQ_INT(fl_coord_config_parse(ttl, strlen(ttl), NULL, &c, err),
			FL_E_CONFIG);
	FL_CHECK(strstr(err, "token_ttl_s") != NULL);
}

static void test_load(void)
{
	char dir[] = "/tmp/fl_test_config_XXXXXX", path[256], err[FL_ERRMSG_BYTES] = "";
	fl_agent_config *c = calloc(1, sizeof(*c));
	const char *bad = "[agent]\ncoordinator=h:1\npoll_interval_ms=9999999999\n";

	if (c == NULL || mkdtemp(dir) == NULL) {
		FL_CHECK(0);
		free(c);
		return;
	}
	snprintf(path, sizeof(path), "%s/agent.ini", dir);
	FL_CHECK_EQ_INT(fl_file_write(path, agent_text, strlen(agent_text), 0600), 0);
	FL_CHECK_EQ_INT(fl_agent_config_load(path, c, err), 0);
	{
		char want[300];
		snprintf(want, sizeof(want), "%s/pki/ca.pem", dir);
		FL_CHECK(strcmp(c->tls.ca, want) == 0);
	}
	FL_CHECK_EQ_INT(fl_file_write(path, bad, strlen(bad), 0600), 0);
	FL_CHECK_EQ_INT(fl_agent_config_load(path, c, err), FL_E_CONFIG);
	{
		char want[300];
		snprintf(want, sizeof(want), "%s:3: 'poll_interval_ms'", path);
		FL_CHECK(strstr(err, want) != NULL);
	}
	unlink(path);
	rmdir(dir);
	FL_CHECK_EQ_INT(fl_agent_config_load(path, c, err), FL_E_IO);
	free(c);
}

int main(void)
{
	test_agent();
	test_agent_errors();
	test_policy();
	test_coord();
	test_load();
	return FL_TEST_DONE();
}
