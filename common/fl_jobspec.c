/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec: parse, validate and format the INI job spec (libinih). */
#include <stddef.h>
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

static const char *const spec_lr_names[] = {
	[FL_LR_CONSTANT] = "constant", [FL_LR_STEP] = "step",
	[FL_LR_EXPONENTIAL] = "exponential", [FL_LR_COSINE] = "cosine",
};

static const char *const spec_opt_names[] = {
	[FL_SOPT_FEDAVG] = "fedavg", [FL_SOPT_FEDAVGM] = "fedavgm",
	[FL_SOPT_FEDADAM] = "fedadam", [FL_SOPT_FEDYOGI] = "fedyogi",
	[FL_SOPT_FEDADAGRAD] = "fedadagrad",
};

static const char *const spec_split_names[] = { "random", "stratified" };
static const char *const spec_loss_names[] = { "softmax", "squared" };
static const char *const spec_type_names[] = { "train", "stats" };

/* How a key's value is read: into its field by the table (a name, a number
 * in [lo, hi], a finite number, a boolean), or by spec_set's own case. */
enum spec_kind { SK_OWN, SK_STR, SK_U32, SK_DBL, SK_BOOL };

typedef struct spec_key_def {
	const char *section, *name;
	enum spec_kind kind;
	size_t off, sz;     /* the field in fl_jobspec (not SK_OWN) */
	uint32_t lo, hi;    /* SK_U32 */
	double def;         /* the default (SK_U32, SK_DBL, SK_BOOL) */
	const char *const *names;   /* SK_OWN: the words it takes, or NULL */
	int nnames;
} spec_key_def;

#define SPEC_F(f) offsetof(fl_jobspec, f), sizeof(((fl_jobspec *)0)->f)
#define KOWN(sec, nm) { sec, nm, SK_OWN, 0, 0, 0, 0, 0, NULL, 0 }
#define KWORD(sec, nm, w) { sec, nm, SK_OWN, 0, 0, 0, 0, 0, w, \
	(int)(sizeof(w) / sizeof((w)[0])) }
#define KSTR(sec, nm, f) { sec, nm, SK_STR, SPEC_F(f), 0, 0, 0, NULL, 0 }
#define KU32(sec, nm, f, lo, hi, def) \
	{ sec, nm, SK_U32, SPEC_F(f), lo, hi, def, NULL, 0 }
#define KDBL(sec, nm, f, def) { sec, nm, SK_DBL, SPEC_F(f), 0, 0, def, NULL, 0 }
#define KBOOL(sec, nm, f, def) { sec, nm, SK_BOOL, SPEC_F(f), 0, 0, def, NULL, 0 }

static const spec_key_def spec_keys[K_COUNT_] = {
	[K_NAME] = KSTR("job", "name", name),
	[K_DATASET] = KSTR("job", "dataset", dataset),
	[K_MODEL] = KOWN("job", "model"),
	[K_LABEL] = KSTR("job", "label", label),
	[K_LABELS] = KOWN("job", "labels"),
	[K_FEATURES] = KOWN("job", "features"),
	[K_ROUNDS] = KU32("job", "rounds", rounds, 1, 100000, 10),
	[K_MIN_CLIENTS] = KU32("job", "min_clients", min_clients, 1, 1000, 2),
	[K_EPOCHS] = KU32("train", "local_epochs", local_epochs, 1, 1000, 1),
	[K_BATCH] = KU32("train", "batch_size", batch_size, 1, 1000000, 32),
	[K_LR] = KDBL("train", "lr", lr, 0.1),
	[K_L2] = KDBL("train", "l2", l2, 0.0),
	[K_TIMEOUT] = KU32("round", "timeout", timeout_s, 1, 86400, 60),
	[K_ATTEMPTS] = KU32("round", "max_attempts", max_attempts, 1, 100, 3),
	[K_TEST_FRACTION] = KDBL("round", "test_fraction", test_fraction, 0.25),
	[K_SEED] = KOWN("round", "seed"),
	[K_SA_THRESHOLD] = KU32("secagg", "threshold", sa_threshold, 0, 1000, 0),
	[K_SA_NEIGHBOURS] = KU32("secagg", "neighbours", sa_neighbours, 0, 1000, 0),
	[K_SA_CLIP] = KDBL("secagg", "clip", sa_clip, 1.0),
	[K_SA_BITS] = KU32("secagg", "bits", sa_bits, 2, 31, 20),
	[K_SA_DROPOUT] = KDBL("secagg", "dropout", sa_dropout, 0.5),
	[K_SA_EXPECTED_DROPOUT] = KDBL("secagg", "expected_dropout",
				       sa_expected_dropout, 0.1),
	[K_SA_CONSISTENCY] = KBOOL("secagg", "consistency", sa_consistency, 0),
	[K_HIDDEN] = KOWN("job", "hidden"),
	[K_LOSS] = KWORD("job", "loss", spec_loss_names),
	[K_PROX_MU] = KDBL("train", "prox_mu", prox_mu, 0.0),
	[K_LR_SCHEDULE] = KWORD("train", "lr_schedule", spec_lr_names),
	[K_LR_DECAY] = KDBL("train", "lr_decay", lr_decay, 0.9),
	[K_LR_STEP] = KU32("train", "lr_step", lr_step, 1, 100000, 10),
	[K_CLASS_WEIGHTS] = KOWN("train", "class_weights"),
	[K_OPTIMIZER] = KWORD("server", "optimizer", spec_opt_names),
	[K_SERVER_LR] = KDBL("server", "server_lr", server_lr, 1.0),
	[K_MOMENTUM] = KDBL("server", "momentum", momentum, 0.9),
	[K_BETA2] = KDBL("server", "beta2", beta2, 0.99),
	[K_TAU] = KDBL("server", "tau", tau, 1e-3),
	[K_TYPE] = KWORD("job", "type", spec_type_names),
	[K_SITE_FIGURES] = KBOOL("job", "site_figures", site_figures, 0),
	[K_GRACE] = KU32("round", "grace", grace_s, 0, 86400,
			 FL_JOBSPEC_DEFAULT_GRACE_S),
	[K_QUORUM] = KU32("round", "quorum", quorum_margin, 0, 1000,
			  FL_JOBSPEC_DEFAULT_QUORUM),
	[K_SPLIT] = KWORD("round", "split", spec_split_names),
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

/* Sets *out to the index of v in names[n]; else the message "'key' must
 * be a, b or c, not 'v'" and -1. */
static int spec_choice(char *msg, const char *key, const char *const *names,
		       int n, const char *v, int *out)
{
	char list[128];
	size_t used = 0;
	int i;

	if ((i = spec_enum(names, n, v)) >= 0) {
		*out = i;
		return 0;
	}
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i == 0 ? "" : i == n - 1 ? " or " : ", ",
					 names[i]);
	fl_errmsg_set(msg, "'%s' must be %s, not '%.32s'", key, list, v);
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

/* The field of a table key, checked against the width its kind writes
 * (a mismatch is a table bug, caught by any test). */
static void *spec_field(fl_jobspec *s, const spec_key_def *d, size_t sz)
{
	if (d->sz != sz)
		abort();
	return (char *)s + d->off;
}

/* A key the table reads into its field; 1 for a key spec_set reads. */
static int spec_set_field(spec_ctx *c, const spec_key_def *d, const char *key,
			  const char *v)
{
	fl_jobspec *s = &c->s;

	switch (d->kind) {
	case SK_STR: return spec_str(c, key, spec_field(s, d, FL_NAME_BYTES), v);
	case SK_U32:
		return spec_u32(c, key, d->lo, d->hi,
				spec_field(s, d, sizeof(uint32_t)), v);
	case SK_DBL: return spec_dbl(c, key, spec_field(s, d, sizeof(double)), v);
	case SK_BOOL: return spec_bool(c, key, spec_field(s, d, sizeof(bool)), v);
	case SK_OWN: break;
	}
	return 1;
}

static int spec_set(spec_ctx *c, enum spec_key k, const char *key, const char *v)
{
	fl_jobspec *s = &c->s;
	int i = 0, r;

	if ((r = spec_set_field(c, &spec_keys[k], key, v)) != 1)
		return r;
	/* A key of words: i is the word's index. */
	if (spec_keys[k].names && spec_choice(c->msg, key, spec_keys[k].names,
					      spec_keys[k].nnames, v, &i) != 0)
		return -1;
	switch (k) {
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
	case K_SPLIT:
		s->split_stratified = i == 1;
		return 0;
	case K_SEED:
		if (fl_ini_u64(v, 0, UINT64_MAX, &s->seed) == 0)
			return 0;
		fl_errmsg_set(c->msg, "'seed' must be an unsigned 64-bit integer, not '%.32s'", v);
		return -1;
	case K_HIDDEN: return spec_hidden(c, v);
	case K_LOSS:
		c->loss = i + 1;   /* 1 softmax, 2 squared */
		return 0;
	case K_CLASS_WEIGHTS: return spec_class_weights(c, v, 0);
	case K_TYPE:
		s->stats_only = i == 1;
		return 0;
	case K_LR_SCHEDULE:
		s->lr_schedule = (enum fl_lr_schedule)i;
		return 0;
	case K_OPTIMIZER:
		s->optimizer = (enum fl_server_opt)i;
		return 0;
	default:
		break;
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

/* A number key's range; iv is the interval as the message writes it, and
 * its brackets say which ends are open: "(0, 1]" is 0 < v <= 1. */
typedef struct spec_range {
	const char *what;   /* "'lr'", "'clip' in [secagg]" */
	size_t off;         /* the double in fl_jobspec */
	double lo, hi;
	const char *iv;
} spec_range;

#define SPEC_RANGE(what, field, lo, hi, iv) \
	{ what, offsetof(fl_jobspec, field), lo, hi, iv }

/* FL_E_SPEC with the message for the first key of r[n] out of its range
 * (NaN is out of every range). */
static int spec_check_ranges(const fl_jobspec *s, const spec_range *r, size_t n,
			     char *errmsg)
{
	for (size_t i = 0; i < n; i++) {
		const char *iv = r[i].iv;
		double v;

		memcpy(&v, (const char *)s + r[i].off, sizeof(v));
		if ((iv[0] == '(' ? v > r[i].lo : v >= r[i].lo) &&
		    (iv[strlen(iv) - 1] == ')' ? v < r[i].hi : v <= r[i].hi))
			continue;
		fl_errmsg_set(errmsg, "%s must be in %s, not %g", r[i].what, iv, v);
		return FL_E_SPEC;
	}
	return 0;
}

#define SPEC_NRANGES(r) (sizeof(r) / sizeof((r)[0]))

/* Ranges of the [train] algorithm keys and [server]. */
static int spec_check_algo(const fl_jobspec *s, char *errmsg)
{
	static const spec_range train[] = {
		SPEC_RANGE("'prox_mu'", prox_mu, 0.0, 1e6, "[0, 1e6]"),
		SPEC_RANGE("'lr_decay'", lr_decay, 0.0, 1.0, "(0, 1]"),
	};
	static const spec_range server_lr[] = {
		SPEC_RANGE("'server_lr'", server_lr, 0.0, 100.0, "(0, 100]"),
	};
	static const spec_range tau[] = {
		SPEC_RANGE("'tau'", tau, 0.0, 1e3, "(0, 1e3]"),
	};

	if (spec_check_ranges(s, train, SPEC_NRANGES(train), errmsg) != 0)
		return FL_E_SPEC;
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
	if (spec_check_ranges(s, server_lr, 1, errmsg) != 0)
		return FL_E_SPEC;
	if (!(s->momentum >= 0.0 && s->momentum < 1.0) ||
	    !(s->beta2 >= 0.0 && s->beta2 < 1.0)) {
		fl_errmsg_set(errmsg, "'momentum' and 'beta2' must be in [0, 1), not %g "
			      "and %g", s->momentum, s->beta2);
		return FL_E_SPEC;
	}
	return spec_check_ranges(s, tau, 1, errmsg);
}

static int spec_validate(const spec_ctx *c, char *errmsg)
{
	static const enum spec_key required[] = { K_NAME, K_DATASET, K_MODEL, K_LABEL };
	static const spec_range lr[] = {
		SPEC_RANGE("'lr'", lr, 0.0, 100.0, "(0, 100]"),
	};
	static const spec_range secagg[] = {
		SPEC_RANGE("'clip' in [secagg]", sa_clip, 0.0, 1e9, "(0, 1e9]"),
		SPEC_RANGE("'dropout' in [secagg]", sa_dropout, 0.0, 1.0, "[0, 1)"),
		SPEC_RANGE("'expected_dropout' in [secagg]", sa_expected_dropout,
			   0.0, 1.0, "[0, 1)"),
	};
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
	if (spec_check_ranges(s, lr, 1, errmsg) != 0)
		return FL_E_SPEC;
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
	if (spec_check_ranges(s, secagg, SPEC_NRANGES(secagg), errmsg) != 0)
		return FL_E_SPEC;
	if (spec_check_mlp(c, errmsg) != 0)
		return FL_E_SPEC;
	if (spec_check_algo(s, errmsg) != 0)
		return FL_E_SPEC;
	if (fl_jobspec_privacy_check(s, errmsg) != 0)
		return FL_E_SPEC;
	return spec_check_model(s, errmsg);
}

/* The table's defaults; the enums' defaults (constant schedule, no class
 * weights, fedavg) and seed 0 are zero. */
static void spec_defaults(fl_jobspec *s)
{
	memset(s, 0, sizeof(*s));
	for (int k = 0; k < K_COUNT_; k++) {
		const spec_key_def *d = &spec_keys[k];

		if (d->kind == SK_U32)
			*(uint32_t *)spec_field(s, d, sizeof(uint32_t)) = (uint32_t)d->def;
		else if (d->kind == SK_DBL)
			*(double *)spec_field(s, d, sizeof(double)) = d->def;
		else if (d->kind == SK_BOOL)
			*(bool *)spec_field(s, d, sizeof(bool)) = d->def != 0.0;
	}
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
