/* SPDX-License-Identifier: Apache-2.0 */
/* agent_ops: the agent's ops listener ([ops] listen, off by default):
 * /metrics from agent_metrics, /healthz, and /readyz: ready while the
 * config is loaded and the site's certificate is in its validity period. */
#ifndef AGENT_OPS_H
#define AGENT_OPS_H

#include <stdint.h>

#include "fl_config.h"
#include "fl_ops_http.h"

typedef struct agent_ops {
	fl_ops_server *srv;              /* NULL: [ops] is off */
	const fl_agent_config *cfg;      /* not owned; outlives the listener */
	int64_t cert_not_after_ms;       /* 0: unreadable (not ready) */
} agent_ops;

/* Starts the listener of cfg->ops (if set) on o (zeroed here). 0 or the
 * error of fl_ops_server_start_cfg (logged). */
int agent_ops_start(agent_ops *o, const fl_agent_config *cfg);
void agent_ops_stop(agent_ops *o);

#endif
