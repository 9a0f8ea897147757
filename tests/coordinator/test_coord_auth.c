/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_auth: which role may call which method. */
#include <string.h>

#include "coord_auth.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_test.h"

int main(void)
{
	char dir[64], path[128], msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	coord_store *st = NULL;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, msg), 0);
	if (st == NULL)
		return FL_TEST_DONE();
	coord_store_site_add(st, "site1", "site", 1);
	coord_store_site_add(st, "site2", "site", 1);
	coord_store_site_set_revoked(st, "site2", 1);

	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_AGENT_POLL, "site1", "site", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_AGENT_PUT_UPDATE, "site1", "site", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_SA_ADVERTISE, "site1", "site", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_SA_PUT_UNMASK, "site1", "site", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_SA_GET_KEYS, "site2", "site", msg),
			FL_E_DENIED);   /* revoked */
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_SA_GET_KEYS, "operator", "admin",
					  msg), FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_AGENT_POLL, "site9", "site", msg),
			FL_E_DENIED);
	FL_CHECK(strstr(msg, "unknown site 'site9'") != NULL);
	FL_CHECK(strstr(msg, "fedctl site add site9") != NULL);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_AGENT_POLL, "site2", "site", msg),
			FL_E_DENIED);
	FL_CHECK(strstr(msg, "revoked") != NULL);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_JOBS, "site1", "site", msg),
			FL_E_DENIED);

	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_SUBMIT_JOB, "operator", "admin", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_ADD_SITE, "operator", "admin", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_AGENT_POLL, "operator", "admin", msg),
			FL_E_DENIED);

	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_JOBS, "viewer", "viewer", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_GET_JOB, "viewer", "viewer", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_GET_MODEL, "viewer", "viewer", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_SITES, "viewer", "viewer", msg), 0);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_SUBMIT_JOB, "viewer", "viewer", msg),
			FL_E_DENIED);
	FL_CHECK(strstr(msg, "viewer certificates cannot submit or abort jobs") != NULL);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_ABORT_JOB, "viewer", "viewer", msg),
			FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_ADD_SITE, "viewer", "viewer", msg),
			FL_E_DENIED);

	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_JOBS, "coordinator",
					  "coordinator", msg), FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_JOBS, "x", "", msg), FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_LIST_JOBS, "", "admin", msg), FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_auth_check(st, FL_RPC_AGENT_POLL, NULL, &who, msg), FL_E_AUTH);
	FL_CHECK_EQ_INT(coord_auth_check(st, FL_RPC_AGENT_POLL, "not a pem", &who, msg),
			FL_E_AUTH);

	coord_store_close(st);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
