/* SPDX-License-Identifier: Apache-2.0 */
/* coord_auth: role checks on every call (site, admin, viewer). */
#include <stdio.h>
#include <string.h>

#include "coord_auth.h"
#include "coord_certs.h"
#include "coord_testhook.h"
#include "fl_codec_events.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_pki.h"

#define COORD_AGENT_PREFIX "/fedc.v1.Agent/"
#define COORD_CONTROL_PREFIX "/fedc.v1.Control/"
#define COORD_SECAGG_PREFIX "/fedc.v1.SecAgg/"

static int coord_auth_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int coord_auth_viewer_ok(const char *method)
{
	return strcmp(method, FL_RPC_CTL_LIST_JOBS) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_JOB) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_MODEL) == 0 ||
		strcmp(method, FL_RPC_CTL_LIST_SITES) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_STATS) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_SITE_METRICS) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_LEDGER) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_JOB_EVENTS) == 0 ||
		strcmp(method, FL_RPC_CTL_GET_SITE) == 0;
}

static int coord_auth_site(coord_store *st, const char *method, const char *cn,
			   char *errmsg)
{
	coord_site_row row;
	int r;

	if (!coord_auth_prefix(method, COORD_AGENT_PREFIX) &&
	    !coord_auth_prefix(method, COORD_SECAGG_PREFIX)) {
		fl_errmsg_set(errmsg, "site certificates may only call the Agent "
			      "and SecAgg services; use an operator certificate for "
			      "fedctl");
		return FL_E_DENIED;
	}
	r = coord_store_site_get(st, cn, &row);
	if (r == FL_E_NOTFOUND) {
		fl_errmsg_set(errmsg, "unknown site '%s': an operator must run "
			      "'fedctl site add %s'", cn, cn);
		return FL_E_DENIED;
	}
	if (r != 0) {
		fl_errmsg_set(errmsg, "cannot check site '%s': %s", cn, fl_strerror(r));
		return r;
	}
	if (row.info.revoked && !coord_testhook_serve_revoked()) {
		fl_errmsg_set(errmsg, "site '%s' is revoked; its certificate is no "
			      "longer accepted", cn);
		return FL_E_DENIED;
	}
	return 0;
}

int coord_auth_decide(coord_store *st, const char *method, const char *cn,
		      const char *role, char *errmsg)
{
	if (cn == NULL || cn[0] == '\0') {
		fl_errmsg_set(errmsg, "the client certificate has no common name");
		return FL_E_DENIED;
	}
	if (strcmp(role, FL_ROLE_SITE) == 0)
		return coord_auth_site(st, method, cn, errmsg);
	if (strcmp(role, FL_ROLE_ADMIN) == 0 || strcmp(role, FL_ROLE_VIEWER) == 0) {
		if (!coord_auth_prefix(method, COORD_CONTROL_PREFIX)) {
			fl_errmsg_set(errmsg, "only site certificates may call the "
				      "Agent and SecAgg services");
			return FL_E_DENIED;
		}
		if (strcmp(role, FL_ROLE_VIEWER) == 0 && !coord_auth_viewer_ok(method)) {
			fl_errmsg_set(errmsg, "viewer certificates cannot submit or "
				      "abort jobs, add, enroll or revoke sites, "
				      "publish CRLs, read the audit log or "
				      "take database backups: "
				      "use an admin certificate");
			return FL_E_DENIED;
		}
		return 0;
	}
	fl_errmsg_set(errmsg, "certificate of '%s' has role '%s'; expected site, "
		      "admin or viewer", cn, role);
	return FL_E_DENIED;
}

/* The certificate is on the CA-signed CRL the coordinator holds: refused,
 * operators and sites alike (a compromised coordinator's test hook that
 * keeps serving revoked sites skips it for sites only). */
static int coord_auth_crl(struct coord_certs *certs, const fl_cert_info *info,
			  char *errmsg)
{
	uint64_t number = 0;

	if (!certs || !coord_certs_revoked(certs, info->serial, &number))
		return 0;
	if (strcmp(info->role, FL_ROLE_SITE) == 0 && coord_testhook_serve_revoked())
		return 0;
	fl_errmsg_set(errmsg, "the certificate of '%s' (role %s, serial %s) is "
		      "revoked by CRL %llu; it is no longer accepted: ask the CA "
		      "for a new certificate", info->cn, info->role[0] ? info->role :
		      "none", info->serial, (unsigned long long)number);
	return FL_E_REVOKED;
}

int coord_auth_check(coord_store *st, struct coord_certs *certs,
		     const char *method, const char *peer_pem, coord_caller *out,
		     char *errmsg)
{
	fl_cert_info info;
	int r;

	/* TLS lets clients without a certificate in (for Enroll, which does
	 * not call this: its token is its credential); every other method
	 * needs one */
	if (peer_pem == NULL) {
		fl_errmsg_set(errmsg, "no client certificate (only enrollment "
			      "works without one)");
		return FL_E_AUTH;
	}
	if ((r = fl_pki_cert_info(peer_pem, strlen(peer_pem), &info)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the client certificate: %s",
			      fl_strerror(r));
		return FL_E_AUTH;
	}
	if ((r = coord_auth_crl(certs, &info, errmsg)) != 0 ||
	    (r = coord_auth_decide(st, method, info.cn, info.role, errmsg)) != 0)
		return r;
	snprintf(out->cn, sizeof(out->cn), "%s", info.cn);
	snprintf(out->role, sizeof(out->role), "%s", info.role);
	memcpy(out->fingerprint, info.fingerprint, sizeof(out->fingerprint));
	memcpy(out->serial, info.serial, sizeof(out->serial));
	out->not_after_ms = info.not_after_ms;
	return 0;
}
