/* SPDX-License-Identifier: Apache-2.0 */
/* coord_metrics_text: the /metrics page: the counters of coord_metrics.c
 * and gauges read from the store and the engine (jobs by state, sites
 * registered, revoked, online). Above the engine; coord_metrics.c, which
 * the round code calls, stays below it. */
#include <stdlib.h>
#include <string.h>

#include "coord_metrics.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_prom.h"
#include "fl_prom_process.h"
#include "fl_util.h"

/* Jobs by state and sites, read from the store. */
static int cm_write_store(fl_prom_buf *b, coord_store *st, coord_engine *eng)
{
	static const char *const states[] = { "pending", "running", "done",
					      "failed", "aborted" };
	const char *lab[3] = { "state", NULL, NULL };
	fl_msg_job_list jl;
	coord_site_row *sites = NULL;
	size_t nsites = 0, online = 0, revoked = 0;
	int64_t now = fl_time_ms();
	int r;

	memset(&jl, 0, sizeof(jl));
	if ((r = coord_store_job_list(st, &jl)) != 0)
		return r;
	fl_prom_head(b, "fedc_jobs", "gauge", "Jobs by state.");
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		size_t n = 0;

		for (size_t i = 0; i < jl.n; i++)
			n += strcmp(jl.jobs[i].state, states[s]) == 0;
		lab[1] = states[s];
		fl_prom_sample(b, "fedc_jobs", lab, (double)n);
	}
	fl_msg_job_list_clear(&jl);
	if ((r = coord_store_site_list(st, &sites, &nsites)) != 0)
		return r;
	for (size_t i = 0; i < nsites; i++) {
		const fl_msg_site_info *s = &sites[i].info;
		int64_t seen = eng ? coord_engine_site_last_seen(eng, s->name) : 0;

		if (seen < s->last_seen_ms)
			seen = s->last_seen_ms;
		revoked += s->revoked;
		online += eng != NULL && !s->revoked && seen > 0 &&
			now - seen <= (int64_t)coord_engine_offline_after_ms(eng);
	}
	free(sites);
	fl_prom_head(b, "fedc_sites_registered", "gauge",
		     "Sites registered (operators and revoked ones included).");
	fl_prom_sample(b, "fedc_sites_registered", NULL, (double)nsites);
	fl_prom_head(b, "fedc_sites_revoked", "gauge", "Sites revoked.");
	fl_prom_sample(b, "fedc_sites_revoked", NULL, (double)revoked);
	fl_prom_head(b, "fedc_sites_online", "gauge",
		     "Sites that polled within offline_after_ms (not revoked).");
	fl_prom_sample(b, "fedc_sites_online", NULL, (double)online);
	return 0;
}

int coord_metrics_text(coord_store *st, coord_engine *eng, char **out,
		       size_t *len)
{
	fl_prom_buf *b = fl_prom_buf_new();
	int r = 0;

	if (b == NULL)
		return FL_E_NOMEM;
	coord_metrics_write_counters(b);
	if (st != NULL)
		r = cm_write_store(b, st, eng);
	fl_prom_process(b, "fedc_coordinator");
	if (r != 0) {
		char *tmp = NULL;

		if (fl_prom_buf_finish(b, &tmp, NULL) == 0)
			free(tmp);
		return r;
	}
	return fl_prom_buf_finish(b, out, len);
}
