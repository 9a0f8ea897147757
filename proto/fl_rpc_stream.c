/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_stream: blocking client streams, one op of each kind at a time. */
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include "fl_err.h"
#include "fl_rpc_client_int.h"

struct fl_rpc_stream {
	grpc_call *call;
	grpc_completion_queue *cq;     /* pluck queue for this call only */
	grpc_metadata_array imd;       /* server's initial metadata */
	grpc_metadata_array tmd;       /* trailing metadata */
	bool md_sent;
	bool md_recv;
	bool send_closed;
	bool finished;
};

int fl_rpc_stream_open(fl_rpc_channel *ch, const char *method,
		       uint32_t timeout_ms, fl_rpc_stream **out)
{
	fl_rpc_stream *s;
	grpc_slice mslice;

	if (!ch || !method || !out)
		return FL_E_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return FL_E_NOMEM;
	grpc_metadata_array_init(&s->imd);
	grpc_metadata_array_init(&s->tmd);
	if ((s->cq = grpc_completion_queue_create_for_pluck(NULL)) == NULL) {
		fl_rpc_stream_free(s);
		return FL_E_NOMEM;
	}
	mslice = grpc_slice_from_copied_string(method);
	s->call = grpc_channel_create_call(ch->ch, NULL, GRPC_PROPAGATE_DEFAULTS,
					   s->cq, mslice, NULL,
					   fl_rpc_deadline(timeout_ms), NULL);
	grpc_slice_unref(mslice);
	if (!s->call) {
		fl_rpc_stream_free(s);
		return FL_E_NET;
	}
	/* Nothing is sent yet: initial metadata rides with the first op. */
	*out = s;
	return 0;
}

/* Appends the once-per-call metadata ops that must precede op kind. */
static size_t add_md_ops(fl_rpc_stream *s, grpc_op *ops, size_t n,
			 bool want_recv_md)
{
	if (!s->md_sent) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
		s->md_sent = true;
	}
	if (want_recv_md && !s->md_recv) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
		ops[n++].data.recv_initial_metadata.recv_initial_metadata = &s->imd;
		s->md_recv = true;
	}
	return n;
}

int fl_rpc_stream_send(fl_rpc_stream *s, const uint8_t *buf, size_t len)
{
	grpc_byte_buffer *bb;
	grpc_op ops[2];
	size_t n;
	int r;

	if (!s || (!buf && len))
		return FL_E_INVAL;
	if (s->send_closed || s->finished)
		return FL_E_STATE;
	if ((bb = fl_rpc_bb_new(buf, len)) == NULL)
		return FL_E_NOMEM;
	n = add_md_ops(s, ops, 0, false);
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n++].data.send_message.send_message = bb;
	r = fl_rpc_batch(s->call, s->cq, ops, n);
	grpc_byte_buffer_destroy(bb);
	return r;
}

int fl_rpc_stream_close_send(fl_rpc_stream *s)
{
	grpc_op ops[2];
	size_t n;

	if (!s)
		return FL_E_INVAL;
	if (s->send_closed || s->finished)
		return FL_E_STATE;
	n = add_md_ops(s, ops, 0, false);
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	s->send_closed = true;
	return fl_rpc_batch(s->call, s->cq, ops, n);
}

int fl_rpc_stream_wait_go(fl_rpc_stream *s, bool *go)
{
	grpc_op ops[2];
	size_t n;
	int r;

	if (!s || !go)
		return FL_E_INVAL;
	*go = false;
	if (s->finished || s->md_recv)
		return FL_E_STATE;
	n = add_md_ops(s, ops, 0, true);
	if ((r = fl_rpc_batch(s->call, s->cq, ops, n)) != 0)
		return r;
	for (size_t i = 0; i < s->imd.count; i++)
		if (grpc_slice_str_cmp(s->imd.metadata[i].key, FL_RPC_GO_KEY) == 0)
			*go = true;
	return 0;
}

int fl_rpc_stream_recv(fl_rpc_stream *s, uint8_t **buf, size_t *len)
{
	grpc_byte_buffer *bb = NULL;
	grpc_op ops[3];
	size_t n;
	int r;

	if (!s || !buf || !len)
		return FL_E_INVAL;
	if (s->finished)
		return FL_E_STATE;
	n = add_md_ops(s, ops, 0, true);
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_RECV_MESSAGE;
	ops[n++].data.recv_message.recv_message = &bb;
	if ((r = fl_rpc_batch(s->call, s->cq, ops, n)) != 0)
		goto out;
	if (!bb) {
		r = FL_E_EOF;   /* server ended its messages; see finish */
		goto out;
	}
	r = fl_rpc_bb_read(bb, buf, len);
out:
	if (bb)
		grpc_byte_buffer_destroy(bb);
	return r;
}

int fl_rpc_stream_finish(fl_rpc_stream *s, fl_rpc_status *st)
{
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[4];
	size_t n;
	int r;

	if (!s)
		return FL_E_INVAL;
	if (s->finished)
		return FL_E_STATE;
	s->finished = true;
	n = add_md_ops(s, ops, 0, true);
	if (!s->send_closed) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
		s->send_closed = true;
	}
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[n].data.recv_status_on_client.trailing_metadata = &s->tmd;
	ops[n].data.recv_status_on_client.status = &code;
	ops[n++].data.recv_status_on_client.status_details = &details;
	if ((r = fl_rpc_batch(s->call, s->cq, ops, n)) != 0) {
		fl_rpc_status_local(st, GRPC_STATUS_UNAVAILABLE, "call failed");
		goto out;
	}
	fl_rpc_status_fill(st, code, details);
	r = fl_rpc_err_from_status(code);
out:
	grpc_slice_unref(details);
	return r;
}

void fl_rpc_stream_free(fl_rpc_stream *s)
{
	if (!s)
		return;
	if (s->call) {
		/* Abandoning a live stream cancels it on both sides. */
		if (!s->finished)
			grpc_call_cancel(s->call, NULL);
		grpc_call_unref(s->call);
	}
	fl_rpc_cq_destroy(s->cq);
	grpc_metadata_array_destroy(&s->imd);
	grpc_metadata_array_destroy(&s->tmd);
	free(s);
}
