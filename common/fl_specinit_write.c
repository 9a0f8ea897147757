/* SPDX-License-Identifier: Apache-2.0 */
/* fl_specinit_write: the commented spec text of a fl_specinit plan. */
#include <stdio.h>
#include <string.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_sbuf_int.h"
#include "fl_specinit.h"
#include "fl_util.h"

/* Defaults that train the shipped data sets well on 3..5 sites: a linear
 * model converges in a few local epochs; an MLP needs more local work and
 * a wider clip range for its larger deltas (deploy/jobs/concrete-mlp.ini). */
typedef struct si_defaults {
	uint32_t rounds, epochs, batch;
	double lr, l2, clip;
} si_defaults;

static const si_defaults si_linear = { 20, 2, 16, 0.05, 0.001, 1.0 };
static const si_defaults si_mlp = { 30, 10, 16, 0.05, 0.0001, 8.0 };

#define SI_WRAP 76u

/* Writes "key = a, b, c" wrapped after a comma onto indented lines. */
static void si_list(fl_sbuf *b, const char *key, const fl_csv *csv,
		    const size_t *cols, size_t n)
{
	size_t col = strlen(key) + 3;

	fl_sbuf_printf(b, "%s = ", key);
	for (size_t i = 0; i < n; i++) {
		const char *s = csv->header[cols[i]];
		size_t w = strlen(s) + 2;

		if (i > 0 && col + w > SI_WRAP) {
			fl_sbuf_printf(b, ",\n    ");
			col = 4;
		} else if (i > 0) {
			fl_sbuf_printf(b, ", ");
		}
		fl_sbuf_printf(b, "%s", s);
		col += w;
	}
	fl_sbuf_printf(b, "\n");
}

/* One left-out column name in a comment: control characters as '?'. */
static void si_comment_name(fl_sbuf *b, const char *s)
{
	char buf[FL_NAME_BYTES];
	size_t n = 0;

	for (; *s && n + 1 < sizeof(buf); s++)
		buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	buf[n] = '\0';
	fl_sbuf_printf(b, "#   %s\n", buf);
}

static void si_job(fl_sbuf *b, const fl_csv *csv, const fl_specinit_opts *o,
		   const fl_specinit_plan *p)
{
	const char *kind = fl_model_kind_name((enum fl_model_kind)p->model);

	fl_sbuf_printf(b, "[job]\n");
	if (o->name)
		fl_sbuf_printf(b, "name = %s\n", o->name);
	else
		fl_sbuf_printf(b, "name = %s-%s\n", o->dataset, kind);
	fl_sbuf_printf(b, "# The name under which every site's agent lists its CSV ([data]).\n"
		       "dataset = %s\nmodel = %s\n", o->dataset, kind);
	if (p->classification) {
		fl_sbuf_printf(b, "# Classification: '%s' has %u classes; their order "
			       "gives the class ids.\nlabel = %s\nlabels = ",
			       o->label, p->nclasses, o->label);
		for (uint32_t i = 0; i < p->nclasses; i++)
			fl_sbuf_printf(b, "%s%s", i ? ", " : "", p->classes[i]);
		fl_sbuf_printf(b, "\n");
	} else {
		fl_sbuf_printf(b, "# Regression: '%s' is a number with many distinct "
			       "values.\n# The secure statistics round standardises "
			       "it like the features;\n# predictions and exported "
			       "models give it in its own units.\nlabel = %s\n",
			       o->label, o->label);
	}
	if (p->model == FL_MODEL_MLP) {
		const char *h = p->nfeat <= 64 ? "64, 32" : "128, 64";

		fl_sbuf_printf(b, "# ReLU hidden layers, sized for %zu features.\n"
			       "hidden = %s\nloss = %s\n", p->nfeat, h,
			       p->classification ? "softmax" : "squared");
	}
	if (o->features_all) {
		fl_sbuf_printf(b, "# Every column of the consortium's schema but the "
			       "label (%zu here): 'fedctl\n# job submit --schema "
			       "HEADER.csv' writes them out before signing.\n"
			       "features = all\n", p->nfeat);
	} else {
		fl_sbuf_printf(b, "# %zu numeric columns, by name: each site's CSV needs "
			       "them (in any order;\n# other columns are ignored).\n",
			       p->nfeat);
		si_list(b, "features", csv, p->feat, p->nfeat);
	}
	if (p->ndropped > 0) {
		fl_sbuf_printf(b, "# Left out: not a number in every row of the sample, "
			       "or a name that is\n# repeated or that a spec cannot "
			       "hold (',' ';' or control characters):\n");
		for (size_t i = 0; i < p->ndropped; i++)
			si_comment_name(b, csv->header[p->dropped[i]]);
	}
}

static void si_rest(fl_sbuf *b, const fl_specinit_opts *o, const fl_specinit_plan *p)
{
	const si_defaults *d = p->model == FL_MODEL_MLP ? &si_mlp : &si_linear;

	fl_sbuf_printf(b, "rounds = %u\n# Sites that must take part in every round "
		       "(secure aggregation\n# reveals only their sum).\n"
		       "min_clients = %u\n\n", d->rounds,
		       o->min_clients ? o->min_clients : 3);
	fl_sbuf_printf(b, "[train]\nlocal_epochs = %u\nbatch_size = %u\nlr = %g\nl2 = %g\n",
		       d->epochs, d->batch, d->lr, d->l2);
	if (p->classification && p->uneven)
		fl_sbuf_printf(b, "# The classes are uneven in the sample: weigh each by "
			       "n / (classes * its count)\n# over all sites' rows "
			       "(from the secure statistics round).\n"
			       "class_weights = balanced\n");
	fl_sbuf_printf(b, "\n[round]\n# Seconds per protocol phase.\ntimeout = 30\n"
		       "max_attempts = 3\ntest_fraction = 0.25\n");
	if (p->classification)
		fl_sbuf_printf(b, "# Each site's test split keeps its label mix.\n"
			       "split = stratified\n");
	fl_sbuf_printf(b, "seed = 0\n\n[secagg]\n# Range of each update coordinate "
		       "before quantisation.\nclip = %g\n", d->clip);
}

int fl_specinit_write(const fl_csv *csv, const fl_specinit_opts *o,
		      const fl_specinit_plan *p, char **out, char *errmsg)
{
	fl_sbuf b;

	if (!csv || !o || !p || !out)
		return FL_E_INVAL;
	if (o->features_all && p->ndropped > 0) {
		fl_errmsg_set(errmsg, "features = all would take in %zu column(s) that "
			      "are not numeric, the first '%.64s': list the features "
			      "instead (leave out --features-all)", p->ndropped,
			      csv->header[p->dropped[0]]);
		return FL_E_INVAL;
	}
	memset(&b, 0, sizeof(b));
	fl_sbuf_printf(&b, "# Job spec written by 'fedctl job init' from a sample "
		       "of the data. Review it,\n# then: fedctl job submit "
		       "THIS_FILE\n");
	si_job(&b, csv, o, p);
	si_rest(&b, o, p);
	return fl_sbuf_finish(&b, out);
}
