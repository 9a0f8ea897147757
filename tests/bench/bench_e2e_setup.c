/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_setup: the throwaway consortium of 'fedc-bench e2e': PKI made
 * with fedctl ca and fedc-agent csr (as deploy/consortium.sh does), the
 * configs, each site's data and the job spec; starting the daemons. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_e2e.h"

#define E2E_DATA_ROWS 20       /* per site: 15 train, 5 test */
#define E2E_PORT_WAIT_MS 15000

void e2e_site_name(uint32_t i, char out[32])
{
	snprintf(out, 32, "site%u", i + 1);
}

static uint64_t e2e_mlp_params(const uint32_t *h, uint32_t nh)
{
	uint64_t np = 0, in = 1;   /* 1 feature in, 1 output */

	for (uint32_t l = 0; l <= nh; l++) {
		uint64_t out = l < nh ? h[l] : 1;

		np += (in + 1) * out;
		in = out;
	}
	return np;
}

static uint32_t e2e_clamp_units(double v)
{
	return v < 1 ? 1 : v > E2E_MAX_HIDDEN ? E2E_MAX_HIDDEN : (uint32_t)lround(v);
}

/* One hidden layer of h units has 3h + 1 parameters; two layers h1, h2
 * have 2 h1 + h1 h2 + 2 h2 + 1. */
void e2e_shape_for(uint64_t params, e2e_shape *out)
{
	memset(out, 0, sizeof(*out));
	if (params <= 3ull * E2E_MAX_HIDDEN + 1) {
		out->nhidden = 1;
		out->hidden[0] = e2e_clamp_units(((double)params - 1) / 3);
	} else {
		uint32_t h1 = e2e_clamp_units(sqrt((double)params));

		out->nhidden = 2;
		out->hidden[0] = h1;
		out->hidden[1] = e2e_clamp_units(((double)params - 2.0 * h1 - 1) /
						 (h1 + 2.0));
	}
	out->nparams = e2e_mlp_params(out->hidden, out->nhidden);
}

static int e2e_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f) {
		fprintf(stderr, "e2e: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	bad = fputs(text, f) < 0;
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "e2e: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int e2e_mkdir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "e2e: cannot make %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* CA, coordinator and operator certificates, each site's key + CSR signed
 * by the CA, and the member list of all sites. */
static int e2e_pki(const char *bin, const char *work, uint32_t nsites)
{
	char fedctl[E2E_PATH_BYTES], agent[E2E_PATH_BYTES], dir[E2E_PATH_BYTES];
	char log[E2E_PATH_BYTES], csr[E2E_PATH_BYTES], pem[E2E_PATH_BYTES];
	char members[E2E_PATH_BYTES];
	char **margv = NULL;
	int r = -1;

	e2e_path(fedctl, "%s/fedctl", bin);
	e2e_path(agent, "%s/fedc-agent", bin);
	e2e_path(dir, "%s/pki", work);
	e2e_path(log, "%s/pki.log", work);
	e2e_path(members, "%s/members.txt", dir);
	{
		char *init[] = { fedctl, "ca", "init", "--dir", dir, "--name",
				 "fedc-bench e2e CA", "--days", "2", NULL };
		char *coord[] = { fedctl, "ca", "issue", "coordinator", "--role",
				  "coordinator", "--dir", dir, "--san",
				  "DNS:localhost,IP:127.0.0.1", NULL };
		char *op[] = { fedctl, "ca", "issue", "operator", "--role", "admin",
			       "--dir", dir, NULL };

		if (e2e_mkdir(dir) != 0 || e2e_proc_run(init, log) != 0 ||
		    e2e_proc_run(coord, log) != 0 || e2e_proc_run(op, log) != 0)
			return -1;
	}
	if (!(margv = calloc(nsites + 10, sizeof(*margv))))   /* NULL-ended */
		return -1;
	margv[0] = fedctl;
	margv[1] = "ca";
	margv[2] = "members";
	margv[3] = "--dir";
	margv[4] = dir;
	margv[5] = "--version";
	margv[6] = "1";
	margv[7] = "-o";
	margv[8] = members;
	for (uint32_t i = 0; i < nsites; i++) {
		char name[32];

		if (e2e_interrupted)
			goto out;
		e2e_site_name(i, name);
		e2e_path(csr, "%s/%s.csr", dir, name);
		e2e_path(pem, "%s/%s.pem", dir, name);
		{
			char *mk[] = { agent, "csr", "--name", name, "--out-dir", dir, NULL };
			char *sign[] = { fedctl, "ca", "sign", csr, "--dir", dir, "-o", pem, NULL };

			if (e2e_proc_run(mk, log) != 0 || e2e_proc_run(sign, log) != 0)
				goto out;
		}
		if (!(margv[9 + i] = strdup(pem)))
			goto out;
		if (nsites >= 20 && (i + 1) % 20 == 0)
			fprintf(stderr, "  %u/%u site certificates\n", i + 1, nsites);
	}
	r = e2e_proc_run(margv, log);
out:
	for (uint32_t i = 0; i < nsites; i++)
		free(margv[9 + i]);
	free(margv);
	return r;
}

static int e2e_write_job(const char *work, const e2e_opts *o, const e2e_shape *sh)
{
	char path[E2E_PATH_BYTES], text[2048], hidden[32], nb[64] = "";

	if (sh->nhidden == 1)
		snprintf(hidden, sizeof(hidden), "%u", sh->hidden[0]);
	else
		snprintf(hidden, sizeof(hidden), "%u, %u", sh->hidden[0], sh->hidden[1]);
	if (o->neighbours)
		snprintf(nb, sizeof(nb), "[secagg]\nneighbours = %u\n", o->neighbours);
	/* regression MLP on one feature: its size is set by hidden alone */
	snprintf(text, sizeof(text),
		 "# fedc-bench e2e: about %llu parameters, trained by\n"
		 "# fedc-bench-trainer (a fixed small delta).\n"
		 "[job]\nname = bench-e2e\ndataset = bench\nmodel = mlp\n"
		 "hidden = %s\nloss = squared\nlabel = y\nfeatures = x\n"
		 "rounds = %u\nmin_clients = %u\n"
		 "[round]\ntimeout = %u\nmax_attempts = 3\n%s",
		 (unsigned long long)sh->nparams, hidden, o->rounds,
		 /* --kill-round: the rounds after it run without that site */
		 o->kill_round ? o->sites - 1 : o->sites, o->timeout_s, nb);
	e2e_path(path, "%s/job.ini", work);
	return e2e_write(path, text);
}

static int e2e_write_data(const char *work)
{
	char path[E2E_PATH_BYTES], text[1024];
	size_t k = 0;

	k += (size_t)snprintf(text + k, sizeof(text) - k, "x,y\n");
	for (int i = 0; i < E2E_DATA_ROWS; i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%d,%d.5\n", i, i % 3);
	e2e_path(path, "%s/data.csv", work);
	return e2e_write(path, text);
}

int e2e_setup(const char *bin, const char *work, const e2e_opts *o,
	      const e2e_shape *sh)
{
	char path[E2E_PATH_BYTES];
	static const char coord_ini[] =
		"[coordinator]\nlisten = 127.0.0.1:0\ndatabase = coordinator.db\n"
		"log_level = debug\nmembers = ../pki/members.txt\n"
		"[tls]\nca = ../pki/ca.pem\ncert = ../pki/coordinator.pem\n"
		"key = ../pki/coordinator.key\n";

	if (e2e_pki(bin, work, o->sites) != 0)
		return -1;
	e2e_path(path, "%s/coordinator", work);
	if (e2e_mkdir(path) != 0)
		return -1;
	e2e_path(path, "%s/coordinator/coordinator.ini", work);
	if (e2e_write(path, coord_ini) != 0 || e2e_write_data(work) != 0 ||
	    e2e_write_job(work, o, sh) != 0)
		return -1;
	return 0;
}

int e2e_start_coordinator(const char *bin, const char *work, pid_t *pid, int *port)
{
	char exe[E2E_PATH_BYTES], ini[E2E_PATH_BYTES], portf[E2E_PATH_BYTES];
	char log[E2E_PATH_BYTES];
	int64_t until = e2e_wall_ms() + E2E_PORT_WAIT_MS;

	e2e_path(exe, "%s/fedc-coordinator", bin);
	e2e_path(ini, "%s/coordinator/coordinator.ini", work);
	e2e_path(portf, "%s/coordinator/port", work);
	e2e_path(log, "%s/coordinator/coordinator.log", work);
	{
		char *argv[] = { exe, "--config", ini, "--port-file", portf, NULL };

		if ((*pid = e2e_proc_spawn(argv, log, NULL)) < 0)
			return -1;
	}
	while (!e2e_interrupted && e2e_wall_ms() < until) {
		FILE *f = fopen(portf, "r");
		int p = 0;

		if (f) {
			int ok = fscanf(f, "%d", &p) == 1 && p > 0;

			fclose(f);
			if (ok) {
				*port = p;
				return 0;
			}
		}
		if (!e2e_proc_alive(*pid)) {
			fprintf(stderr, "e2e: the coordinator exited (see %s)\n", log);
			return -1;
		}
		e2e_sleep_ms(50);
	}
	fprintf(stderr, "e2e: the coordinator did not listen (see %s)\n", log);
	return -1;
}

int e2e_start_agents(const char *bin, const char *work, const e2e_opts *o,
		     int port, pid_t *pids)
{
	char exe[E2E_PATH_BYTES], dir[E2E_PATH_BYTES], ini[E2E_PATH_BYTES];
	char log[E2E_PATH_BYTES], text[4096], poll[64] = "";
	static char env[E2E_PATH_BYTES + 32];   /* putenv keeps the pointer */

	e2e_path(exe, "%s/fedc-agent", bin);
	snprintf(env, sizeof(env), "FEDC_BENCH_TRAIN_LOG=%s/train.log", work);
	if (o->poll_ms)
		snprintf(poll, sizeof(poll), "poll_interval_ms = %u\n", o->poll_ms);
	for (uint32_t i = 0; i < o->sites; i++) {
		char name[32];

		e2e_site_name(i, name);
		e2e_path(dir, "%s/%s", work, name);
		e2e_path(ini, "%s/agent.ini", dir);
		e2e_path(log, "%s/agent.log", dir);
		/* The sites trust each other not to collude (c = 0), as the
		 * integration tests' do: T = 3 honest sites suffice. */
		snprintf(text, sizeof(text),
			 "[agent]\ncoordinator = 127.0.0.1:%d\nstate_dir = .\n"
			 "log_level = debug\n%s"
			 "[tls]\nca = ../pki/ca.pem\ncert = ../pki/%s.pem\n"
			 "key = ../pki/%s.key\n[data]\nbench = ../data.csv\n"
			 "[trainer]\nprogram = %s/fedc-bench-trainer\ntimeout = %u\n"
			 "[policy]\ncolluders = 0\n",
			 port, poll, name, name, bin, o->timeout_s);
		if (e2e_mkdir(dir) != 0 || e2e_write(ini, text) != 0)
			return -1;
		{
			char *argv[] = { exe, "--config", ini, NULL };

			if ((pids[i] = e2e_proc_spawn(argv, log, env)) < 0)
				return -1;
		}
	}
	return 0;
}
