/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_call: one server-side call: peer identity and blocking
 * recv/send/finish on the call's own completion queue. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include "fl_err.h"
#include "fl_rpc_int.h"

/* Message bytes received and sent by every server call of the process. */
static atomic_ullong rpc_bytes_in, rpc_bytes_out;

void fl_rpc_server_bytes(uint64_t *in, uint64_t *out)
{
	*in = atomic_load(&rpc_bytes_in);
	*out = atomic_load(&rpc_bytes_out);
}

int fl_rpc_call_new(struct fl_rpc_server *srv, fl_rpc_call **out)
{
	fl_rpc_call *c = calloc(1, sizeof(*c));

	if (!c)
		return FL_E_NOMEM;
	c->srv = srv;
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->md);
	if ((c->cq = grpc_completion_queue_create_for_pluck(NULL)) == NULL) {
		fl_rpc_call_free(c);
		return FL_E_NOMEM;
	}
	*out = c;
	return 0;
}

/* Copies the first value of an auth property; NULL if absent or odd. */
static char *auth_prop_dup(grpc_auth_context *ac, const char *name)
{
	grpc_auth_property_iterator it;
	const grpc_auth_property *p;
	char *s;

	it = grpc_auth_context_find_properties_by_name(ac, name);
	if ((p = grpc_auth_property_iterator_next(&it)) == NULL || !p->value)
		return NULL;
	if (p->value_length && memchr(p->value, '\0', p->value_length))
		return NULL;
	if ((s = malloc(p->value_length + 1)) == NULL)
		return NULL;
	memcpy(s, p->value, p->value_length);
	s[p->value_length] = '\0';
	return s;
}

int fl_rpc_call_accept(fl_rpc_call *c)
{
	grpc_auth_context *ac;
	grpc_op op;

	if ((c->method = fl_rpc_slice_dup(c->details.method)) == NULL)
		return FL_E_NOMEM;
	if ((ac = grpc_call_auth_context(c->call)) != NULL) {
		c->peer_cn = auth_prop_dup(ac, GRPC_X509_CN_PROPERTY_NAME);
		c->peer_pem = auth_prop_dup(ac, GRPC_X509_PEM_CERT_PROPERTY_NAME);
		grpc_auth_context_release(ac);
	}
	/* A client cancel makes RECV_MESSAGE look like a clean half-close;
	 * this op, pending for the whole call, tells the two apart. */
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->cancelled;
	c->close_started = grpc_call_start_batch(c->call, &op, 1, &c->close_tag,
						 NULL) == GRPC_CALL_OK;
	return 0;
}

/* Collects the RECV_CLOSE_ON_SERVER completion if it is there (or waits
 * for it when wait). True if the call was cancelled. */
static bool close_poll(fl_rpc_call *c, bool wait)
{
	grpc_event ev;

	if (c->close_started && !c->close_done) {
		ev = grpc_completion_queue_pluck(c->cq, &c->close_tag,
			wait ? gpr_inf_future(GPR_CLOCK_REALTIME) :
			       gpr_inf_past(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			c->close_done = true;
	}
	return c->close_done && c->cancelled;
}

bool fl_rpc_call_gone(fl_rpc_call *c)
{
	return c && close_poll(c, false);
}

const char *fl_rpc_call_method(const fl_rpc_call *c)
{
	return c ? c->method : NULL;
}

const char *fl_rpc_call_peer_cn(const fl_rpc_call *c)
{
	return c ? c->peer_cn : NULL;
}

const char *fl_rpc_call_peer_pem(const fl_rpc_call *c)
{
	return c ? c->peer_pem : NULL;
}

/* Adds SEND_INITIAL_METADATA to ops once per call. */
static size_t add_initial_md(fl_rpc_call *c, grpc_op *ops, size_t n)
{
	if (c->md_sent)
		return n;
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
	c->md_sent = true;
	return n + 1;
}

/* Receives one message; with_md answers the call's start on the way. */
static int call_recv(fl_rpc_call *c, uint8_t **buf, size_t *len, bool with_md)
{
	grpc_byte_buffer *bb = NULL;
	grpc_op ops[2];
	size_t n;
	int r;

	if (!c || !buf || !len)
		return FL_E_INVAL;
	if (c->finished)
		return FL_E_STATE;
	n = with_md ? add_initial_md(c, ops, 0) : 0;
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_RECV_MESSAGE;
	ops[n].data.recv_message.recv_message = &bb;
	n++;
	if ((r = fl_rpc_batch_timed(c->call, c->cq, ops, n,
				     FL_RPC_SERVER_OP_MS)) != 0)
		goto out;
	if (!bb) {
		/* The client half-closed, or it went away. */
		r = close_poll(c, false) ? FL_E_NET : FL_E_EOF;
		goto out;
	}
	if ((r = fl_rpc_bb_read(bb, buf, len)) == 0)
		atomic_fetch_add(&rpc_bytes_in, *len);
out:
	if (bb)
		grpc_byte_buffer_destroy(bb);
	return r;
}

int fl_rpc_call_recv(fl_rpc_call *c, uint8_t **buf, size_t *len)
{
	return call_recv(c, buf, len, true);
}

int fl_rpc_call_recv_held(fl_rpc_call *c, uint8_t **buf, size_t *len)
{
	return call_recv(c, buf, len, false);
}

int fl_rpc_call_go(fl_rpc_call *c)
{
	grpc_metadata md;
	grpc_op op;

	if (!c)
		return FL_E_INVAL;
	if (c->finished || c->md_sent)
		return FL_E_STATE;
	memset(&md, 0, sizeof(md));
	md.key = grpc_slice_from_static_string(FL_RPC_GO_KEY);
	md.value = grpc_slice_from_static_string("1");
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	op.data.send_initial_metadata.count = 1;
	op.data.send_initial_metadata.metadata = &md;
	c->md_sent = true;
	return fl_rpc_batch_timed(c->call, c->cq, &op, 1, FL_RPC_SERVER_OP_MS);
}

int fl_rpc_call_send(fl_rpc_call *c, const uint8_t *buf, size_t len)
{
	grpc_byte_buffer *bb;
	grpc_op ops[2];
	size_t n;
	int r;

	if (!c || (!buf && len))
		return FL_E_INVAL;
	if (c->finished)
		return FL_E_STATE;
	if ((bb = fl_rpc_bb_new(buf, len)) == NULL)
		return FL_E_NOMEM;
	n = add_initial_md(c, ops, 0);
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n].data.send_message.send_message = bb;
	n++;
	r = fl_rpc_batch_timed(c->call, c->cq, ops, n, FL_RPC_SERVER_OP_MS);
	grpc_byte_buffer_destroy(bb);
	if (r == 0)
		atomic_fetch_add(&rpc_bytes_out, len);
	return r;
}

int fl_rpc_call_finish_code(fl_rpc_call *c, int code, const char *detail)
{
	grpc_slice details;
	grpc_op ops[3];
	size_t n;
	int r;

	if (!c)
		return FL_E_INVAL;
	if (c->finished)
		return FL_E_STATE;
	c->finished = true;
	details = grpc_slice_from_copied_string(detail ? detail : "");
	n = add_initial_md(c, ops, 0);
	memset(&ops[n], 0, sizeof(ops[n]));
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = (grpc_status_code)code;
	ops[n].data.send_status_from_server.status_details = &details;
	n++;
	if (!c->close_started) {
		memset(&ops[n], 0, sizeof(ops[n]));
		ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
		n++;
	}
	r = fl_rpc_batch(c->call, c->cq, ops, n);
	grpc_slice_unref(details);
	/* The close op completes once the status is out (or the call died). */
	if (c->close_started)
		close_poll(c, true);
	if (r == 0 && c->cancelled)
		r = FL_E_NET;
	return r;
}

int fl_rpc_call_finish(fl_rpc_call *c, int err, const char *detail)
{
	return fl_rpc_call_finish_code(c, fl_rpc_status_from_err(err), detail);
}

void fl_rpc_call_free(fl_rpc_call *c)
{
	if (!c)
		return;
	if (c->call) {
		/* Never leave the close op pending on a queue we destroy. */
		if (c->close_started && !c->close_done) {
			grpc_call_cancel(c->call, NULL);
			close_poll(c, true);
		}
		grpc_call_unref(c->call);
	}
	fl_rpc_cq_destroy(c->cq);
	free(c->park_req);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->md);
	free(c->method);
	free(c->peer_cn);
	free(c->peer_pem);
	free(c);
}
