/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_stats: the statistics a job's STATS round stored, as GetStats
 * returns them (coord_stats_build: not ready, ready, no such job), and the
 * site_metrics table of figures that opted-in sites report (put, replace,
 * NaN kept, listed by round and site, per job). */
#include <math.h>
#include <string.h>

#include "coord_stats.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_test.h"
#include "fl_update.h"

static const char spec_text[] =
	"[job]\nname = st\ntype = stats\ndataset = d\nlabel = y\n"
	"labels = no, yes\nfeatures = a, b\n";

static void test_build(coord_store *st)
{
	char err[FL_ERRMSG_BYTES] = "";
	fl_msg_job_info info;
	fl_msg_round_info ri;
	fl_msg_job_stats js;
	fl_jobspec spec;
	fl_model *m = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint64_t id = 0;
	/* n = 4 rows: a = 1, 2, 3, 6; b = 5 everywhere; labels 1 no, 3 yes */
	double sum[1 + 2 * 2 + 2] = { 4, 12, 20, 50, 100, 1, 3 };

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "st");
	snprintf(info.state, sizeof(info.state), "pending");
	FL_CHECK_EQ_INT(fl_jobspec_parse(spec_text, strlen(spec_text), &spec, err), 0);
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &info, spec_text, 10, &id), 0);
	memset(&js, 0, sizeof(js));
	FL_CHECK_EQ_INT(coord_stats_build(st, id, &js, err), 0);
	FL_CHECK(js.job_id == id && !js.ready && js.nfeatures == 0);
	fl_msg_job_stats_clear(&js);

	/* round 0 done with 3 survivors: model v0 from the summed vector */
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&spec, 2, &m), 0);
	if (!m)
		goto out;
	FL_CHECK_EQ_INT(fl_update_stats_apply_hist(m, sum, 2), 0);
	m->version = 0;
	FL_CHECK_EQ_INT(fl_model_encode(m, &blob, &len), 0);
	memset(&ri, 0, sizeof(ri));
	ri.attempt = 1;
	ri.selected = 4;
	ri.survived = 3;
	snprintf(ri.kind, sizeof(ri.kind), "stats");
	snprintf(ri.state, sizeof(ri.state), "done");
	ri.train_loss = NAN;
	FL_CHECK_EQ_INT(coord_store_job_set_weight(st, id, 4), 0);
	FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &ri, blob, len, 0, 0, NULL,
						 "done", 20), 0);
	FL_CHECK_EQ_INT(coord_stats_build(st, id, &js, err), 0);
	FL_CHECK(js.ready && js.count == 4 && js.sites == 3 &&
		 !strcmp(js.state, "done"));
	FL_CHECK(js.nfeatures == 2 && js.nlabels == 2);
	if (js.nfeatures == 2 && js.nlabels == 2) {
		FL_CHECK(!strcmp(js.features[0].name, "a") && !strcmp(js.features[1].name, "b"));
		FL_CHECK_NEAR(js.features[0].mean, 3.0, 1e-12);
		FL_CHECK_NEAR(js.features[0].std, sqrt(50.0 / 4 - 9.0), 1e-12);
		FL_CHECK_NEAR(js.features[1].mean, 5.0, 1e-12);
		FL_CHECK(!strcmp(js.labels[0].label, "no") && js.labels[0].count == 1);
		FL_CHECK(!strcmp(js.labels[1].label, "yes") && js.labels[1].count == 3);
	}
	fl_msg_job_stats_clear(&js);
	err[0] = '\0';
	FL_CHECK_EQ_INT(coord_stats_build(st, id + 100, &js, err), FL_E_NOTFOUND);
	FL_CHECK(strstr(err, "no job") != NULL);
out:
	free(blob);
	fl_model_free(m);
	fl_jobspec_clear(&spec);
}

static void test_site_metrics(coord_store *st)
{
	fl_msg_own_metrics a = { 7, 2, 1, 28, 0.25, 0.75, 0.5, NAN };
	fl_msg_own_metrics b = { 7, 1, 1, 30, 0.5, 0.6, 0.4, NAN };
	fl_msg_site_metrics_list l;

	FL_CHECK_EQ_INT(coord_store_site_metrics_list(st, 7, &l), 0);
	FL_CHECK(l.n == 0);
	fl_msg_site_metrics_list_clear(&l);
	FL_CHECK_EQ_INT(coord_store_site_metrics_put(st, "site2", &a, 100), 0);
	FL_CHECK_EQ_INT(coord_store_site_metrics_put(st, "site1", &a, 101), 0);
	FL_CHECK_EQ_INT(coord_store_site_metrics_put(st, "site1", &b, 102), 0);
	a.accuracy = 0.875;   /* a retried attempt replaces the row */
	a.attempt = 2;
	FL_CHECK_EQ_INT(coord_store_site_metrics_put(st, "site1", &a, 103), 0);
	a.job_id = 8;
	FL_CHECK_EQ_INT(coord_store_site_metrics_put(st, "site1", &a, 104), 0);
	FL_CHECK_EQ_INT(coord_store_site_metrics_list(st, 7, &l), 0);
	FL_CHECK(l.n == 3);
	if (l.n == 3) {
		FL_CHECK(l.entries[0].round == 1 && !strcmp(l.entries[0].site, "site1") &&
			 l.entries[0].metrics.n == 30);
		FL_CHECK(l.entries[1].round == 2 && !strcmp(l.entries[1].site, "site1") &&
			 l.entries[1].metrics.accuracy == 0.875 &&
			 l.entries[1].reported_ms == 103);
		FL_CHECK(l.entries[2].round == 2 && !strcmp(l.entries[2].site, "site2") &&
			 l.entries[2].metrics.accuracy == 0.75 &&
			 isnan(l.entries[2].metrics.r2) && l.entries[2].metrics.present);
	}
	fl_msg_site_metrics_list_clear(&l);
}

int main(void)
{
	char dir[64], path[128];
	coord_store *st = NULL;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	if (st) {
		test_build(st);
		test_site_metrics(st);
		coord_store_close(st);
	}
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
