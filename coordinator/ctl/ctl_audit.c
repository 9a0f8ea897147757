/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_audit: fedctl audit list, the coordinator's audit log (admin only). */
#include <inttypes.h>
#include <string.h>

#include "ctl.h"
#include "fl_codec_events.h"

static void audit_print(ctl_ctx *c, const fl_msg_audit_entry *e, bool first)
{
	char t[32];

	if (c->json) {
		fprintf(c->out, "%s{\"id\":%" PRIu64 ",\"ts_ms\":%" PRId64 ",\"who\":",
			first ? "" : ",", e->id, e->ts_ms);
		ctl_json_str(c->out, e->who);
		ctl_json_kstr(c->out, "action", e->action);
		ctl_json_kstr(c->out, "detail", e->detail);
		fputc('}', c->out);
		return;
	}
	fprintf(c->out, "%-6" PRIu64 " %s  %-16s %-16s %s\n", e->id,
		ctl_fmt_time(e->ts_ms, t, sizeof(t)), e->who, e->action, e->detail);
}

static int audit_list(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_event_req req = { 0, 0 };
	fl_msg_audit_list l;
	size_t n, total = 0;
	int rc;

	if ((rc = ctl_args_parse(c, "audit", self, argc, argv, NULL, 0, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (c->json)
		fputs("{\"entries\":[", c->out);
	else
		fprintf(c->out, "%-6s %-19s  %-16s %-16s %s\n", "ID", "TIME (UTC)", "WHO",
			"ACTION", "DETAIL");
	do {   /* page by page */
		if ((rc = ctl_rpc(c, "audit list", FL_RPC_CTL_LIST_AUDIT,
				  &ctl_msg_event_req, &req, &ctl_msg_audit_list, &l)) != 0)
			return rc;
		for (size_t i = 0; i < l.n; i++)
			audit_print(c, &l.entries[i], total + i == 0);
		total += l.n;
		if (l.n)
			req.after_id = l.entries[l.n - 1].id;
		n = l.n;
		fl_msg_audit_list_clear(&l);
	} while (n == FL_EVENTS_MAX_LIST);
	if (c->json)
		fputs("]}\n", c->out);
	else if (total == 0)
		fprintf(c->out, "(no entries)\n");
	return CTL_EXIT_OK;
}

const ctl_cmd ctl_audit_cmds[] = {
	{ "list", audit_list, "",
	  "List the coordinator's audit log (admin only). Who submitted, aborted, "
	  "registered, revoked or enrolled what, and when." },
};
const size_t ctl_audit_ncmds = sizeof(ctl_audit_cmds) / sizeof(ctl_audit_cmds[0]);
