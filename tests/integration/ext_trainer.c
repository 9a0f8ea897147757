/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ext_trainer: a small external trainer written for the tests, speaking the
 * contract of client/agent_external.h with no fedc code at all: it reads
 * task.txt, train.csv and global.f64 from the folder it is given, runs
 * mini-batch SGD for a logistic (or linear) model on the standardised
 * features, and writes local.f64 and result.txt.
 *   ext_trainer FOLDER
 * EXT_TRAINER_FAIL=crash|garbage makes it fail on purpose (for tests).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXD 256
#define MAXROWS 100000

static char model[32];
static unsigned d, k, epochs, batch, nparams;
static double lr, l2, mean[MAXD], scale[MAXD], ymean = 0.0, yscale = 1.0;

static int parse_list(const char *s, double *out, unsigned n)
{
	unsigned i;
	char *end;

	for (i = 0; i < n; i++) {
		out[i] = strtod(s, &end);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int read_task(void)
{
	char line[65536];
	FILE *f = fopen("task.txt", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *val = strchr(line, ' ');

		if (!val)
			continue;
		*val++ = '\0';
		val[strcspn(val, "\n")] = '\0';
		if (!strcmp(line, "model"))
			snprintf(model, sizeof(model), "%s", val);
		else if (!strcmp(line, "d"))
			d = (unsigned)atoi(val);
		else if (!strcmp(line, "k"))
			k = (unsigned)atoi(val);
		else if (!strcmp(line, "nparams"))
			nparams = (unsigned)atoi(val);
		else if (!strcmp(line, "local_epochs"))
			epochs = (unsigned)atoi(val);
		else if (!strcmp(line, "batch_size"))
			batch = (unsigned)atoi(val);
		else if (!strcmp(line, "lr"))
			lr = atof(val);
		else if (!strcmp(line, "l2"))
			l2 = atof(val);
		else if (!strcmp(line, "mean") && d && parse_list(val, mean, d) != 0)
			return -1;
		else if (!strcmp(line, "scale") && d && parse_list(val, scale, d) != 0)
			return -1;
		else if (!strcmp(line, "label_mean"))
			ymean = atof(val);
		else if (!strcmp(line, "label_scale"))
			yscale = atof(val);
	}
	fclose(f);
	if (d == 0 || d > MAXD || k != 1 || nparams != d + 1 || batch == 0 || !(yscale > 0) ||
	    (strcmp(model, "logistic") && strcmp(model, "linear")))
		return -1;
	return 0;
}

static int rw_f64(const char *path, double *w, unsigned n, int out)
{
	uint8_t b[8];
	unsigned i, j;
	FILE *f = fopen(path, out ? "wb" : "rb");

	if (!f)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t u = 0;

		if (out) {
			memcpy(&u, &w[i], 8);
			for (j = 0; j < 8; j++)
				b[j] = (uint8_t)(u >> (8 * j));
			if (fwrite(b, 1, 8, f) != 8)
				break;
		} else {
			if (fread(b, 1, 8, f) != 8)
				break;
			for (j = 8; j-- > 0;)
				u = (u << 8) | b[j];
			memcpy(&w[i], &u, 8);
		}
	}
	return fclose(f) == 0 && i == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	static double y[MAXROWS];
	double *xs = NULL, w[MAXD + 1], g[MAXD + 1], loss = 0;
	const char *fail = getenv("EXT_TRAINER_FAIL");
	char line[65536];
	unsigned n = 0, e, i, j, s;
	uint64_t rng = 42;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: ext_trainer FOLDER\n");
		return 2;
	}
	if (chdir(argv[1]) != 0) {
		perror("ext_trainer: chdir");
		return 2;
	}
	if (fail && !strcmp(fail, "crash"))
		abort();
	if (read_task() != 0 || !(f = fopen("train.csv", "r"))) {
		fprintf(stderr, "ext_trainer: cannot read task.txt or train.csv\n");
		return 1;
	}
	xs = malloc(sizeof(double) * MAXROWS * d);
	if (!xs)
		return 1;
	if (!fgets(line, sizeof(line), f))   /* header */
		return 1;
	while (n < MAXROWS && fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		for (j = 0; j <= d; j++) {
			double v = strtod(p, &end);

			if (end == p)
				return 1;
			if (j < d)
				xs[n * d + j] = (v - mean[j]) / scale[j];
			else
				y[n] = v;
			p = *end == ',' ? end + 1 : end;
		}
		n++;
	}
	fclose(f);
	if (n == 0 || rw_f64("global.f64", w, nparams, 0) != 0) {
		fprintf(stderr, "ext_trainer: no rows or no global.f64\n");
		return 1;
	}
	/* Mini-batch SGD in a fixed shuffled order; W is d x 1, then bias. */
	for (e = 0; e < epochs; e++) {
		loss = 0;
		for (s = 0; s < n; s += batch) {
			unsigned end = s + batch < n ? s + batch : n;

			memset(g, 0, sizeof(g));
			for (i = s; i < end; i++) {
				unsigned r;
				double z = w[d], p, err;

				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				r = (unsigned)((rng >> 33) % n);
				for (j = 0; j < d; j++)
					z += w[j] * xs[r * d + j];
				if (!strcmp(model, "logistic")) {
					p = 1.0 / (1.0 + exp(-z));
					err = p - y[r];
					loss -= y[r] > 0.5 ? log(p + 1e-12) : log(1 - p + 1e-12);
				} else {
						err = z - (y[r] - ymean) / yscale;
					loss += 0.5 * err * err;
				}
				for (j = 0; j < d; j++)
					g[j] += err * xs[r * d + j];
				g[d] += err;
			}
			for (j = 0; j <= d; j++)
				w[j] -= lr * (g[j] / (end - s) + (j < d ? l2 * w[j] : 0));
		}
	}
	if (fail && !strcmp(fail, "garbage"))
		w[0] = NAN;
	if (rw_f64("local.f64", w, nparams, 1) != 0 ||
	    !(f = fopen("result.txt", "w")))
		return 1;
	fprintf(f, "samples %u\nloss %.17g\n", n, loss / n);
	fclose(f);
	free(xs);
	printf("ext_trainer: %u rows, %u epochs, mean loss %.4f\n", n, epochs, loss / n);
	return 0;
}
