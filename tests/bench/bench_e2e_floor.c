/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_floor: the floor for 'fedc-bench e2e': the time to move a
 * round's bytes (per site: up, then down) over loopback mutual TLS with one
 * plain gRPC stream per site (the fl_rpc layer, the consortium's
 * certificates), all sites at once, nothing else. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_e2e.h"
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_rpc.h"

#define FLOOR_METHOD "/fedc.bench.Floor/Move"
#define FLOOR_CHUNK (256u * 1024u)   /* as the agents' upload chunks */
#define FLOOR_TIMEOUT_MS 600000u
#define FLOOR_CONNECT_TRIES 10

static uint8_t floor_zero[FLOOR_CHUNK];

typedef struct floor_ctx {
	uint64_t down;              /* bytes the server sends per call */
	pthread_barrier_t start, end;
	uint32_t reps;
} floor_ctx;

typedef struct floor_site {
	floor_ctx *fx;
	fl_rpc_channel *ch;
	uint64_t up;
	int err;
	char why[256];
	pthread_t th;
} floor_site;

/* Server: swallows the client's messages, then sends fx->down bytes. */
static void floor_handle(fl_rpc_call *call, void *ctx)
{
	const floor_ctx *fx = ctx;
	uint64_t left = fx->down ? fx->down : 1;
	uint8_t *buf;
	size_t len;
	int r;

	while ((r = fl_rpc_call_recv(call, &buf, &len)) == 0)
		free(buf);
	if (r != FL_E_EOF) {
		fl_rpc_call_finish(call, r, "receive failed");
		return;
	}
	r = 0;
	while (left > 0 && r == 0) {
		size_t k = left < FLOOR_CHUNK ? (size_t)left : FLOOR_CHUNK;

		r = fl_rpc_call_send(call, floor_zero, k);
		left -= k;
	}
	fl_rpc_call_finish(call, r, r ? fl_strerror(r) : NULL);
}

static void *floor_serve(void *arg)
{
	fl_rpc_server_run(arg);
	return NULL;
}

/* One call: up bytes up, everything the server sends down. */
static int floor_move(fl_rpc_channel *ch, uint64_t up, char why[256])
{
	fl_rpc_stream *s = NULL;
	fl_rpc_status st;
	uint64_t left = up ? up : 1;
	uint8_t *buf;
	size_t len;
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = fl_rpc_stream_open(ch, FLOOR_METHOD, FLOOR_TIMEOUT_MS, &s)) != 0) {
		snprintf(why, 256, "cannot open a stream");
		return r;
	}
	while (left > 0 && r == 0) {
		size_t k = left < FLOOR_CHUNK ? (size_t)left : FLOOR_CHUNK;

		r = fl_rpc_stream_send(s, floor_zero, k);
		left -= k;
	}
	if (r == 0)
		r = fl_rpc_stream_close_send(s);
	while (r == 0 && (r = fl_rpc_stream_recv(s, &buf, &len)) == 0)
		free(buf);
	if (r == FL_E_EOF)
		r = 0;
	if (fl_rpc_stream_finish(s, &st) != 0 && r == 0)
		r = FL_E_NET;
	if (r != 0)
		snprintf(why, 256, "gRPC status %d: %.200s", st.code, st.detail);
	fl_rpc_stream_free(s);
	return r;
}

static void *floor_client(void *arg)
{
	floor_site *s = arg;

	for (uint32_t i = 0; i < s->fx->reps; i++) {
		pthread_barrier_wait(&s->fx->start);
		if (s->err == 0)
			s->err = floor_move(s->ch, s->up, s->why);
		pthread_barrier_wait(&s->fx->end);
	}
	return NULL;
}

static int floor_channels(const char *work, int port, floor_site *sites,
			  uint32_t n)
{
	char ca[E2E_PATH_BYTES], cert[E2E_PATH_BYTES], key[E2E_PATH_BYTES];
	char target[64], name[32];
	fl_rpc_tls tls = { ca, cert, key };

	e2e_path(ca, "%s/pki/ca.pem", work);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	for (uint32_t i = 0; i < n; i++) {
		e2e_site_name(i, name);
		e2e_path(cert, "%s/pki/%s.pem", work, name);
		e2e_path(key, "%s/pki/%s.key", work, name);
		if (fl_rpc_channel_new(target, &tls, FL_MSG_MAX_BYTES, &sites[i].ch) != 0)
			return -1;
	}
	return 0;
}

int e2e_floor(const char *work, uint32_t nsites, uint64_t up, uint64_t down,
	      uint32_t reps, double *median_ms)
{
	char ca[E2E_PATH_BYTES], cert[E2E_PATH_BYTES], key[E2E_PATH_BYTES];
	fl_rpc_tls tls = { ca, cert, key };
	fl_rpc_method m = { FLOOR_METHOD, floor_handle };
	floor_ctx fx = { .down = down, .reps = reps };
	floor_site *sites = calloc(nsites, sizeof(*sites));
	double *ms = calloc(reps, sizeof(*ms));
	fl_rpc_server *srv = NULL;
	pthread_t sth;
	uint32_t started = 0, i;
	int rc = -1, serving = 0;

	e2e_path(ca, "%s/pki/ca.pem", work);
	e2e_path(cert, "%s/pki/coordinator.pem", work);
	e2e_path(key, "%s/pki/coordinator.key", work);
	if (!sites || !ms || reps == 0)
		goto out;
	if (fl_rpc_server_new("127.0.0.1:0", &tls, &m, 1, &fx, FL_MSG_MAX_BYTES, &srv) != 0) {
		fprintf(stderr, "e2e: floor: cannot start the gRPC server\n");
		goto out;
	}
	if (pthread_create(&sth, NULL, floor_serve, srv) != 0)
		goto out;
	serving = 1;
	if (floor_channels(work, fl_rpc_server_port(srv), sites, nsites) != 0)
		goto out;
	/* The agents' connections are up before a round: so are these. One
	 * at a time, with retries: a hundred TLS handshakes at once on a
	 * small machine can outlast gRPC's connect timeout. */
	for (i = 0; i < nsites; i++) {
		int tries = 0;

		while ((sites[i].err = floor_move(sites[i].ch, 1, sites[i].why)) != 0 &&
		       ++tries < FLOOR_CONNECT_TRIES && !e2e_interrupted)
			e2e_sleep_ms(200);
		if (sites[i].err) {
			fprintf(stderr, "e2e: floor: site %u cannot connect: %s\n", i + 1,
				sites[i].why);
			goto out;
		}
	}
	pthread_barrier_init(&fx.start, NULL, nsites + 1);
	pthread_barrier_init(&fx.end, NULL, nsites + 1);
	for (i = 0; i < nsites; i++) {
		sites[i].fx = &fx;
		sites[i].up = up;
		if (pthread_create(&sites[i].th, NULL, floor_client, &sites[i]) != 0) {
			fprintf(stderr, "e2e: floor: cannot start thread %u\n", i);
			abort();   /* the barriers count on every thread */
		}
		started++;
	}
	for (i = 0; i < reps; i++) {
		int64_t t0;

		pthread_barrier_wait(&fx.start);
		t0 = bench_now_ns();
		pthread_barrier_wait(&fx.end);
		ms[i] = (double)(bench_now_ns() - t0) / 1e6;
	}
	for (i = 0; i < started; i++)
		pthread_join(sites[i].th, NULL);
	pthread_barrier_destroy(&fx.start);
	pthread_barrier_destroy(&fx.end);
	rc = 0;
	for (i = 0; i < nsites; i++)
		if (sites[i].err) {
			fprintf(stderr, "e2e: floor: site %u: %s (%s)\n", i + 1,
				fl_strerror(sites[i].err), sites[i].why);
			rc = -1;
		}
	if (rc == 0)
		*median_ms = e2e_median(ms, reps);
out:
	for (i = 0; sites && i < nsites; i++)
		fl_rpc_channel_free(sites[i].ch);
	if (serving) {
		fl_rpc_server_stop(srv);
		pthread_join(sth, NULL);
	}
	fl_rpc_server_free(srv);
	free(sites);
	free(ms);
	return rc;
}
