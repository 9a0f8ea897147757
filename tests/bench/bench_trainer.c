/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fedc-bench-trainer: the fixed-cost external trainer of 'fedc-bench e2e'.
 * It speaks the contract of client/agent_external.h (no fedc code), does
 * nearly no work, and so leaves only the system to be timed:
 *   fedc-bench-trainer FOLDER
 * reads nparams from task.txt and the nparams float64 of global.f64, adds a
 * fixed small delta (+/-1e-4, alternating), writes local.f64 and result.txt
 * ("samples 1", "loss 0"). If FEDC_BENCH_TRAIN_LOG names a file, it appends
 * one line "round R start_ns end_ns nparams" (CLOCK_MONOTONIC) for its own
 * run: fedc-bench counts that time as local training.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TR_DELTA 1e-4
#define TR_MAX_PARAMS (64u * 1024u * 1024u)

static int64_t tr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* nparams and round from task.txt; 0 on success. */
static int tr_read_task(size_t *nparams, unsigned *round)
{
	char line[256];
	FILE *f = fopen("task.txt", "r");
	int have = 0;

	if (!f)
		return -1;
	/* Lines such as "features ..." may be long: fgets reads them in
	 * pieces, and only a piece at a line's start can match a key. */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "nparams %llu", &v) == 1 && v > 0 && v <= TR_MAX_PARAMS) {
			*nparams = (size_t)v;
			have = 1;
		} else if (sscanf(line, "round %llu", &v) == 1) {
			*round = (unsigned)v;
		}
	}
	fclose(f);
	return have ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *logp = getenv("FEDC_BENCH_TRAIN_LOG");
	int64_t t0 = tr_now_ns();
	size_t n = 0, i;
	unsigned round = 0;
	double *w = NULL;
	FILE *f;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: fedc-bench-trainer FOLDER (run by fedc-agent)\n");
		return 2;
	}
	if (chdir(argv[1]) != 0 || tr_read_task(&n, &round) != 0) {
		fprintf(stderr, "fedc-bench-trainer: cannot read %s/task.txt\n", argv[1]);
		return 1;
	}
	if (!(w = malloc(n * sizeof(*w))))
		return 1;
	if (!(f = fopen("global.f64", "rb")) || fread(w, sizeof(*w), n, f) != n) {
		fprintf(stderr, "fedc-bench-trainer: global.f64 has fewer than %zu values\n", n);
		goto out;
	}
	fclose(f);
	/* The contract is little-endian float64; so is every host fedc runs
	 * on, so the bytes are used as they are. */
	for (i = 0; i < n; i++)
		w[i] += (i & 1) ? -TR_DELTA : TR_DELTA;
	if (!(f = fopen("local.f64", "wb")) || fwrite(w, sizeof(*w), n, f) != n ||
	    fclose(f) != 0) {
		fprintf(stderr, "fedc-bench-trainer: cannot write local.f64\n");
		goto out;
	}
	if (!(f = fopen("result.txt", "w")) || fprintf(f, "samples 1\nloss 0\n") < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "fedc-bench-trainer: cannot write result.txt\n");
		goto out;
	}
	rc = 0;
	if (logp) {
		char buf[96];
		int fd = open(logp, O_WRONLY | O_APPEND | O_CREAT, 0600);
		int k = snprintf(buf, sizeof(buf), "round %u %lld %lld %zu\n", round,
				 (long long)t0, (long long)tr_now_ns(), n);

		/* one short O_APPEND write: lines of parallel trainers never mix */
		if (fd >= 0) {
			if (write(fd, buf, (size_t)k) != k)
				rc = 1;
			close(fd);
		}
	}
out:
	free(w);
	return rc;
}
