/* SPDX-License-Identifier: Apache-2.0 */
/* agent_channel: the channel to the coordinator, which the agent (struct
 * fl_agent, member ch) owns, and the rules of one call on it
 * (agent_channel.c). */
#ifndef AGENT_CHANNEL_H
#define AGENT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_agent.h"
#include "fl_msg.h"

/* FL_E_NET and FL_E_TIMEOUT: the coordinator could not be reached (the
 * caller backs off and logs a warning rather than an error). */
bool agent_is_net_err(int r);
/* The task's deadline, at least AGENT_MIN_CALL_TIMEOUT_MS. */
uint32_t agent_call_timeout(const fl_msg_task *t);
/* Sends one encoded message about task t (req: the caller's, unchanged)
 * with the task's call timeout and drops the reply; when the call fails,
 * warns "the coordinator did not take <what>". 0 or the call's error. */
int agent_channel_tell(fl_agent *a, const fl_msg_task *t, const char *method,
		       const uint8_t *req, size_t len, const char *what);
/* One call of the agent's own (not a task's: the CRL, the member list)
 * with AGENT_FETCH_TIMEOUT_MS: req stays the caller's, *resp is the
 * caller's to free. When the call fails, warns "cannot fetch <what>".
 * 0 or the call's error. */
#define AGENT_FETCH_TIMEOUT_MS 10000u
int agent_channel_fetch(fl_agent *a, const char *method, const uint8_t *req,
			size_t len, const char *what, uint8_t **resp, size_t *rlen);
/* Opens (or reopens) the channel to the coordinator. */
int agent_channel_open(fl_agent *a);
/*
 * After an upload of bytes_sent bytes: at or over AGENT_RECYCLE_BYTES, the
 * channel is replaced by a fresh one (the connection closes; the next call
 * opens a new one). gRPC sizes each connection's read buffer by its
 * largest recent burst and keeps it while the connection lives: after a
 * masked upload, ~300 KiB per site on the coordinator (tests/load: 200
 * sites, peak RSS 93 -> 81 MiB). One TLS handshake per round costs less.
 */
#define AGENT_RECYCLE_BYTES (64u * 1024u)
void agent_channel_recycle(fl_agent *a, uint64_t bytes_sent);

#endif
