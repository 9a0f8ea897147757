/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_stats: encode/decode the consortium statistics (GetStats) and the
 * figures opted-in sites report about themselves (ReportMetrics,
 * GetSiteMetrics). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

/* ---- GetStats: JobStats ---- */

#define FS(k, f) FL_CT_##k(fl_msg_feature_stats, f, Fedc__V1__FeatureStats, f)
FL_CT_MESSAGE(feature_tab, fedc__v1__feature_stats__descriptor, fl_msg_feature_stats,
	FS(FIXSTR, name), FS(NUM, mean), FS(NUM, std));
#undef FS

static int label_count_in(const void *pb)
{
	const Fedc__V1__LabelCount *l = pb;

	return (l->count >= 0) && isfinite(l->count) ? 0 : FL_E_RANGE;
}

/* The label is copied before its count is checked. */
FL_CT_MESSAGE(label_tab, fedc__v1__label_count__descriptor, fl_msg_label_count,
	FL_CT_FIXSTR(fl_msg_label_count, label, Fedc__V1__LabelCount, label),
	FL_CT_CHECK(NULL, label_count_in),
	FL_CT_NUM(fl_msg_label_count, count, Fedc__V1__LabelCount, count));

static int stats_head_in(const void *pb)
{
	const Fedc__V1__JobStats *m = pb;

	return (m->count >= 0) && isfinite(m->count) &&
	       m->sites <= FL_MSG_MAX_PARTICIPANTS ? 0 : FL_E_RANGE;
}

/* The noisy part: its cap is checked here rather than by the list's own
 * cap, so that it comes after the features and labels as it always has
 * (encode: FL_E_INVAL; decode: FL_E_RANGE). */
static int stats_noisy_out(const void *c)
{
	return ((const fl_msg_job_stats *)c)->nnoisy_sums > FL_MSG_STATS_MAX_NOISY ?
	       FL_E_INVAL : 0;
}

static int stats_noisy_in(const void *pb)
{
	const Fedc__V1__JobStats *m = pb;

	if (m->n_noisy_sums > FL_MSG_STATS_MAX_NOISY ||
	    !(m->noise_sigma >= 0) || !isfinite(m->noise_sigma) ||
	    !(m->epsilon >= 0) || !isfinite(m->epsilon))
		return FL_E_RANGE;
	return 0;
}

#define JS(k, f) FL_CT_##k(fl_msg_job_stats, f, Fedc__V1__JobStats, f)
FL_CT_MESSAGE(job_stats_tab, fedc__v1__job_stats__descriptor, fl_msg_job_stats,
	FL_CT_CHECK(NULL, stats_head_in),
	JS(NUM, job_id), JS(BOOL, ready), JS(NUM, count), JS(NUM, sites),
	JS(FIXSTR, state),
	FL_CT_LIST(fl_msg_job_stats, features, nfeatures, Fedc__V1__JobStats,
		   features, feature_tab, FL_MSG_STATS_MAX_FEATURES, 0),
	FL_CT_LIST(fl_msg_job_stats, labels, nlabels, Fedc__V1__JobStats,
		   labels, label_tab, FL_MSG_STATS_MAX_LABELS, 0),
	FL_CT_CHECK(stats_noisy_out, stats_noisy_in),
	JS(BOOL, noisy), JS(NUM, noise_sigma), JS(NUM, epsilon),
	FL_CT_ARR(fl_msg_job_stats, noisy_sums, nnoisy_sums, Fedc__V1__JobStats,
		  noisy_sums, SIZE_MAX, 0),
	JS(FIXSTR, note));
#undef JS

FL_CODEC_TAB_RESET(fl_msg_job_stats_clear, fl_msg_job_stats, job_stats_tab)

/* The table's first pass would refuse a broken noisy part (FL_E_INVAL)
 * before it saw a feature or label list over its cap; the caps come
 * first, as they always have. */
static bool stats_lists_over(const fl_msg_job_stats *in)
{
	return !(in->nfeatures && !in->features) && !(in->nlabels && !in->labels) &&
	       fl_codec_fixed_ok(in->state, sizeof(in->state)) &&
	       (in->nfeatures > FL_MSG_STATS_MAX_FEATURES ||
		in->nlabels > FL_MSG_STATS_MAX_LABELS);
}

int fl_codec_encode_job_stats(const fl_msg_job_stats *in, uint8_t **buf,
			      size_t *len)
{
	if (in && buf && len && stats_lists_over(in))
		return FL_E_TOOBIG;
	return fl_codec_tab_encode(&job_stats_tab, in, buf, len);
}

int fl_codec_decode_job_stats(const uint8_t *buf, size_t len,
			      fl_msg_job_stats *out)
{
	return fl_codec_tab_decode(&job_stats_tab, buf, len, out);
}

/* ---- a site's own figures (Agent ReportMetrics, GetSiteMetrics) ---- */

/* A reported figure: NaN (does not apply) or finite; rates in [0, 1]. */
static bool own_fig_ok(double v, bool rate)
{
	if (isnan(v))
		return true;
	return isfinite(v) && (!rate || (v >= 0.0 && v <= 1.0));
}

static int own_figs_check(double n, double loss, double acc, double f1, double r2)
{
	return isfinite(n) && n >= 0.0 && n <= 1e15 && own_fig_ok(loss, false) &&
	       own_fig_ok(acc, true) && own_fig_ok(f1, true) &&
	       own_fig_ok(r2, false) ? 0 : FL_E_RANGE;
}

static int own_out(const void *c)
{
	const fl_msg_own_metrics *o = c;

	return own_figs_check(o->n, o->loss, o->accuracy, o->macro_f1, o->r2);
}

static int own_in(const void *pb)
{
	const Fedc__V1__OwnMetrics *o = pb;

	return own_figs_check(o->n, o->loss, o->accuracy, o->macro_f1, o->r2);
}

#define OM(f) FL_CT_NUM(fl_msg_own_metrics, f, Fedc__V1__OwnMetrics, f)
FL_CT_MESSAGE(own_metrics_tab, fedc__v1__own_metrics__descriptor, fl_msg_own_metrics,
	FL_CT_CHECK(own_out, own_in),
	OM(job_id), OM(round), OM(attempt), OM(n), OM(loss), OM(accuracy),
	OM(macro_f1), OM(r2));
#undef OM

/* A site's reported figures are checked when decoded only (the
 * coordinator sends what it accepted), after the fields before them. */
static int site_figs_in(const void *pb)
{
	const Fedc__V1__Metrics *x = ((const Fedc__V1__SiteMetrics *)pb)->metrics;

	return x ? own_figs_check(x->n, x->loss, x->accuracy, x->macro_f1, x->r2) : 0;
}

#define SM(k, f) FL_CT_##k(fl_msg_site_metrics, f, Fedc__V1__SiteMetrics, f)
FL_CT_MESSAGE(site_metrics_tab, fedc__v1__site_metrics__descriptor, fl_msg_site_metrics,
	SM(FIXSTR, site), SM(NUM, round), SM(NUM, reported_ms),
	FL_CT_CHECK(NULL, site_figs_in),
	FL_CT_SUB(fl_msg_site_metrics, metrics, Fedc__V1__SiteMetrics, metrics,
		  fl_codec_tab_metrics, 0));
#undef SM

FL_CT_MESSAGE(site_metrics_list_tab, fedc__v1__site_metrics_list__descriptor,
		fl_msg_site_metrics_list,
	FL_CT_LIST(fl_msg_site_metrics_list, entries, n, Fedc__V1__SiteMetricsList,
		   entries, site_metrics_tab, FL_MSG_MAX_LIST, 0));

FL_CODEC_TAB_RESET(fl_msg_site_metrics_list_clear, fl_msg_site_metrics_list, site_metrics_list_tab)

FL_CODEC_TAB_FUNCS(own_metrics, fl_msg_own_metrics, own_metrics_tab)
FL_CODEC_TAB_FUNCS(site_metrics_list, fl_msg_site_metrics_list, site_metrics_list_tab)
