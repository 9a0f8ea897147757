/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec_format: canonical INI text of a job spec (parses back equal). */
#include <inttypes.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_jobspec.h"
#include "fl_jobspec_int.h"
#include "fl_sbuf_int.h"

/* Writes a list, wrapping onto indented continuation lines that the parser
 * appends (at FL_INI_WRAP_COLS, so the canonical text stays as it was). */
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
		if (i > 0 && col + w > FL_INI_WRAP_COLS - 8) {
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

/* The [train] algorithm keys, only where they differ from the defaults so
 * that specs without them keep their canonical text. */
static void spec_format_algo(fl_sbuf *b, const fl_jobspec *s)
{
	if (s->prox_mu != 0.0)
		fl_sbuf_printf(b, "prox_mu = %.17g\n", s->prox_mu);
	if (s->lr_schedule != FL_LR_CONSTANT || s->lr_decay != 0.9 || s->lr_step != 10)
		fl_sbuf_printf(b, "lr_schedule = %s\nlr_decay = %.17g\nlr_step = %u\n",
			       fl_lr_schedule_name(s->lr_schedule), s->lr_decay, s->lr_step);
	if (s->cw_mode == FL_CW_BALANCED) {
		fl_sbuf_printf(b, "class_weights = balanced\n");
	} else if (s->cw_mode == FL_CW_LIST) {
		size_t col = 16;

		fl_sbuf_printf(b, "class_weights = ");
		for (uint32_t i = 0; i < s->ncw; i++) {
			if (i > 0 && col > FL_INI_WRAP_COLS - 40) {
				fl_sbuf_printf(b, ",\n    ");
				col = 4;
			} else if (i > 0) {
				fl_sbuf_printf(b, ", ");
				col += 2;
			}
			fl_sbuf_printf(b, "%.17g", s->class_weights[i]);
			col += 24;
		}
		fl_sbuf_printf(b, "\n");
	}
}

static void spec_format_server(fl_sbuf *b, const fl_jobspec *s)
{
	if (s->optimizer == FL_SOPT_FEDAVG && s->server_lr == 1.0 && s->momentum == 0.9 &&
	    s->beta2 == 0.99 && s->tau == 1e-3)
		return;
	fl_sbuf_printf(b, "\n[server]\noptimizer = %s\nserver_lr = %.17g\n"
		       "momentum = %.17g\nbeta2 = %.17g\ntau = %.17g\n",
		       fl_server_opt_name(s->optimizer), s->server_lr, s->momentum,
		       s->beta2, s->tau);
}

int fl_jobspec_format(const fl_jobspec *s, char **out)
{
	fl_sbuf b = { 0 };

	if (s == NULL || out == NULL)
		return FL_E_INVAL;
	fl_sbuf_printf(&b, "[job]\nname = %s\ndataset = %s\nmodel = %s\nlabel = %s\n",
		       s->name, s->dataset, fl_model_kind_name(s->model), s->label);
	if (s->stats_only)
		fl_sbuf_printf(&b, "type = stats\n");
	if (s->site_figures)   /* absent = false: older specs keep their text */
		fl_sbuf_printf(&b, "site_figures = true\n");
	spec_format_list(&b, "labels", s->labels, s->nlabels);
	if (s->features_all)
		fl_sbuf_printf(&b, "features = all\n");
	spec_format_list(&b, "features", s->features, s->nfeatures);
	if (s->model == FL_MODEL_MLP) {
		fl_sbuf_printf(&b, "hidden = ");
		for (uint32_t i = 0; i < s->nhidden && i < FL_JOBSPEC_MAX_HIDDEN; i++)
			fl_sbuf_printf(&b, "%s%u", i ? ", " : "", s->hidden[i]);
		fl_sbuf_printf(&b, "\nloss = %s\n", s->nlabels ? "softmax" : "squared");
	}
	fl_sbuf_printf(&b, "rounds = %u\nmin_clients = %u\n\n", s->rounds, s->min_clients);
	fl_sbuf_printf(&b, "[train]\nlocal_epochs = %u\nbatch_size = %u\nlr = %.17g\nl2 = %.17g\n",
		       s->local_epochs, s->batch_size, s->lr, s->l2);
	spec_format_algo(&b, s);
	fl_sbuf_printf(&b, "\n");
	fl_sbuf_printf(&b, "[round]\ntimeout = %u\ngrace = %u\nquorum = %u\n"
		       "max_attempts = %u\ntest_fraction = %.17g\nseed = %" PRIu64 "\n",
		       s->timeout_s, s->grace_s, s->quorum_margin, s->max_attempts,
		       s->test_fraction, s->seed);
	if (s->split_stratified)
		fl_sbuf_printf(&b, "split = stratified\n");
	fl_sbuf_printf(&b, "\n[secagg]\nthreshold = %u\nneighbours = %u\nclip = %.17g\n"
		       "bits = %u\ndropout = %.17g\nexpected_dropout = %.17g\n"
		       "consistency = %s\n", s->sa_threshold, s->sa_neighbours,
		       s->sa_clip, s->sa_bits, s->sa_dropout, s->sa_expected_dropout,
		       s->sa_consistency ? "true" : "false");
	spec_format_server(&b, s);
	fl_jobspec_privacy_format(&b, s);
	return fl_sbuf_finish(&b, out);
}
