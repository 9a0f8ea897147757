/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site: fedctl site add and site list (alias: sites list). */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fl_codec.h"
#include "fl_err.h"

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
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int r, rc;

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
	if (pos[0][0] == '\0' || strlen(pos[0]) >= sizeof(add.name)) {
		fprintf(c->err, "fedctl: site add: the name must be 1..%zu characters\n",
			sizeof(add.name) - 1);
		return CTL_EXIT_USAGE;
	}
	memset(&add, 0, sizeof(add));
	memcpy(add.name, pos[0], strlen(pos[0]) + 1);
	memcpy(add.role, role, strlen(role) + 1);
	if ((rc = ctl_site_call(c, FL_RPC_CTL_ADD_SITE, &add, &resp, &rlen,
				"site add")) != 0)
		goto out;
	if ((r = fl_codec_decode_site_info(resp, rlen, &info)) != 0) {
		rc = ctl_bad_reply(c, "site add", r);
		goto out;
	}
	/* a site also gets a one-time enrollment token (when the CA is online) */
	if (strcmp(info.role, "site") != 0 || no_token) {
		if (c->json) {
			ctl_json_site_info(c->out, &info);
			fputc('\n', c->out);
		} else {
			fprintf(c->out, "site '%s' added (role %s)\n", info.name,
				info.role);
		}
		goto out;
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
out:
	free(resp);
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
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, rlen = 0, i;
	int zero = 0, r, rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, NULL, 0, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((r = fl_codec_encode_empty(&zero, &req, &len)) != 0)
		return ctl_report(c, "site list", r, NULL);
	if ((rc = ctl_call(c, FL_RPC_CTL_LIST_SITES, req, len, &resp, &rlen,
			   "site list")) != 0)
		goto out;
	if ((r = fl_codec_decode_site_list(resp, rlen, &list)) != 0) {
		rc = ctl_bad_reply(c, "site list", r);
		goto out;
	}
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
out:
	free(req);
	free(resp);
	return rc;
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
