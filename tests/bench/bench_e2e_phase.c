/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_phase: where a round's time goes. The coordinator records only
 * each attempt's start and end; at log_level debug it logs every secure-
 * aggregation phase change ("job J round R attempt A: secagg X -> Y"), so
 * the phases are timed from its log, to the millisecond of its stamps. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_e2e.h"

/* advertise starts with the attempt; unmask ends at "unmask -> done",
 * logged once the sum is unmasked (the round's recorded end can come a
 * little before: the coordinator stamps it first). */
const char *const e2e_phase_names[E2E_NPHASES] = {
	"advertise", "share", "input", "consistency", "unmask"
};

#define PHASE_DONE E2E_NPHASES   /* enter[PHASE_DONE]: the sum is out */

static int phase_index(const char *name)
{
	if (strcmp(name, "done") == 0)
		return PHASE_DONE;
	for (int i = 0; i < E2E_NPHASES; i++)
		if (strcmp(name, e2e_phase_names[i]) == 0)
			return i;
	return -1;
}

/* "2026-12-06T06:09:22.469Z ..." -> ms since the epoch, or -1. */
static int64_t phase_stamp_ms(const char *line)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* Reads the log's phase changes of job_id into enter[round][phase] (the ms
 * each phase of each round's finishing attempt began). */
static int phase_read(const char *logpath, uint64_t job_id, const e2e_round *rounds,
		      uint32_t n, double (*enter)[E2E_NPHASES + 1])
{
	char line[1024];
	int found = 0;
	FILE *f = fopen(logpath, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long j;
		unsigned r, a;
		char from[32], to[32];
		const char *p = strstr(line, "job ");
		int64_t t;
		int k;

		if (!p || !strstr(p, ": secagg ") ||
		    sscanf(p, "job %llu round %u attempt %u: secagg %31s -> %31s",
			   &j, &r, &a, from, to) != 5 || j != job_id ||
		    (k = phase_index(to)) < 0 || (t = phase_stamp_ms(line)) < 0)
			continue;
		for (uint32_t i = 0; i < n; i++)
			if (rounds[i].round == r && rounds[i].attempts == a) {
				enter[i][k] = (double)t;
				found = 1;
			}
	}
	fclose(f);
	return found ? 0 : -1;
}

int e2e_phases(const char *logpath, uint64_t job_id, const e2e_round *rounds,
	       uint32_t n, double med_ms[E2E_NPHASES])
{
	double (*enter)[E2E_NPHASES + 1] = calloc(n ? n : 1, sizeof(*enter));
	double *col = calloc(n ? n : 1, sizeof(double));
	int rc = -1;

	for (int p = 0; p < E2E_NPHASES; p++)
		med_ms[p] = NAN;
	if (!enter || !col)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		for (int p = 0; p <= E2E_NPHASES; p++)
			enter[i][p] = NAN;
		enter[i][0] = (double)rounds[i].last_started_ms;
	}
	if (phase_read(logpath, job_id, rounds, n, enter) != 0)
		goto out;
	for (int p = 0; p < E2E_NPHASES; p++) {
		size_t k = 0;

		for (uint32_t i = 0; i < n; i++) {
			double end = NAN;

			/* a phase ends where the next one that ran begins */
			for (int q = p + 1; q <= PHASE_DONE && isnan(end); q++)
				end = enter[i][q];
			if (isnan(end))
				end = (double)rounds[i].finished_ms;
			if (!isnan(enter[i][p]) && !isnan(end))
				col[k++] = end - enter[i][p];
		}
		if (k)
			med_ms[p] = e2e_median(col, k);
	}
	rc = 0;
out:
	free(col);
	free(enter);
	return rc;
}
