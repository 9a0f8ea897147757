/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_client: the mutual-TLS channel and blocking unary calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include "fl_err.h"
#include "fl_rpc_client_int.h"

int fl_rpc_channel_new(const char *target, const fl_rpc_tls *tls,
		       size_t max_msg_bytes, fl_rpc_channel **out)
{
	return fl_rpc_channel_new_ka(target, tls, max_msg_bytes, 0, out);
}

int fl_rpc_channel_new_ka(const char *target, const fl_rpc_tls *tls,
			  size_t max_msg_bytes, uint32_t keepalive_ms,
			  fl_rpc_channel **out)
{
	return fl_rpc_channel_new_via(target, tls, max_msg_bytes, keepalive_ms,
				      NULL, out);
}

/* Appends the proxy choice to the channel's arguments (room is kept). */
static void args_add_proxy(grpc_channel_args *ca, grpc_arg *args,
			   const char *proxy)
{
	grpc_arg *a = &args[ca->num_args];

	if (!proxy)
		return;
	memset(a, 0, sizeof(*a));
	if (proxy[0] == '\0') {
		a->type = GRPC_ARG_INTEGER;
		a->key = (char *)GRPC_ARG_ENABLE_HTTP_PROXY;
		a->value.integer = 0;
	} else {
		a->type = GRPC_ARG_STRING;
		a->key = (char *)GRPC_ARG_HTTP_PROXY;
		a->value.string = (char *)proxy;
	}
	ca->num_args++;
}

int fl_rpc_channel_new_via(const char *target, const fl_rpc_tls *tls,
			   size_t max_msg_bytes, uint32_t keepalive_ms,
			   const char *proxy, fl_rpc_channel **out)
{
	grpc_ssl_pem_key_cert_pair pair;
	grpc_channel_credentials *creds = NULL;
	grpc_arg args[FL_RPC_MAX_ARGS];
	grpc_channel_args ca;
	fl_rpc_pems pems = { NULL, NULL, NULL };
	fl_rpc_channel *ch = NULL;
	int r;

	if (!target || !tls || !out ||
	    (keepalive_ms > 0 && keepalive_ms < FL_RPC_MIN_KEEPALIVE_MS))
		return FL_E_INVAL;
	if ((r = fl_rpc_pems_load(tls, &pems)) != 0)
		goto out;
	if (!pems.cert != !pems.key) {   /* a certificate needs its key */
		r = FL_E_IO;
		goto out;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	pair.private_key = pems.key;
	pair.cert_chain = pems.cert;
	/* grpc copies the PEM texts, so ours are wiped right after. */
	if ((creds = grpc_ssl_credentials_create(pems.ca, pems.cert && pems.key ?
						 &pair : NULL, NULL, NULL)) == NULL) {
		r = FL_E_IO;
		goto out;
	}
	fl_rpc_args_fill_ka(&ca, args, max_msg_bytes, true, keepalive_ms);
	if (ca.num_args >= FL_RPC_MAX_ARGS)
		abort();   /* fl_rpc_args_fill_ka keeps one entry free */
	args_add_proxy(&ca, args, proxy);
	if ((ch->ch = grpc_channel_create(target, creds, &ca)) == NULL) {
		r = FL_E_NET;
		goto out;
	}
	*out = ch;
	ch = NULL;
out:
	if (creds)
		grpc_channel_credentials_release(creds);
	fl_rpc_pems_release(&pems);
	free(ch);
	return r;
}

void fl_rpc_channel_free(fl_rpc_channel *ch)
{
	if (!ch)
		return;
	if (ch->ch)
		grpc_channel_destroy(ch->ch);
	free(ch);
}

gpr_timespec fl_rpc_deadline(uint32_t timeout_ms)
{
	if (timeout_ms == 0)
		return gpr_inf_future(GPR_CLOCK_REALTIME);
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			    gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
}

void fl_rpc_status_fill(fl_rpc_status *st, int code, grpc_slice details)
{
	size_t n;

	if (!st)
		return;
	st->code = code;
	n = GRPC_SLICE_LENGTH(details);
	if (n >= sizeof(st->detail))
		n = sizeof(st->detail) - 1;
	if (n)
		memcpy(st->detail, GRPC_SLICE_START_PTR(details), n);
	st->detail[n] = '\0';
}

void fl_rpc_status_local(fl_rpc_status *st, int code, const char *detail)
{
	if (!st)
		return;
	st->code = code;
	snprintf(st->detail, sizeof(st->detail), "%s", detail);
}

int fl_rpc_unary(fl_rpc_channel *ch, const char *method, const uint8_t *req,
		 size_t reqlen, uint32_t timeout_ms, uint8_t **resp,
		 size_t *resplen, fl_rpc_status *st)
{
	grpc_completion_queue *cq = NULL;
	grpc_call *call = NULL;
	grpc_byte_buffer *sbb = NULL, *rbb = NULL;
	grpc_metadata_array imd, tmd;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_slice mslice;
	grpc_op ops[6];
	int r;

	if (!ch || !method || (!req && reqlen) || !resp || !resplen)
		return FL_E_INVAL;
	grpc_metadata_array_init(&imd);
	grpc_metadata_array_init(&tmd);
	if ((cq = grpc_completion_queue_create_for_pluck(NULL)) == NULL ||
	    (sbb = fl_rpc_bb_new(req, reqlen)) == NULL) {
		fl_rpc_status_local(st, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		r = FL_E_NOMEM;
		goto out;
	}
	mslice = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(ch->ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
					mslice, NULL, fl_rpc_deadline(timeout_ms),
					NULL);
	grpc_slice_unref(mslice);
	if (!call) {
		fl_rpc_status_local(st, GRPC_STATUS_INTERNAL, "cannot create call");
		r = FL_E_NET;
		goto out;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = sbb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &rbb;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &tmd;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;
	if ((r = fl_rpc_batch(call, cq, ops, 6)) != 0) {
		fl_rpc_status_local(st, GRPC_STATUS_UNAVAILABLE, "call failed");
		goto out;
	}
	/* The batch succeeds even when the RPC failed: check the status. */
	fl_rpc_status_fill(st, code, details);
	if (code != GRPC_STATUS_OK) {
		r = fl_rpc_err_from_status(code);
		goto out;
	}
	if (!rbb) {
		fl_rpc_status_local(st, GRPC_STATUS_INTERNAL, "no response message");
		r = FL_E_NET;
		goto out;
	}
	r = fl_rpc_bb_read(rbb, resp, resplen);
out:
	if (call)
		grpc_call_unref(call);
	fl_rpc_cq_destroy(cq);
	if (sbb)
		grpc_byte_buffer_destroy(sbb);
	if (rbb)
		grpc_byte_buffer_destroy(rbb);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&imd);
	grpc_metadata_array_destroy(&tmd);
	return r;
}
