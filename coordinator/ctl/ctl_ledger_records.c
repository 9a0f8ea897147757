/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger_records: a site's own contribution records against the ledger. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ledger_int.h"
#include "fl_agent.h"
#include "fl_err.h"

static const ctl_ledger_fields *find_attempt(const ctl_ledger_fields *e, size_t n,
					     uint64_t job, uint32_t round,
					     uint32_t attempt)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].job == job && e[i].round == round && e[i].attempt == attempt)
			return &e[i];
	return NULL;
}

/* The entry of job that produced model version ver. */
static const ctl_ledger_fields *find_maker(const ctl_ledger_fields *e, size_t n,
					   uint64_t job, int64_t ver)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].job == job && e[i].model_version == ver && ver >= 0)
			return &e[i];
	return NULL;
}

static int is_survivor(const ctl_ledger_fields *e, const char *site)
{
	size_t i;

	for (i = 0; i < e->nsurvivors; i++)
		if (strcmp(e->survivors[i], site) == 0)
			return 1;
	return 0;
}

/* Checks one record that has a ledger entry. */
static void check_record(const ctl_ledger_fields *ents, size_t n,
			 const ctl_ledger_fields *e, const fl_agent_record *rec,
			 const char *site, FILE *log, ctl_ledger_result *res)
{
	const ctl_ledger_fields *mk;
	size_t before = res->problems;
	unsigned R = rec->round;

	if (!is_survivor(e, site))
		ctl_ledger_problem(res, log, "ledger: site %s round %u: not among the "
				   "survivors of ledger entry %llu", site, R,
				   (unsigned long long)e->seq);
	if (strcmp(e->kind, fl_agent_task_name(rec->kind)) != 0)
		ctl_ledger_problem(res, log, "ledger: site %s round %u: the record is "
				   "a %s contribution but ledger entry %llu is %s", site,
				   R, fl_agent_task_name(rec->kind),
				   (unsigned long long)e->seq, e->kind);
	if (rec->kind != FL_TASK_STATS) {
		if (!rec->has_model) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: the "
					   "record names no model (written by an "
					   "older agent?)", site, R);
		} else if ((int64_t)rec->model_version != e->base_version) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: the "
					   "site used model v%u but ledger entry %llu "
					   "started from v%lld", site, R,
					   rec->model_version,
					   (unsigned long long)e->seq,
					   (long long)e->base_version);
		} else if ((mk = find_maker(ents, n, rec->job_id,
					    e->base_version)) == NULL) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: no "
					   "ledger entry made model v%u", site, R,
					   rec->model_version);
		} else if (strcmp(mk->model_sha256, rec->model_sha256) != 0) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: the "
					   "site used model v%u with sha256 %s, but "
					   "ledger entry %llu made it with sha256 %s",
					   site, R, rec->model_version,
					   rec->model_sha256,
					   (unsigned long long)mk->seq,
					   mk->model_sha256);
		}
	}
	if (res->problems == before)
		res->records_ok++;
}

static int parse_name(const char *name, unsigned long long *job, unsigned *round,
		      unsigned *attempt)
{
	int used = 0;

	return sscanf(name, "job%llu-round%u-attempt%u.json%n", job, round, attempt,
		      &used) == 3 && used > 0 && name[used] == '\0';
}

int ctl_ledger_check_records(const ctl_ledger_fields *ents, size_t n,
			     uint64_t job_filter, const ctl_ledger_opts *o,
			     FILE *log, ctl_ledger_result *res)
{
	char path[FL_PATH_BYTES + 300], msg[FL_ERRMSG_BYTES];
	unsigned long long job;
	unsigned round, attempt;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(o->records_dir)) == NULL) {
		ctl_ledger_problem(res, log, "ledger: site %s: cannot read %s: %s",
				   o->site, o->records_dir, strerror(errno));
		return FL_E_IO;
	}
	while ((de = readdir(d)) != NULL) {
		const ctl_ledger_fields *e;
		fl_agent_record rec;

		if (!parse_name(de->d_name, &job, &round, &attempt) ||
		    (job_filter && job != job_filter))
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->records_dir, de->d_name);
		memset(&rec, 0, sizeof(rec));
		msg[0] = '\0';
		if (fl_agent_record_read(path, &rec, msg) != 0) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: cannot "
					   "read %s: %s", o->site, round, path, msg);
			continue;
		}
		if (rec.job_id != job || rec.round != round || rec.attempt != attempt) {
			ctl_ledger_problem(res, log, "ledger: site %s round %u: %s "
					   "holds job %llu round %u attempt %u", o->site,
					   round, path, (unsigned long long)rec.job_id,
					   rec.round, rec.attempt);
		} else if ((e = find_attempt(ents, n, job, round, attempt)) == NULL) {
			res->records_aborted++;
			if (log)
				fprintf(log, "ledger: site %s job %llu round %u attempt "
					"%u: not in ledger (attempt aborted)\n", o->site,
					job, round, attempt);
		} else {
			check_record(ents, n, e, &rec, o->site, log, res);
		}
		fl_agent_record_clear(&rec);
	}
	closedir(d);
	return 0;
}
