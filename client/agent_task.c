/* SPDX-License-Identifier: Apache-2.0 */
/* agent_task: the vectors a site uploads for STATS, TRAIN and EVAL tasks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_train.h"
#include "fl_update.h"
#include "fl_upvec.h"

int fl_agent_model_check(const fl_jobspec *spec, const fl_model *m,
			 const fl_dataset *ds, char *errmsg)
{
	uint32_t k = 1;

	if (spec->model == FL_MODEL_SOFTMAX ||
	    (spec->model == FL_MODEL_MLP && spec->nlabels > 0))
		k = spec->nlabels;

	if (m->kind != spec->model) {
		fl_errmsg_set(errmsg, "the global model is %s but the job spec says %s",
			      fl_model_kind_name(m->kind), fl_model_kind_name(spec->model));
		return FL_E_INVAL;
	}
	if (m->d != ds->d) {
		fl_errmsg_set(errmsg, "the global model has %u features but the site's "
			      "data has %u", m->d, ds->d);
		return FL_E_INVAL;
	}
	if (m->k != k) {
		fl_errmsg_set(errmsg, "the global model has %u outputs but the job "
			      "spec needs %u", m->k, k);
		return FL_E_INVAL;
	}
	if (m->kind == FL_MODEL_MLP &&
	    (m->nhidden != spec->nhidden ||
	     memcmp(m->hidden, spec->hidden, spec->nhidden * sizeof(uint32_t)) != 0)) {
		fl_errmsg_set(errmsg, "the global model's hidden layers differ from "
			      "the job spec's");
		return FL_E_INVAL;
	}
	return 0;
}

int fl_agent_stats_vec(const fl_dataset *train, double **vec, size_t *n)
{
	double *v;
	size_t len;
	int r;

	if (!train || !vec || !n)
		return FL_E_INVAL;
	/* Classification adds the label histogram (train->k = the job's labels). */
	len = fl_update_stats_len_hist(train->d, train->k);
	if ((v = calloc(len, sizeof(*v))) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_update_stats_build_hist(train, train->k, v)) != 0) {
		free(v);
		return r;
	}
	*vec = v;
	*n = len;
	return 0;
}

int fl_agent_stats_check(const fl_jobspec *spec, const fl_dataset *train,
			 const double *vec, size_t n, uint32_t nsites, char *errmsg)
{
	double bound = fl_upvec_wide_bound(nsites);
	char what[FL_NAME_BYTES + 48];
	uint32_t d, c;
	size_t i;

	if (!train || !vec || bound <= 0 ||
	    n != fl_update_stats_len_hist(train->d, train->k))
		return FL_E_INVAL;
	d = train->d;
	c = train->k;
	for (i = 0; i < n; i++) {
		if (!(fabs(vec[i]) > bound))
			continue;
		fl_update_stats_name(i, d, c,
				     spec && spec->nfeatures == d ? spec->features : NULL,
				     spec && spec->nlabels == c ? spec->labels : NULL,
				     what, sizeof(what));
		/* no value: the text goes to the coordinator in a decline */
		fl_errmsg_set(errmsg, "R8: %s is above the bound %.2g of a secure "
			      "sum of %u sites; rescale the column", what, bound, nsites);
		return FL_E_WRAP;
	}
	return 0;
}

int fl_agent_train_vec(const fl_jobspec *spec, uint64_t job_id, uint32_t round,
		       const fl_model *global, const fl_dataset *train,
		       const fl_dataset *test, double **vec, size_t *n,
		       fl_agent_train_info *info)
{
	return fl_agent_train_vec_ext(spec, job_id, round, global, train, test,
				      NULL, vec, n, info, NULL);
}

/* Non-finite or exploding local loss: FL_E_DIVERGED, with a message that
 * gives no figure (a site's loss is its own unless it opts in, R9). */
static int train_diverged(const fl_agent_train_info *fi, char *errmsg)
{
	double before = fl_metrics_loss(&fi->eval);

	if (!isfinite(fi->loss_sum) || !isfinite(fi->local_loss)) {
		fl_errmsg_set(errmsg, "the local loss is not finite");
		return FL_E_DIVERGED;
	}
	if (isfinite(before) && before > 0 &&
	    fi->local_loss > FL_AGENT_LOSS_EXPLODED * before) {
		fl_errmsg_set(errmsg, "the local loss grew over %g-fold above the "
			      "incoming model's", FL_AGENT_LOSS_EXPLODED);
		return FL_E_DIVERGED;
	}
	return 0;
}

int fl_agent_train_vec_ext(const fl_jobspec *spec, uint64_t job_id,
			   uint32_t round, const fl_model *global,
			   const fl_dataset *train, const fl_dataset *test,
			   const fl_external_cfg *ext, double **vec, size_t *n,
			   fl_agent_train_info *info, char *errmsg)
{
	fl_agent_train_info fi;
	fl_train_opts opts;
	fl_train_extra ex;
	fl_model *local = NULL;
	double *v = NULL, *cw = NULL;
	char msg[FL_ERRMSG_BYTES] = "";
	size_t len;
	int r, use_cw = 0;

	if (!spec || !global || !train || !test || !vec || !n)
		return FL_E_INVAL;
	memset(&fi, 0, sizeof(fi));
	if ((r = fl_model_eval(global, test, &fi.eval)) != 0 ||
	    (r = fl_model_copy(global, &local)) != 0)
		goto out;
	opts.epochs = spec->local_epochs;
	opts.batch_size = spec->batch_size;
	opts.lr = fl_lr_at(spec, round);
	opts.l2 = spec->l2;
	opts.seed = spec->seed ^ job_id ^ (uint64_t)round;
	memset(&ex, 0, sizeof(ex));
	ex.prox_mu = spec->prox_mu;
	if (fl_model_nclasses(global) > 0) {
		if ((cw = calloc(fl_model_nclasses(global), sizeof(*cw))) == NULL) {
			r = FL_E_NOMEM;
			goto out;
		}
		if ((r = fl_train_class_weights(spec, global, cw, &use_cw, msg)) != 0) {
			fl_error("job %llu round %u: %s", (unsigned long long)job_id,
				 round, msg);
			goto out;
		}
	}
	ex.class_weight = use_cw ? cw : NULL;
	if (ext && ext->program && ext->program[0]) {
		double samples = 0, loss_mean = 0;

		/* The site's own program trains; the rest is the same. */
		if ((r = fl_external_train(ext, spec, job_id, round, global, train,
					   local, &samples, &loss_mean, errmsg)) != 0)
			goto out;
		fi.n_train = samples;
		fi.loss_sum = loss_mean * samples;
	} else {
		if ((r = fl_train_sgd_ex(local, train, &opts, &ex, &fi.loss_sum)) != 0)
			goto out;
		fi.n_train = (double)train->n;
	}
	fi.local_loss = train->n ? fi.loss_sum / fi.n_train : 0.0;
	if ((r = train_diverged(&fi, errmsg)) != 0)
		goto out;
	len = fl_update_train_len(global);
	if ((v = calloc(len, sizeof(*v))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_update_train_build(global, local, fi.n_train, fi.loss_sum,
				       &fi.eval, v)) != 0)
		goto out;
	*vec = v;
	*n = len;
	v = NULL;
	if (info)
		*info = fi;
out:
	free(v);
	free(cw);
	fl_model_free(local);
	return r;
}

int fl_agent_eval_vec(const fl_model *global, const fl_dataset *test,
		      double **vec, size_t *n, fl_metrics *mt)
{
	fl_metrics m;
	double *v;
	size_t len;
	int r;

	if (!global || !test || !vec || !n)
		return FL_E_INVAL;
	if ((r = fl_model_eval(global, test, &m)) != 0)
		return r;
	len = fl_update_eval_len(global);
	if ((v = calloc(len, sizeof(*v))) == NULL)
		return FL_E_NOMEM;
	fl_update_metrics_pack(&m, fl_model_nclasses(global), v);
	*vec = v;
	*n = len;
	if (mt)
		*mt = m;
	return 0;
}
