/* SPDX-License-Identifier: Apache-2.0 */
/* test_rpc_park: long polls in the gRPC glue (fl_rpc_call_park). Parked
 * calls hold no worker (a plain call is served while more calls than
 * workers are parked), a wake reruns them, an unwoken one answers when its
 * wait is over, a call whose client went away is freed without a rerun,
 * a wake during the handler is not lost, and stopping the server answers
 * every parked call; a flush answers them at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl_err.h"
#include "fl_msg.h"
#include "fl_rpc.h"
#include "fl_test.h"
#include "fl_util.h"

#define M_ECHO "/test.Park/Echo"
#define M_PARK "/test.Park/Wait"
#define NPARK 40u                 /* more than the server's 16 workers */

static atomic_int ready;          /* the event parked calls wait for */
static atomic_int runs;           /* handler runs of M_PARK */
static fl_rpc_server *srv;
static atomic_int wake_in_handler;  /* wake once from inside the handler */

static void h_echo(fl_rpc_call *c, void *ctx)
{
	uint8_t *req = NULL;
	size_t len = 0;
	int r;

	(void)ctx;
	if ((r = fl_rpc_call_recv(c, &req, &len)) == 0 &&
	    (r = fl_rpc_call_send(c, req, len)) == 0)
		r = fl_rpc_call_finish(c, 0, NULL);
	else
		fl_rpc_call_finish(c, r, "echo");
	free(req);
}

/* Request: the wait in ms as text. Answers "go" once ready is set,
 * "expired" when the wait ran out. */
static void h_park(fl_rpc_call *c, void *ctx)
{
	uint8_t *req = NULL;
	const uint8_t *p;
	size_t len = 0;
	char txt[16];
	const char *ans;
	int r;

	(void)ctx;
	atomic_fetch_add(&runs, 1);
	if (fl_rpc_call_resumed(c)) {
		if (fl_rpc_call_request(c, &p, &len) != 0) {
			fl_rpc_call_finish(c, FL_E_STATE, "lost request");
			return;
		}
	} else {
		if ((r = fl_rpc_call_recv(c, &req, &len)) != 0) {
			fl_rpc_call_finish(c, r, "recv");
			return;
		}
		p = req;
	}
	snprintf(txt, sizeof(txt), "%.*s", (int)(len < 15 ? len : 15), (const char *)p);
	if (atomic_exchange(&wake_in_handler, 0))
		fl_rpc_server_wake(srv);   /* a wake that races with the park */
	if (!atomic_load(&ready) && !fl_rpc_call_expired(c) &&
	    fl_rpc_call_park(c, req, len, (uint32_t)atoi(txt)) == 0)
		return;   /* req belongs to the call now */
	if (!fl_rpc_call_resumed(c))
		free(req);
	ans = atomic_load(&ready) ? "go" : "expired";
	if (fl_rpc_call_send(c, (const uint8_t *)ans, strlen(ans)) == 0)
		fl_rpc_call_finish(c, 0, NULL);
	else
		fl_rpc_call_finish(c, FL_E_NET, "send");
}

static const fl_rpc_method methods[] = { { M_ECHO, h_echo }, { M_PARK, h_park } };

typedef struct waiter {
	pthread_t th;
	fl_rpc_channel *ch;
	uint32_t wait_ms, timeout_ms;
	int rc;
	char ans[16];
	int64_t took_ms;
} waiter;

static void *waiter_main(void *arg)
{
	waiter *w = arg;
	fl_rpc_status st;
	uint8_t *resp = NULL;
	size_t n = 0;
	char req[16];
	int64_t t0 = fl_mono_ms();

	snprintf(req, sizeof(req), "%u", w->wait_ms);
	w->rc = fl_rpc_unary(w->ch, M_PARK, (const uint8_t *)req, strlen(req),
			     w->timeout_ms, &resp, &n, &st);
	w->took_ms = fl_mono_ms() - t0;
	if (w->rc == 0)
		snprintf(w->ans, sizeof(w->ans), "%.*s", (int)(n < 15 ? n : 15), (char *)resp);
	free(resp);
	return NULL;
}

static void *server_main(void *arg)
{
	static int rc;

	rc = fl_rpc_server_run(arg);
	return &rc;
}

/* Waits (up to 10 s) until n calls are parked. */
static bool parked_reach(size_t n)
{
	for (int i = 0; i < 1000; i++) {
		if (fl_rpc_server_parked(srv) == n)
			return true;
		fl_sleep_ms(10);
	}
	return false;
}

static char tmpdir[] = "/tmp/fl_test_rpc_park_XXXXXX";

int main(void)
{
	char cmd[1024], target[64], ca[512], scert[512], skey[512], ccert[512], ckey[512];
	fl_rpc_tls stls = { ca, scert, skey }, ctls = { ca, ccert, ckey };
	fl_rpc_channel *ch = NULL;
	static waiter w[NPARK];
	waiter one;
	pthread_t th;
	void *ret = NULL;
	uint8_t *resp = NULL;
	size_t n = 0;
	fl_rpc_status st;
	unsigned i, go = 0;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(cmd, sizeof(cmd), "sh %s %s site1 >/dev/null", FL_GEN_CERTS, tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	snprintf(scert, sizeof(scert), "%s/coordinator.pem", tmpdir);
	snprintf(skey, sizeof(skey), "%s/coordinator.key", tmpdir);
	snprintf(ccert, sizeof(ccert), "%s/site1.pem", tmpdir);
	snprintf(ckey, sizeof(ckey), "%s/site1.key", tmpdir);
	fl_rpc_global_init();
	FL_CHECK_EQ_INT(fl_rpc_server_new("127.0.0.1:0", &stls, methods, 2, NULL,
					  FL_MSG_MAX_BYTES, &srv), 0);
	if (!srv)
		return FL_TEST_DONE();
	snprintf(target, sizeof(target), "127.0.0.1:%d", fl_rpc_server_port(srv));
	pthread_create(&th, NULL, server_main, srv);
	/* keep-alive below the floor is refused; at it, accepted */
	FL_CHECK_EQ_INT(fl_rpc_channel_new_ka(target, &ctls, FL_MSG_MAX_BYTES, 10, &ch),
			FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_rpc_channel_new_ka(target, &ctls, FL_MSG_MAX_BYTES,
					      FL_RPC_MIN_KEEPALIVE_MS, &ch), 0);

	/* 1. More parked calls than workers; a plain call still gets served. */
	for (i = 0; i < NPARK; i++) {
		w[i].ch = ch;
		w[i].wait_ms = 60000;
		w[i].timeout_ms = 90000;
		pthread_create(&w[i].th, NULL, waiter_main, &w[i]);
	}
	FL_CHECK(parked_reach(NPARK));
	FL_CHECK_EQ_INT(fl_rpc_unary(ch, M_ECHO, (const uint8_t *)"hi", 2, 5000,
				     &resp, &n, &st), 0);
	FL_CHECK(n == 2 && resp && memcmp(resp, "hi", 2) == 0);
	free(resp);
	resp = NULL;

	/* 2. A wake with nothing new: every call reruns and parks again. */
	atomic_store(&runs, 0);
	fl_rpc_server_wake(srv);
	for (i = 0; i < 500 && atomic_load(&runs) < (int)NPARK; i++)
		fl_sleep_ms(10);
	FL_CHECK_EQ_INT(atomic_load(&runs), NPARK);
	FL_CHECK(parked_reach(NPARK));

	/* 3. The event, then a wake: every call answers "go". */
	atomic_store(&ready, 1);
	fl_rpc_server_wake(srv);
	for (i = 0; i < NPARK; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].rc == 0 && strcmp(w[i].ans, "go") == 0)
			go++;
	}
	FL_CHECK_EQ_INT(go, NPARK);
	FL_CHECK_EQ_INT(fl_rpc_server_parked(srv), 0);
	atomic_store(&ready, 0);

	/* 4. No wake: the call answers "expired" once its wait is over. */
	memset(&one, 0, sizeof(one));
	one.ch = ch;
	one.wait_ms = 400;
	one.timeout_ms = 30000;
	waiter_main(&one);
	FL_CHECK_EQ_INT(one.rc, 0);
	FL_CHECK(strcmp(one.ans, "expired") == 0);
	FL_CHECK(one.took_ms >= 400);

	/* 4b. A flush answers a parked call at once, as if its wait were
	 * over (news the handler cannot see, e.g. a new CRL). */
	memset(&one, 0, sizeof(one));
	one.ch = ch;
	one.wait_ms = 60000;
	one.timeout_ms = 90000;
	pthread_create(&one.th, NULL, waiter_main, &one);
	FL_CHECK(parked_reach(1));
	fl_rpc_server_flush(srv);
	pthread_join(one.th, NULL);
	FL_CHECK_EQ_INT(one.rc, 0);
	FL_CHECK(strcmp(one.ans, "expired") == 0);
	FL_CHECK(one.took_ms < 30000);
	FL_CHECK_EQ_INT(fl_rpc_server_parked(srv), 0);

	/* 5. A wake while the handler runs (before it parks) is not lost:
	 * the call reruns at once instead of sleeping through its wait. */
	atomic_store(&runs, 0);
	atomic_store(&wake_in_handler, 1);
	memset(&one, 0, sizeof(one));
	one.ch = ch;
	one.wait_ms = 60000;
	one.timeout_ms = 90000;
	pthread_create(&one.th, NULL, waiter_main, &one);
	for (i = 0; i < 500 && atomic_load(&runs) < 2; i++)
		fl_sleep_ms(10);
	FL_CHECK(atomic_load(&runs) >= 2);
	FL_CHECK(parked_reach(1));

	/* 6. A client that gives up: its parked call is freed, no rerun. */
	{
		waiter quitter;

		memset(&quitter, 0, sizeof(quitter));
		quitter.ch = ch;
		quitter.wait_ms = 60000;
		quitter.timeout_ms = 300;   /* the client's deadline */
		waiter_main(&quitter);
		FL_CHECK(quitter.rc != 0);
		FL_CHECK(parked_reach(1));   /* only case 5's call is left */
	}

	/* 7. Stopping the server answers the parked call (case 5's). */
	fl_rpc_server_stop(srv);
	pthread_join(one.th, NULL);
	FL_CHECK(one.rc != 0 || strcmp(one.ans, "expired") == 0);
	pthread_join(th, &ret);
	FL_CHECK(ret && *(int *)ret == 0);
	fl_rpc_server_free(srv);
	fl_rpc_channel_free(ch);
	fl_rpc_global_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	return FL_TEST_DONE();
}
