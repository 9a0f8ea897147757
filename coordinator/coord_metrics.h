/* SPDX-License-Identifier: Apache-2.0 */
/* coord_metrics: the coordinator's counters and histograms for /metrics.
 * The engine and the services only call the coord_metrics_* hooks below
 * (thread-safe, one process-wide set); coord_metrics_text writes them, with
 * gauges read from the store, in the Prometheus text format. No HTTP here. */
#ifndef COORD_METRICS_H
#define COORD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "coord_engine.h"
#include "coord_store.h"

/* A monotonic clock in seconds, for measuring durations. */
double coord_metrics_clock(void);

/* A round attempt ended: kind "stats", "train" or "eval"; outcome
 * "committed", "failed" (retried or not) or "wrapped"; secs since it began;
 * its selected sites and the survivors. */
void coord_metrics_round_done(const char *kind, const char *outcome, double secs,
			      uint32_t selected, uint32_t survived);
/* A secure-aggregation phase (enum fl_sa_phase: advertise .. unmask)
 * closed after secs. */
void coord_metrics_phase_done(int phase, double secs);
/* A secure-aggregation attempt was given up in phase (enum fl_sa_phase);
 * retried says whether a new attempt follows. */
void coord_metrics_secagg_abort(int phase, int retried);
/* An upload was admitted (1) or deferred as busy (0). */
void coord_metrics_upload(int admitted);
/* A round's commit to the store took secs. */
void coord_metrics_store_commit(double secs);

struct fl_prom_buf;
/* Writes the counters and histograms above to b (under their lock). */
void coord_metrics_write_counters(struct fl_prom_buf *b);

/* coord_metrics_text.c: the whole /metrics text: the counters above, jobs by state and sites
 * (registered, and online: polled within offline_after_ms) from st and eng
 * (either may be NULL: left out; eng has the latest polls), and the
 * process's figures. *out malloc'd (caller frees). FL_E_NOMEM, FL_E_DB. */
int coord_metrics_text(coord_store *st, coord_engine *eng, char **out,
		       size_t *len);

#endif
