/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_args: option and positional parsing shared by fedctl's subcommands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fl_err.h"

int ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return FL_E_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return FL_E_INVAL;
	*out = v;
	return 0;
}

int ctl_parse_name(ctl_ctx *c, const char *what, const char *s, char *out,
		   size_t size)
{
	size_t n = strlen(s);

	if (n == 0 || n >= size) {
		fprintf(c->err, "fedctl: %s: the name must be 1..%zu characters\n",
			what, size - 1);
		return CTL_EXIT_USAGE;
	}
	memcpy(out, s, n + 1);
	return 0;
}

void ctl_cmd_help(FILE *f, const char *group, const ctl_cmd *cmd)
{
	fprintf(f, "usage: fedctl [GLOBAL OPTIONS] %s %s %s\n\n%s\n", group,
		cmd->name, cmd->args, cmd->help);
	fprintf(f, "\n'fedctl help' lists the global options and exit codes.\n");
}

static const ctl_opt *opt_find(const ctl_opt *opts, size_t nopts, const char *a)
{
	size_t i;

	for (i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, a) == 0 ||
		    (opts[i].alias && strcmp(opts[i].alias, a) == 0))
			return &opts[i];
	return NULL;
}

int ctl_args_parse(ctl_ctx *c, const char *group, const ctl_cmd *self, int argc,
		   char **argv, const ctl_opt *opts, size_t nopts, const char **pos,
		   size_t npos_min, size_t npos_max)
{
	size_t npos = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const ctl_opt *o;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			ctl_cmd_help(c->out, group, self);
			return CTL_HELP_SHOWN;
		}
		if (strcmp(a, "--json") == 0) {
			c->json = true;
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			if ((o = opt_find(opts, nopts, a)) == NULL) {
				fprintf(c->err, "fedctl: %s %s: unknown option '%s'\n",
					group, self->name, a);
				goto usage;
			}
			if (o->flag) {
				*o->flag = true;
				continue;
			}
			if (i + 1 >= argc) {
				fprintf(c->err, "fedctl: %s %s: %s needs a value\n", group,
					self->name, a);
				goto usage;
			}
			*o->value = argv[++i];
			continue;
		}
		if (npos == npos_max) {
			fprintf(c->err, "fedctl: %s %s: unexpected argument '%s'\n", group,
				self->name, a);
			goto usage;
		}
		pos[npos++] = a;
	}
	if (npos < npos_min) {
		fprintf(c->err, "fedctl: %s %s: missing arguments\n", group, self->name);
		goto usage;
	}
	return 0;
usage:
	fprintf(c->err, "usage: fedctl %s %s %s\n", group, self->name, self->args);
	return CTL_EXIT_USAGE;
}
