/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-train: centralised reference training and offline evaluation on the
 * same per-file train/test splits that the agents use. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_testhooks.h"
#include "train_int.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: fedc-train --spec JOB.ini --data A.csv [--data B.csv ...] [--epochs N]\n"
"                  [--save MODEL] [--export-onnx FILE] [--json]\n"
"       fedc-train --eval MODEL --spec JOB.ini --data A.csv [--data ...]\n"
"                  [--export-onnx FILE] [--json]\n"
"       fedc-train --help | --version\n"
"\n"
"Each file is split with the spec's test_fraction and seed exactly as an agent\n"
"splits its own file; the train parts and the test parts are concatenated.\n"
"Training standardises with the train union's statistics and runs the spec's\n"
"model with SGD for N epochs (default rounds * local_epochs), then reports\n"
"test accuracy, macro-F1 and loss (for regression R^2 and the mean squared\n"
"error; the loss is that of the standardised label, as in federated jobs).\n"
"\n"
"The spec's [train] keys apply as in federated training: batch_size, lr, l2;\n"
"lr_schedule, lr_decay and lr_step per 'round' of local_epochs epochs (epoch e\n"
"uses the rate of round e / local_epochs + 1); class_weights (a list, or\n"
"balanced from the train union's label histogram). prox_mu is ignored: the\n"
"FedProx term pulls each site towards the global model, and centrally there\n"
"is only one model. The [server] optimiser and [secagg] keys are ignored\n"
"too: they act on the sum of site updates. A 'type = stats' spec is refused.\n"
"--eval evaluates a saved native model (fedctl model get) on the union of the\n"
"test parts instead. --export-onnx writes the trained (or --eval) model as an\n"
"ONNX graph that takes raw feature values (see proto/fl_onnx.h). --json prints\n"
"one JSON object.\n"
"\n"
"Exit status: 0 ok, 1 error (bad file, bad spec, training diverged), 2 usage.\n");
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 1000000 || s[0] == '-')
		return FL_E_INVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, train_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			printf("fedc-train %s\n%s", FL_AGENT_VERSION, FL_TESTHOOKS_VERSION_LINE);
			exit(0);
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		} else if (!v) {
			break;
		} else if (strcmp(a, "--spec") == 0) {
			o->spec_path = v;
		} else if (strcmp(a, "--data") == 0) {
			if (o->ndata == TRAIN_MAX_FILES) {
				fprintf(stderr, "fedc-train: at most %d --data files\n",
					TRAIN_MAX_FILES);
				return 2;
			}
			if (fl_url_has_password(v)) {
				fprintf(stderr, "fedc-train: --data: a database URL takes "
					"no password; put it in PGPASSFILE (~/.pgpass)\n");
				return 2;
			}
			o->data[o->ndata++] = v;
		} else if (strcmp(a, "--eval") == 0) {
			o->eval_model = v;
		} else if (strcmp(a, "--export-onnx") == 0) {
			o->export_onnx = v;
		} else if (strcmp(a, "--save") == 0 || strcmp(a, "-o") == 0) {
			o->save_model = v;
		} else if (strcmp(a, "--epochs") == 0) {
			if (parse_u32(v, &o->epochs) != 0) {
				fprintf(stderr, "fedc-train: --epochs wants a positive "
					"integer, not '%s'\n", v);
				return 2;
			}
		} else {
			break;
		}
		i++;
	}
	if (i < argc) {
		fprintf(stderr, "fedc-train: unknown or incomplete option '%s'\n"
			"Try 'fedc-train --help'.\n", argv[i]);
		return 2;
	}
	if (!o->spec_path || o->ndata == 0) {
		fprintf(stderr, "fedc-train: --spec and at least one --data are required\n"
			"Try 'fedc-train --help'.\n");
		return 2;
	}
	return 0;
}

/* A JSON number, or null for NaN/inf. */
static void json_num(const char *key, double v, bool comma)
{
	if (isfinite(v))
		printf("\"%s\":%.10g%s", key, v, comma ? "," : "");
	else
		printf("\"%s\":null%s", key, comma ? "," : "");
}

static void print_json(const train_opts *o, const train_result *r)
{
	printf("{\"mode\":\"%s\",\"model\":\"%s\",", o->eval_model ? "eval" : "train",
	       fl_model_kind_name(r->kind));
	printf("\"n_train\":%zu,\"n_test\":%zu,\"epochs\":%u,", r->n_train, r->n_test,
	       r->epochs);
	json_num("train_loss", r->train_loss, true);
	json_num("loss", fl_metrics_loss(&r->test), true);
	json_num("accuracy", fl_metrics_accuracy(&r->test), true);
	json_num("macro_f1", fl_metrics_macro_f1(&r->test), true);
	json_num("r2", fl_metrics_r2(&r->test), r->test.nclasses > 0);
	if (r->test.nclasses > 0 && r->test.nclasses <= FL_METRICS_MAX_CLASSES) {
		/* per class: test rows, predicted rows, true positives (rare
		 * classes move macro-F1 by a whole class's share) */
		printf("\"classes\":[");
		for (uint32_t c = 0; c < r->test.nclasses; c++)
			printf("%s{\"support\":%.0f,\"predicted\":%.0f,\"tp\":%.0f}",
			       c ? "," : "", r->test.ntrue[c], r->test.npred[c], r->test.tp[c]);
		printf("]");
	}
	printf("}\n");
}

static void print_text(const train_opts *o, const train_result *r)
{
	if (o->eval_model)
		printf("model %s (%s) on %zu test rows\n", o->eval_model,
		       fl_model_kind_name(r->kind), r->n_test);
	else
		printf("%s model, %u epochs on %zu training rows (train loss %.4f), "
		       "%zu test rows\n", fl_model_kind_name(r->kind), r->epochs,
		       r->n_train, r->train_loss, r->n_test);
	if (r->test.nclasses == 0)
		printf("test R^2 %.4f  mean squared error %.4f (in the label's "
		       "units)\n", fl_metrics_r2(&r->test),
		       r->test.n > 0 ? r->test.sse / r->test.n : NAN);
	else
		printf("test accuracy %.4f  macro-F1 %.4f  loss %.4f\n",
		       fl_metrics_accuracy(&r->test), fl_metrics_macro_f1(&r->test),
		       fl_metrics_loss(&r->test));
}

int main(int argc, char **argv)
{
	train_opts o;
	train_result res;
	fl_jobspec spec;
	fl_dataset *train = NULL, *test = NULL;
	int r, rc;

	memset(&o, 0, sizeof(o));
	memset(&spec, 0, sizeof(spec));
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (train_load(&o, &spec, &train, &test) != 0)
		return 1;
	if (o.eval_model)
		r = train_evaluate(&o, &spec, test, &res);
	else
		r = train_reference(&o, &spec, train, test, &res);
	if (r == 0) {
		if (o.json)
			print_json(&o, &res);
		else
			print_text(&o, &res);
	}
	fl_dataset_free(train);
	fl_dataset_free(test);
	fl_jobspec_clear(&spec);
	return r == 0 ? 0 : 1;
}
