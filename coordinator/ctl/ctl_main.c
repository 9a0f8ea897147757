/* SPDX-License-Identifier: Apache-2.0 */
/* fedctl: the operator's command line for the coordinator's Control service.
 * Global options, then a group and a command from the tables below. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fl_err.h"
#include "fl_testhooks.h"

#ifndef FL_VERSION
#define FL_VERSION "0.1.0"
#endif

static const ctl_group ctl_groups[] = {
	{ "job", ctl_job_cmds, &ctl_job_ncmds, "submit, list, inspect, watch and abort jobs" },
	{ "model", ctl_model_cmds, &ctl_model_ncmds, "list and download a job's global models" },
	{ "round", ctl_round_cmds, &ctl_round_ncmds, "a round's attempts, participants and timings" },
	{ "ca", ctl_ca_cmds, &ctl_ca_ncmds, "the consortium CA, offline: make it, issue, sign CSRs, revoke, rotate" },
	{ "crl", ctl_crl_cmds, &ctl_crl_ncmds, "hand a CRL made with the offline CA key to the coordinator" },
	{ "site", ctl_site_cmds, &ctl_site_ncmds, "register, enroll, list and revoke sites and operators" },
	{ "ledger", ctl_ledger_cmds, &ctl_ledger_ncmds, "export and verify the signed round ledger" },
	{ "audit", ctl_audit_cmds, &ctl_audit_ncmds, "the coordinator's audit log" },
	{ "admin", ctl_admin_cmds, &ctl_admin_ncmds, "operations: an online backup of the coordinator database" },
	{ "sites", ctl_site_cmds, &ctl_site_ncmds, NULL },   /* alias: 'sites list' */
};
#define CTL_NGROUPS (sizeof(ctl_groups) / sizeof(ctl_groups[0]))

static size_t group_ncmds(const ctl_group *g)
{
	return *g->ncmds;
}

static const ctl_group *group_find(const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NGROUPS; i++)
		if (strcmp(ctl_groups[i].name, name) == 0)
			return &ctl_groups[i];
	return NULL;
}

/* The global options and exit codes: 'fedctl help' and the man page. */
static const ctl_kv ctl_globals[] = {
	{ "--coordinator HOST:PORT", "the coordinator, or $FEDC_COORDINATOR; an active/standby list \"A:PORT,B:PORT\" is tried in order on UNAVAILABLE" },
	{ "--ca FILE", "the consortium CA (PEM), or $FEDC_CA" },
	{ "--cert FILE --key FILE", "the operator's certificate and key, or $FEDC_CERT, $FEDC_KEY" },
	{ "--profile FILE", "INI with [fedctl] coordinator, ca, cert, key (default "
	  "~/.config/fedc/fedctl.ini if present); relative paths are relative to it" },
	{ "--json", "machine-readable output (one JSON object)" },
	{ "--timeout MS", "per-call deadline in milliseconds (default 15000)" },
	{ "--help, --version", "this help; the version" },
};
static const ctl_kv ctl_exits[] = {
	{ "0", "ok" },
	{ "1", "the watched job failed or was aborted (job watch), or the ledger does "
	  "not verify (ledger verify)" },
	{ "2", "usage error" },
	{ "3", "cannot reach the coordinator (unavailable, TLS refused, deadline)" },
	{ "4", "not found" },
	{ "5", "permission denied or not authenticated" },
	{ "6", "invalid argument (e.g. a bad job spec; the server's message is printed)" },
	{ "7", "other error" },
};
#define CTL_NGLOBALS (sizeof(ctl_globals) / sizeof(ctl_globals[0]))
#define CTL_NEXITS (sizeof(ctl_exits) / sizeof(ctl_exits[0]))

static void usage(FILE *f)
{
	size_t i, j;

	fprintf(f,
"usage: fedctl [GLOBAL OPTIONS] GROUP COMMAND [ARGS]\n"
"       fedctl help [GROUP [COMMAND]]   |   fedctl GROUP [COMMAND] --help\n"
"       fedctl help --man               (this reference as a man page)\n"
"\n"
"Drives a fedc coordinator through its Control service over mutual TLS.\n"
"\n"
"Global options (before the group):\n");
	for (i = 0; i < CTL_NGLOBALS; i++)
		fprintf(f, "  %-25s %s\n", ctl_globals[i].k, ctl_globals[i].v);
	fprintf(f, "Flags win over environment variables, which win over the profile.\n"
		"\nCommands:\n");
	for (i = 0; i < CTL_NGROUPS; i++) {
		if (!ctl_groups[i].help)
			continue;
		for (j = 0; j < group_ncmds(&ctl_groups[i]); j++) {
			const ctl_cmd *cmd = &ctl_groups[i].cmds[j];
			char syn[96];

			const char *dot = strchr(cmd->help, '.');

			snprintf(syn, sizeof(syn), "%s %s %s", ctl_groups[i].name,
				 cmd->name, cmd->args);
			/* The first sentence; 'fedctl GROUP CMD --help' has the rest. */
			fprintf(f, "  %s\n      %.*s\n", syn,
				(int)(dot ? (size_t)(dot - cmd->help) : strlen(cmd->help)),
				cmd->help);
		}
	}
	fprintf(f, "  stats %s\n      Consortium-wide statistics without training "
		"(a stats job).\n", ctl_stats_cmd.args);
	fprintf(f, "  sites list\n      Alias of 'site list'.\n\nExit status:\n");
	for (i = 0; i < CTL_NEXITS; i++)
		fprintf(f, "  %s %s\n", ctl_exits[i].k, ctl_exits[i].v);
}

static void group_usage(FILE *f, const ctl_group *g)
{
	size_t j;

	fprintf(f, "usage: fedctl [GLOBAL OPTIONS] %s COMMAND [ARGS]\n\n%s.\n\n"
		"Commands:\n", g->name, g->help ? g->help : "alias of 'site'");
	for (j = 0; j < group_ncmds(g); j++)
		fprintf(f, "  %s %s\n      %s\n", g->cmds[j].name, g->cmds[j].args,
			g->cmds[j].help);
	fprintf(f, "\n'fedctl %s COMMAND --help' for details; 'fedctl help' for the "
		"global options and exit codes.\n", g->name);
}

void ctl_ctx_init(ctl_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	c->out = stdout;
	c->err = stderr;
}

void ctl_ctx_clear(ctl_ctx *c)
{
	fl_rpc_channel_free(c->ch);
	c->ch = NULL;
}

static int set_str(ctl_ctx *c, char *dst, size_t len, const char *opt, const char *v)
{
	if (strlen(v) >= len || v[0] == '\0') {
		fprintf(c->err, "fedctl: %s: value empty or too long\n", opt);
		return CTL_EXIT_USAGE;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int ctl_parse_globals(ctl_ctx *c, int argc, char **argv, int *next)
{
	int i, r = 0;

	for (i = 1; i < argc && r == 0 && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t ms;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(c->out);
			return CTL_HELP_SHOWN;
		} else if (strcmp(a, "--version") == 0) {
			fprintf(c->out, "fedctl %s\n%s", FL_VERSION, FL_TESTHOOKS_VERSION_LINE);
			return CTL_HELP_SHOWN;
		} else if (strcmp(a, "--json") == 0) {
			c->json = true;
			continue;
		} else if (!v) {
			fprintf(c->err, "fedctl: %s needs a value\n", a);
			return CTL_EXIT_USAGE;
		} else if (strcmp(a, "--coordinator") == 0) {
			r = set_str(c, c->coordinator, sizeof(c->coordinator), a, v);
		} else if (strcmp(a, "--ca") == 0) {
			r = set_str(c, c->ca, sizeof(c->ca), a, v);
		} else if (strcmp(a, "--cert") == 0) {
			r = set_str(c, c->cert, sizeof(c->cert), a, v);
		} else if (strcmp(a, "--key") == 0) {
			r = set_str(c, c->key, sizeof(c->key), a, v);
		} else if (strcmp(a, "--profile") == 0) {
			c->profile = v;
		} else if (strcmp(a, "--timeout") == 0) {
			if (ctl_parse_u64(v, 1, 3600000, &ms) != 0) {
				fprintf(c->err, "fedctl: --timeout wants milliseconds "
					"(1..3600000), not '%s'\n", v);
				return CTL_EXIT_USAGE;
			}
			c->timeout_ms = (uint32_t)ms;
		} else {
			fprintf(c->err, "fedctl: unknown global option '%s'\n"
				"Try 'fedctl help'.\n", a);
			return CTL_EXIT_USAGE;
		}
		i++;
	}
	*next = i;
	return r;
}

static const ctl_cmd *cmd_find(const ctl_group *g, const char *name)
{
	size_t j;

	for (j = 0; j < group_ncmds(g); j++)
		if (strcmp(g->cmds[j].name, name) == 0)
			return &g->cmds[j];
	return NULL;
}

/* fedctl help [GROUP [COMMAND]] */
static int help(ctl_ctx *c, int argc, char **argv)
{
	const ctl_group *g;
	const ctl_cmd *cmd;

	if (argc < 2) {
		usage(c->out);
		return 0;
	}
	if (strcmp(argv[1], "--man") == 0) {
		ctl_man(c->out, ctl_groups, CTL_NGROUPS, &ctl_stats_cmd, ctl_globals,
			CTL_NGLOBALS, ctl_exits, CTL_NEXITS);
		return 0;
	}
	if ((g = group_find(argv[1])) == NULL) {
		fprintf(c->err, "fedctl: no command group '%s'\nTry 'fedctl help'.\n",
			argv[1]);
		return CTL_EXIT_USAGE;
	}
	if (argc < 3) {
		group_usage(c->out, g);
		return 0;
	}
	if ((cmd = cmd_find(g, argv[2])) == NULL) {
		fprintf(c->err, "fedctl: no command '%s %s'\n", argv[1], argv[2]);
		group_usage(c->err, g);
		return CTL_EXIT_USAGE;
	}
	ctl_cmd_help(c->out, g->name, cmd);
	return 0;
}

int ctl_main(ctl_ctx *c, int argc, char **argv)
{
	const ctl_group *g;
	const ctl_cmd *cmd;
	int i, r;

	if ((r = ctl_parse_globals(c, argc, argv, &i)) != 0)
		return r == CTL_HELP_SHOWN ? 0 : r;
	if (i >= argc) {
		usage(c->err);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help(c, argc - i, argv + i);
	if (strcmp(argv[i], "stats") == 0)   /* fedctl stats DATASET ... */
		return ctl_stats_run(c, &ctl_stats_cmd, argc - i, argv + i);
	if ((g = group_find(argv[i])) == NULL) {
		fprintf(c->err, "fedctl: unknown command '%s'\nTry 'fedctl help'.\n",
			argv[i]);
		return CTL_EXIT_USAGE;
	}
	if (i + 1 >= argc || strcmp(argv[i + 1], "--help") == 0 ||
	    strcmp(argv[i + 1], "-h") == 0 || strcmp(argv[i + 1], "help") == 0) {
		group_usage(i + 1 >= argc ? c->err : c->out, g);
		return i + 1 >= argc ? CTL_EXIT_USAGE : 0;
	}
	if ((cmd = cmd_find(g, argv[i + 1])) == NULL) {
		fprintf(c->err, "fedctl: unknown command '%s %s'\n", g->name, argv[i + 1]);
		group_usage(c->err, g);
		return CTL_EXIT_USAGE;
	}
	return cmd->fn(c, cmd, argc - i - 1, argv + i + 1);
}
