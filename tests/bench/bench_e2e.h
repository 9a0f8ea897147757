/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e: the parts of 'fedc-bench e2e' (a real coordinator and N real
 * agents on loopback), shared between its files. Not a library: every
 * function here reports its own errors on stderr. */
#ifndef BENCH_E2E_H
#define BENCH_E2E_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define E2E_PATH_BYTES 1024
#define E2E_MAX_SITES 1000u
#define E2E_MAX_HIDDEN 4096u

typedef struct e2e_opts {
	uint32_t sites, rounds;
	uint64_t params;        /* asked for; the model's count may differ a bit */
	uint32_t timeout_s;     /* per secure-aggregation phase ([round] timeout) */
	uint32_t poll_ms;       /* 0: the agents' default */
	uint32_t neighbours;    /* [secagg] neighbours; 0: full SecAgg */
	uint32_t kill_round;    /* SIGKILL the last site in this training round
				 * (its input phase); 0: none */
	int keep;               /* keep the work folder */
} e2e_opts;

/* The MLP (1 feature -> hidden... -> 1 output, squared loss) whose size is
 * nearest to the parameters asked for; its size does not depend on the data,
 * so every site's CSV has only two columns. */
typedef struct e2e_shape {
	uint32_t hidden[2];
	uint32_t nhidden;
	uint64_t nparams;
} e2e_shape;

/* Set by SIGINT, SIGTERM and SIGHUP: every wait loop stops at it. */
extern volatile sig_atomic_t e2e_interrupted;

/* ---- bench_e2e_proc.c: child processes, signals, the work folder ---- */
/* Installs the signal handlers. */
void e2e_signals_install(void);
/* Starts argv[0] with argv, stdout and stderr appended to logpath, extra
 * ("NAME=VALUE" or NULL) added to its environment; it gets SIGTERM if this
 * process dies. The pid is remembered for e2e_proc_stop_all. -1 on error. */
pid_t e2e_proc_spawn(char *const argv[], const char *logpath, const char *extra);
/* Runs argv to its end (output to logpath); 0 if it exited with status 0. */
int e2e_proc_run(char *const argv[], const char *logpath);
/* 1 while pid runs. */
int e2e_proc_alive(pid_t pid);
/* SIGTERM to every child started, then SIGKILL to those left after 10 s. */
void e2e_proc_stop_all(void);
/* utime + stime (+ the reaped children's) of pid in seconds; -1 if gone. */
double e2e_proc_cpu_s(pid_t pid, int with_children);
/* VmHWM of pid in KiB; 0 if unknown. */
uint64_t e2e_proc_hwm_kib(pid_t pid);
/* Removes the folder and everything under it. */
void e2e_rmtree(const char *dir);
/* The folder this executable is in ("" on error). */
int e2e_self_dir(char *out, size_t cap);
/* Milliseconds: wall clock (comparable with the coordinator's round times)
 * and sleeping. */
int64_t e2e_wall_ms(void);
void e2e_sleep_ms(uint32_t ms);
/* snprintf into a E2E_PATH_BYTES buffer; aborts if it does not fit. */
void e2e_path(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- bench_e2e_setup.c: PKI, configs, data, the job spec ---- */
void e2e_shape_for(uint64_t params, e2e_shape *out);
/* The CA, coordinator, operator and N site certificates (fedctl ca, as
 * deploy/consortium.sh does), the member list, each site's CSV and
 * agent.ini, coordinator.ini and job.ini, all in work. */
int e2e_setup(const char *bin, const char *work, const e2e_opts *o,
	      const e2e_shape *sh);
/* Starts the coordinator; *port once it listens. */
int e2e_start_coordinator(const char *bin, const char *work, pid_t *pid, int *port);
/* Starts every agent (pids[i] for site i + 1). */
int e2e_start_agents(const char *bin, const char *work, const e2e_opts *o,
		     int port, pid_t *pids);
/* The name of site i (0-based): "site1", ... */
void e2e_site_name(uint32_t i, char out[32]);

/* ---- bench_e2e_ctl.c: the operator's Control calls, in process ---- */
typedef struct e2e_ctl e2e_ctl;
int e2e_ctl_open(const char *work, int port, e2e_ctl **out);
void e2e_ctl_free(e2e_ctl *c);
int e2e_ctl_site_add(e2e_ctl *c, const char *name);
/* Number of sites online (-1 on error). */
int e2e_ctl_online(e2e_ctl *c);
/* fedctl job submit (signs the spec); *job_id. */
int e2e_ctl_submit(const char *bin, const char *work, int port, uint64_t *job_id);

/* One train round as the coordinator recorded it. */
typedef struct e2e_round {
	uint32_t round, attempts, survived;
	int64_t started_ms, finished_ms;   /* first attempt's start */
	int64_t last_started_ms;           /* the finishing attempt's start */
} e2e_round;
/* Job state ("running", "done", ...), its error if any, and its finished
 * TRAIN rounds in order (at most cap). */
int e2e_ctl_job(e2e_ctl *c, uint64_t job_id, char state[16], e2e_round *rounds,
		uint32_t cap, uint32_t *n, char *err, size_t errcap);

/* ---- bench_e2e_net.c: bytes through the coordinator's port ---- */
/* Sums the bytes the connections of the coordinator (pid, a child of this
 * process) on port have received (*up) and sent and had acknowledged
 * (*down) since they opened, leaving out connections of this process (its
 * own Control channel). Connections that closed keep counting with their
 * last figures. */
typedef struct e2e_net e2e_net;
int e2e_net_new(pid_t pid, int port, e2e_net **out);
int e2e_net_sample(e2e_net *n, uint64_t *up, uint64_t *down);
void e2e_net_free(e2e_net *n);

/* ---- bench_e2e_phase.c: phase times from the coordinator's debug log ---- */
#define E2E_NPHASES 5   /* advertise share input consistency unmask */
extern const char *const e2e_phase_names[E2E_NPHASES];
/* For each train round of job_id (rounds, n), the time spent in each
 * phase of its last attempt, in ms (NaN if not in the log); medians into
 * med_ms. 0 if the log had phase lines. */
int e2e_phases(const char *logpath, uint64_t job_id, const e2e_round *rounds,
	       uint32_t n, double med_ms[E2E_NPHASES]);

/* ---- bench_e2e_floor.c: the same bytes over plain gRPC streams ---- */
/* Median over reps of the wall time for nsites threads at once, each with
 * its own mutual-TLS channel (the sites' certificates in work/pki), to send
 * up bytes and then receive down bytes on one stream. */
int e2e_floor(const char *work, uint32_t nsites, uint64_t up, uint64_t down,
	      uint32_t reps, double *median_ms);

/* ---- bench_e2e_run.c: one run, from the PKI to the figures ---- */
typedef struct e2e_sample {
	int64_t t_ms;            /* wall clock */
	uint64_t up, down;       /* bytes through the coordinator's port */
	double coord_cpu_s, agents_cpu_s;
} e2e_sample;

typedef struct e2e_run {
	const e2e_opts *o;
	char bin[E2E_PATH_BYTES], work[E2E_PATH_BYTES];
	e2e_shape sh;
	pid_t coord, *agents;
	int port;
	uint64_t job_id;
	char state[16], err[256];
	e2e_round *rounds;       /* o->rounds slots */
	uint32_t nrounds;        /* finished */
	e2e_sample *s;
	size_t ns, scap;
	int64_t t0_ms, submit_ms, end_ms;
	int killed;              /* --kill-round done */
	double coord_cpu_job_s;
	uint64_t coord_hwm_kib;
} e2e_run;

/* Sets up, runs the job while sampling, stops the daemons, measures the
 * floor and prints the JSON line. 0 if every round finished. */
int e2e_run_all(e2e_run *run);
/* On failure: the end of the coordinator's log and of one agent's. */
void e2e_run_dump_logs(const e2e_run *run);
/* Frees what run owns. */
void e2e_run_clear(e2e_run *run);

/* ---- bench_e2e_report.c: the figures ---- */
int e2e_report(e2e_run *run);

/* ---- bench_e2e.c ---- */
double e2e_median(double *v, size_t n);

#endif
