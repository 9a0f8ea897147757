/* SPDX-License-Identifier: Apache-2.0 */
/* coord_stats_report: the figures sites report about themselves (Agent
 * ReportMetrics) in a job whose spec has [job] site_figures = true (R9:
 * every participant opted in), kept per job, round and site in the site_metrics
 * table, and listed for fedctl (Control GetSiteMetrics). Separate from the
 * secure aggregate, which they do not change. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_engine_int.h"
#include "coord_service.h"
#include "coord_stats.h"
#include "coord_store_int.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

int coord_store_site_metrics_put(coord_store *st, const char *site,
				 const fl_msg_own_metrics *m, int64_t now_ms)
{
	coord_db *db = coord_store_lock(st);
	int r;

	/* a repeated report of the same round replaces the first */
	r = coord_db_run(db, "INSERT INTO site_metrics(job_id, round, site, attempt,"
			 " n, loss, accuracy, macro_f1, r2, reported_ms)"
			 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			 " ON CONFLICT(job_id, round, site) DO UPDATE SET"
			 " attempt = excluded.attempt, n = excluded.n,"
			 " loss = excluded.loss, accuracy = excluded.accuracy,"
			 " macro_f1 = excluded.macro_f1, r2 = excluded.r2,"
			 " reported_ms = excluded.reported_ms",
			 COORD_ARGS(CA_I(m->job_id), CA_I(m->round), CA_T(site),
				    CA_I(m->attempt), CA_D(m->n), CA_D(m->loss),
				    CA_D(m->accuracy), CA_D(m->macro_f1), CA_D(m->r2),
				    CA_I(now_ms)), NULL);
	coord_store_unlock(st);
	return r;
}

static int site_metrics_item(coord_stmt *s, void *item)
{
	fl_msg_site_metrics *e = item;

	e->round = (uint32_t)coord_stmt_int64(s, 0);
	coord_stmt_str(s, 1, e->site, sizeof(e->site));
	e->metrics.present = true;
	coord_store_metrics_cols(s, 2, &e->metrics);
	e->reported_ms = coord_stmt_int64(s, 7);
	return 0;
}

int coord_store_site_metrics_list(coord_store *st, uint64_t job_id,
				  fl_msg_site_metrics_list *out)
{
	static const coord_list_spec ls = { sizeof(fl_msg_site_metrics),
		FL_MSG_MAX_LIST, site_metrics_item, NULL, "list site figures" };

	return coord_store_list(st, &ls, "SELECT round, site, n, loss, accuracy, "
				"macro_f1, r2, reported_ms FROM site_metrics WHERE "
				"job_id = ? ORDER BY round, site",
				COORD_ARGS(CA_I(job_id)), &out->entries, &out->n);
}

/* Only a site selected for that very attempt may report on it, and only
 * for a job whose spec publishes per-site figures (R9). */
static int coord_sm_check(coord_engine *e, const char *site,
			  const fl_msg_own_metrics *m, char *msg)
{
	coord_job *j;
	int ok, figures = 0;

	pthread_mutex_lock(&e->mu);
	j = coord_engine_job_find(e, m->job_id);
	ok = j && j->rs.active && j->rs.round == m->round &&
		j->rs.attempt == m->attempt && coord_round_slot(j, site) != NULL;
	figures = j && j->spec.site_figures;
	pthread_mutex_unlock(&e->mu);
	if (ok && !figures) {
		fl_errmsg_set(msg, "job %llu does not publish per-site figures "
			      "([job] site_figures = false); not storing them (R9)",
			      (unsigned long long)m->job_id);
		return FL_E_DENIED;
	}
	if (ok)
		return 0;
	fl_errmsg_set(msg, "site %s is not taking part in job %llu round %u attempt %u "
		      "now", site, (unsigned long long)m->job_id, m->round, m->attempt);
	return FL_E_STATE;
}

int coord_agent_report_metrics(coord_unary *u)
{
	fl_msg_own_metrics m;
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_own_metrics, &m,
				    "OwnMetrics")) != 0 ||
	    (r = coord_sm_check(u->svc->eng, u->who->cn, &m, u->msg)) != 0)
		return r;
	if ((r = coord_svc_failed(coord_store_site_metrics_put(u->svc->st, u->who->cn,
							       &m, fl_time_ms()),
				  "cannot store the figures", u->msg)) != 0)
		return r;
	fl_info("job %llu round %u: %s reported its own figures (n %.0f)",
		(unsigned long long)m.job_id, m.round, u->who->cn, m.n);
	return coord_svc_empty(&u->out, &u->outlen, u->msg);
}

int coord_ctl_get_site_metrics(coord_unary *u)
{
	fl_msg_job_ref ref;
	fl_msg_job_info info;
	fl_msg_site_metrics_list list = { NULL, 0 };
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_job_ref, &ref, "JobRef")) != 0)
		goto out;
	if ((r = coord_svc_job_get(u->svc->st, ref.job_id, &info, NULL, u->msg)) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_store_site_metrics_list(u->svc->st, ref.job_id,
								&list),
				  "cannot read the sites' figures", u->msg)) != 0)
		goto out;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_site_metrics_list, &list,
			      "the sites' figures");
out:
	fl_msg_site_metrics_list_clear(&list);
	return r;
}
