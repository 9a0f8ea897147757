/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec_format: canonical INI text of a job spec (parses back equal). */
#include <inttypes.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_jobspec.h"
#include "fl_sbuf_int.h"

/* Writes a list, wrapping onto indented continuation lines that the parser
 * appends, so no line exceeds libinih's line limit. */
static void spec_format_list(fl_sbuf *b, const char *key, char *const *items,
			     uint32_t n)
{
	size_t col;

	if (n == 0)
		return;
	fl_sbuf_printf(b, "%s = ", key);
	col = strlen(key) + 3;
	for (uint32_t i = 0; i < n; i++) {
		size_t w = strlen(items[i]) + 2;
		if (i > 0 && col + w > FL_INI_MAX_LINE - 8) {
			fl_sbuf_printf(b, "\n    ");
			col = 4;
		} else if (i > 0) {
			fl_sbuf_printf(b, ", ");
		}
		fl_sbuf_printf(b, "%s", items[i]);
		col += w;
	}
	fl_sbuf_printf(b, "\n");
}

int fl_jobspec_format(const fl_jobspec *s, char **out)
{
	fl_sbuf b = { 0 };

	if (s == NULL || out == NULL)
		return FL_E_INVAL;
	fl_sbuf_printf(&b, "[job]\nname = %s\ndataset = %s\nmodel = %s\nlabel = %s\n",
		       s->name, s->dataset, fl_model_kind_name(s->model), s->label);
	spec_format_list(&b, "labels", s->labels, s->nlabels);
	spec_format_list(&b, "features", s->features, s->nfeatures);
	if (s->model == FL_MODEL_MLP) {
		fl_sbuf_printf(&b, "hidden = ");
		for (uint32_t i = 0; i < s->nhidden && i < FL_JOBSPEC_MAX_HIDDEN; i++)
			fl_sbuf_printf(&b, "%s%u", i ? ", " : "", s->hidden[i]);
		fl_sbuf_printf(&b, "\nloss = %s\n", s->nlabels ? "softmax" : "squared");
	}
	fl_sbuf_printf(&b, "rounds = %u\nmin_clients = %u\n\n", s->rounds, s->min_clients);
	fl_sbuf_printf(&b, "[train]\nlocal_epochs = %u\nbatch_size = %u\nlr = %.17g\nl2 = %.17g\n\n",
		       s->local_epochs, s->batch_size, s->lr, s->l2);
	fl_sbuf_printf(&b, "[round]\ntimeout = %u\nmax_attempts = %u\ntest_fraction = %.17g\n"
		       "seed = %" PRIu64 "\n", s->timeout_s, s->max_attempts,
		       s->test_fraction, s->seed);
	fl_sbuf_printf(&b, "\n[secagg]\nthreshold = %u\nneighbours = %u\nclip = %.17g\n"
		       "bits = %u\ndropout = %.17g\nconsistency = %s\n", s->sa_threshold,
		       s->sa_neighbours, s->sa_clip, s->sa_bits, s->sa_dropout,
		       s->sa_consistency ? "true" : "false");
	return fl_sbuf_finish(&b, out);
}
