/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_run: one 'fedc-bench e2e' run: the consortium up, the job
 * watched and sampled, everything stopped, then the figures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_e2e.h"

#define E2E_TICK_MS 100          /* job status and byte/CPU samples */
#define E2E_ONLINE_WAIT_MS 60000
#define E2E_TAIL_BYTES 3000

static double e2e_elapsed_s(const e2e_run *run)
{
	return (double)(e2e_wall_ms() - run->t0_ms) / 1000.0;
}

static int e2e_sample_take(e2e_run *run, e2e_net *net)
{
	e2e_sample *x;
	double a = 0;

	if (run->ns == run->scap) {
		size_t cap = run->scap ? 2 * run->scap : 1024;
		e2e_sample *p = realloc(run->s, cap * sizeof(*p));

		if (!p)
			return -1;
		run->s = p;
		run->scap = cap;
	}
	x = &run->s[run->ns];
	x->t_ms = e2e_wall_ms();
	if (e2e_net_sample(net, &x->up, &x->down) != 0) {
		fprintf(stderr, "e2e: cannot read the TCP counters (sock_diag)\n");
		return -1;
	}
	x->coord_cpu_s = e2e_proc_cpu_s(run->coord, 0);
	for (uint32_t i = 0; i < run->o->sites; i++) {
		double c = e2e_proc_cpu_s(run->agents[i], 1);

		a += c > 0 ? c : 0;
	}
	x->agents_cpu_s = a;
	run->ns++;
	return 0;
}

/* Starts the coordinator, registers the sites, starts the agents and waits
 * until every site is online. */
static int e2e_bring_up(e2e_run *run, e2e_ctl **ctl)
{
	const e2e_opts *o = run->o;
	int64_t until;
	int online = -1;

	fprintf(stderr, "[%5.1f s] starting fedc-coordinator\n", e2e_elapsed_s(run));
	if (e2e_start_coordinator(run->bin, run->work, &run->coord, &run->port) != 0 ||
	    e2e_ctl_open(run->work, run->port, ctl) != 0)
		return -1;
	for (uint32_t i = 0; i < o->sites && !e2e_interrupted; i++) {
		char name[32];

		e2e_site_name(i, name);
		if (e2e_ctl_site_add(*ctl, name) != 0)
			return -1;
	}
	fprintf(stderr, "[%5.1f s] coordinator on 127.0.0.1:%d; starting %u agents\n",
		e2e_elapsed_s(run), run->port, o->sites);
	if (e2e_start_agents(run->bin, run->work, o, run->port, run->agents) != 0)
		return -1;
	until = e2e_wall_ms() + E2E_ONLINE_WAIT_MS + 200 * (int64_t)o->sites;
	while (!e2e_interrupted && e2e_wall_ms() < until) {
		if ((online = e2e_ctl_online(*ctl)) == (int)o->sites)
			break;
		for (uint32_t i = 0; i < o->sites; i++)
			if (!e2e_proc_alive(run->agents[i])) {
				fprintf(stderr, "e2e: the agent of site%u exited\n", i + 1);
				return -1;
			}
		e2e_sleep_ms(200);
	}
	if (online != (int)o->sites) {
		if (!e2e_interrupted)
			fprintf(stderr, "e2e: only %d of %u sites came online\n", online, o->sites);
		return -1;
	}
	fprintf(stderr, "[%5.1f s] all %u sites online\n", e2e_elapsed_s(run), o->sites);
	return 0;
}

static void e2e_progress(const e2e_run *run, uint32_t from)
{
	for (uint32_t i = from; i < run->nrounds; i++) {
		const e2e_round *r = &run->rounds[i];

		fprintf(stderr, "[%5.1f s] round %u/%u: %.2f s, %u sites summed%s\n",
			e2e_elapsed_s(run), r->round, run->o->rounds,
			(double)(r->finished_ms - r->started_ms) / 1000.0, r->survived,
			r->attempts > 1 ? " (after a retried attempt)" : "");
	}
}

/* --kill-round: once the coordinator's log shows that training round
 * kill_round (job round kill_round) entered its input phase, SIGKILL the
 * last site, as a crashed factory would leave. */
static void e2e_maybe_kill(e2e_run *run)
{
	char path[E2E_PATH_BYTES], want[128], line[512];
	FILE *f;
	int seen = 0;

	if (!run->o->kill_round || run->killed)
		return;
	snprintf(want, sizeof(want), "job %llu round %u attempt 1: secagg share -> input",
		 (unsigned long long)run->job_id, run->o->kill_round);
	e2e_path(path, "%s/coordinator/coordinator.log", run->work);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (!seen && fgets(line, sizeof(line), f))
		seen = strstr(line, want) != NULL;
	fclose(f);
	if (!seen)
		return;
	kill(run->agents[run->o->sites - 1], SIGKILL);
	run->killed = 1;
	fprintf(stderr, "[%5.1f s] killed site%u (SIGKILL) in round %u's input phase\n",
		e2e_elapsed_s(run), run->o->sites, run->o->kill_round);
}

/* Submits the job and watches it to its end, sampling bytes and CPU. */
static int e2e_watch(e2e_run *run, e2e_ctl *ctl, e2e_net *net)
{
	/* no progress for this long is a stall: a phase can take timeout_s,
	 * and a round has five phases and up to 3 attempts */
	int64_t stall_ms = (int64_t)run->o->timeout_s * 1000 * 16 + 60000;
	int64_t last_change = e2e_wall_ms();
	char last_state[16] = "";
	uint32_t shown = 0;

	if (e2e_sample_take(run, net) != 0 ||
	    e2e_ctl_submit(run->bin, run->work, run->port, &run->job_id) != 0)
		return -1;
	run->submit_ms = e2e_wall_ms();
	fprintf(stderr, "[%5.1f s] job %llu submitted: a statistics round, %u training "
		"rounds, an evaluation round\n", e2e_elapsed_s(run),
		(unsigned long long)run->job_id, run->o->rounds);
	while (!e2e_interrupted) {
		uint32_t n = 0;

		e2e_sleep_ms(E2E_TICK_MS);
		e2e_maybe_kill(run);
		if (e2e_ctl_job(ctl, run->job_id, run->state, run->rounds, run->o->rounds,
				&n, run->err, sizeof(run->err)) != 0) {
			fprintf(stderr, "e2e: job status: %s\n", run->err);
			return -1;
		}
		if (e2e_sample_take(run, net) != 0)
			return -1;
		if (n != run->nrounds || strcmp(last_state, run->state) != 0)
			last_change = e2e_wall_ms();
		snprintf(last_state, sizeof(last_state), "%s", run->state);
		run->nrounds = n;
		e2e_progress(run, shown);
		shown = n;
		if (strcmp(run->state, "pending") != 0 && strcmp(run->state, "running") != 0)
			break;
		if (!e2e_proc_alive(run->coord)) {
			fprintf(stderr, "e2e: the coordinator exited\n");
			return -1;
		}
		if (e2e_wall_ms() - last_change > stall_ms) {
			fprintf(stderr, "e2e: no progress for %lld s: giving up\n",
				(long long)stall_ms / 1000);
			return -1;
		}
	}
	run->end_ms = e2e_wall_ms();
	if (e2e_interrupted)
		return -1;
	fprintf(stderr, "[%5.1f s] job %s%s%s\n", e2e_elapsed_s(run), run->state,
		run->err[0] ? ": " : "", run->err);
	return strcmp(run->state, "done") == 0 && run->nrounds == run->o->rounds ? 0 : -1;
}

int e2e_run_all(e2e_run *run)
{
	const e2e_opts *o = run->o;
	e2e_ctl *ctl = NULL;
	e2e_net *net = NULL;
	int rc = -1;

	run->t0_ms = e2e_wall_ms();
	e2e_shape_for(o->params, &run->sh);
	run->agents = calloc(o->sites, sizeof(*run->agents));
	run->rounds = calloc(o->rounds, sizeof(*run->rounds));
	if (!run->agents || !run->rounds)
		goto out;
	if (run->sh.nhidden == 1)
		fprintf(stderr, "e2e: %u sites, %u rounds, MLP 1-%u-1: %llu parameters, "
			"work folder %s\n", o->sites, o->rounds, run->sh.hidden[0],
			(unsigned long long)run->sh.nparams, run->work);
	else
		fprintf(stderr, "e2e: %u sites, %u rounds, MLP 1-%u-%u-1: %llu parameters, "
			"work folder %s\n", o->sites, o->rounds, run->sh.hidden[0],
			run->sh.hidden[1], (unsigned long long)run->sh.nparams, run->work);
	fprintf(stderr, "[%5.1f s] making the CA and %u site certificates\n",
		e2e_elapsed_s(run), o->sites);
	if (e2e_setup(run->bin, run->work, o, &run->sh) != 0 || e2e_interrupted ||
	    e2e_bring_up(run, &ctl) != 0 || e2e_net_new(run->coord, run->port, &net) != 0)
		goto out;
	rc = e2e_watch(run, ctl, net);
	run->coord_cpu_job_s = e2e_proc_cpu_s(run->coord, 0);
	run->coord_hwm_kib = e2e_proc_hwm_kib(run->coord);
out:
	e2e_ctl_free(ctl);
	e2e_net_free(net);
	/* the floor runs on a quiet machine */
	fprintf(stderr, "[%5.1f s] stopping the coordinator and the agents\n",
		e2e_elapsed_s(run));
	e2e_proc_stop_all();
	if (rc == 0 && !e2e_interrupted)
		rc = e2e_report(run);
	e2e_run_clear(run);
	return rc;
}

static void e2e_tail(const char *path)
{
	char buf[E2E_TAIL_BYTES + 1];
	FILE *f = fopen(path, "r");
	long size;
	size_t k;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > E2E_TAIL_BYTES ? size - E2E_TAIL_BYTES : 0, SEEK_SET);
	k = fread(buf, 1, E2E_TAIL_BYTES, f);
	fclose(f);
	buf[k] = '\0';
	fprintf(stderr, "---- %s (end) ----\n%s\n", path, buf);
}

void e2e_run_dump_logs(const e2e_run *run)
{
	char path[E2E_PATH_BYTES];

	e2e_path(path, "%s/coordinator/coordinator.log", run->work);
	e2e_tail(path);
	e2e_path(path, "%s/site1/agent.log", run->work);
	e2e_tail(path);
	e2e_path(path, "%s/pki.log", run->work);
	e2e_tail(path);
}

void e2e_run_clear(e2e_run *run)
{
	free(run->agents);
	free(run->rounds);
	free(run->s);
	run->agents = NULL;
	run->rounds = NULL;
	run->s = NULL;
}
