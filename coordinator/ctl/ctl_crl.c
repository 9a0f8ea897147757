/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_crl: fedctl crl publish FILE: hands a CRL made offline ('fedctl ca
 * revoke') to the coordinator (Control PublishCrl, admin only). */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_util.h"

static int crl_publish(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1];
	char *pem = NULL;
	fl_msg_crl req, rep;
	size_t len = 0, n = 0;
	char (*serials)[FL_PKI_SERIAL_BYTES] = NULL;
	int r, rc;

	memset(&rep, 0, sizeof(rep));
	if ((rc = ctl_args_parse(c, "crl", self, argc, argv, NULL, 0, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((r = fl_file_read(pos[0], FL_MSG_CRL_MAX, &pem, &len)) != 0) {
		char eb[64];

		fprintf(c->err, "fedctl: crl publish: cannot read %s: %s\n", pos[0],
			fl_file_strerror(r, FL_MSG_CRL_MAX, eb, sizeof(eb)));
		return CTL_EXIT_NOTFOUND;
	}
	/* Only a first look here: the coordinator checks the signature. */
	if (fl_pki_crl_serials(pem, len, &serials, &n) != 0) {
		fprintf(c->err, "fedctl: crl publish: %s is not a PEM CRL (make one "
			"with 'fedctl ca revoke')\n", pos[0]);
		rc = CTL_EXIT_INVALID;
		goto out;
	}
	req.number = 0;
	req.pem = pem;
	if ((rc = ctl_rpc(c, "crl publish", FL_RPC_CTL_PUBLISH_CRL, &ctl_msg_crl, &req,
			  &ctl_msg_crl, &rep)) != 0)
		goto out;
	if (c->json) {
		fprintf(c->out, "{\"crl_number\":%llu,\"revoked\":%zu}\n",
			(unsigned long long)rep.number, n);
	} else {
		fprintf(c->out, "CRL %llu published (%zu revoked certificate(s)): the "
			"coordinator refuses them from their next call, and the agents "
			"fetch it at their next poll\n", (unsigned long long)rep.number, n);
	}
out:
	fl_msg_crl_clear(&rep);
	free(serials);
	free(pem);
	return rc;
}

const ctl_cmd ctl_crl_cmds[] = {
	{ "publish", crl_publish, "FILE",
	  "Hand a CRL made with the offline CA key to the coordinator (admin "
	  "only). 'fedctl ca revoke' writes it to DIR/crl.pem. It must be signed by the "
	  "CA, not expired, and numbered above the coordinator's current CRL; the "
	  "coordinator then refuses the certificates it lists (sites and "
	  "operators), keeps it across restarts and announces it to the agents. "
	  "Publish a fresh one before the current one's next update: agents "
	  "refuse rounds with an expired CRL (R10)." },
};
const size_t ctl_crl_ncmds = sizeof(ctl_crl_cmds) / sizeof(ctl_crl_cmds[0]);
