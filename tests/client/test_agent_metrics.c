/* SPDX-License-Identifier: Apache-2.0 */
/* Unit test of agent_metrics: refusals counted under their rule, policy or
 * other; contributions by kind; the training histogram; no config, no
 * certificate figures. */
#include <stdlib.h>
#include <string.h>

#include "agent_metrics.h"
#include "fl_test.h"

static int has(const char *text, const char *line)
{
	int ok = strstr(text, line) != NULL;

	if (!ok)
		fprintf(stderr, "missing: %s", line);
	return ok;
}

int main(void)
{
	char *t = NULL;
	size_t len = 0;

	agent_metrics_refused("R4: too few other sites");
	agent_metrics_refused("R4");
	agent_metrics_refused("R11: the spec's signature does not verify");
	agent_metrics_refused("R1");
	agent_metrics_refused("R10: the CRL is stale");
	agent_metrics_refused("policy");
	agent_metrics_refused("Refused for no rule");
	agent_metrics_refused("R99: no such rule");
	agent_metrics_refused(NULL);
	agent_metrics_contributed("train");
	agent_metrics_contributed("train");
	agent_metrics_contributed("eval");
	agent_metrics_contributed("bogus");
	agent_metrics_train_seconds(0.2);
	agent_metrics_train_seconds(3);
	agent_metrics_round_done();
	FL_CHECK_EQ_INT(agent_metrics_text(NULL, &t, &len), 0);
	FL_CHECK(t != NULL && strlen(t) == len);
	if (t == NULL)
		return FL_TEST_DONE();
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"R4\"} 2\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"R11\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"R1\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"R10\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"policy\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_refused_total{reason=\"other\"} 3\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_contributed_total{kind=\"train\"} 2\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_contributed_total{kind=\"eval\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_contributed_total{kind=\"other\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_rounds_completed_total 1\n"));
	FL_CHECK(has(t, "fedc_agent_local_training_seconds_bucket{le=\"0.25\"} 1\n"));
	FL_CHECK(has(t, "fedc_agent_local_training_seconds_bucket{le=\"5\"} 2\n"));
	FL_CHECK(has(t, "fedc_agent_local_training_seconds_count 2\n"));
	FL_CHECK(has(t, "# TYPE fedc_agent_rounds_refused_total counter\n"));
	FL_CHECK(has(t, "# TYPE process_resident_memory_bytes gauge\n"));
	FL_CHECK(strstr(t, "certificate") == NULL);   /* no config given */
	free(t);
	return FL_TEST_DONE();
}
