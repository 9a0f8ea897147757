/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_auth: which role may call which method, and certificates on
 * the CA-signed CRL the coordinator holds (operators included). */
#include <stdlib.h>
#include <string.h>

#include "coord_auth.h"
#include "coord_certs.h"
#include "coord_service.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_spec_sig.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_util.h"

/* A revoked operator keeps no Control access; a published CRL survives a
 * restart; older, expired or foreign CRLs are refused. */
static void test_revoked_operators(coord_store *st)
{
	const long rev[] = { 21, 22, 23 };
	char msg[FL_ERRMSG_BYTES] = "", *crl1 = NULL, *crl_old = NULL;
	char *crl_stale = NULL, *crl_foreign = NULL;
	fl_test_ca ca, other;
	fl_test_site admin, viewer, site, admin2;
	coord_certs *certs = NULL;
	coord_caller who;
	size_t len = 0;
	int64_t now = fl_time_ms();

	FL_CHECK_EQ_INT(fl_test_ca_new("consortium CA", &ca), 0);
	FL_CHECK_EQ_INT(fl_test_ca_new("rogue CA", &other), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "operator", "admin", 21, 0, -60, 86400,
					 &admin), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "viewer", "viewer", 22, 0, -60, 86400,
					 &viewer), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "site1", "site", 23, 0, -60, 86400,
					 &site), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "operator2", "admin", 24, 0, -60, 86400,
					 &admin2), 0);
	crl1 = fl_test_crl_at(&ca, rev, 3, 1, 86400, &len);
	crl_old = fl_test_crl_at(&ca, rev, 1, 1, 86400, &len);
	crl_stale = fl_test_crl_at(&ca, rev, 3, 5, -60, &len);
	crl_foreign = fl_test_crl_at(&other, rev, 3, 9, 86400, &len);
	FL_CHECK(crl1 && crl_old && crl_stale && crl_foreign);
	FL_CHECK_EQ_INT(coord_certs_new(st, ca.pem, ca.pem_len, &certs), 0);
	if (!certs || !crl1 || !crl_old || !crl_stale || !crl_foreign)
		goto out;
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_SUBMIT_JOB,
					 admin.cert_pem, &who, msg), 0);
	FL_CHECK_EQ_INT(coord_certs_publish_pem(certs, st, crl_foreign, now, NULL, msg),
			FL_E_VERIFY);
	FL_CHECK(strstr(msg, "not signed by the consortium CA") != NULL);
	FL_CHECK_EQ_INT(coord_certs_publish_pem(certs, st, crl_stale, now, NULL, msg),
			FL_E_STALE);
	FL_CHECK(strstr(msg, "expired at") != NULL);
	FL_CHECK_EQ_INT(coord_certs_crl_number(certs), 0);
	FL_CHECK_EQ_INT(coord_certs_publish_pem(certs, st, crl1, now, NULL, msg), 0);
	FL_CHECK_EQ_INT(coord_certs_crl_number(certs), 1);

	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_SUBMIT_JOB,
					 admin.cert_pem, &who, msg), FL_E_REVOKED);
	FL_CHECK(strstr(msg, "'operator' (role admin, serial 15) is revoked by CRL 1")
		 != NULL);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_PUBLISH_CRL,
					 admin.cert_pem, &who, msg), FL_E_REVOKED);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_LIST_JOBS,
					 viewer.cert_pem, &who, msg), FL_E_REVOKED);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_AGENT_POLL,
					 site.cert_pem, &who, msg), FL_E_REVOKED);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_SUBMIT_JOB,
					 admin2.cert_pem, &who, msg), 0);
	/* Viewers cannot publish; an older or equal number is refused. */
	FL_CHECK_EQ_INT(coord_auth_decide(st, FL_RPC_CTL_PUBLISH_CRL, "viewer",
					  "viewer", msg), FL_E_DENIED);
	FL_CHECK_EQ_INT(coord_certs_publish_pem(certs, st, crl_old, now, NULL, msg),
			FL_E_REPLAY);
	FL_CHECK(strstr(msg, "CRL 1 refused: the coordinator holds CRL 1") != NULL);

	/* A restart keeps the CRL in force. */
	coord_certs_free(certs);
	certs = NULL;
	FL_CHECK_EQ_INT(coord_certs_new(st, ca.pem, ca.pem_len, &certs), 0);
	FL_CHECK_EQ_INT(coord_certs_crl_number(certs), 1);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_SUBMIT_JOB,
					 admin.cert_pem, &who, msg), FL_E_REVOKED);
	FL_CHECK_EQ_INT(coord_auth_check(st, certs, FL_RPC_CTL_SUBMIT_JOB,
					 admin2.cert_pem, &who, msg), 0);
out:
	coord_certs_free(certs);
	free(crl1);
	free(crl_old);
	free(crl_stale);
	free(crl_foreign);
	fl_test_site_free(&admin);
	fl_test_site_free(&viewer);
	fl_test_site_free(&site);
	fl_test_site_free(&admin2);
	fl_test_ca_free(&ca);
	fl_test_ca_free(&other);
}

/* Signs spec as who (PEM key) into sub; sub->spec and spec_cert borrowed. */
static void spec_sign_as(const fl_test_site *who, const char *spec,
			 fl_msg_job_submit *sub)
{
	fl_sign_key *key = NULL;

	memset(sub, 0, sizeof(*sub));
	sub->spec = (char *)spec;
	FL_CHECK_EQ_INT(fl_sign_key_load_pem(who->key_pem, who->key_len, &key), 0);
	FL_CHECK_EQ_INT(fl_spec_sign(key, spec, strlen(spec), sub->spec_sig,
				     &sub->spec_sig_len), 0);
	sub->spec_cert = who->cert_pem;
	fl_sign_key_free(key);
}

/* SubmitJob refuses a spec the caller did not sign itself as an admin: the
 * coordinator keeps a record of who signed, and sites check it again. */
static void test_spec_signed(coord_store *st)
{
	static const char spec[] = "[job]\nname = x\ndataset = d\n";
	char msg[FL_ERRMSG_BYTES] = "";
	fl_test_ca ca;
	fl_test_site admin, admin2, viewer;
	fl_msg_job_submit sub;
	coord_caller who, who_viewer;

	FL_CHECK_EQ_INT(fl_test_ca_new("consortium CA", &ca), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "operator", "admin", 31, 0, -60, 86400,
					 &admin), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "operator2", "admin", 32, 1, -60, 86400,
					 &admin2), 0);
	FL_CHECK_EQ_INT(fl_test_cert_new(&ca, "viewer", "viewer", 33, 0, -60, 86400,
					 &viewer), 0);
	FL_CHECK_EQ_INT(coord_auth_check(st, NULL, FL_RPC_CTL_SUBMIT_JOB,
					 admin.cert_pem, &who, msg), 0);
	FL_CHECK_EQ_INT(coord_auth_check(st, NULL, FL_RPC_CTL_LIST_JOBS,
					 viewer.cert_pem, &who_viewer, msg), 0);

	spec_sign_as(&admin, spec, &sub);
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), 0);
	/* unsigned, as an older fedctl sends it */
	sub.spec_sig_len = 0;
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_INVAL);
	FL_CHECK(strstr(msg, "the job spec is not signed") != NULL);
	spec_sign_as(&admin, spec, &sub);
	sub.spec_cert = NULL;
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_INVAL);
	/* altered after signing */
	spec_sign_as(&admin, spec, &sub);
	sub.spec = (char *)"[job]\nname = y\ndataset = d\n";
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "does not verify with your certificate") != NULL);
	/* a bit flipped in the signature */
	spec_sign_as(&admin, spec, &sub);
	sub.spec_sig[sub.spec_sig_len / 2] ^= 1;
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_DENIED);
	/* signed by another admin (Ed25519), sent by operator */
	spec_sign_as(&admin2, spec, &sub);
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "signed by 'operator2', not by the caller 'operator'")
		 != NULL);
	/* operator's certificate with operator2's signature */
	sub.spec_cert = admin.cert_pem;
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who, &sub, msg), FL_E_DENIED);
	/* a viewer's own signature does not make it an admin */
	spec_sign_as(&viewer, spec, &sub);
	FL_CHECK_EQ_INT(coord_ctl_spec_check(&who_viewer, &sub, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "only an admin") != NULL);
	fl_test_site_free(&admin);
	fl_test_site_free(&admin2);
	fl_test_site_free(&viewer);
	fl_test_ca_free(&ca);
}

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
	FL_CHECK_EQ_INT(coord_auth_check(st, NULL, FL_RPC_AGENT_POLL, NULL, &who, msg),
			FL_E_AUTH);
	FL_CHECK_EQ_INT(coord_auth_check(st, NULL, FL_RPC_AGENT_POLL, "not a pem", &who,
					 msg), FL_E_AUTH);
	test_revoked_operators(st);
	test_spec_signed(st);

	coord_store_close(st);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
