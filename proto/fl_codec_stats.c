/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_stats: encode/decode the consortium statistics (GetStats) and the
 * figures opted-in sites report about themselves (ReportMetrics,
 * GetSiteMetrics). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))

void fl_msg_job_stats_clear(fl_msg_job_stats *m)
{
	if (!m)
		return;
	free(m->features);
	free(m->labels);
	free(m->noisy_sums);
	memset(m, 0, sizeof(*m));
}

int fl_codec_encode_job_stats(const fl_msg_job_stats *in, uint8_t **buf,
			      size_t *len)
{
	Fedc__V1__JobStats m = FEDC__V1__JOB_STATS__INIT;
	Fedc__V1__FeatureStats *f = NULL, **pf = NULL;
	Fedc__V1__LabelCount *l = NULL, **pl = NULL;
	size_t i;
	int r = 0;

	if (!in || !buf || !len || (in->nfeatures && !in->features) ||
	    (in->nlabels && !in->labels) || !fl_codec_fixed_ok(in->state,
							       sizeof(in->state)))
		return FL_E_INVAL;
	if (in->nfeatures > FL_MSG_STATS_MAX_FEATURES ||
	    in->nlabels > FL_MSG_STATS_MAX_LABELS)
		return FL_E_TOOBIG;
	if ((in->nfeatures && ((f = calloc(in->nfeatures, sizeof(*f))) == NULL ||
			       (pf = calloc(in->nfeatures, sizeof(*pf))) == NULL)) ||
	    (in->nlabels && ((l = calloc(in->nlabels, sizeof(*l))) == NULL ||
			     (pl = calloc(in->nlabels, sizeof(*pl))) == NULL))) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->nfeatures; i++) {
		if (!fl_codec_fixed_ok(in->features[i].name,
				       sizeof(in->features[i].name))) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__feature_stats__init(&f[i]);
		f[i].name = (char *)in->features[i].name;
		f[i].mean = in->features[i].mean;
		f[i].std = in->features[i].std;
		pf[i] = &f[i];
	}
	for (i = 0; i < in->nlabels; i++) {
		if (!fl_codec_fixed_ok(in->labels[i].label, sizeof(in->labels[i].label))) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__label_count__init(&l[i]);
		l[i].label = (char *)in->labels[i].label;
		l[i].count = in->labels[i].count;
		pl[i] = &l[i];
	}
	m.job_id = in->job_id;
	m.state = (char *)in->state;
	m.ready = in->ready;
	m.count = in->count;
	m.sites = in->sites;
	m.n_features = in->nfeatures;
	m.features = pf;
	m.n_labels = in->nlabels;
	m.labels = pl;
	if ((in->nnoisy_sums && !in->noisy_sums) ||
	    in->nnoisy_sums > FL_MSG_STATS_MAX_NOISY ||
	    !fl_codec_fixed_ok(in->note, sizeof(in->note))) {
		r = FL_E_INVAL;
		goto out;
	}
	m.noisy = in->noisy;
	m.noise_sigma = in->noise_sigma;
	m.epsilon = in->epsilon;
	m.n_noisy_sums = in->nnoisy_sums;
	m.noisy_sums = in->noisy_sums;
	m.note = (char *)in->note;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(f);
	free(pf);
	free(l);
	free(pl);
	return r;
}

static int stats_features_in(const Fedc__V1__JobStats *m, fl_msg_job_stats *t)
{
	size_t i;
	int r;

	if (m->n_features == 0)
		return 0;
	if ((t->features = calloc(m->n_features, sizeof(*t->features))) == NULL)
		return FL_E_NOMEM;
	t->nfeatures = m->n_features;
	for (i = 0; i < m->n_features; i++) {
		const Fedc__V1__FeatureStats *f = m->features[i];

		if (f == NULL)
			return FL_E_PARSE;
		if ((r = fl_codec_str_in(t->features[i].name,
					 sizeof(t->features[i].name), f->name)) != 0)
			return r;
		t->features[i].mean = f->mean;
		t->features[i].std = f->std;
	}
	return 0;
}

static int stats_labels_in(const Fedc__V1__JobStats *m, fl_msg_job_stats *t)
{
	size_t i;
	int r;

	if (m->n_labels == 0)
		return 0;
	if ((t->labels = calloc(m->n_labels, sizeof(*t->labels))) == NULL)
		return FL_E_NOMEM;
	t->nlabels = m->n_labels;
	for (i = 0; i < m->n_labels; i++) {
		const Fedc__V1__LabelCount *l = m->labels[i];

		if (l == NULL)
			return FL_E_PARSE;
		if ((r = fl_codec_str_in(t->labels[i].label, sizeof(t->labels[i].label),
					 l->label)) != 0)
			return r;
		if (!(l->count >= 0) || !isfinite(l->count))
			return FL_E_RANGE;
		t->labels[i].count = l->count;
	}
	return 0;
}

static int stats_noisy_in(const Fedc__V1__JobStats *m, fl_msg_job_stats *t)
{
	if (m->n_noisy_sums > FL_MSG_STATS_MAX_NOISY ||
	    !(m->noise_sigma >= 0) || !isfinite(m->noise_sigma) ||
	    !(m->epsilon >= 0) || !isfinite(m->epsilon))
		return FL_E_RANGE;
	t->noisy = m->noisy;
	t->noise_sigma = m->noise_sigma;
	t->epsilon = m->epsilon;
	if (m->n_noisy_sums) {
		if ((t->noisy_sums = malloc(m->n_noisy_sums * sizeof(double))) == NULL)
			return FL_E_NOMEM;
		memcpy(t->noisy_sums, m->noisy_sums, m->n_noisy_sums * sizeof(double));
		t->nnoisy_sums = m->n_noisy_sums;
	}
	return fl_codec_str_in(t->note, sizeof(t->note), m->note);
}

int fl_codec_decode_job_stats(const uint8_t *buf, size_t len,
			      fl_msg_job_stats *out)
{
	Fedc__V1__JobStats *m;
	fl_msg_job_stats t;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__job_stats__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if (m->n_features > FL_MSG_STATS_MAX_FEATURES ||
	    m->n_labels > FL_MSG_STATS_MAX_LABELS) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (!(m->count >= 0) || !isfinite(m->count) ||
	    m->sites > FL_MSG_MAX_PARTICIPANTS) {
		r = FL_E_RANGE;
		goto out;
	}
	t.job_id = m->job_id;
	t.ready = m->ready;
	t.count = m->count;
	t.sites = m->sites;
	if ((r = fl_codec_str_in(t.state, sizeof(t.state), m->state)) != 0 ||
	    (r = stats_features_in(m, &t)) != 0 || (r = stats_labels_in(m, &t)) != 0 ||
	    (r = stats_noisy_in(m, &t)) != 0)
		goto out;
	*out = t;
	memset(&t, 0, sizeof(t));
out:
	fl_msg_job_stats_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

/* ---- a site's own figures (Agent ReportMetrics, GetSiteMetrics) ---- */

/* A reported figure: NaN (does not apply) or finite; rates in [0, 1]. */
static bool own_fig_ok(double v, bool rate)
{
	if (isnan(v))
		return true;
	return isfinite(v) && (!rate || (v >= 0.0 && v <= 1.0));
}

static bool own_figs_ok(double n, double loss, double acc, double f1, double r2)
{
	return isfinite(n) && n >= 0.0 && n <= 1e15 && own_fig_ok(loss, false) &&
		own_fig_ok(acc, true) && own_fig_ok(f1, true) && own_fig_ok(r2, false);
}

int fl_codec_encode_own_metrics(const fl_msg_own_metrics *in, uint8_t **buf,
				size_t *len)
{
	Fedc__V1__OwnMetrics m = FEDC__V1__OWN_METRICS__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if (!own_figs_ok(in->n, in->loss, in->accuracy, in->macro_f1, in->r2))
		return FL_E_RANGE;
	m.job_id = in->job_id;
	m.round = in->round;
	m.attempt = in->attempt;
	m.n = in->n;
	m.loss = in->loss;
	m.accuracy = in->accuracy;
	m.macro_f1 = in->macro_f1;
	m.r2 = in->r2;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_own_metrics(const uint8_t *buf, size_t len,
				fl_msg_own_metrics *out)
{
	Fedc__V1__OwnMetrics *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__own_metrics__descriptor)) == NULL)
		return r;
	if (!own_figs_ok(m->n, m->loss, m->accuracy, m->macro_f1, m->r2)) {
		fl_codec_free(&m->base);
		return FL_E_RANGE;
	}
	out->job_id = m->job_id;
	out->round = m->round;
	out->attempt = m->attempt;
	out->n = m->n;
	out->loss = m->loss;
	out->accuracy = m->accuracy;
	out->macro_f1 = m->macro_f1;
	out->r2 = m->r2;
	fl_codec_free(&m->base);
	return 0;
}

void fl_msg_site_metrics_list_clear(fl_msg_site_metrics_list *m)
{
	if (!m)
		return;
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

int fl_codec_encode_site_metrics_list(const fl_msg_site_metrics_list *in,
				      uint8_t **buf, size_t *len)
{
	Fedc__V1__SiteMetricsList m = FEDC__V1__SITE_METRICS_LIST__INIT;
	Fedc__V1__SiteMetrics *e = NULL, **pe = NULL;
	Fedc__V1__Metrics *mt = NULL;
	size_t i;
	int r = 0;

	if (!in || !buf || !len || (in->n && !in->entries))
		return FL_E_INVAL;
	if (in->n > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if (in->n && ((e = calloc(in->n, sizeof(*e))) == NULL ||
		      (pe = calloc(in->n, sizeof(*pe))) == NULL ||
		      (mt = calloc(in->n, sizeof(*mt))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->n; i++) {
		const fl_msg_site_metrics *s = &in->entries[i];

		if (!fl_codec_fixed_ok(s->site, sizeof(s->site))) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__site_metrics__init(&e[i]);
		fedc__v1__metrics__init(&mt[i]);
		mt[i].present = s->metrics.present;
		mt[i].n = s->metrics.n;
		mt[i].loss = s->metrics.loss;
		mt[i].accuracy = s->metrics.accuracy;
		mt[i].macro_f1 = s->metrics.macro_f1;
		mt[i].r2 = s->metrics.r2;
		e[i].round = s->round;
		e[i].site = (char *)s->site;
		e[i].metrics = &mt[i];
		e[i].reported_ms = s->reported_ms;
		pe[i] = &e[i];
	}
	m.n_entries = in->n;
	m.entries = pe;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(e);
	free(pe);
	free(mt);
	return r;
}

int fl_codec_decode_site_metrics_list(const uint8_t *buf, size_t len,
				      fl_msg_site_metrics_list *out)
{
	Fedc__V1__SiteMetricsList *m;
	fl_msg_site_metrics_list t;
	size_t i;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__site_metrics_list__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if (m->n_entries > FL_MSG_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_entries &&
	    (t.entries = calloc(m->n_entries, sizeof(*t.entries))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.n = m->n_entries;
	for (i = 0; i < m->n_entries; i++) {
		const Fedc__V1__SiteMetrics *e = m->entries[i];
		fl_msg_site_metrics *o = &t.entries[i];

		if (e == NULL) {
			r = FL_E_PARSE;
			goto out;
		}
		if ((r = fl_codec_str_in(o->site, sizeof(o->site), e->site)) != 0)
			goto out;
		o->round = e->round;
		o->reported_ms = e->reported_ms;
		if (e->metrics) {
			const Fedc__V1__Metrics *x = e->metrics;

			if (!own_figs_ok(x->n, x->loss, x->accuracy, x->macro_f1, x->r2)) {
				r = FL_E_RANGE;
				goto out;
			}
			o->metrics.present = x->present != 0;
			o->metrics.n = x->n;
			o->metrics.loss = x->loss;
			o->metrics.accuracy = x->accuracy;
			o->metrics.macro_f1 = x->macro_f1;
			o->metrics.r2 = x->r2;
		}
	}
	*out = t;
	memset(&t, 0, sizeof(t));
	r = 0;
out:
	fl_msg_site_metrics_list_clear(&t);
	fl_codec_free(&m->base);
	return r;
}
