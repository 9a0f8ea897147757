/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-bench e2e: a real coordinator and N real agents on loopback (mutual
 * TLS, secure aggregation, a fixed-cost external trainer) run R rounds of
 * an M-parameter model; what is left of a round's time is the system's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_e2e.h"
#include "fl_rpc.h"

#define E2E_MAX_PARAMS 16000000ull

void bench_e2e_help(void)
{
	printf("\nfedc-bench e2e [--sites N] [--params M] [--rounds R] [--timeout S]\n"
	       "    [--poll-ms P] [--neighbours K] [--kill-round R] [--keep]\n"
	       "  Starts fedc-coordinator and N fedc-agent processes (found next to\n"
	       "  fedc-bench) on 127.0.0.1 with a fresh CA, certificates and member\n"
	       "  list (fedctl ca), runs one job of R training rounds (default 3) of\n"
	       "  an MLP regression of about M parameters (default 100000, at most\n"
	       "  16000000; N default 3, at least 3) with secure aggregation, each\n"
	       "  site training with fedc-bench-trainer, an external trainer that\n"
	       "  only adds a fixed small delta, and stops everything. The sites'\n"
	       "  policy is T = 3 honest sites, c = 0 colluders. --timeout: seconds\n"
	       "  per secure-aggregation phase (default 600); --poll-ms: the agents'\n"
	       "  poll_interval_ms (default: theirs); --neighbours: SecAgg+ graph\n"
	       "  degree (default: full SecAgg); --kill-round: SIGKILL the last\n"
	       "  site when training round R enters its input phase (the round\n"
	       "  then closes its phases by [round] grace, not by their timeout;\n"
	       "  kill_round_wall_ms reports it); --keep: keep the work folder.\n"
	       "  Then moves the same bytes per site (up, then down) with one plain\n"
	       "  gRPC stream per site over mutual TLS, all sites at once: the floor.\n"
	       "  Prints: overhead_ms (median of round wall time minus the slowest\n"
	       "  site's trainer run), round_wall_ms_median/_max, phase_ms (medians\n"
	       "  from the coordinator's debug log), bytes_up/down_per_site (per\n"
	       "  round, TCP bytes at the coordinator's port), coord_cpu_s (whole\n"
	       "  job) and coord_cpu_s_per_round, coord_peak_rss_kib (VmHWM),\n"
	       "  floor_ms and ratio = round_wall_ms_median / floor_ms.\n");
}

static int e2e_parse_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi,
			 uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!v || !*v) {
		fprintf(stderr, "e2e: %s needs a value\n", opt);
		return -1;
	}
	x = strtoull(v, &end, 10);
	if (*end || *v == '-' || x < lo || x > hi) {
		fprintf(stderr, "e2e: %s %s: expected a whole number from %llu to %llu\n",
			opt, v, (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

static int e2e_parse(int argc, char **argv, e2e_opts *o)
{
	uint64_t sites = 3, rounds = 3, timeout = 600, poll = 0, nb = 0, kill = 0;
	const struct {
		const char *name;
		uint64_t lo, hi, *v;
	} opts[] = {
		{ "--sites", 3, E2E_MAX_SITES, &sites },
		{ "--params", 4, E2E_MAX_PARAMS, &o->params },
		{ "--rounds", 1, 1000, &rounds },
		{ "--timeout", 1, 86400, &timeout },
		{ "--poll-ms", 1, 3600000, &poll },
		{ "--neighbours", 2, E2E_MAX_SITES, &nb },
		{ "--kill-round", 1, 1000, &kill },
	};

	memset(o, 0, sizeof(*o));
	o->params = 100000;
	for (int i = 1; i < argc; i++) {
		size_t k;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			bench_e2e_help();
			exit(0);
		}
		if (strcmp(argv[i], "--keep") == 0) {
			o->keep = 1;
			continue;
		}
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strcmp(argv[i], opts[k].name) == 0)
				break;
		if (k == sizeof(opts) / sizeof(opts[0])) {
			fprintf(stderr, "e2e: unknown option '%s' (fedc-bench e2e --help)\n",
				argv[i]);
			return -1;
		}
		if (e2e_parse_u64(argv[i], i + 1 < argc ? argv[i + 1] : NULL, opts[k].lo,
				  opts[k].hi, opts[k].v) != 0)
			return -1;
		i++;
	}
	o->sites = (uint32_t)sites;
	o->rounds = (uint32_t)rounds;
	o->timeout_s = (uint32_t)timeout;
	o->poll_ms = (uint32_t)poll;
	o->neighbours = (uint32_t)nb;
	o->kill_round = (uint32_t)kill;
	if (o->kill_round > o->rounds) {
		fprintf(stderr, "e2e: --kill-round must be a training round (1..%u)\n",
			o->rounds);
		return -1;
	}
	if (o->neighbours >= o->sites) {
		fprintf(stderr, "e2e: --neighbours must be below --sites\n");
		return -1;
	}
	return 0;
}

static int e2e_need_bins(const char *bin)
{
	static const char *const names[] = { "fedc-coordinator", "fedc-agent", "fedctl",
					     "fedc-bench-trainer" };
	char path[E2E_PATH_BYTES];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		e2e_path(path, "%s/%s", bin, names[i]);
		if (access(path, X_OK) != 0) {
			fprintf(stderr, "e2e: %s is missing: fedc-bench e2e runs the daemons "
				"next to itself (build them: cmake --build build)\n", path);
			return -1;
		}
	}
	return 0;
}

double e2e_median(double *v, size_t n)
{
	/* insertion sort: n is a few hundred at most */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (n == 0)
		return NAN;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int bench_e2e(int argc, char **argv)
{
	e2e_opts o;
	e2e_run run;
	char tmpl[E2E_PATH_BYTES];
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (e2e_parse(argc, argv, &o) != 0)
		return 2;
	memset(&run, 0, sizeof(run));
	run.o = &o;
	if (e2e_self_dir(run.bin, sizeof(run.bin)) != 0 || e2e_need_bins(run.bin) != 0)
		return 1;
	e2e_path(tmpl, "%s/fedc-bench-e2e.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("e2e: mkdtemp");
		return 1;
	}
	snprintf(run.work, sizeof(run.work), "%s", tmpl);
	e2e_signals_install();
	fl_rpc_global_init();
	rc = e2e_run_all(&run);
	e2e_proc_stop_all();
	fl_rpc_global_shutdown();
	if (rc != 0 && !e2e_interrupted)
		e2e_run_dump_logs(&run);
	if (o.keep)
		fprintf(stderr, "e2e: kept %s\n", run.work);
	else
		e2e_rmtree(run.work);
	if (e2e_interrupted) {
		fprintf(stderr, "e2e: interrupted; stopped every process and removed %s\n",
			o.keep ? "nothing" : run.work);
		return 130;
	}
	return rc == 0 ? 0 : 1;
}
