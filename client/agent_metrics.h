/* SPDX-License-Identifier: Apache-2.0 */
/* agent_metrics: the agent's counters for /metrics. The round code only
 * calls the hooks below (thread-safe, one process-wide set);
 * agent_metrics_text writes them, with the certificate's days left and the
 * CRL's age, in the Prometheus text format. No HTTP here. */
#ifndef AGENT_METRICS_H
#define AGENT_METRICS_H

#include <stddef.h>

#include "fl_config.h"

/* This site's masked input of a round (kind "stats", "train", "eval") was
 * uploaded. */
void agent_metrics_contributed(const char *kind);
/* This site finished its part of a round (sent its unmasking shares). */
void agent_metrics_round_done(void);
/* A round refused: reason is a rule ("R1" .. "R11"), "policy" or any text
 * starting with a rule ("R4: ..." counts as "R4"); others count as "other". */
void agent_metrics_refused(const char *reason);
/* Local training (or evaluation) of a round took secs. */
void agent_metrics_train_seconds(double secs);

/* The /metrics text; cfg gives the certificate (its expiry: days left are
 * (expiry - time()) / 86400), CA and state_dir (its crl.pem, whose age is
 * given). *out malloc'd (caller frees). FL_E_NOMEM. */
int agent_metrics_text(const fl_agent_config *cfg, char **out, size_t *len);

#endif
