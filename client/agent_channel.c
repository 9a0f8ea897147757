/* SPDX-License-Identifier: Apache-2.0 */
/* agent_channel: the agent's channel to the coordinator (opening, recycling
 * after a large upload) and the shared rules of one call on it (timeout,
 * which errors are the network's). Below the loop and the task phases,
 * which all call through it. */
#include <stdlib.h>
#include <string.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

bool agent_is_net_err(int r)
{
	return r == FL_E_NET || r == FL_E_TIMEOUT;
}

uint32_t agent_call_timeout(const fl_msg_task *t)
{
	return t->deadline_ms > AGENT_MIN_CALL_TIMEOUT_MS ? t->deadline_ms :
		AGENT_MIN_CALL_TIMEOUT_MS;
}

int agent_channel_open(fl_agent *a)
{
	fl_rpc_channel *ch = NULL;
	int r;

	/* cfg.proxy: settled at start (agent_main), "" = direct */
	if ((r = fl_rpc_channel_new_via(fl_targets_current(&a->coords), &a->tls,
					FL_MSG_MAX_BYTES, a->cfg.keepalive_ms,
					a->cfg.proxy_set ? a->cfg.proxy : NULL,
					&ch)) != 0)
		return r;
	fl_rpc_channel_free(a->ch);
	a->ch = ch;
	return 0;
}

void agent_channel_recycle(fl_agent *a, uint64_t bytes_sent)
{
	int r;

	if (bytes_sent < AGENT_RECYCLE_BYTES)
		return;
	if ((r = agent_channel_open(a)) != 0)
		fl_warn("cannot reopen the channel to %s: %s (keeping the old one)",
			fl_targets_current(&a->coords), fl_strerror(r));
}

int agent_channel_tell(fl_agent *a, const fl_msg_task *t, const char *method,
		       const uint8_t *req, size_t len, const char *what)
{
	fl_rpc_status st;
	uint8_t *resp = NULL;
	size_t rlen = 0;
	int r;

	memset(&st, 0, sizeof(st));
	r = fl_rpc_unary(a->ch, method, req, len, agent_call_timeout(t), &resp,
			 &rlen, &st);
	if (r != 0)
		fl_warn("job %llu round %u: the coordinator did not take %s: %s (%s)",
			(unsigned long long)t->job_id, t->round, what,
			st.detail[0] ? st.detail : "no detail", fl_strerror(r));
	free(resp);
	return r;
}

int agent_channel_fetch(fl_agent *a, const char *method, const uint8_t *req,
			size_t len, const char *what, uint8_t **resp, size_t *rlen)
{
	fl_rpc_status st;
	int r;

	memset(&st, 0, sizeof(st));
	r = fl_rpc_unary(a->ch, method, req, len, AGENT_FETCH_TIMEOUT_MS, resp, rlen,
			 &st);
	if (r != 0)
		fl_warn("cannot fetch %s: %s (%s)", what, st.detail, fl_strerror(r));
	return r;
}
