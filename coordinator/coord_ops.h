/* SPDX-License-Identifier: Apache-2.0 */
/* coord_ops: the coordinator's ops listener ([ops] listen): /metrics from
 * coord_metrics, /healthz, and /readyz: ready once the store is open, the
 * RPC server listens and the coordinator's certificate is in its validity
 * period. */
#ifndef COORD_OPS_H
#define COORD_OPS_H

#include <stdatomic.h>
#include <stdint.h>

#include "coord_engine.h"
#include "coord_store.h"
#include "fl_config.h"
#include "fl_ops_http.h"

typedef struct coord_ops {
	fl_ops_server *srv;             /* NULL: [ops] is off */
	_Atomic(coord_store *) st;      /* set once the store is open */
	_Atomic(coord_engine *) eng;    /* set once the engine is loaded */
	atomic_int store_locked;        /* another process holds the database */
	atomic_int listening;           /* the RPC server listens */
	atomic_int stopping;
	int64_t cert_not_after_ms;      /* 0: unknown (not ready) */
} coord_ops;

/* Starts the listener of cfg->ops (if set) on o (zeroed by this call; o
 * must outlive coord_ops_stop). Reads the certificate's expiry. 0 or the
 * error of fl_ops_server_start_cfg (logged). */
int coord_ops_start(coord_ops *o, const fl_coord_config *cfg);
/* Publishes the open store and the engine (eng may be NULL yet). */
void coord_ops_set_store(coord_ops *o, coord_store *st, coord_engine *eng);
/* Stops the listener (before the store is closed). */
void coord_ops_stop(coord_ops *o);

#endif
