/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_server: the mutual-TLS server: a dispatcher loop on the server
 * queue that hands each call to its own worker thread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/support/time.h>
#include "fl_err.h"
#include "fl_rpc_int.h"

/* Handlers run blocking gRPC ops (which may decrypt TLS records inline) and
 * decode messages on their stack; sanitizers inflate frames. */
#if defined(__SANITIZE_ADDRESS__)
#define FL_RPC_WORKER_STACK (2u * 1024u * 1024u)
#else
#define FL_RPC_WORKER_STACK (256u * 1024u)
#endif

struct fl_rpc_server {
	grpc_server *server;
	grpc_completion_queue *cq;     /* notifications: new calls, shutdown */
	fl_rpc_method *methods;        /* copied array; paths borrowed */
	size_t nmethods;
	void *ctx;
	int port;
	int shutdown_tag;              /* its address is the shutdown tag */
	size_t pending;                /* outstanding request_call (run thread) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned workers;              /* live handler threads */
	bool stopping;
	bool running;
	bool drained;                  /* run() saw the shutdown complete */
};

int fl_rpc_server_new(const char *addr, const fl_rpc_tls *tls,
		      const fl_rpc_method *methods, size_t nmethods, void *ctx,
		      size_t max_msg_bytes, fl_rpc_server **out)
{
	grpc_ssl_pem_key_cert_pair pair;
	grpc_server_credentials *creds = NULL;
	grpc_arg args[FL_RPC_MAX_ARGS];
	grpc_channel_args ca;
	fl_rpc_pems pems = { NULL, NULL, NULL };
	fl_rpc_server *s = NULL;
	int r;

	if (!addr || !tls || !out || (!methods && nmethods))
		return FL_E_INVAL;
	if ((r = fl_rpc_pems_load(tls, &pems)) != 0)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (nmethods && (s->methods = calloc(nmethods, sizeof(*methods))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (nmethods)
		memcpy(s->methods, methods, nmethods * sizeof(*methods));
	s->nmethods = nmethods;
	s->ctx = ctx;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	fl_rpc_args_fill(&ca, args, max_msg_bytes, false);
	s->server = grpc_server_create(&ca, NULL);
	s->cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(s->server, s->cq, NULL);
	pair.private_key = pems.key;
	pair.cert_chain = pems.cert;
	/* grpc copies the PEM texts, so ours are wiped right after. */
	creds = grpc_ssl_server_credentials_create_ex(pems.ca, &pair, 1,
		GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
	if (!creds) {
		r = FL_E_IO;
		goto out;
	}
	if ((s->port = grpc_server_add_http2_port(s->server, addr, creds)) == 0) {
		r = FL_E_NET;
		goto out;
	}
	grpc_server_start(s->server);
	*out = s;
	s = NULL;
out:
	if (creds)
		grpc_server_credentials_release(creds);
	fl_rpc_pems_release(&pems);
	if (s) {
		/* Never started: no calls, so destroy directly. */
		if (s->server)
			grpc_server_destroy(s->server);
		if (s->cq) {
			grpc_completion_queue_shutdown(s->cq);
			while (grpc_completion_queue_next(s->cq,
				gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
			       GRPC_QUEUE_SHUTDOWN)
				;
			grpc_completion_queue_destroy(s->cq);
			pthread_mutex_destroy(&s->mu);
			pthread_cond_destroy(&s->cv);
		}
		free(s->methods);
		free(s);
	}
	return r;
}

int fl_rpc_server_port(const fl_rpc_server *s)
{
	return s ? s->port : 0;
}

static const fl_rpc_method *method_find(const fl_rpc_server *s,
					const char *path)
{
	for (size_t i = 0; path && i < s->nmethods; i++)
		if (s->methods[i].path && strcmp(s->methods[i].path, path) == 0)
			return &s->methods[i];
	return NULL;
}

static void *worker_main(void *arg)
{
	fl_rpc_call *c = arg;
	fl_rpc_server *s = c->srv;
	const fl_rpc_method *m = method_find(s, c->method);

	if (!m || !m->fn) {
		fl_rpc_call_finish_code(c, GRPC_STATUS_UNIMPLEMENTED,
					"unknown method");
	} else {
		m->fn(c, s->ctx);
		if (!c->finished)
			fl_rpc_call_finish_code(c, GRPC_STATUS_INTERNAL,
						"handler ended without a status");
	}
	fl_rpc_call_free(c);
	pthread_mutex_lock(&s->mu);
	s->workers--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Runs c on a detached worker thread; on failure answers it inline. */
static void worker_start(fl_rpc_server *s, fl_rpc_call *c)
{
	pthread_attr_t attr;
	pthread_t tid;
	int r;

	if (fl_rpc_call_accept(c) != 0) {
		fl_rpc_call_finish_code(c, GRPC_STATUS_RESOURCE_EXHAUSTED,
					"out of memory");
		fl_rpc_call_free(c);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->workers++;
	pthread_mutex_unlock(&s->mu);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, FL_RPC_WORKER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&tid, &attr, worker_main, c);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		pthread_mutex_lock(&s->mu);
		s->workers--;
		pthread_mutex_unlock(&s->mu);
		fl_rpc_call_finish_code(c, GRPC_STATUS_RESOURCE_EXHAUSTED,
					"server busy");
		fl_rpc_call_free(c);
	}
}

/* Asks gRPC for the next incoming call, unless stopping. */
static void request_next(fl_rpc_server *s)
{
	fl_rpc_call *c;
	bool stopping;

	pthread_mutex_lock(&s->mu);
	stopping = s->stopping;
	pthread_mutex_unlock(&s->mu);
	if (stopping || fl_rpc_call_new(s, &c) != 0)
		return;
	if (grpc_server_request_call(s->server, &c->call, &c->details, &c->md,
				     c->cq, s->cq, c) != GRPC_CALL_OK) {
		fl_rpc_call_free(c);
		return;
	}
	s->pending++;
}

int fl_rpc_server_run(fl_rpc_server *s)
{
	bool shut = false;

	if (!s)
		return FL_E_INVAL;
	pthread_mutex_lock(&s->mu);
	if (s->running || s->drained) {
		pthread_mutex_unlock(&s->mu);
		return FL_E_STATE;
	}
	s->running = true;
	pthread_mutex_unlock(&s->mu);

	request_next(s);
	while (!shut || s->pending > 0) {
		grpc_event ev = grpc_completion_queue_next(s->cq,
			gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &s->shutdown_tag) {
			shut = true;
			continue;
		}
		s->pending--;
		if (!ev.success) {
			/* The request was cancelled by shutdown. */
			fl_rpc_call_free(ev.tag);
			continue;
		}
		worker_start(s, ev.tag);
		request_next(s);
		/* If no request could be queued (out of memory), the server
		 * would stop accepting calls: keep trying unless stopping. */
		pthread_mutex_lock(&s->mu);
		bool idle = s->pending == 0 && !s->stopping;
		pthread_mutex_unlock(&s->mu);
		if (idle)
			request_next(s);
	}

	pthread_mutex_lock(&s->mu);
	while (s->workers > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	s->drained = true;
	s->running = false;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void fl_rpc_server_stop(fl_rpc_server *s)
{
	bool first;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	first = !s->stopping;
	s->stopping = true;
	pthread_mutex_unlock(&s->mu);
	if (!first)
		return;
	grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
	grpc_server_cancel_all_calls(s->server);
}

void fl_rpc_server_free(fl_rpc_server *s)
{
	if (!s)
		return;
	if (!s->drained) {
		/* Never ran (or run() was not called): drain here. */
		fl_rpc_server_stop(s);
		fl_rpc_server_run(s);
	}
	grpc_server_destroy(s->server);
	grpc_completion_queue_shutdown(s->cq);
	while (grpc_completion_queue_next(s->cq,
		gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(s->cq);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->methods);
	free(s);
}
