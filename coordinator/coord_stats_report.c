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

#include <sqlite3.h>

#include "coord_int.h"
#include "coord_service.h"
#include "coord_stats.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* Created on first use (no schema version bump). */
static int coord_sm_table(sqlite3 *db)
{
	return sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS site_metrics("
			    "job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
			    " site TEXT NOT NULL, attempt INTEGER NOT NULL,"
			    " n REAL, loss REAL, accuracy REAL, macro_f1 REAL, r2 REAL,"
			    " reported_ms INTEGER NOT NULL,"
			    " PRIMARY KEY(job_id, round, site))", NULL, NULL, NULL) ==
		SQLITE_OK ? 0 : FL_E_DB;
}

/* NaN is stored as NULL (SQLite has no NaN). */
static void coord_sm_bind(sqlite3_stmt *s, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static double coord_sm_col(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN :
		sqlite3_column_double(s, i);
}

int coord_store_site_metrics_put(coord_store *st, const char *site,
				 const fl_msg_own_metrics *m, int64_t now_ms)
{
	sqlite3 *db = coord_store_db_lock(st);
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = coord_sm_table(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO site_metrics(job_id, round,"
			       " site, attempt, n, loss, accuracy, macro_f1, r2,"
			       " reported_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
			       &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->job_id);
	sqlite3_bind_int64(s, 2, m->round);
	sqlite3_bind_text(s, 3, site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, m->attempt);
	coord_sm_bind(s, 5, m->n);
	coord_sm_bind(s, 6, m->loss);
	coord_sm_bind(s, 7, m->accuracy);
	coord_sm_bind(s, 8, m->macro_f1);
	coord_sm_bind(s, 9, m->r2);
	sqlite3_bind_int64(s, 10, now_ms);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : FL_E_DB;
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_site_metrics_list(coord_store *st, uint64_t job_id,
				  fl_msg_site_metrics_list *out)
{
	sqlite3 *db = coord_store_db_lock(st);
	sqlite3_stmt *s = NULL;
	fl_msg_site_metrics_list t = { NULL, 0 };
	size_t cap = 0;
	int r, rc;

	if ((r = coord_sm_table(db)) != 0)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT round, site, n, loss, accuracy, macro_f1,"
			       " r2, reported_ms FROM site_metrics WHERE job_id = ?"
			       " ORDER BY round, site", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)job_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && t.n < FL_MSG_MAX_LIST) {
		fl_msg_site_metrics *e;
		const unsigned char *site = sqlite3_column_text(s, 1);

		if (t.n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(t.entries, ncap * sizeof(*t.entries));

			if (p == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			t.entries = p;
			cap = ncap;
		}
		e = &t.entries[t.n++];
		memset(e, 0, sizeof(*e));
		e->round = (uint32_t)sqlite3_column_int64(s, 0);
		snprintf(e->site, sizeof(e->site), "%s", site ? (const char *)site : "");
		e->metrics.present = true;
		e->metrics.n = coord_sm_col(s, 2);
		e->metrics.loss = coord_sm_col(s, 3);
		e->metrics.accuracy = coord_sm_col(s, 4);
		e->metrics.macro_f1 = coord_sm_col(s, 5);
		e->metrics.r2 = coord_sm_col(s, 6);
		e->reported_ms = sqlite3_column_int64(s, 7);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = FL_E_DB;
		goto out;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	fl_msg_site_metrics_list_clear(&t);
	return r;
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

void coord_agent_report_metrics(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_own_metrics m;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&who, 0, sizeof(who));
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_own_metrics(buf, len, &m)) != 0) {
		fl_errmsg_set(msg, "bad OwnMetrics: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_sm_check(svc->eng, who.cn, &m, msg)) != 0)
		goto out;
	if ((r = coord_store_site_metrics_put(svc->st, who.cn, &m, fl_time_ms())) != 0) {
		fl_errmsg_set(msg, "cannot store the figures: %s", fl_strerror(r));
		goto out;
	}
	fl_info("job %llu round %u: %s reported its own figures (n %.0f)",
		(unsigned long long)m.job_id, m.round, who.cn, m.n);
	if ((r = fl_codec_encode_empty(NULL, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the reply: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	free(buf);
}

void coord_ctl_get_site_metrics(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_job_ref ref;
	fl_msg_job_info info;
	fl_msg_site_metrics_list list = { NULL, 0 };
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&who, 0, sizeof(who));
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_job_ref(buf, len, &ref)) != 0) {
		fl_errmsg_set(msg, "bad JobRef: %s", fl_strerror(r));
		goto out;
	}
	if ((r = coord_store_job_get(svc->st, ref.job_id, &info, NULL)) != 0) {
		fl_errmsg_set(msg, r == FL_E_NOTFOUND ? "no job %llu" :
			      "cannot read job %llu", (unsigned long long)ref.job_id);
		goto out;
	}
	if ((r = coord_store_site_metrics_list(svc->st, ref.job_id, &list)) != 0) {
		fl_errmsg_set(msg, "cannot read the sites' figures: %s", fl_strerror(r));
		goto out;
	}
	if ((r = fl_codec_encode_site_metrics_list(&list, &out, &outlen)) != 0) {
		fl_errmsg_set(msg, "cannot encode the sites' figures: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_msg_site_metrics_list_clear(&list);
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	free(buf);
}
