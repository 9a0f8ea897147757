/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ops_http: the plain-HTTP ops listener of both daemons (libmicrohttpd):
 * GET /metrics (Prometheus text), /healthz (alive) and /readyz (ready to
 * serve, else 503 with the reason). It serves what the handlers write and
 * nothing else: no secrets, no request bodies. */
#ifndef FL_OPS_HTTP_H
#define FL_OPS_HTTP_H

#include <stddef.h>

#define FL_OPS_REASON_BYTES 256

typedef struct fl_ops_handlers {
	/* Writes the /metrics text into *out (malloc'd, the server frees it)
	 * and its length into *len; non-zero: 500. Called on the listener's
	 * thread, concurrently with the daemon's own threads. */
	int (*metrics)(void *ctx, char **out, size_t *len);
	/* 1: ready; 0: not ready, with the reason (one line) in reason. */
	int (*ready)(void *ctx, char *reason, size_t cap);
	void *ctx;
} fl_ops_handlers;

typedef struct fl_ops_server fl_ops_server;

/* Listens on listen ("host:port", "[v6]:port"; port 0 picks a free one)
 * and serves from a thread of its own. h is copied; h->ctx must outlive the
 * server. *out owned by the caller (fl_ops_server_free). Errors:
 * FL_E_CONFIG (bad address, in errmsg), FL_E_IO (cannot bind), FL_E_NOMEM. */
int fl_ops_server_start(const char *listen, const fl_ops_handlers *h,
			fl_ops_server **out, char *errmsg);
/* The bound port. */
int fl_ops_server_port(const fl_ops_server *s);
/* Stops serving and frees; NULL is fine. */
void fl_ops_server_free(fl_ops_server *s);

/* Starts the listener of an [ops] section if listen is set (else *out stays
 * NULL and 0 is returned), logs the bound address and writes the port to
 * port_file (if set). prog names the daemon in the log. */
int fl_ops_server_start_cfg(const char *listen, const char *port_file,
			    const fl_ops_handlers *h, fl_ops_server **out);

#endif
