/* SPDX-License-Identifier: Apache-2.0 */
/* agent_budget: the site's own privacy-budget file (see agent_budget.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_budget.h"
#include "fl_err.h"
#include "fl_util.h"

#define BUDGET_MAGIC "fedc-dp-budget 1"
#define BUDGET_MAX_BYTES (64u * 1024u * 1024u)

static int budget_path(const char *state_dir, const char *dataset, char *out,
		       size_t cap, char *errmsg)
{
	size_t i, n = strlen(dataset);
	int k;

	for (i = 0; i < n; i++) {
		char ch = dataset[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      (ch == '.' && i > 0)))
			break;
	}
	if (n == 0 || i < n) {
		fl_errmsg_set(errmsg, "dataset name '%s' cannot name a budget file "
			      "(letters, digits, '_', '-', '.')", dataset);
		return FL_E_INVAL;
	}
	k = snprintf(out, cap, "%s/privacy/%s.budget", state_dir, dataset);
	return k < 0 || (size_t)k >= cap ? FL_E_TOOBIG : 0;
}

/* Sums the charges of text within the window. */
static int budget_sum(const char *path, const char *text, size_t len,
		      int64_t now_ms, int64_t window_ms, double *rho,
		      char *errmsg)
{
	const char *p = text, *end = text + len, *nl;
	double sum = 0;
	unsigned line = 1;

	nl = memchr(p, '\n', len);
	if (nl == NULL || (size_t)(nl - p) != strlen(BUDGET_MAGIC) ||
	    memcmp(p, BUDGET_MAGIC, strlen(BUDGET_MAGIC)) != 0) {
		fl_errmsg_set(errmsg, "%s is not a privacy budget file (its first "
			      "line is not '%s'): refusing noisy tasks until it is "
			      "repaired", path, BUDGET_MAGIC);
		return FL_E_PARSE;
	}
	for (p = nl + 1; p < end; p = nl + 1) {
		char buf[160];
		long long t;
		unsigned long long job;
		unsigned round, attempt;
		double r;
		int used = 0;

		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;   /* a torn last line: written before no upload */
		if ((size_t)(nl - p) >= sizeof(buf) ||
		    (memcpy(buf, p, (size_t)(nl - p)), buf[nl - p] = '\0',
		     sscanf(buf, "%lld %llu %u %u %lf%n", &t, &job, &round,
			    &attempt, &r, &used) != 5) ||
		    buf[used] != '\0' || !isfinite(r) || r < 0) {
			fl_errmsg_set(errmsg, "%s line %u is damaged: refusing noisy "
				      "tasks until it is repaired", path, line);
			return FL_E_PARSE;
		}
		if (window_ms == 0 || t > now_ms - window_ms)
			sum += r;
	}
	*rho = sum;
	return 0;
}

int agent_budget_spent(const char *state_dir, const char *dataset,
		       int64_t now_ms, int64_t window_ms, double *rho,
		       char *errmsg)
{
	char path[4096], *text = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (!state_dir || !dataset || !rho || window_ms < 0)
		return FL_E_INVAL;
	if ((r = budget_path(state_dir, dataset, path, sizeof(path), errmsg)) != 0)
		return r;
	if (stat(path, &st) != 0 && errno == ENOENT) {
		*rho = 0;   /* nothing spent yet */
		return 0;
	}
	if ((r = fl_file_read(path, BUDGET_MAX_BYTES, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read %s: %s", path, fl_strerror(r));
		return r;
	}
	r = budget_sum(path, text, len, now_ms, window_ms, rho, errmsg);
	free(text);
	return r;
}

/* Appends line to path (created with the magic line if missing), synced. */
static int budget_append(const char *state_dir, const char *path,
			 const char *line, char *errmsg)
{
	char dir[4096];
	struct stat st;
	int fd, r = 0, fresh;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/privacy", state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fl_errmsg_set(errmsg, "cannot create %s: %s", dir, strerror(errno));
		return FL_E_IO;
	}
	fresh = stat(path, &st) != 0;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fl_errmsg_set(errmsg, "cannot open %s: %s", path, strerror(errno));
		return FL_E_IO;
	}
	if (fresh && write(fd, BUDGET_MAGIC "\n", strlen(BUDGET_MAGIC) + 1) !=
		     (ssize_t)(strlen(BUDGET_MAGIC) + 1))
		r = FL_E_IO;
	n = strlen(line);
	if (r == 0 && write(fd, line, n) != (ssize_t)n)
		r = FL_E_IO;
	if (r == 0 && fsync(fd) != 0)
		r = FL_E_IO;
	if (r != 0)
		fl_errmsg_set(errmsg, "cannot record the charge in %s: %s", path,
			      strerror(errno));
	close(fd);
	if (r == 0 && fresh)
		(void)fl_dir_sync(dir);   /* the new file's directory entry */
	return r;
}

int agent_budget_charge(const char *state_dir, const char *dataset,
			const agent_budget_charge_t *c, double budget_rho,
			int64_t window_ms, double *spent, char *errmsg)
{
	char path[4096], line[160];
	double before = 0;
	int r;

	if (!state_dir || !dataset || !c || !isfinite(c->rho) || c->rho < 0 ||
	    !isfinite(budget_rho) || budget_rho < 0 || window_ms < 0)
		return FL_E_INVAL;
	if ((r = budget_path(state_dir, dataset, path, sizeof(path), errmsg)) != 0 ||
	    (r = agent_budget_spent(state_dir, dataset, c->time_ms, window_ms,
				    &before, errmsg)) != 0)
		return r;
	if (before + c->rho > budget_rho) {
		fl_errmsg_set(errmsg, "privacy budget of dataset '%s' exceeded: "
			      "spent rho %.6g + this round's %.6g = %.6g > the "
			      "policy's %.6g", dataset, before, c->rho,
			      before + c->rho, budget_rho);
		return FL_E_BUDGET;
	}
	snprintf(line, sizeof(line), "%" PRId64 " %" PRIu64 " %u %u %.17g\n",
		 c->time_ms, c->job, c->round, c->attempt, c->rho);
	if ((r = budget_append(state_dir, path, line, errmsg)) != 0)
		return r;
	if (spent)
		*spent = before + c->rho;
	return 0;
}
