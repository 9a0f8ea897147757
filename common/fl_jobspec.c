/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec: parse, validate and format the INI job spec (libinih). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_jobspec.h"
#include "fl_jobspec_int.h"
#include "fl_util.h"

/* Handler state: the spec being built, keys seen, and the first failure. */
typedef struct spec_ctx {
	fl_jobspec s;
	uint64_t seen;            /* bit per key, see spec_keys[] */
	int loss;                 /* 0 unset, 1 softmax, 2 squared */
	char msg[FL_ERRMSG_BYTES];
} spec_ctx;

enum spec_key {
	K_NAME, K_DATASET, K_MODEL, K_LABEL, K_LABELS, K_FEATURES, K_ROUNDS,
	K_MIN_CLIENTS, K_EPOCHS, K_BATCH, K_LR, K_L2, K_TIMEOUT, K_ATTEMPTS,
	K_TEST_FRACTION, K_SEED, K_SA_THRESHOLD, K_SA_NEIGHBOURS, K_SA_CLIP,
	K_SA_BITS, K_SA_DROPOUT, K_SA_CONSISTENCY, K_HIDDEN, K_LOSS,
	K_PROX_MU, K_LR_SCHEDULE, K_LR_DECAY, K_LR_STEP, K_CLASS_WEIGHTS,
	K_OPTIMIZER, K_SERVER_LR, K_MOMENTUM, K_BETA2, K_TAU, K_TYPE,
	K_SITE_FIGURES, K_SA_EXPECTED_DROPOUT, K_GRACE, K_QUORUM, K_SPLIT, K_COUNT_
};

static const struct { const char *section, *name; } spec_keys[K_COUNT_] = {
	[K_NAME] = { "job", "name" },
	[K_DATASET] = { "job", "dataset" },
	[K_MODEL] = { "job", "model" },
	[K_LABEL] = { "job", "label" },
	[K_LABELS] = { "job", "labels" },
	[K_FEATURES] = { "job", "features" },
	[K_ROUNDS] = { "job", "rounds" },
	[K_MIN_CLIENTS] = { "job", "min_clients" },
	[K_EPOCHS] = { "train", "local_epochs" },
	[K_BATCH] = { "train", "batch_size" },
	[K_LR] = { "train", "lr" },
	[K_L2] = { "train", "l2" },
	[K_TIMEOUT] = { "round", "timeout" },
	[K_ATTEMPTS] = { "round", "max_attempts" },
	[K_TEST_FRACTION] = { "round", "test_fraction" },
	[K_SEED] = { "round", "seed" },
	[K_SA_THRESHOLD] = { "secagg", "threshold" },
	[K_SA_NEIGHBOURS] = { "secagg", "neighbours" },
	[K_SA_CLIP] = { "secagg", "clip" },
	[K_SA_BITS] = { "secagg", "bits" },
	[K_SA_DROPOUT] = { "secagg", "dropout" },
	[K_SA_EXPECTED_DROPOUT] = { "secagg", "expected_dropout" },
	[K_SA_CONSISTENCY] = { "secagg", "consistency" },
	[K_HIDDEN] = { "job", "hidden" },
	[K_LOSS] = { "job", "loss" },
	[K_PROX_MU] = { "train", "prox_mu" },
	[K_LR_SCHEDULE] = { "train", "lr_schedule" },
	[K_LR_DECAY] = { "train", "lr_decay" },
	[K_LR_STEP] = { "train", "lr_step" },
	[K_CLASS_WEIGHTS] = { "train", "class_weights" },
	[K_OPTIMIZER] = { "server", "optimizer" },
	[K_SERVER_LR] = { "server", "server_lr" },
	[K_MOMENTUM] = { "server", "momentum" },
	[K_BETA2] = { "server", "beta2" },
	[K_TAU] = { "server", "tau" },
	[K_TYPE] = { "job", "type" },
	[K_SITE_FIGURES] = { "job", "site_figures" },
	[K_GRACE] = { "round", "grace" },
	[K_QUORUM] = { "round", "quorum" },
	[K_SPLIT] = { "round", "split" },
};

static const char *const spec_lr_names[] = {
	[FL_LR_CONSTANT] = "constant", [FL_LR_STEP] = "step",
	[FL_LR_EXPONENTIAL] = "exponential", [FL_LR_COSINE] = "cosine",
};

static const char *const spec_opt_names[] = {
	[FL_SOPT_FEDAVG] = "fedavg", [FL_SOPT_FEDAVGM] = "fedavgm",
	[FL_SOPT_FEDADAM] = "fedadam", [FL_SOPT_FEDYOGI] = "fedyogi",
	[FL_SOPT_FEDADAGRAD] = "fedadagrad",
};

const char *fl_lr_schedule_name(enum fl_lr_schedule v)
{
	if ((unsigned)v < sizeof(spec_lr_names) / sizeof(spec_lr_names[0]))
		return spec_lr_names[v];
	return "unknown";
}

const char *fl_server_opt_name(enum fl_server_opt v)
{
	if ((unsigned)v < sizeof(spec_opt_names) / sizeof(spec_opt_names[0]))
		return spec_opt_names[v];
	return "unknown";
}

/* Index of v in names[n], or -1. */
static int spec_enum(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

const char *fl_model_kind_name(enum fl_model_kind k)
{
	switch (k) {
	case FL_MODEL_LINEAR: return "linear";
	case FL_MODEL_LOGISTIC: return "logistic";
	case FL_MODEL_SOFTMAX: return "softmax";
	case FL_MODEL_MLP: return "mlp";
	}
	return "unknown";
}

static int spec_model_parse(const char *v, enum fl_model_kind *out)
{
	for (int k = FL_MODEL_LINEAR; k <= FL_MODEL_MLP; k++) {
		if (strcmp(v, fl_model_kind_name((enum fl_model_kind)k)) == 0) {
			*out = (enum fl_model_kind)k;
			return 0;
		}
	}
	return -1;
}

/* Names must survive an INI round trip and a comma-separated list. */
static int spec_name_ok(const char *v, int in_list)
{
	/* A leading '#' would read back as a comment on a continuation line. */
	if (*v == '\0' || *v == '#' || strlen(v) >= FL_NAME_BYTES)
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ';' || (in_list && *p == ','))
			return 0;
	return 1;
}

static char *spec_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Appends the comma-separated items of v to a list (continuation lines add
 * more items). A trailing comma is allowed so a list can break after one. */
static int spec_list_add(spec_ctx *c, const char *key, const char *v,
			 char ***list, uint32_t *n, uint32_t max)
{
	char *copy = strdup(v), *p, *item, *next;
	int r = 0;

	if (copy == NULL)
		return -1;
	for (p = copy; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		item = spec_trim(p);
		if (*item == '\0' && next == NULL && p != copy)
			break;  /* trailing comma */
		if (!spec_name_ok(item, 1)) {
			fl_errmsg_set(c->msg, "'%s' has an empty or invalid item "
				      "(names are 1..%d printable characters)",
				      key, FL_NAME_BYTES - 1);
			r = -1;
			break;
		}
		for (uint32_t i = 0; i < *n; i++) {
			if (strcmp((*list)[i], item) == 0) {
				fl_errmsg_set(c->msg, "'%s' lists '%s' twice", key, item);
				r = -1;
				goto out;
			}
		}
		if (*n >= max) {
			fl_errmsg_set(c->msg, "'%s' has more than %u items", key, max);
			r = -1;
			break;
		}
		char **nl = realloc(*list, (*n + 1) * sizeof(char *));
		if (nl == NULL || (nl[*n] = strdup(item)) == NULL) {
			if (nl != NULL)
				*list = nl;
			fl_errmsg_set(c->msg, "out of memory");
			r = -1;
			break;
		}
		*list = nl;
		(*n)++;
	}
out:
	free(copy);
	return r;
}

/* features = all (alone, on the key's first line) or a list of names. The
 * handler calls this again for each continuation line. */
static int spec_features(spec_ctx *c, const char *key, const char *v)
{
	fl_jobspec *s = &c->s;
	int r;

	if (strcmp(v, "all") == 0 && s->nfeatures == 0 && !s->features_all) {
		s->features_all = true;
		return 0;
	}
	if (s->features_all) {
		fl_errmsg_set(c->msg, "'features = all' takes no other names");
		return -1;
	}
	if ((r = spec_list_add(c, key, v, &s->features, &s->nfeatures,
			       FL_JOBSPEC_MAX_FEATURES)) != 0)
		return r;
	for (uint32_t i = 0; i < s->nfeatures; i++) {
		if (strcmp(s->features[i], "all") == 0) {
			fl_errmsg_set(c->msg, "'all' in 'features' must stand alone "
				      "('features = all')");
			return -1;
		}
	}
	return 0;
}

static int spec_str(spec_ctx *c, const char *key, char *dst, const char *v)
{
	if (!spec_name_ok(v, 0)) {
		fl_errmsg_set(c->msg, "'%s' must be 1..%d printable characters", key,
			      FL_NAME_BYTES - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int spec_u32(spec_ctx *c, const char *key, uint32_t lo, uint32_t hi,
		    uint32_t *dst, const char *v)
{
	return fl_ini_u32_key(c->msg, key, lo, hi, dst, v);
}

static int spec_dbl(spec_ctx *c, const char *key, double *dst, const char *v)
{
	if (fl_ini_double(v, dst) == 0)
		return 0;
	fl_errmsg_set(c->msg, "'%s' must be a finite number, not '%.32s'", key, v);
	return -1;
}

static int spec_bool(spec_ctx *c, const char *key, bool *dst, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
		*dst = true;
		return 0;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0) {
		*dst = false;
		return 0;
	}
	fl_errmsg_set(c->msg, "'%s' must be true or false, not '%.32s'", key, v);
	return -1;
}

/* hidden = 64, 32: 1..FL_JOBSPEC_MAX_HIDDEN layer sizes of 1..MAX_UNITS. */
static int spec_hidden(spec_ctx *c, const char *v)
{
	char buf[128], *p, *next;
	uint32_t n = 0;

	if (strlen(v) >= sizeof(buf))
		goto bad;
	memcpy(buf, v, strlen(v) + 1);
	for (p = buf; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		if (n >= FL_JOBSPEC_MAX_HIDDEN ||
		    fl_ini_u32(spec_trim(p), 1, FL_JOBSPEC_MAX_UNITS, &c->s.hidden[n]) != 0)
			goto bad;
		n++;
	}
	c->s.nhidden = n;
	return 0;
bad:
	fl_errmsg_set(c->msg, "'hidden' must be 1..%u comma-separated layer sizes "
		      "in 1..%u, not '%.32s'", FL_JOBSPEC_MAX_HIDDEN,
		      FL_JOBSPEC_MAX_UNITS, v);
	return -1;
}

/* class_weights = none | balanced | w1, w2, ... (the list may continue on
 * more lines; each weight finite and >= 0). */
static int spec_class_weights(spec_ctx *c, const char *v, int again)
{
	fl_jobspec *s = &c->s;
	char *copy, *p, *next;
	int r = 0;

	if (!again && (strcmp(v, "none") == 0 || strcmp(v, "balanced") == 0)) {
		s->cw_mode = v[0] == 'n' ? FL_CW_NONE : FL_CW_BALANCED;
		return 0;
	}
	if (again && s->cw_mode != FL_CW_LIST) {
		fl_errmsg_set(c->msg, "duplicate key 'class_weights' in [train]");
		return -1;
	}
	s->cw_mode = FL_CW_LIST;
	if ((copy = strdup(v)) == NULL) {
		fl_errmsg_set(c->msg, "out of memory");
		return -1;
	}
	for (p = copy; p != NULL; p = next) {
		double w;
		char *item;

		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		item = spec_trim(p);
		if (*item == '\0' && next == NULL && p != copy)
			break;  /* trailing comma */
		if (fl_ini_double(item, &w) != 0 || !(w >= 0.0) || w > 1e6) {
			fl_errmsg_set(c->msg, "'class_weights' must be none, balanced or "
				      "weights in [0, 1e6] (one per label), not '%.32s'", item);
			r = -1;
			break;
		}
		if (s->ncw >= FL_JOBSPEC_MAX_LABELS) {
			fl_errmsg_set(c->msg, "'class_weights' has more than %u items",
				      FL_JOBSPEC_MAX_LABELS);
			r = -1;
			break;
		}
		double *nw = realloc(s->class_weights, (s->ncw + 1) * sizeof(double));
		if (nw == NULL) {
			fl_errmsg_set(c->msg, "out of memory");
			r = -1;
			break;
		}
		s->class_weights = nw;
		s->class_weights[s->ncw++] = w;
	}
	free(copy);
	return r;
}

static int spec_set_algo(spec_ctx *c, enum spec_key k, const char *key, const char *v)
{
	fl_jobspec *s = &c->s;
	int i;

	switch (k) {
	case K_PROX_MU: return spec_dbl(c, key, &s->prox_mu, v);
	case K_LR_DECAY: return spec_dbl(c, key, &s->lr_decay, v);
	case K_LR_STEP: return spec_u32(c, key, 1, 100000, &s->lr_step, v);
	case K_SERVER_LR: return spec_dbl(c, key, &s->server_lr, v);
	case K_MOMENTUM: return spec_dbl(c, key, &s->momentum, v);
	case K_BETA2: return spec_dbl(c, key, &s->beta2, v);
	case K_TAU: return spec_dbl(c, key, &s->tau, v);
	case K_LR_SCHEDULE:
		if ((i = spec_enum(spec_lr_names, 4, v)) >= 0) {
			s->lr_schedule = (enum fl_lr_schedule)i;
			return 0;
		}
		fl_errmsg_set(c->msg, "'lr_schedule' must be constant, step, exponential "
			      "or cosine, not '%.32s'", v);
		return -1;
	case K_OPTIMIZER:
		if ((i = spec_enum(spec_opt_names, 5, v)) >= 0) {
			s->optimizer = (enum fl_server_opt)i;
			return 0;
		}
		fl_errmsg_set(c->msg, "'optimizer' must be fedavg, fedavgm, fedadam, "
			      "fedyogi or fedadagrad, not '%.32s'", v);
		return -1;
	default:
		break;
	}
	return -1;
}

static int spec_set(spec_ctx *c, enum spec_key k, const char *key, const char *v)
{
	fl_jobspec *s = &c->s;

	switch (k) {
	case K_NAME: return spec_str(c, key, s->name, v);
	case K_DATASET: return spec_str(c, key, s->dataset, v);
	case K_LABEL: return spec_str(c, key, s->label, v);
	case K_MODEL:
		if (spec_model_parse(v, &s->model) == 0)
			return 0;
		fl_errmsg_set(c->msg, "'model' must be linear, logistic, softmax or mlp, "
			      "not '%.32s'", v);
		return -1;
	case K_LABELS:
		return spec_list_add(c, key, v, &s->labels, &s->nlabels, FL_JOBSPEC_MAX_LABELS);
	case K_FEATURES:
		return spec_features(c, key, v);
	case K_ROUNDS: return spec_u32(c, key, 1, 100000, &s->rounds, v);
	case K_MIN_CLIENTS: return spec_u32(c, key, 1, 1000, &s->min_clients, v);
	case K_EPOCHS: return spec_u32(c, key, 1, 1000, &s->local_epochs, v);
	case K_BATCH: return spec_u32(c, key, 1, 1000000, &s->batch_size, v);
	case K_LR: return spec_dbl(c, key, &s->lr, v);
	case K_L2: return spec_dbl(c, key, &s->l2, v);
	case K_TIMEOUT: return spec_u32(c, key, 1, 86400, &s->timeout_s, v);
	case K_ATTEMPTS: return spec_u32(c, key, 1, 100, &s->max_attempts, v);
	case K_GRACE: return spec_u32(c, key, 0, 86400, &s->grace_s, v);
	case K_QUORUM: return spec_u32(c, key, 0, 1000, &s->quorum_margin, v);
	case K_TEST_FRACTION: return spec_dbl(c, key, &s->test_fraction, v);
	case K_SPLIT:
		if (strcmp(v, "random") == 0 || strcmp(v, "stratified") == 0) {
			s->split_stratified = v[0] == 's';
			return 0;
		}
		fl_errmsg_set(c->msg, "'split' must be random or stratified, not '%.32s'", v);
		return -1;
	case K_SEED:
		if (fl_ini_u64(v, 0, UINT64_MAX, &s->seed) == 0)
			return 0;
		fl_errmsg_set(c->msg, "'seed' must be an unsigned 64-bit integer, not '%.32s'", v);
		return -1;
	case K_SA_THRESHOLD: return spec_u32(c, key, 0, 1000, &s->sa_threshold, v);
	case K_SA_NEIGHBOURS: return spec_u32(c, key, 0, 1000, &s->sa_neighbours, v);
	case K_SA_CLIP: return spec_dbl(c, key, &s->sa_clip, v);
	case K_SA_BITS: return spec_u32(c, key, 2, 31, &s->sa_bits, v);
	case K_SA_DROPOUT: return spec_dbl(c, key, &s->sa_dropout, v);
	case K_SA_EXPECTED_DROPOUT:
		return spec_dbl(c, key, &s->sa_expected_dropout, v);
	case K_SA_CONSISTENCY: return spec_bool(c, key, &s->sa_consistency, v);
	case K_SITE_FIGURES: return spec_bool(c, key, &s->site_figures, v);
	case K_HIDDEN: return spec_hidden(c, v);
	case K_LOSS:
		if (strcmp(v, "softmax") == 0 || strcmp(v, "squared") == 0) {
			c->loss = v[1] == 'o' ? 1 : 2;
			return 0;
		}
		fl_errmsg_set(c->msg, "'loss' must be softmax or squared, not '%.32s'", v);
		return -1;
	case K_CLASS_WEIGHTS: return spec_class_weights(c, v, 0);
	case K_TYPE:
		if (strcmp(v, "train") == 0 || strcmp(v, "stats") == 0) {
			s->stats_only = v[0] == 's';
			return 0;
		}
		fl_errmsg_set(c->msg, "'type' must be train or stats, not '%.32s'", v);
		return -1;
	case K_PROX_MU: case K_LR_SCHEDULE: case K_LR_DECAY: case K_LR_STEP:
	case K_OPTIMIZER: case K_SERVER_LR: case K_MOMENTUM: case K_BETA2: case K_TAU:
		return spec_set_algo(c, k, key, v);
	case K_COUNT_: break;
	}
	return -1;
}

static int spec_handler(void *user, const char *section, const char *name,
			const char *value)
{
	spec_ctx *c = user;
	int known_section = 0;

	if (c->msg[0] != '\0')
		return 1;   /* report the first failure only */
	if (strcmp(section, "privacy") == 0)
		return fl_jobspec_privacy_set(&c->s, name, value, c->msg) == 0;
	for (int k = 0; k < K_COUNT_; k++) {
		if (strcmp(section, spec_keys[k].section) != 0)
			continue;
		known_section = 1;
		if (strcmp(name, spec_keys[k].name) != 0)
			continue;
		/* Lists may continue over several lines; scalars appear once. */
		if (k == K_CLASS_WEIGHTS && (c->seen & (1ull << k)))
			return spec_class_weights(c, value, 1) == 0;
		if ((c->seen & (1ull << k)) && k != K_LABELS && k != K_FEATURES) {
			fl_errmsg_set(c->msg, "duplicate key '%.40s' in [%.40s]", name, section);
			return 0;
		}
		c->seen |= 1ull << k;
		return spec_set(c, (enum spec_key)k, name, value) == 0;
	}
	if (!known_section && section[0] == '\0')
		fl_errmsg_set(c->msg, "key '%.40s' outside a section", name);
	else if (!known_section)
		fl_errmsg_set(c->msg, "unknown section [%.40s]", section);
	else
		fl_errmsg_set(c->msg, "unknown key '%.40s' in [%.40s]", name, section);
	return 0;
}

static int spec_check_mlp(const spec_ctx *c, char *errmsg)
{
	const fl_jobspec *s = &c->s;

	if (s->model != FL_MODEL_MLP) {
		if (s->nhidden != 0 || c->loss != 0) {
			fl_errmsg_set(errmsg, "'hidden' and 'loss' are for model 'mlp' only");
			return FL_E_SPEC;
		}
		return 0;
	}
	if (s->nhidden == 0) {
		fl_errmsg_set(errmsg, "model 'mlp' needs 'hidden' (e.g. hidden = 64, 32)");
		return FL_E_SPEC;
	}
	if (s->nlabels == 1) {
		fl_errmsg_set(errmsg, "model 'mlp' needs 0 labels (regression) or 2..%u",
			      FL_JOBSPEC_MAX_LABELS);
		return FL_E_SPEC;
	}
	if ((c->loss == 1 && s->nlabels == 0) || (c->loss == 2 && s->nlabels != 0)) {
		fl_errmsg_set(errmsg, "mlp 'loss = %s' %s", c->loss == 1 ? "softmax" : "squared",
			      c->loss == 1 ? "needs labels" : "takes no labels");
		return FL_E_SPEC;
	}
	return 0;
}

static int spec_check_model(const fl_jobspec *s, char *errmsg)
{
	if (s->model == FL_MODEL_LOGISTIC && s->nlabels != 2) {
		fl_errmsg_set(errmsg, "model 'logistic' needs exactly 2 labels, found %u",
			      s->nlabels);
		return FL_E_SPEC;
	}
	if (s->model == FL_MODEL_SOFTMAX && s->nlabels < 2) {
		fl_errmsg_set(errmsg, "model 'softmax' needs 2..%u labels, found %u",
			      FL_JOBSPEC_MAX_LABELS, s->nlabels);
		return FL_E_SPEC;
	}
	if (s->model == FL_MODEL_LINEAR && s->nlabels != 0) {
		fl_errmsg_set(errmsg, "model 'linear' takes no labels (found %u)", s->nlabels);
		return FL_E_SPEC;
	}
	for (uint32_t i = 0; i < s->nfeatures; i++) {
		if (strcmp(s->features[i], s->label) == 0) {
			fl_errmsg_set(errmsg, "feature '%s' is the label column", s->label);
			return FL_E_SPEC;
		}
	}
	return 0;
}

/* Ranges of the [train] algorithm keys and [server]. */
static int spec_check_algo(const fl_jobspec *s, char *errmsg)
{
	if (!(s->prox_mu >= 0.0 && s->prox_mu <= 1e6)) {
		fl_errmsg_set(errmsg, "'prox_mu' must be in [0, 1e6], not %g", s->prox_mu);
		return FL_E_SPEC;
	}
	if (!(s->lr_decay > 0.0 && s->lr_decay <= 1.0)) {
		fl_errmsg_set(errmsg, "'lr_decay' must be in (0, 1], not %g", s->lr_decay);
		return FL_E_SPEC;
	}
	if (s->cw_mode != FL_CW_NONE && s->nlabels == 0) {
		fl_errmsg_set(errmsg, "'class_weights' is for classification jobs (with "
			      "labels) only");
		return FL_E_SPEC;
	}
	if (s->cw_mode == FL_CW_LIST) {
		double tot = 0.0;

		for (uint32_t i = 0; i < s->ncw; i++)
			tot += s->class_weights[i];
		if (s->ncw != s->nlabels || !(tot > 0.0)) {
			fl_errmsg_set(errmsg, "'class_weights' needs one weight per label "
				      "(%u, not %u), not all zero", s->nlabels, s->ncw);
			return FL_E_SPEC;
		}
	}
	if (!(s->server_lr > 0.0 && s->server_lr <= 100.0)) {
		fl_errmsg_set(errmsg, "'server_lr' must be in (0, 100], not %g", s->server_lr);
		return FL_E_SPEC;
	}
	if (!(s->momentum >= 0.0 && s->momentum < 1.0) ||
	    !(s->beta2 >= 0.0 && s->beta2 < 1.0)) {
		fl_errmsg_set(errmsg, "'momentum' and 'beta2' must be in [0, 1), not %g "
			      "and %g", s->momentum, s->beta2);
		return FL_E_SPEC;
	}
	if (!(s->tau > 0.0 && s->tau <= 1e3)) {
		fl_errmsg_set(errmsg, "'tau' must be in (0, 1e3], not %g", s->tau);
		return FL_E_SPEC;
	}
	return 0;
}

static int spec_validate(const spec_ctx *c, char *errmsg)
{
	static const enum spec_key required[] = { K_NAME, K_DATASET, K_MODEL, K_LABEL };
	const fl_jobspec *s = &c->s;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		enum spec_key k = required[i];
		if (k == K_MODEL && s->stats_only)
			continue;   /* spec_stats_defaults picks one */
		if (!(c->seen & (1ull << k))) {
			fl_errmsg_set(errmsg, "missing required key '%s' in [%s]",
				      spec_keys[k].name, spec_keys[k].section);
			return FL_E_SPEC;
		}
	}
	if (!(s->lr > 0.0 && s->lr <= 100.0)) {
		fl_errmsg_set(errmsg, "'lr' must be in (0, 100], not %g", s->lr);
		return FL_E_SPEC;
	}
	if (!(s->l2 >= 0.0)) {
		fl_errmsg_set(errmsg, "'l2' must be >= 0, not %g", s->l2);
		return FL_E_SPEC;
	}
	if (!((s->test_fraction > 0.0 || (s->stats_only && s->test_fraction == 0.0)) &&
	      s->test_fraction < 1.0)) {
		fl_errmsg_set(errmsg, "'test_fraction' must be in (0, 1), not %g",
			      s->test_fraction);
		return FL_E_SPEC;
	}
	if (s->split_stratified && s->nlabels == 0) {
		fl_errmsg_set(errmsg, "'split = stratified' in [round] needs a "
			      "classification job (labels): it keeps each label's "
			      "share in the test split");
		return FL_E_SPEC;
	}
	if (!(s->sa_clip > 0.0 && s->sa_clip <= 1e9)) {
		fl_errmsg_set(errmsg, "'clip' in [secagg] must be in (0, 1e9], not %g",
			      s->sa_clip);
		return FL_E_SPEC;
	}
	if (!(s->sa_dropout >= 0.0 && s->sa_dropout < 1.0)) {
		fl_errmsg_set(errmsg, "'dropout' in [secagg] must be in [0, 1), not %g",
			      s->sa_dropout);
		return FL_E_SPEC;
	}
	if (!(s->sa_expected_dropout >= 0.0 && s->sa_expected_dropout < 1.0)) {
		fl_errmsg_set(errmsg, "'expected_dropout' in [secagg] must be in [0, 1), "
			      "not %g", s->sa_expected_dropout);
		return FL_E_SPEC;
	}
	if (spec_check_mlp(c, errmsg) != 0)
		return FL_E_SPEC;
	if (spec_check_algo(s, errmsg) != 0)
		return FL_E_SPEC;
	if (fl_jobspec_privacy_check(s, errmsg) != 0)
		return FL_E_SPEC;
	return spec_check_model(s, errmsg);
}

static void spec_defaults(fl_jobspec *s)
{
	memset(s, 0, sizeof(*s));
	s->rounds = 10;
	s->min_clients = 2;
	s->local_epochs = 1;
	s->batch_size = 32;
	s->lr = 0.1;
	s->l2 = 0.0;
	s->timeout_s = 60;
	s->max_attempts = 3;
	s->grace_s = FL_JOBSPEC_DEFAULT_GRACE_S;
	s->quorum_margin = FL_JOBSPEC_DEFAULT_QUORUM;
	s->test_fraction = 0.25;
	s->seed = 0;
	s->sa_threshold = 0;
	s->sa_neighbours = 0;
	s->sa_clip = 1.0;
	s->sa_bits = 20;
	s->sa_dropout = 0.5;
	s->sa_expected_dropout = 0.1;
	s->sa_consistency = false;
	s->prox_mu = 0.0;
	s->lr_schedule = FL_LR_CONSTANT;
	s->lr_decay = 0.9;
	s->lr_step = 10;
	s->cw_mode = FL_CW_NONE;
	s->optimizer = FL_SOPT_FEDAVG;
	s->server_lr = 1.0;
	s->momentum = 0.9;
	s->beta2 = 0.99;
	s->tau = 1e-3;
	fl_jobspec_privacy_defaults(s);
}

/* A stats job: the statistics of all rows unless test_fraction is given,
 * and a model kind that only sizes the label histogram. */
static void spec_stats_defaults(spec_ctx *c)
{
	fl_jobspec *s = &c->s;

	if (!s->stats_only)
		return;
	if (!(c->seen & (1ull << K_TEST_FRACTION)))
		s->test_fraction = 0.0;
	if (!(c->seen & (1ull << K_MODEL)))
		s->model = s->nlabels >= 2 ? FL_MODEL_SOFTMAX : FL_MODEL_LINEAR;
}

int fl_jobspec_parse(const char *text, size_t len, fl_jobspec *out, char *errmsg)
{
	spec_ctx *c;
	int r;

	if (out == NULL)
		return FL_E_INVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return FL_E_NOMEM;
	spec_defaults(&c->s);
	r = fl_ini_parse(text, len, FL_JOBSPEC_MAX_BYTES, spec_handler, c, c->msg,
			 NULL, FL_E_SPEC, errmsg);
	if (r == 0) {
		spec_stats_defaults(c);
		r = spec_validate(c, errmsg);
	}
	if (r == 0) {
		*out = c->s;
		memset(&c->s, 0, sizeof(c->s));
	}
	fl_jobspec_clear(&c->s);
	free(c);
	return r;
}

void fl_jobspec_clear(fl_jobspec *spec)
{
	if (spec == NULL)
		return;
	for (uint32_t i = 0; i < spec->nlabels; i++)
		free(spec->labels[i]);
	for (uint32_t i = 0; i < spec->nfeatures; i++)
		free(spec->features[i]);
	free(spec->labels);
	free(spec->features);
	free(spec->class_weights);
	free(spec->dp_bounds);
	memset(spec, 0, sizeof(*spec));
}
