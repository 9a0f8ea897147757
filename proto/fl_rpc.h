/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc: gRPC C-core glue. A mutual-TLS server that runs each incoming call
 * on its own thread with blocking send/recv, and a blocking client. Payloads
 * are opaque bytes (see fl_codec.h). Only this module touches grpc_* types. */
#ifndef FL_RPC_H
#define FL_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PEM file paths. The CA file may hold several certificates (a bundle). */
typedef struct fl_rpc_tls {
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
} fl_rpc_tls;
/* Client side: NULL or "" cert_file and key_file open a server-
 * authenticated channel without a client certificate (enrollment). */

/* Call once per process, before anything else here, and once at exit. */
void fl_rpc_global_init(void);
void fl_rpc_global_shutdown(void);

/* ---- server ---- */
typedef struct fl_rpc_server fl_rpc_server;
typedef struct fl_rpc_call fl_rpc_call;
/* Handles one call on its own thread. It must end the call with
 * fl_rpc_call_finish; if it returns without, the glue finishes with INTERNAL. */
typedef void (*fl_rpc_handler_fn)(fl_rpc_call *call, void *ctx);
typedef struct fl_rpc_method {
	const char *path;          /* e.g. FL_RPC_AGENT_POLL */
	fl_rpc_handler_fn fn;
} fl_rpc_method;

/*
 * Binds addr ("127.0.0.1:0" picks a free port) with mutual TLS: clients must
 * present a certificate that chains to tls->ca_file, else the handshake
 * fails. methods (copied) lists the handled paths; others get UNIMPLEMENTED.
 * ctx is passed to every handler. Messages over max_msg_bytes are refused by
 * gRPC before they reach a handler. *out owned by caller (fl_rpc_server_free).
 * Errors: FL_E_IO (cannot read PEM files), FL_E_NET (cannot bind), FL_E_NOMEM.
 */
int fl_rpc_server_new(const char *addr, const fl_rpc_tls *tls,
		      const fl_rpc_method *methods, size_t nmethods, void *ctx,
		      size_t max_msg_bytes, fl_rpc_server **out);
/* As fl_rpc_server_new, with flags: FL_RPC_CLIENT_CERT_OPTIONAL requests
 * a client certificate and verifies it when one is presented, but lets
 * clients without one connect (their calls see fl_rpc_call_peer_pem() ==
 * NULL, e.g. enrollment); the handlers must then check each call. */
#define FL_RPC_CLIENT_CERT_OPTIONAL 1u
int fl_rpc_server_new_ex(const char *addr, const fl_rpc_tls *tls,
			 const fl_rpc_method *methods, size_t nmethods,
			 void *ctx, size_t max_msg_bytes, unsigned flags,
			 fl_rpc_server **out);
/* The bound port. */
int fl_rpc_server_port(const fl_rpc_server *s);
/* Serves until fl_rpc_server_stop; returns 0 after a clean shutdown that
 * has waited for every handler thread to end. */
int fl_rpc_server_run(fl_rpc_server *s);
/* Asks run() to return: cancels calls in flight. Thread-safe, idempotent. */
void fl_rpc_server_stop(fl_rpc_server *s);
void fl_rpc_server_free(fl_rpc_server *s);
/* Re-reads the [tls] CA, certificate and key files at the next handshake:
 * new connections use them, open ones keep theirs; files that do not load
 * keep the ones in force (logged). Thread-safe. */
void fl_rpc_server_reload_tls(fl_rpc_server *s);

/* The method path, and the peer's certificate (PEM of the leaf) and common
 * name as verified by TLS. Valid until finish. NULL if absent. */
const char *fl_rpc_call_method(const fl_rpc_call *c);
const char *fl_rpc_call_peer_cn(const fl_rpc_call *c);
const char *fl_rpc_call_peer_pem(const fl_rpc_call *c);
/* Receives the next client message into a malloc'd *buf (caller frees).
 * FL_E_EOF when the client half-closed; FL_E_NET if the call broke. */
int fl_rpc_call_recv(fl_rpc_call *c, uint8_t **buf, size_t *len);
/*
 * Admission of a client stream's data: fl_rpc_call_recv_held receives the
 * first message without answering the call's start (no initial metadata),
 * so a client waiting in fl_rpc_stream_wait_go sends nothing more; then
 * fl_rpc_call_go lets it go on, or a finish refuses it (e.g. FL_E_BUSY).
 */
int fl_rpc_call_recv_held(fl_rpc_call *c, uint8_t **buf, size_t *len);
int fl_rpc_call_go(fl_rpc_call *c);
/*
 * Long polls. A handler with nothing to answer yet may park its call instead
 * of finishing it: the call then holds no thread, only its gRPC state. The
 * server runs the handler again, on a worker, when fl_rpc_server_wake is
 * called (something changed) or once wait_ms have passed since the call was
 * first parked. The rerun handler finds fl_rpc_call_resumed true, gets the
 * request it received from fl_rpc_call_request (it must not receive
 * again), and either answers or parks again; fl_rpc_call_expired tells it
 * that the wait is over (or the server is stopping) and it must answer now.
 * req (malloc'd) passes to the call, also on failure. Returns FL_E_BUSY
 * when too many calls are parked (the handler then answers at once),
 * FL_E_STATE if the call was finished or the server is stopping.
 * A call whose client goes away while parked is freed without a rerun.
 */
int fl_rpc_call_park(fl_rpc_call *c, uint8_t *req, size_t len,
		     uint32_t wait_ms);
bool fl_rpc_call_resumed(const fl_rpc_call *c);
bool fl_rpc_call_expired(const fl_rpc_call *c);
/* The parked request (borrowed from the call); FL_E_STATE if none. */
int fl_rpc_call_request(const fl_rpc_call *c, const uint8_t **req,
			size_t *len);
/* Reruns every parked call's handler soon. Thread-safe; it only takes the
 * server's own lock, so it may be called under a caller's lock. */
void fl_rpc_server_wake(fl_rpc_server *s);
/* Reruns every parked call's handler as if its wait were over
 * (fl_rpc_call_expired true), so that each answers now: for news the
 * parked handlers cannot see, e.g. a new CRL every agent must fetch. */
void fl_rpc_server_flush(fl_rpc_server *s);
/* Calls parked now (for tests and metrics). */
size_t fl_rpc_server_parked(fl_rpc_server *s);
/* Message bytes (protobuf payloads, without gRPC, HTTP/2 and TLS framing)
 * received and sent by all server calls of this process so far. */
void fl_rpc_server_bytes(uint64_t *in, uint64_t *out);
#define FL_RPC_MAX_PARKED 16384u

/* Sends one message (waits until gRPC accepted it). FL_E_NET on failure. */
int fl_rpc_call_send(fl_rpc_call *c, const uint8_t *buf, size_t len);
/* Ends the call with a status: err == 0 gives OK, else the FL_E_* code maps
 * to a gRPC status (fl_rpc_status_from_err) with detail as its message. */
int fl_rpc_call_finish(fl_rpc_call *c, int err, const char *detail);

/* ---- client ---- */
typedef struct fl_rpc_channel fl_rpc_channel;
typedef struct fl_rpc_status {
	int code;             /* gRPC status code, 0 = OK */
	char detail[256];     /* server's message, or a local explanation */
} fl_rpc_status;

/* Opens a mutual-TLS channel to target ("host:port"). Nothing is sent until
 * the first call. *out owned by caller. FL_E_IO if a PEM cannot be read. */
int fl_rpc_channel_new(const char *target, const fl_rpc_tls *tls,
		       size_t max_msg_bytes, fl_rpc_channel **out);
/* As fl_rpc_channel_new, sending keep-alive pings every keepalive_ms
 * (0: none; else at least FL_RPC_MIN_KEEPALIVE_MS), also while no call is
 * open, so that NATs and proxies keep an idle connection. */
#define FL_RPC_MIN_KEEPALIVE_MS 1000u
int fl_rpc_channel_new_ka(const char *target, const fl_rpc_tls *tls,
			  size_t max_msg_bytes, uint32_t keepalive_ms,
			  fl_rpc_channel **out);
/* As fl_rpc_channel_new_ka, through an HTTP CONNECT proxy: proxy NULL
 * leaves gRPC's own choice (environment grpc_proxy, https_proxy,
 * http_proxy), "" dials directly, else a URL that fl_proxy_url_check
 * accepted (http://[user:password@]host:port). The TLS session (mutual,
 * checked as without a proxy) runs end to end inside the tunnel; the proxy
 * sees only the target's host:port. no_proxy is honoured by gRPC. */
int fl_rpc_channel_new_via(const char *target, const fl_rpc_tls *tls,
			   size_t max_msg_bytes, uint32_t keepalive_ms,
			   const char *proxy, fl_rpc_channel **out);
void fl_rpc_channel_free(fl_rpc_channel *ch);

/* One unary call. On OK returns 0 with *resp malloc'd (caller frees).
 * Otherwise returns fl_rpc_err_from_status(st->code) (FL_E_NET for
 * UNAVAILABLE, which is also what a refused TLS handshake looks like) and
 * fills *st. */
int fl_rpc_unary(fl_rpc_channel *ch, const char *method, const uint8_t *req,
		 size_t reqlen, uint32_t timeout_ms, uint8_t **resp,
		 size_t *resplen, fl_rpc_status *st);

/* A streaming call (client-, server- or bidi-streaming). */
typedef struct fl_rpc_stream fl_rpc_stream;
int fl_rpc_stream_open(fl_rpc_channel *ch, const char *method,
		       uint32_t timeout_ms, fl_rpc_stream **out);
int fl_rpc_stream_send(fl_rpc_stream *s, const uint8_t *buf, size_t len);
int fl_rpc_stream_close_send(fl_rpc_stream *s);
/* After the first send: waits for the server's answer to the call's start.
 * *go is true if the server said go on (fl_rpc_call_go), false if it ended
 * the call instead (fl_rpc_stream_finish then gives its status). */
int fl_rpc_stream_wait_go(fl_rpc_stream *s, bool *go);
/* FL_E_EOF at the end of the server's messages. */
int fl_rpc_stream_recv(fl_rpc_stream *s, uint8_t **buf, size_t *len);
/* Waits for the final status; returns 0 or the mapped FL_E_* code. */
int fl_rpc_stream_finish(fl_rpc_stream *s, fl_rpc_status *st);
void fl_rpc_stream_free(fl_rpc_stream *s);

/* Status mapping (both directions). */
int fl_rpc_status_from_err(int err);
int fl_rpc_err_from_status(int code);

#endif
