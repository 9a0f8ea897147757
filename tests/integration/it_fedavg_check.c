/* SPDX-License-Identifier: Apache-2.0 */
/* it_fedavg_check: checks that a round's new global model is the old one
 * plus the FedAvg of the survivors' recorded plain vectors, and prints the
 * largest difference.
 * Usage: it_fedavg_check NEW.model OLD.model RECORD.json...
 * Prints "max_abs_diff X" and exits 0, or 1 with a reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_model.h"

static fl_model *load_model(const char *path)
{
	fl_model *m = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_file_read(path, (size_t)FL_MODEL_MAX_PARAMS * 16u + 4096u,
			      &buf, &len)) != 0 ||
	    (r = fl_model_decode((const uint8_t *)buf, len, &m)) != 0)
		fprintf(stderr, "it_fedavg_check: %s: %s\n", path, fl_strerror(r));
	free(buf);
	return m;
}

int main(int argc, char **argv)
{
	fl_model *mn = NULL, *mo = NULL;
	double *sum = NULL, nsum = 0, maxd = 0;
	size_t i, np;
	int a, rc = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: it_fedavg_check NEW.model OLD.model RECORD.json...\n");
		return 2;
	}
	if ((mn = load_model(argv[1])) == NULL || (mo = load_model(argv[2])) == NULL)
		goto out;
	np = mo->nparams;
	if (mn->nparams != np || mn->d != mo->d || mn->k != mo->k ||
	    mn->version != mo->version + 1) {
		fprintf(stderr, "it_fedavg_check: the models do not follow each other "
			"(versions %u and %u, %zu and %zu parameters)\n", mo->version,
			mn->version, mo->nparams, mn->nparams);
		goto out;
	}
	if ((sum = calloc(np, sizeof(*sum))) == NULL)
		goto out;
	for (a = 3; a < argc; a++) {
		char msg[FL_ERRMSG_BYTES] = "";
		fl_agent_record rec;
		int r;

		if ((r = fl_agent_record_read(argv[a], &rec, msg)) != 0) {
			fprintf(stderr, "it_fedavg_check: %s\n", msg);
			goto out;
		}
		if (rec.kind != FL_TASK_TRAIN || rec.n < np + 1 || rec.nreal != np ||
		    rec.round != mn->version) {
			fprintf(stderr, "it_fedavg_check: %s is not a TRAIN record of round "
				"%u for %zu parameters\n", argv[a], mn->version, np);
			fl_agent_record_clear(&rec);
			goto out;
		}
		/* TRAIN vector: n * delta (nparams), then n. */
		for (i = 0; i < np; i++)
			sum[i] += rec.vec[i];
		nsum += rec.vec[np];
		fl_agent_record_clear(&rec);
	}
	if (!(nsum > 0)) {
		fprintf(stderr, "it_fedavg_check: the records hold no training rows\n");
		goto out;
	}
	for (i = 0; i < np; i++) {
		double d = fabs(mn->w[i] - (mo->w[i] + sum[i] / nsum));

		if (!(d <= maxd))
			maxd = d;   /* NaN propagates as a failure */
	}
	printf("max_abs_diff %.6g over %zu parameters, %d records, %g rows\n", maxd,
	       np, argc - 3, nsum);
	rc = isfinite(maxd) ? 0 : 1;
out:
	free(sum);
	fl_model_free(mn);
	fl_model_free(mo);
	return rc;
}
