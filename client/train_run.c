/* SPDX-License-Identifier: Apache-2.0 */
/* train_run: fedc-train's loading, centralised training and evaluation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_onnx.h"
#include "fl_train.h"
#include "fl_update.h"
#include "train_int.h"

static int load_spec(const char *path, fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_file_read(path, FL_JOBSPEC_MAX_BYTES, &text, &len)) != 0) {
		fprintf(stderr, "fedc-train: cannot read the spec %s: %s\n", path,
			fl_strerror(r));
		return r;
	}
	if ((r = fl_jobspec_parse(text, len, spec, msg)) != 0)
		fprintf(stderr, "fedc-train: %s: %s\n", path, msg[0] ? msg : fl_strerror(r));
	free(text);
	return r;
}

int train_load(const train_opts *o, fl_jobspec *spec, fl_dataset **train,
	       fl_dataset **test)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_dataset *tr_all = NULL, *te_all = NULL, *tr = NULL, *te = NULL;
	int i, r;

	if ((r = load_spec(o->spec_path, spec)) != 0)
		return r;
	for (i = 0; i < o->ndata; i++) {
		if ((r = fl_agent_data_load(spec, o->data[i], &tr, &te, msg)) != 0) {
			fprintf(stderr, "fedc-train: %s\n", msg[0] ? msg : fl_strerror(r));
			goto out;
		}
		if (!tr_all) {
			tr_all = tr;
			te_all = te;
			tr = te = NULL;
			continue;
		}
		if ((r = fl_dataset_append(tr_all, tr)) != 0 ||
		    (r = fl_dataset_append(te_all, te)) != 0) {
			fprintf(stderr, "fedc-train: %s does not match the earlier files "
				"(%u features): %s\n", o->data[i], tr_all->d, fl_strerror(r));
			goto out;
		}
		fl_dataset_free(tr);
		fl_dataset_free(te);
		tr = te = NULL;
	}
	*train = tr_all;
	*test = te_all;
	tr_all = te_all = NULL;
out:
	fl_dataset_free(tr_all);
	fl_dataset_free(te_all);
	fl_dataset_free(tr);
	fl_dataset_free(te);
	if (r != 0)
		fl_jobspec_clear(spec);
	return r;
}

static int save_model(const char *path, const fl_model *m)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_model_encode(m, &buf, &len)) == 0)
		r = fl_file_write(path, buf, len, 0644);
	if (r != 0)
		fprintf(stderr, "fedc-train: cannot save the model to %s: %s\n", path,
			fl_strerror(r));
	free(buf);
	return r;
}

/* Prints its own reason; FL_E_IO on any failure, so callers add nothing. */
static int export_onnx(const char *path, const fl_model *m)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_onnx_export(m, &buf, &len)) == 0)
		r = fl_file_write(path, buf, len, 0644);
	if (r != 0)
		fprintf(stderr, "fedc-train: cannot export the model as ONNX to %s: %s\n",
			path, fl_strerror(r));
	free(buf);
	return r == 0 ? 0 : FL_E_IO;
}

int train_reference(const train_opts *o, const fl_jobspec *spec,
		    const fl_dataset *train, const fl_dataset *test,
		    train_result *res)
{
	fl_train_opts to;
	fl_model *m = NULL;
	double *stats = NULL, loss_sum = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = fl_model_new_for_spec(spec, train->d, &m)) != 0)
		goto out;
	/* Standardise with the train union, as the federated stats round does. */
	if ((stats = calloc(fl_update_stats_len(train->d), sizeof(*stats))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_update_stats_build(train, stats)) != 0 ||
	    (r = fl_update_stats_apply(m, stats)) != 0)
		goto out;
	to.epochs = o->epochs ? o->epochs : spec->rounds * spec->local_epochs;
	to.batch_size = spec->batch_size;
	to.lr = spec->lr;
	to.l2 = spec->l2;
	to.seed = spec->seed;
	if ((r = fl_train_sgd(m, train, &to, &loss_sum)) != 0)
		goto out;
	if ((r = fl_model_eval(m, test, &res->test)) != 0)
		goto out;
	res->kind = m->kind;
	res->epochs = to.epochs;
	res->n_train = train->n;
	res->n_test = test->n;
	res->train_loss = train->n ? loss_sum / (double)train->n : NAN;
	if (o->save_model)
		r = save_model(o->save_model, m);
	if (r == 0 && o->export_onnx)
		r = export_onnx(o->export_onnx, m);
out:
	if (r != 0 && r != FL_E_IO)
		fprintf(stderr, "fedc-train: training failed: %s\n", fl_strerror(r));
	free(stats);
	fl_model_free(m);
	return r;
}

int train_evaluate(const train_opts *o, const fl_jobspec *spec,
		   const fl_dataset *test, train_result *res)
{
	char msg[FL_ERRMSG_BYTES] = "";
	char *buf = NULL;
	size_t len = 0;
	fl_model *m = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = fl_file_read(o->eval_model, (size_t)FL_MODEL_MAX_PARAMS * 16u,
			      &buf, &len)) != 0) {
		fprintf(stderr, "fedc-train: cannot read %s: %s\n", o->eval_model,
			fl_strerror(r));
		goto out;
	}
	if ((r = fl_model_decode((const uint8_t *)buf, len, &m)) != 0) {
		fprintf(stderr, "fedc-train: %s is not a native fedc model: %s\n",
			o->eval_model, fl_strerror(r));
		goto out;
	}
	if ((r = fl_agent_model_check(spec, m, test, msg)) != 0) {
		fprintf(stderr, "fedc-train: %s: %s\n", o->eval_model, msg);
		goto out;
	}
	if ((r = fl_model_eval(m, test, &res->test)) != 0) {
		fprintf(stderr, "fedc-train: evaluation failed: %s\n", fl_strerror(r));
		goto out;
	}
	res->kind = m->kind;
	res->n_test = test->n;
	res->train_loss = NAN;
	if (o->export_onnx)
		r = export_onnx(o->export_onnx, m);
out:
	fl_model_free(m);
	free(buf);
	return r;
}
