/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_int: private gRPC glue shared by the server, call and client files. */
#ifndef FL_RPC_INT_H
#define FL_RPC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include "fl_rpc.h"

#define FL_RPC_PEM_MAX (1024u * 1024u)

/* PEM texts read from an fl_rpc_tls; key is wiped on release. */
typedef struct fl_rpc_pems {
	char *ca, *cert, *key;
} fl_rpc_pems;

/* Reads the three files. FL_E_INVAL (missing path), FL_E_IO, FL_E_NOMEM. */
int fl_rpc_pems_load(const fl_rpc_tls *tls, fl_rpc_pems *out);
/* Wipes the key and frees all three. NULL-safe. */
void fl_rpc_pems_release(fl_rpc_pems *p);

/* fl_rpc_server_tls.c: server credentials whose files are re-read after
 * fl_rpc_tls_src_reload, at the next handshake. *src is freed with
 * fl_rpc_tls_src_free after the server is destroyed; *creds is the
 * caller's reference. */
struct fl_rpc_tls_src;
int fl_rpc_tls_src_new(const fl_rpc_tls *tls, unsigned flags,
		       struct fl_rpc_tls_src **src, grpc_server_credentials **creds);
void fl_rpc_tls_src_reload(struct fl_rpc_tls_src *t);
void fl_rpc_tls_src_free(struct fl_rpc_tls_src *t);

/* Channel args setting both message-size limits (and, for clients, the
 * reconnect backoff; for servers, small TLS records). args must hold
 * FL_RPC_MAX_ARGS entries. */
#define FL_RPC_MAX_ARGS 12
void fl_rpc_args_fill(grpc_channel_args *ca, grpc_arg *args,
		      size_t max_msg_bytes, bool client);
/* The same with client keep-alive pings every keepalive_ms (0: none). */
void fl_rpc_args_fill_ka(grpc_channel_args *ca, grpc_arg *args,
			 size_t max_msg_bytes, bool client, uint32_t keepalive_ms);
/* How long a ping may go unanswered before the connection counts as dead. */
#define FL_RPC_KEEPALIVE_TIMEOUT_MS 10000
/* The server pings a connection idle this long (finds vanished agents). */
#define FL_RPC_SERVER_KEEPALIVE_MS 60000u

/* A byte buffer holding a copy of buf (caller destroys); NULL on failure. */
grpc_byte_buffer *fl_rpc_bb_new(const uint8_t *buf, size_t len);
/* Copies a received byte buffer into a malloc'd array (at least 1 byte
 * allocated). Does not destroy bb. FL_E_NOMEM, FL_E_TOOBIG. */
int fl_rpc_bb_read(grpc_byte_buffer *bb, uint8_t **buf, size_t *len);

/* Starts a batch on call and waits for it on its pluck queue cq.
 * FL_E_NET if the batch could not start or completed without success. */
int fl_rpc_batch(grpc_call *call, grpc_completion_queue *cq,
		 const grpc_op *ops, size_t nops);
/* The same, but when the batch has not completed within timeout_ms the call
 * is cancelled (DEADLINE_EXCEEDED to the peer) and FL_E_TIMEOUT returned.
 * The server uses it so that a peer that stalls cannot hold a worker. */
int fl_rpc_batch_timed(grpc_call *call, grpc_completion_queue *cq,
		       const grpc_op *ops, size_t nops, uint32_t timeout_ms);
/* The initial-metadata key of fl_rpc_call_go. */
#define FL_RPC_GO_KEY "fedc-go"
/* Longest wait of one server-side receive or send (a stalled client). */
#define FL_RPC_SERVER_OP_MS 60000u

/* Shuts down and destroys a pluck queue that has no pending events. */
void fl_rpc_cq_destroy(grpc_completion_queue *cq);

/* Copies a slice into a NUL-terminated malloc'd string. NULL if the slice
 * holds a NUL byte or on allocation failure. */
char *fl_rpc_slice_dup(grpc_slice s);

/* ---- server-side call ---- */
struct fl_rpc_server;

struct fl_rpc_call {
	struct fl_rpc_server *srv;
	grpc_call *call;               /* set by grpc_server_request_call */
	grpc_call_details details;
	grpc_metadata_array md;
	grpc_completion_queue *cq;     /* pluck queue bound to this call */
	char *method;
	char *peer_cn;
	char *peer_pem;
	int close_tag;                 /* its address tags RECV_CLOSE_ON_SERVER */
	int cancelled;                 /* set when that op completes */
	bool close_started;            /* the op is pending or done */
	bool close_done;               /* its completion was plucked */
	bool md_sent;
	bool finished;
	/* long polls (fl_rpc_call_park; fl_rpc_server.c) */
	uint8_t *park_req;             /* the request kept for reruns */
	size_t park_len;
	int64_t park_deadline_ms;      /* monotonic; 0 before the first park */
	uint64_t gen;                  /* server wake generation at dequeue */
	bool park_pending;             /* the handler asked to park */
	bool resumed;
	bool expired;
	struct fl_rpc_call *next;      /* the server's queue of accepted calls,
					* or its list of parked calls */
};

/* A fresh context for one grpc_server_request_call. */
int fl_rpc_call_new(struct fl_rpc_server *srv, fl_rpc_call **out);
/* After the request completed: copies method and peer identity, and
 * starts watching for a client cancel (RECV_CLOSE_ON_SERVER). */
int fl_rpc_call_accept(fl_rpc_call *c);
/* Ends the call with a raw gRPC status code. */
int fl_rpc_call_finish_code(fl_rpc_call *c, int code, const char *detail);
/* True if the client cancelled the call or went away (non-blocking). */
bool fl_rpc_call_gone(fl_rpc_call *c);
/* Releases the call, its queue and strings. NULL-safe. */
void fl_rpc_call_free(fl_rpc_call *c);

#endif
