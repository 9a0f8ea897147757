/* SPDX-License-Identifier: Apache-2.0 */
/* agent_loop: the agent daemon's poll loop, with reconnect backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sodium.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"

int fl_agent_new(const fl_agent_config *cfg, fl_agent **out)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_agent *a;
	uint64_t seed;
	int r;

	if (!cfg || !out)
		return FL_E_INVAL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return FL_E_NOMEM;
	a->cfg = *cfg;
	if ((r = fl_targets_parse(a->cfg.coordinator, &a->coords, msg)) != 0) {
		fl_error("[agent] coordinator: %s", msg);
		free(a);
		return FL_E_CONFIG;
	}
	/* R6: one agent per state folder, before anything in it changes */
	if ((r = agent_lock_take(a->cfg.state_dir, &a->lock_fd, msg)) != 0) {
		fl_error("%s", msg[0] ? msg : fl_strerror(r));
		free(a);
		return r;
	}
	a->locked = true;
	agent_inputs_init(a);
	a->tls.ca_file = a->cfg.tls.ca;
	a->tls.cert_file = a->cfg.tls.cert;
	a->tls.key_file = a->cfg.tls.key;
	fl_agent_cache_init(&a->cache);
	fl_agent_done_init(&a->done);
	/* Jitter only needs to differ between agents; it is not a secret. */
	randombytes_buf(&seed, sizeof(seed));
	fl_agent_backoff_init(&a->bo, seed);
	snprintf(a->ext_root, sizeof(a->ext_root), "%s/external", a->cfg.state_dir);
	if (a->cfg.trainer_program[0] && access(a->cfg.trainer_program, X_OK) != 0) {
		fl_error("[trainer] program %s is not an executable file; fix the "
			 "path or chmod +x it", a->cfg.trainer_program);
		fl_agent_free(a);
		return FL_E_CONFIG;
	}
	agent_testhook_init(AGENT_TESTHOOK(a));
	agent_renew_init(a);
	if ((r = agent_keys_load(a)) != 0 || (r = agent_members_load(a)) != 0 ||
	    (r = agent_channel_open(a)) != 0) {
		fl_agent_free(a);
		return r;
	}
	*out = a;
	return 0;
}

void fl_agent_free(fl_agent *a)
{
	if (!a)
		return;
	agent_sa_drop(a);
	agent_keys_free(a);
	agent_members_free(a);
	fl_rpc_channel_free(a->ch);
	fl_agent_cache_clear(&a->cache);
	if (a->locked)
		agent_lock_release(a->lock_fd);
	free(a);
}

/* Sleeps ms in short slices so a signal ends the wait promptly. */
static void nap(uint32_t ms, volatile sig_atomic_t *stop)
{
	while (ms > 0 && !*stop) {
		uint32_t step = ms < 50 ? ms : 50;

		fl_sleep_ms(step);
		ms -= step;
	}
}

static int poll_once(fl_agent *a, fl_msg_task *task, fl_rpc_status *st)
{
	fl_msg_poll_req req;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	uint32_t i;
	int r;

	memset(&req, 0, sizeof(req));
	memset(st, 0, sizeof(*st));
	snprintf(req.agent_version, sizeof(req.agent_version), "fedc-agent %s",
		 FL_AGENT_VERSION);
	for (i = 0; i < a->cfg.ndatasets && i < FL_MSG_MAX_DATASETS; i++)
		snprintf(req.datasets[i], sizeof(req.datasets[i]), "%s",
			 a->cfg.dataset_name[i]);
	req.ndatasets = i;
	req.min_honest = a->cfg.policy.min_honest;
	req.colluders = a->cfg.policy.colluders;
	req.wait_ms = a->cfg.long_poll_ms;
	if ((r = fl_codec_encode_poll_req(&req, &buf, &len)) != 0)
		goto out;
	/* a long poll may be held up to wait_ms before its answer */
	if ((r = fl_rpc_unary(a->ch, FL_RPC_AGENT_POLL, buf, len,
			      AGENT_POLL_TIMEOUT_MS + req.wait_ms, &resp, &rlen,
			      st)) != 0)
		goto out;
	if ((r = fl_codec_decode_task(resp, rlen, task)) != 0)
		snprintf(st->detail, sizeof(st->detail), "bad poll reply: %s",
			 fl_strerror(r));
out:
	free(buf);
	free(resp);
	return r;
}

/* Logs a failed poll and returns how long to wait before the next one. */
static uint32_t poll_failed(fl_agent *a, int r, const fl_rpc_status *st)
{
	uint32_t delay = fl_agent_backoff_fail(&a->bo);
	const char *why = st->detail[0] ? st->detail : fl_strerror(r);

	if (r == FL_E_NET || r == FL_E_TIMEOUT) {
		const char *was = fl_targets_current(&a->coords);

		if (a->coords.n > 1) {
			/* active/standby: a standby answers UNAVAILABLE, a dead
			 * coordinator does not answer; try the next address */
			fl_warn("coordinator %s unavailable (%s); trying %s in %.1f s",
				was, why, a->coords.t[(a->coords.cur + 1) % a->coords.n],
				delay / 1000.0);
			fl_targets_next(&a->coords);
		} else {
			fl_warn("coordinator unreachable (%s), retrying in %.1f s", why,
				delay / 1000.0);
		}
		/* A fresh channel starts its connection attempts right away. */
		if (agent_channel_open(a) != 0)
			fl_warn("cannot open the channel to %s",
				fl_targets_current(&a->coords));
	} else {
		fl_error("coordinator refused the poll: %s (%s), retrying in %.1f s",
			 why, fl_strerror(r), delay / 1000.0);
	}
	return delay;
}

/* One poll and its task; *wait_ms gets the pause before the next poll. */
static int step(fl_agent *a, uint32_t *wait_ms)
{
	fl_msg_task task;
	fl_rpc_status st;
	bool worked = false;
	uint32_t n;
	int r;

	memset(&task, 0, sizeof(task));
	*wait_ms = a->cfg.poll_interval_ms;
	(void)agent_renew_maybe(a);   /* between attempts; logs its failures */
	if ((r = poll_once(a, &task, &st)) != 0) {
		*wait_ms = poll_failed(a, r, &st);
		goto out;
	}
	if ((n = fl_agent_backoff_ok(&a->bo)) > 0)
		fl_info("coordinator %s reachable again after %u failed attempts",
			fl_targets_current(&a->coords), n);
	/* poll_ms 0: a long poll that was held; ask again at once (an older
	 * coordinator never says 0; a short floor keeps a coordinator that
	 * says 0 at once from spinning the agent) */
	*wait_ms = task.poll_ms;
	if (*wait_ms == 0)
		*wait_ms = a->cfg.long_poll_ms ? AGENT_REPOLL_MS :
			   a->cfg.poll_interval_ms;
	agent_crl_update(a, task.crl_number);
	agent_members_update(a, task.members_version);
	if (task.kind == FL_TASK_NONE)
		goto out;
	if (fl_agent_done_has(&a->done, task.job_id, task.round, task.attempt))
		goto out;
	fl_log_ctx_set(task.job_id, task.round, task.attempt, NULL);
	r = agent_task_run(a, &task, &worked);
	fl_log_ctx_clear();
	if (r == FL_E_NET || r == FL_E_TIMEOUT)
		*wait_ms = poll_failed(a, r, &(fl_rpc_status){ 0, "during the task" });
	else if (worked)
		*wait_ms = 0;   /* a phase answered: ask for the next one at once */
out:
	fl_msg_task_clear(&task);
	return r;
}

int fl_agent_run(fl_agent *a, volatile sig_atomic_t *stop, bool once)
{
	uint32_t wait_ms = 0;
	int r = 0;

	if (!a || !stop)
		return FL_E_INVAL;
	if (a->cfg.long_poll_ms > 0)
		fl_info("agent %s: coordinator %s, %u dataset(s), long polls of up "
			"to %u ms, keep-alive pings every %u ms", FL_AGENT_VERSION,
			a->cfg.coordinator, a->cfg.ndatasets, a->cfg.long_poll_ms,
			a->cfg.keepalive_ms);
	else
		fl_info("agent %s: coordinator %s, %u dataset(s), polling every %u "
			"ms", FL_AGENT_VERSION, a->cfg.coordinator,
			a->cfg.ndatasets, a->cfg.poll_interval_ms);
	while (!*stop) {
		agent_reload_check(a);
		r = step(a, &wait_ms);
		if (once)
			return r;
		nap(wait_ms, stop);
	}
	fl_info("stopping");
	return 0;
}
