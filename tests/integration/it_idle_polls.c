/* SPDX-License-Identifier: Apache-2.0 */
/* it_idle_polls: many idle agents' long polls against a running coordinator.
 * Opens CONNS connections (each its own TCP and TLS connection), cycling
 * through the site certificates DIR/s1.pem .. DIR/sSITES.pem, and sends one
 * long poll on each with wait_ms = HOLD. While they are all held it reads
 * the coordinator's thread count and resident size from /proc/PID/status,
 * then checks that every poll came back OK with no task, and only after
 * being held (so each one was parked, not answered at once). A connection
 * that fails to come up is dialled again (up to IDLE_DIAL_TRIES, as an
 * agent reconnects); the JSON line counts those redials.
 * Prints one JSON line with the figures; exits 1 on a failed check.
 * Usage: it_idle_polls HOST:PORT CA DIR SITES CONNS HOLD_MS COORD_PID MAX_THREADS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_err.h"
#include "fl_rpc.h"
#include "fl_util.h"

typedef struct idle_conn {
	pthread_t th;
	fl_rpc_channel *ch;
	uint32_t hold_ms;
	int rc;
	int kind;
	int64_t took_ms;
	unsigned retries;
	char detail[256];
} idle_conn;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned sent;

/* A connection that fails before it is up (FL_E_NET well before the hold)
 * is dialled again, as the agent's loop does; the poll that counts is the
 * last one, which must still be held and answered. */
#define IDLE_DIAL_TRIES 5

static void *conn_main(void *arg)
{
	idle_conn *c = arg;
	fl_msg_poll_req req;
	fl_msg_task task;
	fl_rpc_status st;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int64_t t0;

	memset(&req, 0, sizeof(req));
	memset(&task, 0, sizeof(task));
	snprintf(req.agent_version, sizeof(req.agent_version), "it-idle-polls");
	req.wait_ms = c->hold_ms;
	if ((c->rc = fl_codec_encode_poll_req(&req, &buf, &len)) != 0)
		return NULL;
	pthread_mutex_lock(&mu);
	sent++;
	pthread_mutex_unlock(&mu);
	for (unsigned a = 0;; a++) {
		t0 = fl_mono_ms();
		c->rc = fl_rpc_unary(c->ch, FL_RPC_AGENT_POLL, buf, len,
				     c->hold_ms + 30000, &resp, &rlen, &st);
		c->took_ms = fl_mono_ms() - t0;
		if (c->rc != FL_E_NET || c->took_ms >= 1000 ||
		    a + 1 >= IDLE_DIAL_TRIES)
			break;
		c->retries++;
		fl_sleep_ms(200 * (a + 1));
	}
	snprintf(c->detail, sizeof(c->detail), "%s", st.detail);
	if (c->rc == 0 && (c->rc = fl_codec_decode_task(resp, rlen, &task)) == 0)
		c->kind = (int)task.kind;
	fl_msg_task_clear(&task);
	free(buf);
	free(resp);
	return NULL;
}

/* Threads: and VmRSS: (kB) of a process; -1 if unreadable. */
static void proc_status(long pid, long *threads, long *rss_kb)
{
	char path[64], line[256];
	FILE *f;

	*threads = *rss_kb = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Threads: %ld", threads);
		sscanf(line, "VmRSS: %ld", rss_kb);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	char cert[4096], key[4096];
	idle_conn *cs = NULL;
	unsigned sites, conns, i, ok = 0, held = 0, redials = 0;
	long pid, max_threads, th0, rss0, th1 = -1, rss1 = -1, th, rss;
	uint32_t hold;
	int fails = 0;

	if (argc != 9) {
		fprintf(stderr, "usage: it_idle_polls HOST:PORT CA DIR SITES CONNS "
			"HOLD_MS COORD_PID MAX_THREADS\n");
		return 2;
	}
	sites = (unsigned)strtoul(argv[4], NULL, 10);
	conns = (unsigned)strtoul(argv[5], NULL, 10);
	hold = (uint32_t)strtoul(argv[6], NULL, 10);
	pid = strtol(argv[7], NULL, 10);
	max_threads = strtol(argv[8], NULL, 10);
	if (sites == 0 || conns == 0 || hold < 2000 ||
	    (cs = calloc(conns, sizeof(*cs))) == NULL)
		return 2;
	fl_rpc_global_init();
	proc_status(pid, &th0, &rss0);
	for (i = 0; i < conns; i++) {
		fl_rpc_tls tls = { argv[2], cert, key };

		snprintf(cert, sizeof(cert), "%s/s%u.pem", argv[3], i % sites + 1);
		snprintf(key, sizeof(key), "%s/s%u.key", argv[3], i % sites + 1);
		cs[i].hold_ms = hold;
		if (fl_rpc_channel_new_ka(argv[1], &tls, FL_MSG_MAX_BYTES, 0,
					  &cs[i].ch) != 0 ||
		    pthread_create(&cs[i].th, NULL, conn_main, &cs[i]) != 0) {
			fprintf(stderr, "cannot open connection %u\n", i);
			return 2;
		}
	}
	/* While the polls are held: sample the coordinator (its peak over
	 * the hold's middle part, after the connections are up). */
	for (int64_t end = fl_mono_ms() + hold * 3 / 4; fl_mono_ms() < end;) {
		fl_sleep_ms(100);
		proc_status(pid, &th, &rss);
		if (th > th1)
			th1 = th;
		if (rss > rss1)
			rss1 = rss;
	}
	for (i = 0; i < conns; i++) {
		pthread_join(cs[i].th, NULL);
		if (cs[i].rc == 0 && cs[i].kind == FL_TASK_NONE)
			ok++;
		else if (fails++ < 5)
			fprintf(stderr, "poll %u: %s (%s)\n", i, fl_strerror(cs[i].rc),
				cs[i].detail);
		if (cs[i].took_ms >= (int64_t)hold * 8 / 10)
			held++;
		redials += cs[i].retries;
		fl_rpc_channel_free(cs[i].ch);
	}
	printf("{\"conns\":%u,\"sent\":%u,\"answered\":%u,\"held\":%u,"
	       "\"redials\":%u,\"hold_ms\":%u,\"threads_before\":%ld,"
	       "\"threads_held\":%ld,\"rss_kib_before\":%ld,\"rss_kib_held\":%ld}\n",
	       conns, sent, ok, held, redials, hold, th0, th1, rss0, rss1);
	if (ok != conns) {
		fprintf(stderr, "FAIL: %u of %u polls came back with no task\n", ok,
			conns);
		fails++;
	}
	if (held != conns) {
		fprintf(stderr, "FAIL: only %u of %u polls were held (parked) for "
			"most of their wait\n", held, conns);
		fails++;
	}
	if (th1 < 0 || th1 > max_threads) {
		fprintf(stderr, "FAIL: the coordinator ran %ld threads while %u "
			"polls were held (bound %ld)\n", th1, conns, max_threads);
		fails++;
	}
	free(cs);
	fl_rpc_global_shutdown();
	return fails ? 1 : 0;
}
