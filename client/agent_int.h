/* SPDX-License-Identifier: Apache-2.0 */
/* agent_int: the agent daemon's state, shared by agent_loop.c and
 * agent_run_task.c only. */
#ifndef AGENT_INT_H
#define AGENT_INT_H

#include "fl_agent.h"

#define AGENT_POLL_TIMEOUT_MS 10000u
#define AGENT_MIN_CALL_TIMEOUT_MS 10000u

struct fl_agent {
	fl_agent_config cfg;
	fl_rpc_tls tls;            /* points into cfg */
	fl_rpc_channel *ch;
	fl_agent_cache cache;
	fl_agent_done done;
	fl_agent_backoff bo;
};

/* Runs one task: loads data, computes the vector, uploads it. Returns 0
 * when the task is finished with (uploaded or skipped for a logged local
 * reason), FL_E_NET / FL_E_TIMEOUT when the coordinator could not be
 * reached (the caller backs off), or another code after logging it. */
int agent_task_run(fl_agent *a, const fl_msg_task *t);
/* Opens (or reopens) the channel to the coordinator. */
int agent_channel_open(fl_agent *a);

#endif
