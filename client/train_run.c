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
			fl_file_strerror(r, FL_JOBSPEC_MAX_BYTES, msg, sizeof(msg)));
		return r;
	}
	if ((r = fl_jobspec_parse(text, len, spec, msg)) != 0) {
		fprintf(stderr, "fedc-train: %s: %s\n", path, msg[0] ? msg : fl_strerror(r));
	} else if (spec->stats_only) {
		fprintf(stderr, "fedc-train: %s: a statistics-only job ('type = stats') "
			"trains no model; use a training spec\n", path);
		fl_jobspec_clear(spec);
		r = FL_E_SPEC;
	}
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

/* Writes encode(m) to path; on failure prints "cannot <what> to path". */
static int write_model(const char *path, const fl_model *m, const char *what,
		       int (*encode)(const fl_model *, uint8_t **, size_t *))
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = encode(m, &buf, &len)) == 0)
		r = fl_file_write(path, buf, len, 0644);
	if (r != 0)
		fprintf(stderr, "fedc-train: cannot %s to %s: %s\n", what, path,
			fl_strerror(r));
	free(buf);
	return r;
}

static int save_model(const char *path, const fl_model *m)
{
	return write_model(path, m, "save the model", fl_model_encode);
}

/* Prints its own reason; FL_E_IO on any failure, so callers add nothing. */
static int export_onnx(const char *path, const fl_model *m)
{
	return write_model(path, m, "export the model as ONNX", fl_onnx_export) == 0 ?
		0 : FL_E_IO;
}

/* The class weights the federated job would train with: the spec's list, or
 * balanced weights from the train union's label histogram (which m carries
 * after the stats). *cw is NULL for class_weights = none. */
static int train_class_weights(const fl_jobspec *spec, const fl_model *m,
			       double **cw)
{
	char msg[FL_ERRMSG_BYTES] = "";
	uint32_t c = fl_model_nclasses(m);
	double *w = NULL;
	int use = 0, r;

	*cw = NULL;
	if (spec->cw_mode == FL_CW_NONE || c == 0)
		return 0;
	if ((w = calloc(c, sizeof(*w))) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_train_class_weights(spec, m, w, &use, msg)) != 0) {
		fprintf(stderr, "fedc-train: class_weights: %s\n",
			msg[0] ? msg : fl_strerror(r));
		free(w);
		return FL_E_IO;   /* reported */
	}
	if (use)
		*cw = w;
	else
		free(w);
	return 0;
}

/*
 * SGD with the spec's [train] keys as the federated job applies them: the
 * run is `rounds` rounds of `local_epochs` epochs (--epochs N overrides the
 * total; epoch e belongs to round e / local_epochs + 1), each round with
 * the learning rate of lr_schedule (fl_lr_at), batch_size, l2 and the class
 * weights. A constant schedule trains in one call, as before.
 */
static int train_sgd_spec(const train_opts *o, const fl_jobspec *spec, fl_model *m,
			  const fl_dataset *train, const double *cw,
			  uint32_t *epochs, double *loss_sum)
{
	fl_train_extra ex;
	fl_train_opts to;
	uint32_t e, total, per;
	int r = 0;

	memset(&ex, 0, sizeof(ex));
	ex.class_weight = cw;   /* prox_mu has no meaning without a global model */
	per = spec->local_epochs ? spec->local_epochs : 1;
	total = o->epochs ? o->epochs : spec->rounds * per;
	to.batch_size = spec->batch_size;
	to.l2 = spec->l2;
	to.seed = spec->seed;
	if (spec->lr_schedule == FL_LR_CONSTANT) {
		to.epochs = total;
		to.lr = spec->lr;
		r = fl_train_sgd_ex(m, train, &to, &ex, loss_sum);
	} else {
		for (e = 0; e < total && r == 0; e += per) {
			to.epochs = total - e < per ? total - e : per;
			to.lr = fl_lr_at(spec, e / per + 1);
			to.seed = spec->seed + e;   /* a fresh shuffle per round */
			r = fl_train_sgd_ex(m, train, &to, &ex, loss_sum);
		}
	}
	*epochs = total;
	return r;
}

/* As a site's agent decides (fl_agent.h): the last epoch's mean loss not
 * finite or over FL_AGENT_LOSS_EXPLODED times the initial model's.
 * FL_E_DIVERGED. */
static int train_diverged(const fl_metrics *before, double after)
{
	double b = fl_metrics_loss(before);

	if (!isfinite(after) || (isfinite(b) && b > 0 && after > FL_AGENT_LOSS_EXPLODED * b))
		return FL_E_DIVERGED;
	return 0;
}

int train_reference(const train_opts *o, const fl_jobspec *spec,
		    const fl_dataset *train, const fl_dataset *test,
		    train_result *res)
{
	fl_model *m = NULL;
	fl_metrics before;
	double *stats = NULL, *cw = NULL, loss_sum = 0;
	uint32_t epochs = 0, c = 0;
	size_t slen;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = fl_model_new_for_spec(spec, train->d, &m)) != 0)
		goto out;
	/* Standardise with the train union, as the federated stats round does,
	 * which also sums the label histogram (class_weights = balanced). */
	c = fl_model_nclasses(m);
	slen = fl_update_stats_len_hist(train->d, c);
	if ((stats = calloc(slen, sizeof(*stats))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_update_stats_build_hist(train, c, stats)) != 0 ||
	    (r = fl_update_stats_apply_hist(m, stats, c)) != 0 ||
	    (r = train_class_weights(spec, m, &cw)) != 0)
		goto out;
	if ((r = fl_model_eval(m, train, &before)) != 0)
		goto out;
	if ((r = train_sgd_spec(o, spec, m, train, cw, &epochs, &loss_sum)) != 0)
		goto out;
	if ((r = fl_model_eval(m, test, &res->test)) != 0 ||
	    (r = train_diverged(&before, loss_sum / (double)train->n)) != 0)
		goto out;
	res->kind = m->kind;
	res->epochs = epochs;
	res->n_train = train->n;
	res->n_test = test->n;
	res->train_loss = train->n ? loss_sum / (double)train->n : NAN;
	if (o->save_model)
		r = save_model(o->save_model, m);
	if (r == 0 && o->export_onnx)
		r = export_onnx(o->export_onnx, m);
out:
	if (r == FL_E_DIVERGED)
		fprintf(stderr, "fedc-train: training diverged (the loss is not finite "
			"or grew over %g-fold): lower [train] lr (now %g)%s\n",
			FL_AGENT_LOSS_EXPLODED, spec->lr, c == 0 ? " or check the "
			"label's scale" : "");
	else if (r != 0 && r != FL_E_IO)
		fprintf(stderr, "fedc-train: training failed: %s\n", fl_strerror(r));
	free(stats);
	free(cw);
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
			fl_file_strerror(r, (size_t)FL_MODEL_MAX_PARAMS * 16u, msg,
					 sizeof(msg)));
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
