/* SPDX-License-Identifier: Apache-2.0 */
/* agent_external: runs a site's own training program (see agent_external.h). */
#define _GNU_SOURCE   /* posix_spawn_file_actions_addchdir_np */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_external.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_train.h"
#include "fl_util.h"

#define EXT_PATH_BYTES 1024
#define EXT_LOG_TAIL 300
#define EXT_RESULT_MAX 4096

static const char *ext_loss_name(const fl_model *m)
{
	switch (m->kind) {
	case FL_MODEL_LINEAR: return "squared";
	case FL_MODEL_LOGISTIC: return "logistic";
	case FL_MODEL_SOFTMAX: return "softmax";
	case FL_MODEL_MLP: return m->k >= 2 ? "softmax" : "squared";
	}
	return "unknown";
}

static int ext_path(char *out, const char *dir, const char *name)
{
	int k = snprintf(out, EXT_PATH_BYTES, "%s/%s", dir, name);

	return k < 0 || k >= EXT_PATH_BYTES ? FL_E_TOOBIG : 0;
}

static void ext_list(FILE *f, const char *key, char *const *s, uint32_t n)
{
	uint32_t i;

	fprintf(f, "%s ", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", s[i]);
	fputc('\n', f);
}

static void ext_dlist(FILE *f, const char *key, const double *v, uint32_t n)
{
	uint32_t i;

	fprintf(f, "%s ", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.17g", i ? "," : "", v ? v[i] : (key[0] == 's' ? 1.0 : 0.0));
	fputc('\n', f);
}

static int ext_write_task(const char *path, const fl_jobspec *spec,
			  uint64_t job_id, uint32_t round, const fl_model *m)
{
	FILE *f = fopen(path, "w");
	uint32_t i;
	int bad;

	if (!f)
		return FL_E_IO;
	fprintf(f, "format %s\njob_id %llu\nround %u\nmodel %s\nloss %s\n"
		"d %u\nk %u\nhidden ", FL_EXTERNAL_FORMAT,
		(unsigned long long)job_id, round, fl_model_kind_name(m->kind),
		ext_loss_name(m), m->d, m->k);
	for (i = 0; i < m->nhidden; i++)
		fprintf(f, "%s%u", i ? "," : "", m->hidden[i]);
	fprintf(f, "\nnparams %zu\nlocal_epochs %u\nbatch_size %u\nlr %.17g\n"
		"l2 %.17g\nprox_mu %.17g\nseed %llu\n", m->nparams,
		spec->local_epochs, spec->batch_size, fl_lr_at(spec, round),
		spec->l2, spec->prox_mu,
		(unsigned long long)(spec->seed ^ job_id ^ (uint64_t)round));
	ext_list(f, "features", spec->features, spec->nfeatures);
	ext_list(f, "labels", spec->labels, spec->nlabels);
	ext_dlist(f, "mean", m->mean, m->d);
	ext_dlist(f, "scale", m->scale, m->d);
	if (fl_model_nclasses(m) == 0)   /* regression: the output's units */
		fprintf(f, "label_mean %.17g\nlabel_scale %.17g\n", m->y_mean,
			m->y_scale);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return FL_E_IO;
	return 0;
}

static int ext_write_train(const char *path, const fl_jobspec *spec,
			   const fl_dataset *ds)
{
	FILE *f = fopen(path, "w");
	size_t i;
	uint32_t j;
	int bad;

	if (!f)
		return FL_E_IO;
	for (j = 0; j < ds->d; j++)
		fprintf(f, "%s,", j < spec->nfeatures ? spec->features[j] : "x");
	fprintf(f, "label\n");
	for (i = 0; i < ds->n; i++) {
		for (j = 0; j < ds->d; j++)
			fprintf(f, "%.17g,", ds->x[i * ds->d + j]);
		fprintf(f, "%.17g\n", ds->y[i]);
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return FL_E_IO;
	return 0;
}

static int ext_write_weights(const char *path, const fl_model *m)
{
	uint8_t *buf = malloc(m->nparams * 8 + 1);
	size_t i;
	int r;

	if (!buf)
		return FL_E_NOMEM;
	for (i = 0; i < m->nparams; i++) {
		uint64_t u;
		int b;

		memcpy(&u, &m->w[i], 8);
		for (b = 0; b < 8; b++)
			buf[i * 8 + (size_t)b] = (uint8_t)(u >> (8 * b));
	}
	/* a scratch file for the trainer, removed after the run: no fsync */
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;

		if (fd >= 0 && !f)
			close(fd);
		r = f && fwrite(buf, 1, m->nparams * 8, f) == m->nparams * 8 ?
		    0 : FL_E_IO;
		if (f && fclose(f) != 0)
			r = FL_E_IO;
	}
	free(buf);
	return r;
}

/* The last EXT_LOG_TAIL bytes of trainer.log, one line, for messages. */
static void ext_log_tail(const char *dir, char *out, size_t cap)
{
	char path[EXT_PATH_BYTES], *text = NULL, *p;
	size_t len = 0, start;

	out[0] = '\0';
	if (ext_path(path, dir, "trainer.log") != 0 ||
	    fl_file_read(path, 1u << 20, &text, &len) != 0)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	start = len > EXT_LOG_TAIL ? len - EXT_LOG_TAIL : 0;
	snprintf(out, cap, "%.*s", (int)(len - start), text + start);
	for (p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || (unsigned char)*p < 0x20)
			*p = ' ';
	free(text);
}

/* Starts PROGRAM DIR in DIR in a process group of its own (a timeout kills
 * its children too), stdin /dev/null, stdout and stderr to logp.
 * posix_spawn, not fork: glibc starts the child with vfork semantics, so
 * the agent's page tables (model-sized buffers, gRPC's threads) are not
 * copied before the exec. 0 and *pid, or an errno value (an exec failure
 * too: ENOENT, EACCES ...). */
static int ext_spawn(const fl_external_cfg *cfg, const char *dir,
		     const char *logp, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char *argv[3];
	int r;

	argv[0] = (char *)cfg->program;
	argv[1] = (char *)dir;
	argv[2] = NULL;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	/* logp before the chdir: it may be relative to the agent's folder */
	if ((r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						  0)) == 0 &&
	    (r = posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT |
						  O_TRUNC, 0600)) == 0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, 1, 2)) == 0 &&
	    (r = posix_spawn_file_actions_addchdir_np(&fa, dir)) == 0 &&
	    (r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP)) == 0 &&
	    (r = posix_spawnattr_setpgroup(&at, 0)) == 0)
		r = posix_spawn(pid, cfg->program, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Runs PROGRAM DIR in DIR; waits at most timeout_s. */
static int ext_run(const fl_external_cfg *cfg, const char *dir, char *errmsg)
{
	char logp[EXT_PATH_BYTES];
	int64_t deadline;
	uint32_t wait_us;
	int pfd;
	pid_t pid, w;
	int status = 0, r;

	if (ext_path(logp, dir, "trainer.log") != 0)
		return FL_E_TOOBIG;
	if ((r = ext_spawn(cfg, dir, logp, &pid)) != 0) {
		if (r != ENOENT && r != EACCES && r != ENOEXEC && r != ENOTDIR &&
		    r != ELOOP && r != ENAMETOOLONG) {
			fl_errmsg_set(errmsg, "cannot start the external trainer: %s",
				      strerror(r));
			return FL_E_IO;
		}
		fl_errmsg_set(errmsg, "the external trainer %s did not start (status "
			      "127: cannot execute it: %s); check [trainer] program",
			      cfg->program, strerror(r));
		return FL_E_EXTERNAL;
	}
	wait_us = 500;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	deadline = fl_mono_ms() + (int64_t)(cfg->timeout_s ? cfg->timeout_s :
					    FL_EXTERNAL_DEFAULT_TIMEOUT_S) * 1000;
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fl_errmsg_set(errmsg, "lost the external trainer: %s",
				      strerror(errno));
			return FL_E_IO;
		}
		if (fl_mono_ms() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			fl_errmsg_set(errmsg, "the external trainer %s ran longer than "
				      "its timeout of %u s and was killed; raise [trainer] "
				      "timeout or make it faster", cfg->program,
				      cfg->timeout_s ? cfg->timeout_s :
				      FL_EXTERNAL_DEFAULT_TIMEOUT_S);
			return FL_E_TIMEOUT;
		}
		if (pfd >= 0) {
			/* the pidfd turns readable when the trainer exits */
			struct pollfd pf = { pfd, POLLIN, 0 };

			(void)poll(&pf, 1, 200);
		} else {
			/* no pidfd (old kernel): 0.5 ms, doubling to 20 ms */
			struct timespec ts = { 0, (long)wait_us * 1000 };

			nanosleep(&ts, NULL);
			wait_us = wait_us * 2 > 20000 ? 20000 : wait_us * 2;
		}
	}
	if (pfd >= 0)
		close(pfd);
	kill(-pid, SIGKILL);   /* leftovers of its process group, if any */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	{
		char tail[EXT_LOG_TAIL + 1];

		ext_log_tail(dir, tail, sizeof(tail));
		if (WIFSIGNALED(status))
			fl_errmsg_set(errmsg, "the external trainer %s was killed by "
				      "signal %d; its log (%s/trainer.log) ends: %s",
				      cfg->program, WTERMSIG(status), dir, tail);
		else
			fl_errmsg_set(errmsg, "the external trainer %s exited with "
				      "status %d; its log (%s/trainer.log) ends: %s",
				      cfg->program, WEXITSTATUS(status), dir, tail);
	}
	return FL_E_EXTERNAL;
}

static int ext_read_weights(const char *dir, fl_model *local, char *errmsg)
{
	char path[EXT_PATH_BYTES];
	char *buf = NULL;
	double *w = NULL;
	size_t len = 0, i;
	int r;

	if ((r = ext_path(path, dir, "local.f64")) != 0)
		return r;
	if ((r = fl_file_read(path, local->nparams * 8 + 1, &buf, &len)) != 0) {
		fl_errmsg_set(errmsg, "the external trainer wrote no readable "
			      "local.f64 (%s)", r == FL_E_TOOBIG ?
			      "larger than nparams x 8 bytes" : fl_strerror(r));
		return FL_E_EXTERNAL;
	}
	r = FL_E_EXTERNAL;
	if (len != local->nparams * 8) {
		fl_errmsg_set(errmsg, "the external trainer's local.f64 has %zu "
			      "bytes; expected %zu (nparams %zu x 8)", len,
			      local->nparams * 8, local->nparams);
		goto out;
	}
	if ((w = malloc(local->nparams * sizeof(*w) + 1)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < local->nparams; i++) {
		uint64_t u = 0;
		int b;

		for (b = 7; b >= 0; b--)
			u = (u << 8) | (uint8_t)buf[i * 8 + (size_t)b];
		memcpy(&w[i], &u, 8);
		if (!isfinite(w[i])) {
			fl_errmsg_set(errmsg, "the external trainer's local.f64 has a "
				      "non-finite value at parameter %zu", i);
			goto out;
		}
	}
	/* Only a complete, valid vector replaces the weights (w was allocated
	 * as fl_model allocates its weights: it takes their place). */
	free(local->w);
	local->w = w;
	w = NULL;
	r = 0;
out:
	free(w);
	free(buf);
	return r;
}

static int ext_read_result(const char *dir, size_t rows, double *samples,
			   double *loss, char *errmsg)
{
	char path[EXT_PATH_BYTES], *text = NULL, *line, *save = NULL;
	size_t len = 0;
	int have_s = 0, have_l = 0, r;

	if ((r = ext_path(path, dir, "result.txt")) != 0)
		return r;
	if (fl_file_read(path, EXT_RESULT_MAX, &text, &len) != 0) {
		fl_errmsg_set(errmsg, "the external trainer wrote no readable "
			      "result.txt (up to %d bytes)", EXT_RESULT_MAX);
		return FL_E_EXTERNAL;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[16], extra[2];
		double v;
		int k = sscanf(line, "%15s %lf %1s", key, &v, extra);

		if (k == 0 || k == EOF)
			continue;
		if (k != 2 || (strcmp(key, "samples") != 0 && strcmp(key, "loss") != 0)) {
			fl_errmsg_set(errmsg, "result.txt: bad line '%.60s': expected "
				      "'samples N' or 'loss L'", line);
			r = FL_E_EXTERNAL;
			goto out;
		}
		if (key[0] == 's') {
			*samples = v;
			have_s = 1;
		} else {
			*loss = v;
			have_l = 1;
		}
	}
	if (!have_s || !have_l) {
		fl_errmsg_set(errmsg, "result.txt: missing '%s'", have_s ? "loss L" :
			      "samples N");
		r = FL_E_EXTERNAL;
	} else if (!(*samples >= 1) || *samples > (double)rows ||
		   floor(*samples) != *samples) {
		fl_errmsg_set(errmsg, "result.txt: samples %g must be a whole number "
			      "from 1 to the %zu rows of train.csv", *samples, rows);
		r = FL_E_EXTERNAL;
	} else if (!isfinite(*loss) || *loss < 0) {
		fl_errmsg_set(errmsg, "result.txt: loss %g must be finite and >= 0",
			      *loss);
		r = FL_E_EXTERNAL;
	}
out:
	free(text);
	return r;
}

/* Removes the round folder's known files and the folder. */
static void ext_cleanup(const char *dir)
{
	static const char *const names[] = { "task.txt", "train.csv", "global.f64",
					     "local.f64", "result.txt", "trainer.log" };
	char path[EXT_PATH_BYTES];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ext_path(path, dir, names[i]) == 0)
			unlink(path);
	if (rmdir(dir) != 0 && errno != ENOENT)
		fl_warn("external trainer: left %s (it holds files other than the contract's)",
			dir);
}

int fl_external_train(const fl_external_cfg *cfg, const fl_jobspec *spec,
		      uint64_t job_id, uint32_t round, const fl_model *global,
		      const fl_dataset *train, fl_model *local, double *samples,
		      double *loss_mean, char *errmsg)
{
	char dir[EXT_PATH_BYTES], path[EXT_PATH_BYTES];
	int k, r;

	if (!cfg || !cfg->program || !cfg->workroot || !spec || !global || !train ||
	    !local || !samples || !loss_mean || local->nparams != global->nparams)
		return FL_E_INVAL;
	if (mkdir(cfg->workroot, 0700) != 0 && errno != EEXIST) {
		fl_errmsg_set(errmsg, "cannot make %s: %s", cfg->workroot,
			      strerror(errno));
		return FL_E_IO;
	}
	k = snprintf(dir, sizeof(dir), "%s/job%llu-round%u", cfg->workroot,
		     (unsigned long long)job_id, round);
	if (k < 0 || (size_t)k >= sizeof(dir))
		return FL_E_TOOBIG;
	ext_cleanup(dir);   /* a failed earlier attempt of this round */
	if (mkdir(dir, 0700) != 0) {
		fl_errmsg_set(errmsg, "cannot make %s: %s", dir, strerror(errno));
		return FL_E_IO;
	}
	if ((r = ext_path(path, dir, "task.txt")) != 0 ||
	    (r = ext_write_task(path, spec, job_id, round, global)) != 0 ||
	    (r = ext_path(path, dir, "train.csv")) != 0 ||
	    (r = ext_write_train(path, spec, train)) != 0 ||
	    (r = ext_path(path, dir, "global.f64")) != 0 ||
	    (r = ext_write_weights(path, global)) != 0) {
		fl_errmsg_set(errmsg, "cannot write the external trainer's input in "
			      "%s: %s", dir, fl_strerror(r));
		return r == FL_E_NOMEM ? r : FL_E_IO;
	}
	if ((r = ext_run(cfg, dir, errmsg)) != 0)
		return r;
	if ((r = ext_read_weights(dir, local, errmsg)) != 0 ||
	    (r = ext_read_result(dir, train->n, samples, loss_mean, errmsg)) != 0)
		return r;
	ext_cleanup(dir);
	return 0;
}
