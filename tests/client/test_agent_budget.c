/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_budget: the site's privacy-budget file (client/agent_budget.c).
 * - charges add up, and one that would pass the budget is refused with
 *   FL_E_BUDGET and nothing written;
 * - the file survives a reopen (it is the site's memory, not the
 *   coordinator's), per dataset;
 * - charges older than the window no longer count;
 * - a torn last line is ignored, a damaged line or magic is refused;
 * - a dataset name that would leave the folder is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_budget.h"
#include "fl_err.h"
#include "fl_test.h"

static char dir[] = "/tmp/fedc-budget.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/privacy/%s.budget", dir, name);
	f = fopen(path, "w");
	FL_CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	char err[512] = "";
	agent_budget_charge_t c = { 1000000, 7, 1, 1, 0.25 };
	double spent = -1, rho = -1;
	const int64_t day = 86400000;

	FL_CHECK(mkdtemp(dir) != NULL);
	/* nothing yet */
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "shuttle", c.time_ms, 0, &rho, err), 0);
	FL_CHECK(rho == 0);
	/* three charges of 0.25 within a budget of 0.8: the fourth is refused */
	for (uint32_t i = 1; i <= 3; i++) {
		c.round = i;
		FL_CHECK_EQ_INT(agent_budget_charge(dir, "shuttle", &c, 0.8, 0, &spent, err), 0);
	}
	FL_CHECK(spent == 0.75);
	c.round = 4;
	FL_CHECK_EQ_INT(agent_budget_charge(dir, "shuttle", &c, 0.8, 0, &spent, err),
			FL_E_BUDGET);
	printf("refused: %s\n", err);
	FL_CHECK(strstr(err, "0.75") != NULL && strstr(err, "0.8") != NULL);
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "shuttle", c.time_ms, 0, &rho, err), 0);
	FL_CHECK(rho == 0.75);   /* the refused charge was not written */
	/* another dataset has its own budget */
	FL_CHECK_EQ_INT(agent_budget_charge(dir, "concrete", &c, 0.8, 0, &spent, err), 0);
	FL_CHECK(spent == 0.25);
	/* a window of one day: 2 days later the old charges no longer count */
	c.time_ms += 2 * day;
	FL_CHECK_EQ_INT(agent_budget_charge(dir, "shuttle", &c, 0.8, day, &spent, err), 0);
	FL_CHECK(spent == 0.25);
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "shuttle", c.time_ms, 0, &rho, err), 0);
	FL_CHECK(rho == 1.0);    /* all time: everything */
	/* a torn last line (a crash while appending) is ignored */
	put("torn", "fedc-dp-budget 1\n5 1 1 1 0.5\n6 1 2 1 0.");
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "torn", 10, 0, &rho, err), 0);
	FL_CHECK(rho == 0.5);
	/* a damaged line, a negative rho, a wrong magic: refused */
	put("bad", "fedc-dp-budget 1\n5 1 1 1 0.5\nnot a line\n6 1 2 1 0.5\n");
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "bad", 10, 0, &rho, err), FL_E_PARSE);
	printf("damaged: %s\n", err);
	FL_CHECK(strstr(err, "line 3") != NULL);
	put("neg", "fedc-dp-budget 1\n5 1 1 1 -3\n");
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "neg", 10, 0, &rho, err), FL_E_PARSE);
	put("magic", "something else\n");
	FL_CHECK_EQ_INT(agent_budget_charge(dir, "magic", &c, 10, 0, &spent, err),
			FL_E_PARSE);
	/* names that would leave the folder */
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "../x", 10, 0, &rho, err), FL_E_INVAL);
	FL_CHECK_EQ_INT(agent_budget_spent(dir, ".hidden", 10, 0, &rho, err), FL_E_INVAL);
	FL_CHECK_EQ_INT(agent_budget_spent(dir, "", 10, 0, &rho, err), FL_E_INVAL);
	/* invalid charges */
	c.rho = -1;
	FL_CHECK_EQ_INT(agent_budget_charge(dir, "shuttle", &c, 1, 0, NULL, err), FL_E_INVAL);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		FL_CHECK(system(cmd) == 0);
	}
	return FL_TEST_DONE();
}
