/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_get: what fedctl's job commands share: a job id argument, one
 * GetJob call, and signing a spec with the operator's key. Below the job
 * subcommands (ctl_job*.c, ctl_stats.c, ctl_report.c, ctl_ledger.c). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_err.h"
#include "fl_spec_sig.h"
#include "fl_wipe.h"

int ctl_job_parse_id(ctl_ctx *c, const char *s, uint64_t *id)
{
	if (ctl_parse_u64(s, 1, UINT64_MAX, id) != 0) {
		fprintf(c->err, "fedctl: '%s' is not a job id (a positive integer; "
			"'fedctl job list' shows them)\n", s);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

int ctl_job_args(ctl_ctx *c, const char *group, const ctl_cmd *self, int argc,
		 char **argv, const ctl_opt *opts, size_t nopts, uint64_t *id)
{
	const char *pos[1];
	int rc;

	if ((rc = ctl_args_parse(c, group, self, argc, argv, opts, nopts, pos, 1, 1)) != 0)
		return rc;
	return ctl_job_parse_id(c, pos[0], id);
}

int ctl_job_get(ctl_ctx *c, uint64_t id, fl_msg_job_status *out, const char *what)
{
	fl_msg_job_ref ref = { id };

	return ctl_rpc_as(c, what, "bad reply from the coordinator", FL_RPC_CTL_GET_JOB,
			  &ctl_msg_job_ref, &ref, &ctl_msg_job_status, out);
}

int ctl_spec_sign(ctl_ctx *c, const char *what, fl_msg_job_submit *sub)
{
	fl_sign_key *key = NULL;
	char *pem = NULL, *cert = NULL;
	size_t plen = 0, clen = 0;
	int r, rc = CTL_EXIT_OTHER;

	if ((rc = ctl_conn_resolve(c)) != 0)
		return rc;
	rc = CTL_EXIT_OTHER;
	if ((r = fl_file_read(c->cert, FL_MSG_SPEC_CERT_MAX, &cert, &clen)) != 0 ||
	    (r = fl_file_read(c->key, FL_SIGN_MAX_PEM, &pem, &plen)) != 0) {
		fprintf(c->err, "fedctl: %s: cannot read %s to sign the spec: %s\n"
			"hint: the spec is signed with your operator key and "
			"certificate (--cert, --key)\n", what, cert ? c->key : c->cert,
			fl_strerror(r));
		goto out;
	}
	if ((r = fl_sign_key_load_pem(pem, plen, &key)) != 0 ||
	    (r = fl_spec_sign(key, sub->spec, strlen(sub->spec), sub->spec_sig,
			      &sub->spec_sig_len)) != 0) {
		fprintf(c->err, "fedctl: %s: cannot sign the spec with %s: %s\n",
			what, c->key, fl_strerror(r));
		goto out;
	}
	sub->spec_cert = cert;
	cert = NULL;
	rc = 0;
out:
	fl_sign_key_free(key);
	fl_wipe_free(pem, plen);
	free(cert);
	return rc;
}

int ctl_job_submit_signed(ctl_ctx *c, const char *what, fl_msg_job_submit *sub,
			  fl_msg_job_info *info)
{
	int rc;

	/* The admin's signature lets every site check that the coordinator
	 * hands out this exact text (SECAGG.md R2, R7, R11). */
	if ((rc = ctl_spec_sign(c, what, sub)) != 0)
		return rc;
	return ctl_rpc(c, what, FL_RPC_CTL_SUBMIT_JOB, &ctl_msg_job_submit, sub,
		       &ctl_msg_job_info, info);
}
