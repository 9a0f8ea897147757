/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-bench: runs one benchmark subcommand and prints one JSON line. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "bench.h"

static const struct {
	const char *name;
	bench_fn fn;
	void (*help)(void);
	const char *summary;
} cmds[] = {
	{ "secagg", bench_secagg, bench_secagg_help,
	  "one secure-aggregation round: N clients and the server in-process" },
	{ "e2e", bench_e2e, bench_e2e_help,
	  "R rounds of a real coordinator and N real agents on loopback, and the floor" },
	{ "dp", bench_dp, bench_dp_help,
	  "a site's cost of exact discrete Gaussian noise beside masking" },
};

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fedc-bench <command> [options]\n       fedc-bench --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nProgress goes to stderr; the result is one JSON line on stdout.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		if (argc >= 2)
			for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
				cmds[i].help();
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "fedc-bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
