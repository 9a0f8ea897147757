/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_report: the figures of a 'fedc-bench e2e' run: one JSON line on
 * stdout, a summary on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_e2e.h"

#define E2E_FLOOR_MIN_REPS 3u
#define E2E_FLOOR_MAX_REPS 10u

/* The slowest site's trainer run in each round (ms), from the trainers'
 * log; NaN where a round has none. *nparams: the count the trainers saw. */
static int e2e_train_ms(const e2e_run *run, double *train_ms, uint64_t *nparams)
{
	char path[E2E_PATH_BYTES], line[256];
	FILE *f;

	e2e_path(path, "%s/train.log", run->work);
	for (uint32_t i = 0; i < run->nrounds; i++)
		train_ms[i] = NAN;
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "e2e: no trainer ran (%s is missing)\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned r;
		long long t0, t1;
		unsigned long long np;

		if (sscanf(line, "round %u %lld %lld %llu", &r, &t0, &t1, &np) != 4)
			continue;
		*nparams = np;
		for (uint32_t i = 0; i < run->nrounds; i++)
			if (run->rounds[i].round == r &&
			    (isnan(train_ms[i]) || (double)(t1 - t0) / 1e6 > train_ms[i]))
				train_ms[i] = (double)(t1 - t0) / 1e6;
	}
	fclose(f);
	return 0;
}

/* The last sample taken at or before t (the first if none). */
static const e2e_sample *e2e_sample_at(const e2e_run *run, int64_t t)
{
	const e2e_sample *best = &run->s[0];

	for (size_t i = 0; i < run->ns && run->s[i].t_ms <= t; i++)
		best = &run->s[i];
	return best;
}

static void e2e_json_num(const char *key, double v, int prec, int comma)
{
	if (isnan(v))
		printf("\"%s\":null", key);
	else
		printf("\"%s\":%.*f", key, prec, v);
	if (comma)
		putchar(',');
}

typedef struct e2e_figs {
	double wall_med, wall_max, train_med, overhead_med;
	double up, down;                  /* per site per round */
	double coord_cpu_round, agents_cpu_round;
	double phase[E2E_NPHASES];
	double floor_ms;
	uint64_t nparams;
	uint32_t attempts;
} e2e_figs;

static int e2e_figures(e2e_run *run, e2e_figs *g)
{
	uint32_t n = run->nrounds, i;
	double *wall = calloc(n, sizeof(double)), *over = calloc(n, sizeof(double));
	double *train = calloc(n, sizeof(double)), *tcopy = calloc(n, sizeof(double));
	const e2e_sample *a, *b;
	size_t ktrain = 0;
	char log[E2E_PATH_BYTES];
	int rc = -1;

	g->nparams = run->sh.nparams;
	if (!wall || !over || !train || !tcopy || e2e_train_ms(run, train, &g->nparams) != 0)
		goto out;
	g->attempts = 0;
	g->wall_max = 0;
	for (i = 0; i < n; i++) {
		wall[i] = (double)(run->rounds[i].finished_ms - run->rounds[i].started_ms);
		over[i] = wall[i] - (isnan(train[i]) ? 0 : train[i]);
		if (!isnan(train[i]))
			tcopy[ktrain++] = train[i];
		if (wall[i] > g->wall_max)
			g->wall_max = wall[i];
		g->attempts += run->rounds[i].attempts;
	}
	g->train_med = e2e_median(tcopy, ktrain);
	g->wall_med = e2e_median(wall, n);
	g->overhead_med = e2e_median(over, n);
	/* Bytes and CPU over the training rounds: from the last sample before
	 * the first one began (the statistics round is over by then) to the
	 * last sample before the last one ended (the evaluation round, which
	 * downloads the model again, has not begun). */
	a = e2e_sample_at(run, run->rounds[0].started_ms);
	b = e2e_sample_at(run, run->rounds[n - 1].finished_ms);
	g->up = (double)(b->up - a->up) / n / run->o->sites;
	g->down = (double)(b->down - a->down) / n / run->o->sites;
	g->coord_cpu_round = (b->coord_cpu_s - a->coord_cpu_s) / n;
	g->agents_cpu_round = (b->agents_cpu_s - a->agents_cpu_s) / n;
	e2e_path(log, "%s/coordinator/coordinator.log", run->work);
	if (e2e_phases(log, run->job_id, run->rounds, n, g->phase) != 0)
		fprintf(stderr, "e2e: no phase changes in %s: phase_ms left out\n", log);
	rc = 0;
out:
	free(wall);
	free(over);
	free(train);
	free(tcopy);
	return rc;
}

static void e2e_print_json(const e2e_run *run, const e2e_figs *g)
{
	const e2e_opts *o = run->o;

	printf("{\"bench\":\"e2e\",\"sites\":%u,\"rounds\":%u,\"rounds_completed\":%u,"
	       "\"attempts\":%u,\"params\":%llu,\"params_asked\":%llu,\"hidden\":[%u",
	       o->sites, o->rounds, run->nrounds, g->attempts,
	       (unsigned long long)g->nparams, (unsigned long long)o->params,
	       run->sh.hidden[0]);
	if (run->sh.nhidden == 2)
		printf(",%u", run->sh.hidden[1]);
	printf("],\"neighbours\":%u,\"poll_ms\":%u,", o->neighbours, o->poll_ms);
	e2e_json_num("overhead_ms", g->overhead_med, 1, 1);
	e2e_json_num("round_wall_ms_median", g->wall_med, 1, 1);
	e2e_json_num("round_wall_ms_max", g->wall_max, 1, 1);
	if (o->kill_round && o->kill_round <= run->nrounds) {
		const e2e_round *k = &run->rounds[o->kill_round - 1];

		printf("\"kill_round\":%u,", o->kill_round);
		e2e_json_num("kill_round_wall_ms",
			     (double)(k->finished_ms - k->started_ms), 1, 1);
		printf("\"kill_round_attempts\":%u,\"kill_round_survived\":%u,",
		       k->attempts, k->survived);
	}
	e2e_json_num("train_ms_median", g->train_med, 2, 1);
	printf("\"phase_ms\":{");
	for (int p = 0; p < E2E_NPHASES; p++)
		e2e_json_num(e2e_phase_names[p], g->phase[p], 1, p + 1 < E2E_NPHASES);
	printf("},");
	e2e_json_num("bytes_up_per_site", g->up, 0, 1);
	e2e_json_num("bytes_down_per_site", g->down, 0, 1);
	e2e_json_num("coord_cpu_s", run->coord_cpu_job_s, 3, 1);
	e2e_json_num("coord_cpu_s_per_round", g->coord_cpu_round, 3, 1);
	e2e_json_num("agents_cpu_s_per_round", g->agents_cpu_round, 3, 1);
	printf("\"coord_peak_rss_kib\":%llu,", (unsigned long long)run->coord_hwm_kib);
	e2e_json_num("floor_ms", g->floor_ms, 2, 1);
	e2e_json_num("ratio", g->floor_ms > 0 ? g->wall_med / g->floor_ms : NAN, 2, 1);
	e2e_json_num("job_s", (double)(run->end_ms - run->submit_ms) / 1000.0, 2, 1);
	e2e_json_num("total_s", (double)(e2e_wall_ms() - run->t0_ms) / 1000.0, 2, 0);
	printf("}\n");
	fflush(stdout);
}

static void e2e_print_summary(const e2e_run *run, const e2e_figs *g)
{
	fprintf(stderr, "\n%u sites, %llu parameters, %u of %u training rounds done (%u "
		"attempts)\n", run->o->sites, (unsigned long long)g->nparams, run->nrounds,
		run->o->rounds, g->attempts);
	fprintf(stderr, "  round wall time   median %.0f ms, max %.0f ms\n", g->wall_med,
		g->wall_max);
	fprintf(stderr, "  trainer           median %.1f ms (slowest site per round)\n",
		g->train_med);
	fprintf(stderr, "  overhead          median %.0f ms per round\n", g->overhead_med);
	fprintf(stderr, "  phases (median)  ");
	for (int p = 0; p < E2E_NPHASES; p++)
		fprintf(stderr, " %s %.0f", e2e_phase_names[p], g->phase[p]);
	fprintf(stderr, " ms\n");
	fprintf(stderr, "  bytes per site    up %.0f, down %.0f per round (TCP payload at "
		"the coordinator's port)\n", g->up, g->down);
	fprintf(stderr, "  coordinator       %.2f s CPU in the job (%.3f s per training "
		"round), peak RSS %.1f MiB\n", run->coord_cpu_job_s, g->coord_cpu_round,
		(double)run->coord_hwm_kib / 1024.0);
	fprintf(stderr, "  agents            %.3f s CPU per training round, all sites\n",
		g->agents_cpu_round);
	fprintf(stderr, "  floor             %.1f ms to move those bytes on one gRPC stream "
		"per site; round / floor = %.1f\n", g->floor_ms,
		g->floor_ms > 0 ? g->wall_med / g->floor_ms : NAN);
}

int e2e_report(e2e_run *run)
{
	uint32_t reps = run->o->rounds;
	e2e_figs g;

	memset(&g, 0, sizeof(g));
	if (run->nrounds == 0 || run->ns == 0 || e2e_figures(run, &g) != 0)
		return -1;
	reps = reps < E2E_FLOOR_MIN_REPS ? E2E_FLOOR_MIN_REPS :
	       reps > E2E_FLOOR_MAX_REPS ? E2E_FLOOR_MAX_REPS : reps;
	fprintf(stderr, "e2e: floor: %u streams at once, %.0f bytes up and %.0f down "
		"each, %u times\n", run->o->sites, g.up, g.down, reps);
	if (e2e_floor(run->work, run->o->sites, (uint64_t)llround(g.up),
		      (uint64_t)llround(g.down), reps, &g.floor_ms) != 0) {
		fprintf(stderr, "e2e: the floor measurement failed\n");
		g.floor_ms = NAN;
	}
	e2e_print_summary(run, &g);
	e2e_print_json(run, &g);
	return isnan(g.floor_ms) ? -1 : 0;
}
