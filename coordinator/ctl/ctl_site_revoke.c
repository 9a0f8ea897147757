/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site_revoke: fedctl site revoke NAME. */
#include <string.h>

#include "ctl.h"

int ctl_site_revoke(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1];
	fl_msg_site_add ref;
	fl_msg_site_info info;
	int rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, NULL, 0, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	memset(&ref, 0, sizeof(ref));
	if ((rc = ctl_parse_name(c, "site revoke", pos[0], ref.name,
				 sizeof(ref.name))) != 0)
		return rc;
	if ((rc = ctl_rpc(c, "site revoke", FL_RPC_CTL_REVOKE_SITE, &ctl_msg_site_add,
			  &ref, &ctl_msg_site_info, &info)) != 0)
		return rc;
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
	return 0;
}
