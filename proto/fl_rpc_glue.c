/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_glue: process-wide init, PEM loading, channel args, byte buffers
 * and the blocking batch helper used by both sides. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_rpc_int.h"

void fl_rpc_global_init(void)
{
	/* gRPC's own INFO chatter is noise for operators; keep its errors. */
	gpr_set_log_verbosity(GPR_LOG_SEVERITY_ERROR);
	grpc_init();
}

void fl_rpc_global_shutdown(void)
{
	grpc_shutdown();
}

/* Reads a whole PEM file into a NUL-terminated malloc'd string. */
static int pem_read(const char *path, char **out)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0, cap = 4096;
	int r = 0;

	if (!path) {
		r = FL_E_INVAL;
		goto out;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		r = FL_E_IO;
		goto out;
	}
	if ((buf = malloc(cap)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (n < cap - 1)
			break;
		if (cap >= FL_RPC_PEM_MAX) {
			r = FL_E_TOOBIG;
			goto out;
		}
		/* Grow by copying, so a partial key never lingers in a freed
		 * block that realloc left behind. */
		char *nb = malloc(cap * 2);
		if (!nb) {
			r = FL_E_NOMEM;
			goto out;
		}
		memcpy(nb, buf, n);
		sodium_memzero(buf, cap);
		free(buf);
		buf = nb;
		cap *= 2;
	}
	if (ferror(f) || n == 0) {
		r = FL_E_IO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
out:
	if (buf) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	if (f)
		fclose(f);
	return r;
}

int fl_rpc_pems_load(const fl_rpc_tls *tls, fl_rpc_pems *out)
{
	fl_rpc_pems p = { NULL, NULL, NULL };
	int r;

	if (!tls || !out)
		return FL_E_INVAL;
	/* no client certificate (cert_file and key_file NULL or empty): a
	 * server-authenticated client channel (fl_rpc_channel_new) */
	if ((r = pem_read(tls->ca_file, &p.ca)) != 0 ||
	    (tls->cert_file && tls->cert_file[0] &&
	     (r = pem_read(tls->cert_file, &p.cert)) != 0) ||
	    (tls->key_file && tls->key_file[0] &&
	     (r = pem_read(tls->key_file, &p.key)) != 0)) {
		fl_rpc_pems_release(&p);
		return r;
	}
	*out = p;
	return 0;
}

void fl_rpc_pems_release(fl_rpc_pems *p)
{
	if (!p)
		return;
	if (p->key) {
		sodium_memzero(p->key, strlen(p->key));
		free(p->key);
	}
	free(p->ca);
	free(p->cert);
	p->ca = p->cert = p->key = NULL;
}

static void arg_int(grpc_arg *a, const char *key, int v)
{
	memset(a, 0, sizeof(*a));
	a->type = GRPC_ARG_INTEGER;
	a->key = (char *)key;
	a->value.integer = v;
}

void fl_rpc_args_fill(grpc_channel_args *ca, grpc_arg *args,
		      size_t max_msg_bytes, bool client)
{
	fl_rpc_args_fill_ka(ca, args, max_msg_bytes, client, 0);
}

void fl_rpc_args_fill_ka(grpc_channel_args *ca, grpc_arg *args,
			 size_t max_msg_bytes, bool client, uint32_t keepalive_ms)
{
	int max = max_msg_bytes > INT_MAX ? INT_MAX : (int)max_msg_bytes;
	size_t n = 0;

	if (max <= 0)
		max = (int)FL_MSG_MAX_BYTES;
	arg_int(&args[n++], GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, max);
	arg_int(&args[n++], GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, max);
	if (client) {
		/* Agents should find a restarted coordinator within seconds. */
		arg_int(&args[n++], GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
		/* Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC also takes it as
		 * the shortest time a connection attempt may take, and 500 ms
		 * failed TLS handshakes with a busy coordinator (hundreds of
		 * agents connecting at once); its default is 20 s. */
		arg_int(&args[n++], GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
		/* Each channel its own connection: gRPC would otherwise share
		 * one among channels to the same target in a process, so that
		 * reopening a channel (agent_channel_open after a failure)
		 * would not start a fresh connection. */
		arg_int(&args[n++], GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
		/* An agent holds one long poll open for seconds at a time: its
		 * pings keep NATs and proxies from dropping the idle connection,
		 * and find a dead one within keepalive + its timeout. */
		if (keepalive_ms > 0) {
			arg_int(&args[n++], GRPC_ARG_KEEPALIVE_TIME_MS,
				keepalive_ms > INT_MAX ? INT_MAX : (int)keepalive_ms);
			arg_int(&args[n++], GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
				FL_RPC_KEEPALIVE_TIMEOUT_MS);
			arg_int(&args[n++], GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
			arg_int(&args[n++], GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
		}
	} else {
		/*
		 * The TLS records keep gRPC's default size (16 KiB). Smaller
		 * ones (GRPC_ARG_TSI_MAX_FRAME_SIZE 2048, which saved ~14 KiB
		 * of buffer per connection) made gRPC 1.51's frame protector
		 * corrupt a reply whose HTTP/2 data filled its records exactly
		 * (a 7,778-byte message: "Corruption detected" at the peer,
		 * "Stream removed"); test_rpc sweeps those sizes.
		 */
		/* Accept agents' keep-alive pings down to FL_RPC_MIN_KEEPALIVE_MS
		 * apart, also between calls, without closing the connection as
		 * abusive; ping idle agents ourselves to free their parked
		 * calls when they vanish. */
		arg_int(&args[n++], GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
			(int)FL_RPC_MIN_KEEPALIVE_MS);
		arg_int(&args[n++], GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
		arg_int(&args[n++], GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
		arg_int(&args[n++], GRPC_ARG_KEEPALIVE_TIME_MS,
			(int)FL_RPC_SERVER_KEEPALIVE_MS);
		arg_int(&args[n++], GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
			FL_RPC_KEEPALIVE_TIMEOUT_MS);
	}
	ca->num_args = n;
	ca->args = args;
}

grpc_byte_buffer *fl_rpc_bb_new(const uint8_t *buf, size_t len)
{
	grpc_slice s = grpc_slice_malloc(len);
	grpc_byte_buffer *bb;

	if (len)
		memcpy(GRPC_SLICE_START_PTR(s), buf, len);
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

int fl_rpc_bb_read(grpc_byte_buffer *bb, uint8_t **buf, size_t *len)
{
	grpc_byte_buffer_reader rd;
	grpc_slice s;
	size_t total, n = 0;
	uint8_t *b;

	if (!grpc_byte_buffer_reader_init(&rd, bb))
		return FL_E_NET;
	total = grpc_byte_buffer_length(rd.buffer_out);
	if ((b = malloc(total ? total : 1)) == NULL) {
		grpc_byte_buffer_reader_destroy(&rd);
		return FL_E_NOMEM;
	}
	while (grpc_byte_buffer_reader_next(&rd, &s)) {
		size_t sl = GRPC_SLICE_LENGTH(s);

		if (sl > total - n) {
			grpc_slice_unref(s);
			grpc_byte_buffer_reader_destroy(&rd);
			free(b);
			return FL_E_TOOBIG;
		}
		memcpy(b + n, GRPC_SLICE_START_PTR(s), sl);
		n += sl;
		grpc_slice_unref(s);
	}
	grpc_byte_buffer_reader_destroy(&rd);
	*buf = b;
	*len = n;
	return 0;
}

int fl_rpc_batch(grpc_call *call, grpc_completion_queue *cq,
		 const grpc_op *ops, size_t nops)
{
	grpc_event ev;
	int tag;

	if (grpc_call_start_batch(call, ops, nops, &tag, NULL) != GRPC_CALL_OK)
		return FL_E_NET;
	ev = grpc_completion_queue_pluck(cq, &tag,
					 gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE || !ev.success)
		return FL_E_NET;
	return 0;
}

int fl_rpc_batch_timed(grpc_call *call, grpc_completion_queue *cq,
		       const grpc_op *ops, size_t nops, uint32_t timeout_ms)
{
	gpr_timespec until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
		gpr_time_from_millis((int64_t)timeout_ms, GPR_TIMESPAN));
	grpc_event ev;
	int tag;

	if (grpc_call_start_batch(call, ops, nops, &tag, NULL) != GRPC_CALL_OK)
		return FL_E_NET;
	ev = grpc_completion_queue_pluck(cq, &tag, until, NULL);
	if (ev.type == GRPC_QUEUE_TIMEOUT) {
		grpc_call_cancel_with_status(call, GRPC_STATUS_DEADLINE_EXCEEDED,
					     "the server waited too long for this "
					     "call's peer", NULL);
		/* A cancelled batch still completes; collect it. */
		grpc_completion_queue_pluck(cq, &tag,
					    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		return FL_E_TIMEOUT;
	}
	if (ev.type != GRPC_OP_COMPLETE || !ev.success)
		return FL_E_NET;
	return 0;
}

void fl_rpc_cq_destroy(grpc_completion_queue *cq)
{
	if (!cq)
		return;
	grpc_completion_queue_shutdown(cq);
	grpc_completion_queue_destroy(cq);
}

char *fl_rpc_slice_dup(grpc_slice s)
{
	size_t n = GRPC_SLICE_LENGTH(s);
	const uint8_t *p = GRPC_SLICE_START_PTR(s);
	char *out;

	if (n && memchr(p, '\0', n))
		return NULL;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	return out;
}
