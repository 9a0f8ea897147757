/* SPDX-License-Identifier: Apache-2.0 */
/* coord_metrics: process-wide coordinator counters and histograms. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord_metrics.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_prom.h"
#include "fl_rpc.h"
#include "fl_util.h"

#define CM_KINDS 4u      /* stats, train, eval, other */
#define CM_OUTCOMES 4u   /* committed, failed, wrapped, other */
#define CM_PHASES 6u     /* advertise, share, input, consistency, unmask, other */

static const char *const cm_kinds[CM_KINDS] = { "stats", "train", "eval", "other" };
static const char *const cm_outcomes[CM_OUTCOMES] = { "committed", "failed",
						      "wrapped", "other" };
/* in the order of enum fl_sa_phase from FL_SA_ADVERTISE */
static const char *const cm_phases[CM_PHASES] = { "advertise", "share", "input",
						  "consistency", "unmask", "other" };
/* seconds: a phase lasts from milliseconds (loopback) to its timeout */
static const double cm_secs_le[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
				     5, 10, 30, 60, 120, 300, 600, 1800 };
static const double cm_commit_le[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				       0.1, 0.25, 0.5, 1, 2.5, 5 };
#define CM_N(a) (sizeof(a) / sizeof((a)[0]))

static struct {
	pthread_mutex_t mu;
	int init;
	uint64_t rounds[CM_KINDS][CM_OUTCOMES];
	fl_prom_hist round_secs[CM_KINDS];
	fl_prom_hist phase_secs[CM_PHASES];
	fl_prom_hist commit_secs;
	uint64_t selected, survived, dropped;
	uint64_t aborts[CM_PHASES], retries;
	uint64_t uploads_admitted, uploads_deferred;
} cm = { .mu = PTHREAD_MUTEX_INITIALIZER };

static size_t cm_index(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (v != NULL && strcmp(names[i], v) == 0)
			return i;
	return n - 1;
}

/* Takes the lock, setting the histograms up on first use. */
static void cm_lock(void)
{
	pthread_mutex_lock(&cm.mu);
	if (cm.init)
		return;
	for (size_t i = 0; i < CM_KINDS; i++)
		fl_prom_hist_init(&cm.round_secs[i], cm_secs_le, CM_N(cm_secs_le));
	for (size_t i = 0; i < CM_PHASES; i++)
		fl_prom_hist_init(&cm.phase_secs[i], cm_secs_le, CM_N(cm_secs_le));
	fl_prom_hist_init(&cm.commit_secs, cm_commit_le, CM_N(cm_commit_le));
	cm.init = 1;
}

double coord_metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void coord_metrics_round_done(const char *kind, const char *outcome, double secs,
			      uint32_t selected, uint32_t survived)
{
	size_t k = cm_index(cm_kinds, CM_KINDS, kind);

	cm_lock();
	cm.rounds[k][cm_index(cm_outcomes, CM_OUTCOMES, outcome)]++;
	fl_prom_hist_observe(&cm.round_secs[k], secs);
	cm.selected += selected;
	cm.survived += survived;
	cm.dropped += selected > survived ? selected - survived : 0;
	pthread_mutex_unlock(&cm.mu);
}

/* enum fl_sa_phase -> index into cm_phases */
static size_t cm_phase(int phase)
{
	return phase >= FL_SA_ADVERTISE && phase <= FL_SA_UNMASK ?
		(size_t)(phase - FL_SA_ADVERTISE) : CM_PHASES - 1;
}

void coord_metrics_phase_done(int phase, double secs)
{
	cm_lock();
	fl_prom_hist_observe(&cm.phase_secs[cm_phase(phase)], secs);
	pthread_mutex_unlock(&cm.mu);
}

void coord_metrics_secagg_abort(int phase, int retried)
{
	cm_lock();
	cm.aborts[cm_phase(phase)]++;
	cm.retries += retried != 0;
	pthread_mutex_unlock(&cm.mu);
}

void coord_metrics_upload(int admitted)
{
	cm_lock();
	if (admitted)
		cm.uploads_admitted++;
	else
		cm.uploads_deferred++;
	pthread_mutex_unlock(&cm.mu);
}

void coord_metrics_store_commit(double secs)
{
	cm_lock();
	fl_prom_hist_observe(&cm.commit_secs, secs);
	pthread_mutex_unlock(&cm.mu);
}

static void cm_counter(fl_prom_buf *b, const char *name, const char *help,
		       uint64_t v)
{
	fl_prom_head(b, name, "counter", help);
	fl_prom_sample(b, name, NULL, (double)v);
}

/* A histogram family with one series for each of the n label values
 * vals (set in lab[slot]), h[i] for vals[i]. */
static void cm_hist_family(fl_prom_buf *b, const char *name, const char *help,
			   const char **lab, size_t slot,
			   const char *const *vals, const fl_prom_hist *h,
			   size_t n)
{
	fl_prom_head(b, name, "histogram", help);
	for (size_t i = 0; i < n; i++) {
		lab[slot] = vals[i];
		fl_prom_hist_write(b, name, lab, &h[i]);
	}
}

/* The counters and histograms, under the lock. */
static void cm_write_counters_locked(fl_prom_buf *b)
{
	const char *lab[5] = { "kind", NULL, "outcome", NULL, NULL };
	const char *plab[3] = { "phase", NULL, NULL };
	uint64_t in, out;

	fl_prom_head(b, "fedc_rounds_total", "counter",
		     "Round attempts ended, by task kind and outcome.");
	for (size_t k = 0; k < CM_KINDS; k++)
		for (size_t o = 0; o < CM_OUTCOMES; o++) {
			lab[1] = cm_kinds[k];
			lab[3] = cm_outcomes[o];
			fl_prom_sample(b, "fedc_rounds_total", lab, (double)cm.rounds[k][o]);
		}
	lab[2] = NULL;
	cm_hist_family(b, "fedc_round_duration_seconds",
		       "Duration of round attempts, from selection to their end.",
		       lab, 1, cm_kinds, cm.round_secs, CM_KINDS);
	cm_hist_family(b, "fedc_phase_duration_seconds",
		       "Duration of the secure-aggregation phases that closed.",
		       plab, 1, cm_phases, cm.phase_secs, CM_PHASES);
	cm_counter(b, "fedc_sites_selected_total",
		   "Sites selected into round attempts that ended.", cm.selected);
	cm_counter(b, "fedc_sites_survived_total",
		   "Selected sites that survived to the end of their attempt.",
		   cm.survived);
	cm_counter(b, "fedc_sites_dropped_total",
		   "Selected sites dropped from their attempt.", cm.dropped);
	fl_prom_head(b, "fedc_secagg_aborts_total", "counter",
		     "Secure-aggregation attempts given up, by the phase they failed in.");
	for (size_t p = 0; p < CM_PHASES; p++) {
		plab[1] = cm_phases[p];
		fl_prom_sample(b, "fedc_secagg_aborts_total", plab, (double)cm.aborts[p]);
	}
	cm_counter(b, "fedc_secagg_retries_total",
		   "Secure-aggregation attempts retried with a new attempt.", cm.retries);
	cm_counter(b, "fedc_uploads_admitted_total", "Masked uploads admitted.",
		   cm.uploads_admitted);
	cm_counter(b, "fedc_uploads_deferred_total",
		   "Masked uploads deferred as busy (the agent retries).",
		   cm.uploads_deferred);
	fl_rpc_server_bytes(&in, &out);
	cm_counter(b, "fedc_rpc_received_bytes_total",
		   "Message bytes received by RPC calls (without gRPC and TLS framing).",
		   in);
	cm_counter(b, "fedc_rpc_sent_bytes_total",
		   "Message bytes sent by RPC calls (without gRPC and TLS framing).",
		   out);
	fl_prom_head(b, "fedc_store_commit_seconds", "histogram",
		     "Latency of committing a round (model, ledger) to the store.");
	fl_prom_hist_write(b, "fedc_store_commit_seconds", NULL, &cm.commit_secs);
}

void coord_metrics_write_counters(fl_prom_buf *b)
{
	cm_lock();
	cm_write_counters_locked(b);
	pthread_mutex_unlock(&cm.mu);
}
