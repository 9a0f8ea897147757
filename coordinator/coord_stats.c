/* SPDX-License-Identifier: Apache-2.0 */
/* coord_stats: Control GetStats, the consortium-wide statistics of a job's
 * STATS round (stats-only jobs and training jobs alike). Everything comes
 * from what the round stored: model v0 (global mean and standard
 * deviation, label histogram), the job's row count N and round 0's
 * survivors. Nothing here is a single site's value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_dp_stats.h"
#include "coord_service.h"
#include "coord_stats.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_util.h"

/* Sites whose vectors round 0 summed (its finished attempt). */
static int coord_stats_sites(coord_store *st, uint64_t id, uint32_t *sites)
{
	fl_msg_round_info *rounds = NULL;
	size_t n = 0, i;
	int r;

	if ((r = coord_store_round_list(st, id, &rounds, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (rounds[i].round == 0 && strcmp(rounds[i].state, "done") == 0)
			*sites = rounds[i].survived;
	coord_store_round_list_free(rounds, n);
	return 0;
}

/* Fills features and labels from model v0 and the spec's names. */
static int coord_stats_from_model(const fl_jobspec *spec, const fl_model *m,
				  fl_msg_job_stats *t, char *errmsg)
{
	uint32_t j;

	if (m->d != spec->nfeatures || m->d > FL_MSG_STATS_MAX_FEATURES ||
	    (m->nlabel_counts && m->nlabel_counts != spec->nlabels)) {
		fl_errmsg_set(errmsg, "job %llu: model v0 does not match its spec",
			      (unsigned long long)t->job_id);
		return FL_E_STATE;
	}
	if (m->d && (t->features = calloc(m->d, sizeof(*t->features))) == NULL)
		return FL_E_NOMEM;
	t->nfeatures = m->d;
	for (j = 0; j < m->d; j++) {
		snprintf(t->features[j].name, sizeof(t->features[j].name), "%s",
			 spec->features[j]);
		t->features[j].mean = m->mean[j];
		t->features[j].std = m->scale[j];
	}
	if (m->nlabel_counts &&
	    (t->labels = calloc(m->nlabel_counts, sizeof(*t->labels))) == NULL)
		return FL_E_NOMEM;
	t->nlabels = m->nlabel_counts;
	for (j = 0; j < m->nlabel_counts; j++) {
		snprintf(t->labels[j].label, sizeof(t->labels[j].label), "%s",
			 spec->labels[j]);
		t->labels[j].count = m->label_counts[j];
	}
	return 0;
}

int coord_stats_build(coord_store *st, uint64_t id, fl_msg_job_stats *out,
		      char *errmsg)
{
	fl_msg_job_info info;
	fl_msg_job_stats t;
	fl_jobspec spec;
	fl_model *m = NULL;
	char *text = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	uint32_t ver = 0;
	int r;

	memset(&t, 0, sizeof(t));
	memset(&spec, 0, sizeof(spec));
	if ((r = coord_svc_job_get(st, id, &info, &text, errmsg)) != 0)
		goto out;
	t.job_id = id;
	snprintf(t.state, sizeof(t.state), "%s", info.state);
	r = coord_store_model_get(st, id, 0, 0, &blob, &len, &ver);
	if (r == FL_E_NOTFOUND) {
		r = 0;   /* the STATS round has not finished (yet) */
		goto done;
	}
	if (r != 0 || (r = fl_model_decode(blob, len, &m)) != 0 ||
	    (r = fl_jobspec_parse(text, strlen(text), &spec, errmsg)) != 0 ||
	    (r = coord_stats_from_model(&spec, m, &t, errmsg)) != 0 ||
	    (r = coord_store_job_get_weight(st, id, &t.count)) != 0 ||
	    (r = coord_stats_sites(st, id, &t.sites)) != 0 ||
	    (r = coord_dp_stats_report(st, &spec, id, &t)) != 0) {
		if (errmsg && errmsg[0] == '\0')
			fl_errmsg_set(errmsg, "job %llu: cannot read its statistics: %s",
				      (unsigned long long)id, fl_strerror(r));
		goto out;
	}
	t.ready = true;
done:
	*out = t;
	memset(&t, 0, sizeof(t));
out:
	fl_msg_job_stats_clear(&t);
	fl_jobspec_clear(&spec);
	fl_model_free(m);
	free(blob);
	free(text);
	return r;
}

int coord_ctl_get_stats(coord_unary *u)
{
	fl_msg_job_ref ref;
	fl_msg_job_stats js;
	int r;

	memset(&js, 0, sizeof(js));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_job_ref, &ref, "JobRef")) == 0 &&
	    (r = coord_stats_build(u->svc->st, ref.job_id, &js, u->msg)) == 0) {
		r = COORD_UNARY_REPLY(u, fl_codec_encode_job_stats, &js,
				      "the statistics");
	}
	fl_msg_job_stats_clear(&js);
	return r;
}
