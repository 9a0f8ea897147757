/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site_revoke: fedctl site revoke NAME. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fl_codec.h"
#include "fl_err.h"

int ctl_site_revoke(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1];
	fl_msg_site_add ref;
	fl_msg_site_info info;
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int r, rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, NULL, 0, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (pos[0][0] == '\0' || strlen(pos[0]) >= sizeof(ref.name)) {
		fprintf(c->err, "fedctl: site revoke: the name must be 1..%zu "
			"characters\n", sizeof(ref.name) - 1);
		return CTL_EXIT_USAGE;
	}
	memset(&ref, 0, sizeof(ref));
	memcpy(ref.name, pos[0], strlen(pos[0]) + 1);
	if ((rc = ctl_site_call(c, FL_RPC_CTL_REVOKE_SITE, &ref, &resp, &rlen,
				"site revoke")) != 0)
		goto out;
	if ((r = fl_codec_decode_site_info(resp, rlen, &info)) != 0) {
		rc = ctl_bad_reply(c, "site revoke", r);
		goto out;
	}
	if (c->json) {
		ctl_json_site_info(c->out, &info);
		fputc('\n', c->out);
	} else {
		fprintf(c->out, "site '%s' revoked: the coordinator refuses it from "
			"its next call.\nIf its CA is online ([ca] in its config), the "
			"agents fetch the new CRL at their next poll and refuse the "
			"site's keys; otherwise revoke its certificate with 'fedctl ca "
			"revoke' and hand the CRL over with 'fedctl crl publish'.\n", info.name);
	}
out:
	free(resp);
	return rc;
}
