/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site: fedctl site add and site list (alias: sites list). */
#include <string.h>

#include "ctl.h"

static int site_add(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *role = "site", *ttl = NULL;
	bool no_token = false;
	uint32_t ttl_s = 0;
	const ctl_opt opts[] = { { "--role", NULL, &role, NULL },
				 { "--token-ttl", NULL, &ttl, NULL },
				 { "--no-token", NULL, NULL, &no_token } };
	fl_msg_site_add add;
	fl_msg_site_info info;
	int rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, opts, 3, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_parse_ttl(c, "site add", ttl, &ttl_s)) != 0)
		return rc;
	if (strcmp(role, "site") != 0 && strcmp(role, "admin") != 0 &&
	    strcmp(role, "viewer") != 0) {
		fprintf(c->err, "fedctl: site add: --role is site, admin or viewer, not "
			"'%s'\n", role);
		return CTL_EXIT_USAGE;
	}
	memset(&add, 0, sizeof(add));
	if ((rc = ctl_parse_name(c, "site add", pos[0], add.name, sizeof(add.name))) != 0)
		return rc;
	memcpy(add.role, role, strlen(role) + 1);
	if ((rc = ctl_rpc(c, "site add", FL_RPC_CTL_ADD_SITE, &ctl_msg_site_add, &add,
			  &ctl_msg_site_info, &info)) != 0)
		return rc;
	/* a site also gets a one-time enrollment token (when the CA is online) */
	if (strcmp(info.role, "site") != 0 || no_token) {
		if (c->json) {
			ctl_json_site_info(c->out, &info);
			fputc('\n', c->out);
		} else {
			fprintf(c->out, "site '%s' added (role %s)\n", info.name,
				info.role);
		}
		return 0;
	}
	if (c->json) {
		fputs("{\"site\":", c->out);
		ctl_json_site_info(c->out, &info);
		fputc(',', c->out);
	} else {
		fprintf(c->out, "site '%s' added (role %s)\n", info.name, info.role);
	}
	rc = ctl_site_token_issue(c, "site add", info.name, ttl_s, true);
	if (c->json)
		fputs("}\n", c->out);
	return rc;
}

static void site_table(FILE *f, const fl_msg_site_list *l)
{
	size_t i;

	fprintf(f, "%-24s %-8s %-8s %-8s %s\n", "NAME", "ROLE", "ONLINE", "REVOKED",
		"LAST SEEN (UTC)");
	for (i = 0; i < l->n; i++) {
		const fl_msg_site_info *s = &l->sites[i];
		char t[32];

		fprintf(f, "%-24s %-8s %-8s %-8s %s\n", s->name, s->role,
			s->online ? "yes" : "no", s->revoked ? "yes" : "no",
			ctl_fmt_time(s->last_seen_ms, t, sizeof(t)));
	}
	if (l->n == 0)
		fprintf(f, "(no sites)\n");
}

static int site_list(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_site_list list;
	size_t i;
	int rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, NULL, 0, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_rpc(c, "site list", FL_RPC_CTL_LIST_SITES, &ctl_msg_empty, NULL,
			  &ctl_msg_site_list, &list)) != 0)
		return rc;
	if (c->json) {
		fputs("{\"sites\":[", c->out);
		for (i = 0; i < list.n; i++) {
			if (i)
				fputc(',', c->out);
			ctl_json_site_info(c->out, &list.sites[i]);
		}
		fputs("]}\n", c->out);
	} else {
		site_table(c->out, &list);
	}
	fl_msg_site_list_clear(&list);
	return 0;
}

const ctl_cmd ctl_site_cmds[] = {
	{ "add", site_add, "NAME [--role site|admin|viewer] [--token-ttl SECONDS] [--no-token]",
	  "Register a site (or an operator) by its certificate's common name; "
	  "a site also gets a one-time enrollment token if the CA is online." },
	{ "token", ctl_site_token, "NAME [--token-ttl SECONDS]",
	  "Issue a fresh one-time enrollment token for a registered site." },
	{ "list", site_list, "", "List the registered sites, online or not." },
	{ "show", ctl_site_show, "NAME",
	  "Show what the coordinator knows of a site. Role, last seen, datasets, "
	  "the certificates it connected with, and the finished rounds and jobs it "
	  "took part in; exit 4 if there is no such site." },
	{ "revoke", ctl_site_revoke, "NAME",
	  "Revoke a site: the coordinator refuses it from its next call, and with "
	  "its CA online publishes a CRL with which the agents refuse its keys. "
	  "Exit 4 if there is no such site." },
};
const size_t ctl_site_ncmds = sizeof(ctl_site_cmds) / sizeof(ctl_site_cmds[0]);
