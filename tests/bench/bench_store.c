/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-bench-store: the coordinator store's commit latency per round (the
 * one transaction of round row, model blob, job progress and ledger
 * entry), on SQLite or PostgreSQL. Prints one line of figures.
 *   fedc-bench-store DATABASE [ROUNDS [MODEL_BYTES]]
 * DATABASE: a new SQLite file, or a postgresql:// URL of an empty
 * database (FL_BENCH_PG_PASSFILE: its password file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coord_store.h"
#include "fl_err.h"
#include "fl_util.h"

static int bench_entry(void *ctx, uint64_t seq, const char *prev,
		       coord_ledger_row *out)
{
	(void)ctx;
	out->job_id = 1;
	out->round = (uint32_t)seq;
	out->attempt = 1;
	if ((out->text = strdup("{\"kind\":\"train\",\"bench\":true}")) == NULL)
		return FL_E_NOMEM;
	snprintf(out->hash_hex, sizeof(out->hash_hex), "%s", prev);
	memset(out->sig_hex, 'a', sizeof(out->sig_hex) - 1);
	out->sig_hex[sizeof(out->sig_hex) - 1] = '\0';
	return 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	fl_msg_job_info job;
	fl_msg_round_info r;
	coord_store *st = NULL;
	long long *us, sum = 0;
	uint8_t *model;
	uint64_t id;
	int rounds, bytes, i, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: fedc-bench-store DATABASE [ROUNDS [MODEL_BYTES]]\n");
		return 2;
	}
	rounds = argc > 2 ? atoi(argv[2]) : 200;
	bytes = argc > 3 ? atoi(argv[3]) : 65536;
	if (rounds <= 0 || bytes <= 0)
		return 2;
	us = calloc((size_t)rounds, sizeof(*us));
	model = calloc(1, (size_t)bytes);
	if ((rc = coord_store_open_db(argv[1], getenv("FL_BENCH_PG_PASSFILE"), &st,
				      errmsg)) != 0) {
		fprintf(stderr, "%s\n", errmsg[0] ? errmsg : fl_strerror(rc));
		return 1;
	}
	memset(&job, 0, sizeof(job));
	snprintf(job.name, sizeof(job.name), "bench");
	snprintf(job.dataset, sizeof(job.dataset), "d");
	snprintf(job.model, sizeof(job.model), "logistic");
	job.rounds_total = (uint32_t)rounds;
	if (!us || !model || coord_store_job_insert(st, &job, "[job]", 1, &id) != 0)
		return 1;
	memset(&r, 0, sizeof(r));
	snprintf(r.kind, sizeof(r.kind), "train");
	snprintf(r.state, sizeof(r.state), "done");
	for (i = 0; i < rounds; i++) {
		long long t0 = now_us();

		r.round = (uint32_t)i + 1;
		r.attempt = 1;
		model[i % bytes] ^= 1;
		if ((rc = coord_store_round_commit_ledger(st, id, &r, model, (size_t)bytes,
							  (uint32_t)i + 1, (uint32_t)i + 1,
							  NULL, NULL, fl_time_ms(),
							  bench_entry, NULL)) != 0) {
			fprintf(stderr, "commit %d: %s\n", i, fl_strerror(rc));
			return 1;
		}
		us[i] = now_us() - t0;
		sum += us[i];
	}
	qsort(us, (size_t)rounds, sizeof(*us), cmp_ll);
	printf("store commit per round (%s, %d rounds, %d-byte model + round + "
	       "job + ledger entry): mean %.2f ms, p50 %.2f ms, p99 %.2f ms\n",
	       coord_store_is_pg(st) ? "PostgreSQL" : "SQLite", rounds, bytes,
	       sum / 1000.0 / rounds, us[rounds / 2] / 1000.0,
	       us[(rounds * 99) / 100 < rounds ? (rounds * 99) / 100 : rounds - 1] / 1000.0);
	coord_store_close(st);
	free(us);
	free(model);
	return 0;
}
