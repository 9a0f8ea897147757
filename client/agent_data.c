/* SPDX-License-Identifier: Apache-2.0 */
/* agent_data: load a site's CSV for a job, split it, and cache it per job. */
#include <string.h>

#include "fl_agent.h"
#include "fl_csv.h"
#include "fl_err.h"

int fl_agent_data_load(const fl_jobspec *spec, const char *path,
		       fl_dataset **train, fl_dataset **test, char *errmsg)
{
	char detail[FL_ERRMSG_BYTES] = "";
	fl_csv *csv = NULL;
	fl_dataset *all = NULL, *tr = NULL, *te = NULL;
	int r;

	if (!spec || !path || !train || !test)
		return FL_E_INVAL;
	if (fl_url_has_password(path)) {   /* never echo it (configs refuse it) */
		fl_errmsg_set(errmsg, "a database URL takes no password; put it in "
			      "PGPASSFILE (~/.pgpass)");
		r = FL_E_CSV;
		goto out;
	}
	if ((r = fl_agent_source_read(path, &csv, detail)) != 0) {
		fl_errmsg_set(errmsg, "%s: %s", path, detail[0] ? detail : fl_strerror(r));
		goto out;
	}
	if ((r = fl_dataset_from_csv(csv, spec->label, spec->labels, spec->nlabels,
				     spec->features, spec->nfeatures, &all,
				     detail)) != 0) {
		fl_errmsg_set(errmsg, "%s: %s", path, detail[0] ? detail : fl_strerror(r));
		goto out;
	}
	/* The CSV's strings are no longer needed; free them before splitting. */
	fl_csv_free(csv);
	csv = NULL;
	r = spec->split_stratified && all->k > 0 ?
		fl_dataset_split_stratified(all, spec->test_fraction, spec->seed, &tr, &te) :
		fl_dataset_split(all, spec->test_fraction, spec->seed, &tr, &te);
	if (r != 0) {
		fl_errmsg_set(errmsg, "%s: cannot split %zu rows: %s", path, all->n,
			      fl_strerror(r));
		goto out;
	}
	if (tr->n == 0) {
		fl_errmsg_set(errmsg, "%s: no training rows after the split (%zu rows, "
			      "test_fraction %g)", path, all->n, spec->test_fraction);
		r = FL_E_RANGE;
		goto out;
	}
	*train = tr;
	*test = te;
	tr = te = NULL;
out:
	fl_csv_free(csv);
	fl_dataset_free(all);
	fl_dataset_free(tr);
	fl_dataset_free(te);
	return r;
}

void fl_agent_cache_init(fl_agent_cache *c)
{
	memset(c, 0, sizeof(*c));
}

static void cache_entry_clear(fl_agent_cache_entry *e)
{
	fl_dataset_free(e->train);
	fl_dataset_free(e->test);
	memset(e, 0, sizeof(*e));
}

/* The entry of job_id, or the slot to load it into (free or least recent). */
static fl_agent_cache_entry *cache_slot(fl_agent_cache *c, uint64_t job_id,
					bool *hit)
{
	fl_agent_cache_entry *victim = NULL;
	size_t i;

	*hit = false;
	for (i = 0; i < FL_AGENT_CACHE_JOBS; i++) {
		fl_agent_cache_entry *e = &c->e[i];

		if (e->used && e->job_id == job_id) {
			*hit = true;
			return e;
		}
		if (!victim || (victim->used && (!e->used || e->last_use < victim->last_use)))
			victim = e;
	}
	return victim;
}

int fl_agent_cache_get(fl_agent_cache *c, uint64_t job_id,
		       const fl_jobspec *spec, const char *path,
		       const fl_dataset **train, const fl_dataset **test,
		       int *fresh, char *errmsg)
{
	fl_agent_cache_entry *e;
	bool hit;

	if (!c || !spec || !path || !train || !test)
		return FL_E_INVAL;
	e = cache_slot(c, job_id, &hit);
	if (fresh)
		*fresh = !hit;
	if (!hit) {
		cache_entry_clear(e);
		e->used = true;
		e->job_id = job_id;
		e->err = fl_agent_data_load(spec, path, &e->train, &e->test, e->errmsg);
		/* Out of memory may pass; do not remember it as the file's fault. */
		if (e->err == FL_E_NOMEM) {
			int r = e->err;

			fl_errmsg_set(errmsg, "%s", e->errmsg);
			cache_entry_clear(e);
			return r;
		}
	}
	e->last_use = ++c->tick;
	if (e->err != 0) {
		fl_errmsg_set(errmsg, "%s", e->errmsg);
		return e->err;
	}
	*train = e->train;
	*test = e->test;
	return 0;
}

void fl_agent_cache_clear(fl_agent_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < FL_AGENT_CACHE_JOBS; i++)
		cache_entry_clear(&c->e[i]);
	c->tick = 0;
}
