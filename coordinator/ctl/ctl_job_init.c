/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_init: fedctl job init, a commented spec written from a sample CSV. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_specinit.h"
#include "fl_upvec.h"
#include "fl_util.h"

/* The dataset name from the CSV's file name: "dir/site1.csv" -> "site1". */
static void init_dataset_name(const char *path, char *buf, size_t cap)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	snprintf(buf, cap, "%s", base);
	n = strlen(buf);
	if (n > 4 && strcmp(buf + n - 4, ".csv") == 0)
		buf[n - 4] = '\0';
}

/* What job init found, on stderr: the spec itself holds no counts. */
static void init_summary(ctl_ctx *c, const fl_csv *csv, const fl_specinit_plan *p,
			 const char *out)
{
	fprintf(c->err, "fedctl: job init: %s from %zu rows: %s, %zu features",
		out ? out : "spec", p->nrows, p->classification ? "classification" :
		"regression", p->nfeat);
	if (p->classification)
		fprintf(c->err, ", %u classes%s", p->nclasses,
			p->uneven ? " (uneven: class_weights = balanced)" : "");
	fputc('\n', c->err);
	for (size_t i = 0; i < p->ndropped && i < 20; i++)
		fprintf(c->err, "  left out '%.64s': %zu of %zu cells are not numbers%s\n",
			csv->header[p->dropped[i]], p->dropped_bad[i], p->nrows,
			p->dropped_bad[i] == 0 ? " (its name is repeated or cannot be "
			"in a spec)" : "");
	if (p->ndropped > 20)
		fprintf(c->err, "  and %zu more columns left out\n", p->ndropped - 20);
}

/* Columns too large for the secure statistics round: a site holding as
 * many rows as the sample would refuse to upload their sums (R8). */
static void init_range_warn(ctl_ctx *c, const fl_csv *csv,
			    const fl_specinit_plan *p, uint32_t sites)
{
	double bound = fl_upvec_wide_bound(sites);
	size_t shown = 0;

	for (size_t i = 0; i < p->nfeat; i++) {
		if (!(p->feat_sumsq[i] > bound))
			continue;
		if (shown++ < 5)
			fprintf(c->err, "warning: column '%.64s': its sum of squares over "
				"the sample, %.2g, is above what the secure statistics "
				"round sums for %u sites (%.2g); a site with as many rows "
				"would refuse it (R8): rescale the column\n",
				csv->header[p->feat[i]], p->feat_sumsq[i], sites, bound);
	}
	if (shown > 5)
		fprintf(c->err, "warning: %zu more columns are as large\n", shown - 5);
}

static int init_run(ctl_ctx *c, const char *path, const fl_specinit_opts *o,
		    const char *out)
{
	char msg[FL_ERRMSG_BYTES] = "", *text = NULL;
	fl_specinit_plan plan;
	fl_csv *csv = NULL;
	int r, rc = CTL_EXIT_INVALID;

	memset(&plan, 0, sizeof(plan));
	if ((r = fl_csv_read(path, &csv, msg)) != 0) {
		fprintf(c->err, "fedctl: job init: %s: %s\n", path, msg[0] ? msg :
			fl_strerror(r));
		return r == FL_E_IO ? CTL_EXIT_USAGE : CTL_EXIT_INVALID;
	}
	if ((r = fl_specinit_infer(csv, o, &plan, msg)) != 0 ||
	    (r = fl_specinit_write(csv, o, &plan, &text, msg)) != 0) {
		fprintf(c->err, "fedctl: job init: %s: %s\n", path, msg[0] ? msg :
			fl_strerror(r));
		rc = r == FL_E_NOMEM ? CTL_EXIT_OTHER : CTL_EXIT_INVALID;
		goto out;
	}
	if (out == NULL) {
		fputs(text, c->out);
	} else if ((r = fl_file_write(out, text, strlen(text), 0644)) != 0) {
		fprintf(c->err, "fedctl: job init: cannot write %s: %s\n", out,
			fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	init_summary(c, csv, &plan, out);
	init_range_warn(c, csv, &plan, o->min_clients ? o->min_clients : 3);
	rc = 0;
out:
	free(text);
	fl_specinit_plan_clear(&plan);
	fl_csv_free(csv);
	return rc;
}

int ctl_job_init(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *csv = NULL, *label = NULL, *model = NULL, *dataset = NULL;
	const char *name = NULL, *out = NULL, *minc = NULL;
	bool all = false;
	const ctl_opt opts[] = {
		{ "--csv", NULL, &csv, NULL },
		{ "--label", NULL, &label, NULL },
		{ "--model", NULL, &model, NULL },
		{ "--dataset", NULL, &dataset, NULL },
		{ "--name", NULL, &name, NULL },
		{ "--min-clients", NULL, &minc, NULL },
		{ "--features-all", NULL, NULL, &all },
		{ "--output", "-o", &out, NULL },
	};
	char dsbuf[FL_NAME_BYTES];
	fl_specinit_opts o;
	uint64_t mc = 0;
	int rc;

	if ((rc = ctl_args_parse(c, "job", self, argc, argv, opts, 8, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (!csv || !label || !model) {
		fprintf(c->err, "fedctl: job init: --csv, --label and --model are "
			"required (fedctl job init --help)\n");
		return CTL_EXIT_USAGE;
	}
	if (minc && ctl_parse_u64(minc, 1, 1000, &mc) != 0) {
		fprintf(c->err, "fedctl: job init: --min-clients must be 1..1000\n");
		return CTL_EXIT_USAGE;
	}
	if (!dataset) {
		init_dataset_name(csv, dsbuf, sizeof(dsbuf));
		dataset = dsbuf;
	}
	memset(&o, 0, sizeof(o));
	o.label = label;
	o.model = model;
	o.dataset = dataset;
	o.name = name;
	o.min_clients = (uint32_t)mc;
	o.features_all = all;
	return init_run(c, csv, &o, out);
}
