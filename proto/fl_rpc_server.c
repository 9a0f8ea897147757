/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_server: the mutual-TLS server: a dispatcher loop on the server
 * queue that hands each call to a fixed pool of worker threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/support/time.h>
#include "fl_err.h"
#include "fl_log.h"
#include "fl_rpc_int.h"
#include "fl_util.h"

/* Handlers run blocking gRPC ops (which may decrypt TLS records inline) and
 * decode messages on their stack; sanitizers inflate frames. */
#if defined(__SANITIZE_ADDRESS__)
#define FL_RPC_WORKER_STACK (2u * 1024u * 1024u)
#else
#define FL_RPC_WORKER_STACK (256u * 1024u)
#endif

/*
 * Calls run on FL_RPC_WORKERS threads, in arrival order. A thread per call
 * let hundreds of sites that answer a phase at once run hundreds of
 * handlers at once, each with its touched stack and buffers, and glibc
 * kept the stacks cached afterwards (tests/load, 200 sites: peak RSS
 * 97.6 -> 81 MiB, and 12 MiB less after the job). Queued calls cost
 * little: their clients wait within their HTTP/2 flow-control windows.
 * Handlers never wait for other calls, so a fixed pool cannot deadlock; a
 * client that stalls holds a worker for at most FL_RPC_SERVER_OP_MS per
 * operation (fl_rpc_call.c).
 */
#define FL_RPC_WORKERS 16u
#define FL_RPC_MAX_QUEUE 4096u      /* accepted calls waiting for a worker */
/* How often the dispatcher looks for parked calls whose wait is over (and,
 * every FL_RPC_GONE_SWEEPS, for parked calls whose client went away). */
#define FL_RPC_SWEEP_MS 50
#define FL_RPC_GONE_SWEEPS 20u

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
	pthread_cond_t cv;             /* the queue changed, or stop_workers */
	fl_rpc_call *q_head, *q_tail;  /* accepted calls, oldest first */
	size_t qlen;
	fl_rpc_call *parked;           /* long polls waiting for a wake */
	size_t nparked;
	uint64_t wake_gen;             /* bumped by fl_rpc_server_wake */
	pthread_t threads[FL_RPC_WORKERS];
	unsigned nthreads;             /* worker threads started */
	bool stop_workers;             /* set once no call can arrive */
	bool stopping;
	bool running;
	bool drained;                  /* run() saw the shutdown complete */
	struct fl_rpc_tls_src *tls_src; /* re-readable credentials */
};

int fl_rpc_server_new(const char *addr, const fl_rpc_tls *tls,
		      const fl_rpc_method *methods, size_t nmethods, void *ctx,
		      size_t max_msg_bytes, fl_rpc_server **out)
{
	return fl_rpc_server_new_ex(addr, tls, methods, nmethods, ctx,
				    max_msg_bytes, 0, out);
}

int fl_rpc_server_new_ex(const char *addr, const fl_rpc_tls *tls,
			 const fl_rpc_method *methods, size_t nmethods,
			 void *ctx, size_t max_msg_bytes, unsigned flags,
			 fl_rpc_server **out)
{
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
	if (!pems.cert || !pems.key) {   /* a server always has its own */
		r = FL_E_IO;
		goto out;
	}
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
	/* the files were read above to fail early; the fetcher reads them
	 * again at the first handshake and after each reload request */
	if ((r = fl_rpc_tls_src_new(tls, flags, &s->tls_src, &creds)) != 0)
		goto out;
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
		fl_rpc_tls_src_free(s->tls_src);
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

/* Appends c to the run queue (under s->mu). */
static void queue_push(fl_rpc_server *s, fl_rpc_call *c)
{
	c->next = NULL;
	if (s->q_tail)
		s->q_tail->next = c;
	else
		s->q_head = c;
	s->q_tail = c;
	s->qlen++;
	pthread_cond_signal(&s->cv);
}

/* After its handler asked to park c: parks it, or queues its rerun at once
 * when a wake came while the handler ran (so none is lost) or when the
 * server is stopping (then the rerun must answer). */
static void park_insert(fl_rpc_server *s, fl_rpc_call *c)
{
	pthread_mutex_lock(&s->mu);
	c->resumed = true;
	if (s->stopping) {
		c->expired = true;
		queue_push(s, c);
	} else if (c->gen != s->wake_gen) {
		queue_push(s, c);
	} else {
		c->next = s->parked;
		s->parked = c;
		s->nparked++;
	}
	pthread_mutex_unlock(&s->mu);
}

/* Runs one call's handler, ends it if the handler did not, frees it;
 * or parks it if the handler asked. */
static void call_run(fl_rpc_server *s, fl_rpc_call *c)
{
	const fl_rpc_method *m = method_find(s, c->method);

	if (!m || !m->fn) {
		fl_rpc_call_finish_code(c, GRPC_STATUS_UNIMPLEMENTED,
					"unknown method");
	} else {
		c->park_pending = false;
		fl_log_ctx_clear();   /* the handler names its caller (coord_svc_auth) */
		m->fn(c, s->ctx);
		fl_log_ctx_clear();
		if (c->park_pending && !c->finished) {
			c->park_pending = false;
			park_insert(s, c);
			return;
		}
		if (!c->finished)
			fl_rpc_call_finish_code(c, GRPC_STATUS_INTERNAL,
						"handler ended without a status");
	}
	fl_rpc_call_free(c);
}

int fl_rpc_call_park(fl_rpc_call *c, uint8_t *req, size_t len,
		     uint32_t wait_ms)
{
	fl_rpc_server *s;
	bool stopping, full;

	if (!c) {
		free(req);
		return FL_E_INVAL;
	}
	if (req) {
		free(c->park_req);
		c->park_req = req;
		c->park_len = len;
	}
	if (c->finished || !c->park_req)
		return FL_E_STATE;
	s = c->srv;
	pthread_mutex_lock(&s->mu);
	stopping = s->stopping;
	full = s->nparked >= FL_RPC_MAX_PARKED;
	pthread_mutex_unlock(&s->mu);
	if (stopping || c->expired)
		return FL_E_STATE;
	if (full)
		return FL_E_BUSY;
	if (c->park_deadline_ms == 0)
		c->park_deadline_ms = fl_mono_ms() + wait_ms;
	c->park_pending = true;
	return 0;
}

bool fl_rpc_call_resumed(const fl_rpc_call *c)
{
	return c && c->resumed;
}

bool fl_rpc_call_expired(const fl_rpc_call *c)
{
	return c && c->expired;
}

int fl_rpc_call_request(const fl_rpc_call *c, const uint8_t **req, size_t *len)
{
	if (!c || !req || !len || !c->park_req)
		return FL_E_STATE;
	*req = c->park_req;
	*len = c->park_len;
	return 0;
}

void fl_rpc_server_wake(fl_rpc_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->wake_gen++;
	while (s->parked) {
		fl_rpc_call *c = s->parked;

		s->parked = c->next;
		s->nparked--;
		queue_push(s, c);
	}
	pthread_mutex_unlock(&s->mu);
}

size_t fl_rpc_server_parked(fl_rpc_server *s)
{
	size_t n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	n = s->nparked;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* The dispatcher's periodic look at the parked calls: those whose wait is
 * over (all of them when all) rerun to answer; with gone, those whose
 * client went away are freed. The close check only plucks the call's own
 * queue, which no worker uses while the call is parked. */
static void park_sweep(fl_rpc_server *s, bool all, bool gone)
{
	fl_rpc_call **pp, *dead = NULL;
	int64_t now = fl_mono_ms();

	pthread_mutex_lock(&s->mu);
	for (pp = &s->parked; *pp;) {
		fl_rpc_call *c = *pp;

		if (all || now >= c->park_deadline_ms) {
			*pp = c->next;
			s->nparked--;
			c->expired = true;
			queue_push(s, c);
		} else if (gone && fl_rpc_call_gone(c)) {
			*pp = c->next;
			s->nparked--;
			c->next = dead;
			dead = c;
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&s->mu);
	while (dead) {
		fl_rpc_call *c = dead;

		dead = c->next;
		fl_rpc_call_free(c);
	}
}

/* A worker: runs queued calls until the queue is empty and stop_workers. */
static void *worker_main(void *arg)
{
	fl_rpc_server *s = arg;

	for (;;) {
		fl_rpc_call *c;

		pthread_mutex_lock(&s->mu);
		while (!s->q_head && !s->stop_workers)
			pthread_cond_wait(&s->cv, &s->mu);
		if ((c = s->q_head) == NULL) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		s->q_head = c->next;
		if (!s->q_head)
			s->q_tail = NULL;
		s->qlen--;
		c->gen = s->wake_gen;
		pthread_mutex_unlock(&s->mu);
		c->next = NULL;
		call_run(s, c);
	}
	return NULL;
}

/* Starts the worker pool; FL_E_NOMEM if not even one thread starts. */
static int workers_start(fl_rpc_server *s)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, FL_RPC_WORKER_STACK);
	while (s->nthreads < FL_RPC_WORKERS &&
	       pthread_create(&s->threads[s->nthreads], &attr, worker_main, s) == 0)
		s->nthreads++;
	pthread_attr_destroy(&attr);
	return s->nthreads > 0 ? 0 : FL_E_NOMEM;
}

/* Lets the workers finish the queue, then joins them. */
static void workers_stop(fl_rpc_server *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop_workers = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	s->nthreads = 0;
}

/* Queues c for a worker; when the queue is full, answers it inline. */
static void worker_start(fl_rpc_server *s, fl_rpc_call *c)
{
	bool full;

	if (fl_rpc_call_accept(c) != 0) {
		fl_rpc_call_finish_code(c, GRPC_STATUS_RESOURCE_EXHAUSTED,
					"out of memory");
		fl_rpc_call_free(c);
		return;
	}
	pthread_mutex_lock(&s->mu);
	full = s->qlen >= FL_RPC_MAX_QUEUE;
	if (!full)
		queue_push(s, c);
	pthread_mutex_unlock(&s->mu);
	if (full) {
		fl_rpc_call_finish_code(c, GRPC_STATUS_RESOURCE_EXHAUSTED,
					"server busy: too many calls waiting; "
					"retry later");
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
	if (workers_start(s) != 0) {
		pthread_mutex_lock(&s->mu);
		s->running = false;
		pthread_mutex_unlock(&s->mu);
		return FL_E_NOMEM;
	}

	request_next(s);
	int64_t next_sweep = fl_mono_ms() + FL_RPC_SWEEP_MS;
	unsigned sweeps = 0;

	while (!shut || s->pending > 0) {
		grpc_event ev = grpc_completion_queue_next(s->cq,
			gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				     gpr_time_from_millis(FL_RPC_SWEEP_MS,
							  GPR_TIMESPAN)), NULL);

		if (fl_mono_ms() >= next_sweep) {
			park_sweep(s, false, ++sweeps % FL_RPC_GONE_SWEEPS == 0);
			next_sweep = fl_mono_ms() + FL_RPC_SWEEP_MS;
		}
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

	/* Every parked call answers (its send fails if it was cancelled). */
	park_sweep(s, true, false);
	workers_stop(s);
	pthread_mutex_lock(&s->mu);
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
	fl_rpc_tls_src_free(s->tls_src);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->methods);
	free(s);
}

void fl_rpc_server_reload_tls(fl_rpc_server *s)
{
	if (s != NULL)
		fl_rpc_tls_src_reload(s->tls_src);
}

void fl_rpc_server_flush(fl_rpc_server *s)
{
	if (s)
		park_sweep(s, true, false);
}
