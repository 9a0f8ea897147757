/* SPDX-License-Identifier: Apache-2.0 */
/* Unit test of coord_metrics: the engine's hooks and the /metrics text they
 * give (rounds by kind and outcome, phase histograms by phase, aborts and
 * retries, uploads), without a store. */
#include <stdlib.h>
#include <string.h>

#include "coord_metrics.h"
#include "fl_msg.h"
#include "fl_test.h"

static int has(const char *text, const char *line)
{
	int ok = strstr(text, line) != NULL;

	if (!ok)
		fprintf(stderr, "missing: %s", line);
	return ok;
}

int main(void)
{
	char *t = NULL;
	size_t len = 0;
	double c0 = coord_metrics_clock();

	coord_metrics_round_done("train", "committed", 1.5, 4, 3);
	coord_metrics_round_done("train", "committed", 0.2, 3, 3);
	coord_metrics_round_done("stats", "failed", 20, 4, 1);
	coord_metrics_round_done("weird", "odd", 1, 0, 0);
	coord_metrics_phase_done(FL_SA_ADVERTISE, 0.02);
	coord_metrics_phase_done(FL_SA_UNMASK, 0.3);
	coord_metrics_phase_done(FL_SA_UNMASK, 0.4);
	coord_metrics_phase_done(99, 1);
	coord_metrics_secagg_abort(FL_SA_INPUT, 1);
	coord_metrics_secagg_abort(FL_SA_INPUT, 0);
	coord_metrics_upload(1);
	coord_metrics_upload(1);
	coord_metrics_upload(0);
	coord_metrics_store_commit(0.003);
	FL_CHECK(coord_metrics_clock() >= c0);
	FL_CHECK_EQ_INT(coord_metrics_text(NULL, NULL, &t, &len), 0);
	FL_CHECK(t != NULL && strlen(t) == len);
	if (t == NULL)
		return FL_TEST_DONE();
	FL_CHECK(has(t, "fedc_rounds_total{kind=\"train\",outcome=\"committed\"} 2\n"));
	FL_CHECK(has(t, "fedc_rounds_total{kind=\"stats\",outcome=\"failed\"} 1\n"));
	FL_CHECK(has(t, "fedc_rounds_total{kind=\"other\",outcome=\"other\"} 1\n"));
	FL_CHECK(has(t, "fedc_rounds_total{kind=\"eval\",outcome=\"committed\"} 0\n"));
	FL_CHECK(has(t, "fedc_round_duration_seconds_bucket{kind=\"train\",le=\"0.25\"} 1\n"));
	FL_CHECK(has(t, "fedc_round_duration_seconds_bucket{kind=\"train\",le=\"2.5\"} 2\n"));
	FL_CHECK(has(t, "fedc_round_duration_seconds_sum{kind=\"train\"} 1.7\n"));
	FL_CHECK(has(t, "fedc_phase_duration_seconds_count{phase=\"unmask\"} 2\n"));
	FL_CHECK(has(t, "fedc_phase_duration_seconds_bucket{phase=\"advertise\",le=\"0.025\"} 1\n"));
	FL_CHECK(has(t, "fedc_phase_duration_seconds_count{phase=\"other\"} 1\n"));
	FL_CHECK(has(t, "fedc_sites_selected_total 11\n"));
	FL_CHECK(has(t, "fedc_sites_survived_total 7\n"));
	FL_CHECK(has(t, "fedc_sites_dropped_total 4\n"));
	FL_CHECK(has(t, "fedc_secagg_aborts_total{phase=\"input\"} 2\n"));
	FL_CHECK(has(t, "fedc_secagg_retries_total 1\n"));
	FL_CHECK(has(t, "fedc_uploads_admitted_total 2\n"));
	FL_CHECK(has(t, "fedc_uploads_deferred_total 1\n"));
	FL_CHECK(has(t, "fedc_store_commit_seconds_bucket{le=\"0.005\"} 1\n"));
	FL_CHECK(has(t, "# TYPE fedc_phase_duration_seconds histogram\n"));
	FL_CHECK(has(t, "# TYPE fedc_rpc_sent_bytes_total counter\n"));
	FL_CHECK(strstr(t, "fedc_jobs") == NULL);   /* no store given */
	free(t);
	return FL_TEST_DONE();
}
