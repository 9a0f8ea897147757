/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_proc: child processes, signals and the work folder of
 * 'fedc-bench e2e'. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_e2e.h"
#include "fl_util.h"

#define E2E_STOP_WAIT_MS 10000

volatile sig_atomic_t e2e_interrupted;

static pid_t *e2e_pids;
static size_t e2e_npids, e2e_cap;

static void e2e_on_signal(int sig)
{
	(void)sig;
	e2e_interrupted = 1;
}

void e2e_signals_install(void)
{
	/* no SA_RESTART: a sleep or wait returns early and sees the flag */
	fl_stop_signals_catch(e2e_on_signal);
	signal(SIGPIPE, SIG_IGN);
}

void e2e_path(char *out, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(out, E2E_PATH_BYTES, fmt, ap);
	va_end(ap);
	if (k < 0 || k >= E2E_PATH_BYTES) {
		fprintf(stderr, "e2e: a path is longer than %d bytes\n", E2E_PATH_BYTES);
		abort();
	}
}

int64_t e2e_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void e2e_sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);   /* a signal ends it early: callers check */
}

int e2e_self_dir(char *out, size_t cap)
{
	char buf[E2E_PATH_BYTES];
	ssize_t k = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (k <= 0 || (size_t)k >= sizeof(buf) - 1)
		return -1;
	buf[k] = '\0';
	if ((size_t)snprintf(out, cap, "%s", dirname(buf)) >= cap)
		return -1;
	return 0;
}

/* The environment plus extra (if any), for execve: made before fork, as
 * the child of a threaded process must not allocate. */
static char **e2e_envp(const char *extra)
{
	extern char **environ;
	size_t n = 0;
	char **v;

	while (environ[n])
		n++;
	if (!(v = calloc(n + 2, sizeof(*v))))
		return NULL;
	memcpy(v, environ, n * sizeof(*v));
	v[n] = (char *)extra;   /* NULL ends the list when there is none */
	return v;
}

static pid_t e2e_fork_exec(char *const argv[], const char *logpath,
			   const char *extra)
{
	static const char msg[] = "e2e: cannot execute the program\n";
	pid_t parent = getpid(), pid;
	char **envp = e2e_envp(extra);

	if (!envp)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "e2e: fork: %s\n", strerror(errno));
		free(envp);
		return -1;
	}
	if (pid == 0) {
		/* only async-signal-safe calls from here to exec */
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		ssize_t w;

		/* Ctrl-C goes to this process, which stops the children in
		 * order; a child must not see it first. It gets SIGTERM if
		 * this process dies without stopping it. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		execve(argv[0], argv, envp);
		w = write(2, msg, sizeof(msg) - 1);
		(void)w;
		_exit(127);
	}
	free(envp);
	return pid;
}

pid_t e2e_proc_spawn(char *const argv[], const char *logpath, const char *extra)
{
	pid_t pid;

	if (e2e_npids == e2e_cap) {
		size_t cap = e2e_cap ? 2 * e2e_cap : 64;
		pid_t *p = realloc(e2e_pids, cap * sizeof(*p));

		if (!p)
			return -1;
		e2e_pids = p;
		e2e_cap = cap;
	}
	if ((pid = e2e_fork_exec(argv, logpath, extra)) > 0)
		e2e_pids[e2e_npids++] = pid;
	return pid;
}

int e2e_proc_run(char *const argv[], const char *logpath)
{
	pid_t pid = e2e_fork_exec(argv, logpath, NULL);
	int status = 0;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
		if (e2e_interrupted)
			kill(pid, SIGTERM);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "e2e: %s failed (see %s)\n", argv[0], logpath);
		return -1;
	}
	return 0;
}

int e2e_proc_alive(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, WNOHANG) == 0;
}

void e2e_proc_stop_all(void)
{
	int64_t until = e2e_wall_ms() + E2E_STOP_WAIT_MS;
	size_t i, left;

	for (i = 0; i < e2e_npids; i++)
		if (e2e_pids[i] > 0)
			kill(e2e_pids[i], SIGTERM);
	do {
		left = 0;
		for (i = 0; i < e2e_npids; i++) {
			int status;

			if (e2e_pids[i] <= 0)
				continue;
			if (waitpid(e2e_pids[i], &status, WNOHANG) != 0)
				e2e_pids[i] = 0;   /* reaped, or not ours any more */
			else
				left++;
		}
		if (left)
			e2e_sleep_ms(50);
	} while (left && e2e_wall_ms() < until);
	for (i = 0; i < e2e_npids; i++) {
		if (e2e_pids[i] <= 0)
			continue;
		fprintf(stderr, "e2e: pid %d did not stop after SIGTERM: SIGKILL\n",
			(int)e2e_pids[i]);
		kill(-e2e_pids[i], SIGKILL);   /* with an external trainer, if any */
		kill(e2e_pids[i], SIGKILL);
		while (waitpid(e2e_pids[i], NULL, 0) < 0 && errno == EINTR)
			;
		e2e_pids[i] = 0;
	}
	free(e2e_pids);
	e2e_pids = NULL;
	e2e_npids = e2e_cap = 0;
}

double e2e_proc_cpu_s(pid_t pid, int with_children)
{
	char path[64], buf[2048], *p;
	unsigned long long ut, st;
	long long cut, cst;
	size_t k;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	/* fields after the command name, which may hold spaces: state is 3rd */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
		   &ut, &st, &cut, &cst) != 4)
		return -1;
	return (double)(ut + st + (with_children ? (unsigned long long)(cut + cst) : 0)) /
		(double)sysconf(_SC_CLK_TCK);
}

uint64_t e2e_proc_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %llu kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int e2e_rm_one(const char *path, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT)
		fprintf(stderr, "e2e: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void e2e_rmtree(const char *dir)
{
	nftw(dir, e2e_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
