/* SPDX-License-Identifier: Apache-2.0 */
/* coord_ops: the coordinator's /metrics, /healthz and /readyz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_metrics.h"
#include "coord_ops.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_util.h"

static int coord_ops_metrics(void *ctx, char **out, size_t *len)
{
	coord_ops *o = ctx;

	/* the store and engine are read only while they exist: coord_ops_stop
	 * stops the listener before either is freed */
	return coord_metrics_text(atomic_load(&o->st), atomic_load(&o->eng), out, len);
}

static int coord_ops_ready(void *ctx, char *reason, size_t cap)
{
	coord_ops *o = ctx;
	int64_t now = fl_time_ms();

	if (atomic_load(&o->stopping))
		snprintf(reason, cap, "shutting down");
	else if (atomic_load(&o->st) == NULL)
		snprintf(reason, cap, "the store is not open yet%s",
			 atomic_load(&o->store_locked) ? " (the database is locked "
			 "by another process)" : "");
	else if (!atomic_load(&o->listening))
		snprintf(reason, cap, "the RPC server is not listening yet");
	else if (o->cert_not_after_ms == 0)
		snprintf(reason, cap, "the [tls] certificate cannot be read");
	else if (now >= o->cert_not_after_ms)
		snprintf(reason, cap, "the [tls] certificate has expired");
	else
		return 1;
	return 0;
}

static int64_t coord_ops_cert_expiry(const char *path)
{
	fl_cert_info ci;
	char *pem = NULL;
	size_t len = 0;
	int64_t t = 0;

	if (fl_file_read(path, FL_SIGN_MAX_PEM, &pem, &len) == 0 &&
	    fl_pki_cert_info(pem, len, &ci) == 0)
		t = ci.not_after_ms;
	free(pem);
	return t;
}

int coord_ops_start(coord_ops *o, const fl_coord_config *cfg)
{
	fl_ops_handlers h = { coord_ops_metrics, coord_ops_ready, o };

	memset(o, 0, sizeof(*o));
	o->cert_not_after_ms = coord_ops_cert_expiry(cfg->tls.cert);
	return fl_ops_server_start_cfg(cfg->ops.listen, cfg->ops.port_file, &h,
				       &o->srv);
}

void coord_ops_set_store(coord_ops *o, coord_store *st, coord_engine *eng)
{
	atomic_store(&o->eng, eng);
	atomic_store(&o->st, st);
}

void coord_ops_stop(coord_ops *o)
{
	atomic_store(&o->stopping, 1);
	fl_ops_server_free(o->srv);
	o->srv = NULL;
	atomic_store(&o->st, NULL);
	atomic_store(&o->eng, NULL);
}
