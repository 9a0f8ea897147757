/* SPDX-License-Identifier: Apache-2.0 */
/* agent_spec: R2 (and R7, R11), the job spec must be signed by an admin of
 * the consortium, so an untrusted coordinator cannot alter it. */
#include <stdio.h>
#include <string.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_spec_sig.h"

_Static_assert(FL_MSG_SPEC_SIG_MAX == FL_SIG_MAX_BYTES, "spec signature sizes differ");
_Static_assert(FL_MSG_SPEC_CERT_MAX == FL_SPEC_CERT_MAX, "spec certificate caps differ");

int agent_spec_check(fl_agent *a, const fl_msg_task *t, fl_cert_info *signer,
		     char *why)
{
	char detail[FL_ERRMSG_BYTES] = "";
	int r;

	if (t->spec == NULL)
		snprintf(detail, sizeof(detail), "the task carries no spec");
	else if (a->verifier == NULL)
		snprintf(detail, sizeof(detail), "no CA to check the signer against");
	else if ((r = fl_spec_verify(a->verifier, t->spec, strlen(t->spec),
				     t->spec_sig, t->spec_sig_len, t->spec_cert,
				     t->spec_cert ? strlen(t->spec_cert) : 0,
				     signer, detail)) == 0)
		return 0;
	else if (r == FL_E_NOMEM)
		return r;
	fl_errmsg_set(why, "R2: the job spec is not signed by a consortium admin "
		      "(%s)", detail[0] ? detail : "unknown reason");
	return FL_E_CONTEXT;
}
