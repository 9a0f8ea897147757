/* SPDX-License-Identifier: Apache-2.0 */
/* agent_ops: the agent's /metrics, /healthz and /readyz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_metrics.h"
#include "agent_ops.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_util.h"

static int agent_ops_metrics(void *ctx, char **out, size_t *len)
{
	const agent_ops *o = ctx;

	return agent_metrics_text(o->cfg, out, len);
}

static int agent_ops_ready(void *ctx, char *reason, size_t cap)
{
	const agent_ops *o = ctx;

	if (o->cert_not_after_ms == 0)
		snprintf(reason, cap, "the [tls] certificate cannot be read");
	else if (fl_time_ms() >= o->cert_not_after_ms)
		snprintf(reason, cap, "the [tls] certificate has expired");
	else
		return 1;
	return 0;
}

int agent_ops_start(agent_ops *o, const fl_agent_config *cfg)
{
	fl_ops_handlers h = { agent_ops_metrics, agent_ops_ready, o };
	fl_cert_info ci;
	char *pem = NULL;
	size_t len = 0;

	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	if (fl_file_read(cfg->tls.cert, FL_SIGN_MAX_PEM, &pem, &len) == 0 &&
	    fl_pki_cert_info(pem, len, &ci) == 0)
		o->cert_not_after_ms = ci.not_after_ms;
	free(pem);
	return fl_ops_server_start_cfg(cfg->ops.listen, cfg->ops.port_file, &h,
				       &o->srv);
}

void agent_ops_stop(agent_ops *o)
{
	fl_ops_server_free(o->srv);
	o->srv = NULL;
}
