/* SPDX-License-Identifier: Apache-2.0 */
/* fl_config: agent and coordinator INI config files (libinih). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_config.h"
#include "fl_targets.h"
#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_log.h"
#include "fl_model.h"
#include "fl_proxy.h"
#include "fl_util.h"

/* Handler state shared by both config kinds. */
typedef struct cfg_ctx {
	const char *base_dir;
	unsigned seen;
	char msg[FL_ERRMSG_BYTES];
	fl_agent_config *agent;   /* exactly one of these is set */
	fl_coord_config *coord;
} cfg_ctx;

enum { S_COORDINATOR = 1u << 0, S_CA = 1u << 1, S_CERT = 1u << 2, S_KEY = 1u << 3 };

/* Joins a relative path onto base_dir ("." stays the base itself). */
static int cfg_path(cfg_ctx *c, const char *key, char *dst, const char *v)
{
	int n;

	if (*v == '\0') {
		fl_errmsg_set(c->msg, "'%s' is empty", key);
		return -1;
	}
	/* A data source URL (sqlite:///..., postgresql://...) is not a path
	 * to resolve. */
	if (v[0] == '/' || c->base_dir == NULL || c->base_dir[0] == '\0' ||
	    strncmp(v, "sqlite://", 9) == 0 || strncmp(v, "postgresql://", 13) == 0)
		n = snprintf(dst, FL_PATH_BYTES, "%s", v);
	else if (strcmp(v, ".") == 0)
		n = snprintf(dst, FL_PATH_BYTES, "%s", c->base_dir);
	else
		n = snprintf(dst, FL_PATH_BYTES, "%s/%s", c->base_dir, v);
	if (n < 0 || n >= FL_PATH_BYTES) {
		fl_errmsg_set(c->msg, "path of '%s' is longer than %d bytes", key,
			      FL_PATH_BYTES - 1);
		return -1;
	}
	return 0;
}

static int cfg_str(cfg_ctx *c, const char *key, char *dst, size_t cap, const char *v)
{
	if (*v != '\0' && fl_ini_copy(dst, cap, v) == 0)
		return 0;
	fl_errmsg_set(c->msg, "'%s' must be 1..%zu characters", key, cap - 1);
	return -1;
}

static int cfg_u32(cfg_ctx *c, const char *key, uint32_t lo, uint32_t hi,
		   uint32_t *dst, const char *v)
{
	return fl_ini_u32_key(c->msg, key, lo, hi, dst, v);
}

static int cfg_bool(cfg_ctx *c, const char *key, bool *dst, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		*dst = v[0] == 't';
		return 0;
	}
	fl_errmsg_set(c->msg, "'%s' must be true or false, not '%.32s'", key, v);
	return -1;
}

/* A number in lo..hi, the bounds excluded when open; range says it in
 * words for the error ("in [0, 1e4]"). */
static int cfg_double(cfg_ctx *c, const char *key, double lo, double hi, bool open,
		      const char *range, double *dst, const char *v)
{
	double d;

	if (fl_ini_double(v, &d) == 0 &&
	    (open ? d > lo && d < hi : d >= lo && d <= hi)) {
		*dst = d;
		return 0;
	}
	fl_errmsg_set(c->msg, "'%s' must be a number %s, not '%.32s'", key, range, v);
	return -1;
}

/* log_level and log_format, the same keys in [agent] and [coordinator]. */
static bool cfg_is_log(const char *name)
{
	return strcmp(name, "log_level") == 0 || strcmp(name, "log_format") == 0;
}

/* One of them into the section's log_level or log_format field. */
static int cfg_log(cfg_ctx *c, const char *name, char (*level)[16],
		   char (*format)[8], const char *v)
{
	enum fl_log_level lv;
	enum fl_log_format f;

	if (strcmp(name, "log_level") == 0) {
		if (fl_log_level_parse(v, &lv) == 0 &&
		    fl_ini_copy(*level, sizeof(*level), v) == 0)
			return 0;
		fl_errmsg_set(c->msg, "'log_level' must be debug, info, warn or error, "
			      "not '%.32s'", v);
		return -1;
	}
	if (fl_log_format_parse(v, &f) == 0 && fl_ini_copy(*format, sizeof(*format), v) == 0)
		return 0;
	fl_errmsg_set(c->msg, "'log_format' must be text or json, not '%.32s'", v);
	return -1;
}

static int cfg_tls(cfg_ctx *c, fl_tls_paths *t, const char *name, const char *v)
{
	if (strcmp(name, "ca") == 0) {
		c->seen |= S_CA;
		return cfg_path(c, name, t->ca, v);
	}
	if (strcmp(name, "cert") == 0) {
		c->seen |= S_CERT;
		return cfg_path(c, name, t->cert, v);
	}
	if (strcmp(name, "key") == 0) {
		c->seen |= S_KEY;
		return cfg_path(c, name, t->key, v);
	}
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [tls]", name);
	return -1;
}

static int cfg_data(cfg_ctx *c, fl_agent_config *a, const char *name, const char *v)
{
	uint32_t i = a->ndatasets;

	if (fl_agent_config_dataset(a, name) != NULL) {
		fl_errmsg_set(c->msg, "dataset '%.40s' is listed twice in [data]", name);
		return -1;
	}
	if (i >= FL_CONFIG_MAX_DATASETS) {
		fl_errmsg_set(c->msg, "more than %u datasets in [data]", FL_CONFIG_MAX_DATASETS);
		return -1;
	}
	if (*name == '\0' || fl_ini_copy(a->dataset_name[i], FL_NAME_BYTES, name) != 0) {
		fl_errmsg_set(c->msg, "dataset name must be 1..%d characters", FL_NAME_BYTES - 1);
		return -1;
	}
	if (fl_url_has_password(v)) {
		fl_errmsg_set(c->msg, "dataset '%.40s': a database URL takes no "
			      "password; put it in the agent's PGPASSFILE (~/.pgpass)", name);
		return -1;
	}
	if (cfg_path(c, name, a->dataset_path[i], v) != 0)
		return -1;
	a->ndatasets++;
	return 0;
}

/* One name of a comma list in [policy]. */
typedef struct cfg_name_bit {
	const char *name;
	uint32_t bit;
} cfg_name_bit;

static const cfg_name_bit cfg_kinds[] = {
	{ "stats", FL_POLICY_KIND_STATS }, { "train", FL_POLICY_KIND_TRAIN },
	{ "eval", FL_POLICY_KIND_EVAL },
};
static const cfg_name_bit cfg_models[] = {
	{ "linear", FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR) },
	{ "logistic", FL_POLICY_MODEL_BIT(FL_MODEL_LOGISTIC) },
	{ "softmax", FL_POLICY_MODEL_BIT(FL_MODEL_SOFTMAX) },
	{ "mlp", FL_POLICY_MODEL_BIT(FL_MODEL_MLP) },
};

/* "a, b, c" or "all" -> bits; an unknown or empty name is an error. */
static int cfg_names(cfg_ctx *c, const char *key, const cfg_name_bit *tab,
		     size_t ntab, uint32_t all, uint32_t *dst, const char *v)
{
	const char *p = v, *help = tab == cfg_kinds ? "stats, train, eval" :
		"linear, logistic, softmax, mlp";
	uint32_t bits = 0;

	if (strcmp(v, "all") == 0) {
		*dst = all;
		return 0;
	}
	for (;;) {
		const char *e;
		size_t len, i;

		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		for (i = 0; i < ntab; i++)
			if (strlen(tab[i].name) == len && strncmp(tab[i].name, p, len) == 0)
				break;
		if (i == ntab) {
			if (len == 0)
				fl_errmsg_set(c->msg, "'%s' has an empty name (use %s or "
					      "all)", key, help);
			else
				fl_errmsg_set(c->msg, "'%s': unknown name '%.*s' (use %s "
					      "or all)", key, (int)(len > 32 ? 32 : len),
					      p, help);
			return -1;
		}
		bits |= tab[i].bit;
		if (*e == '\0')
			break;
		p = e + 1;
	}
	*dst = bits;
	return 0;
}

/* The privacy budget keys of [policy]. */
static int cfg_policy_dp_key(cfg_ctx *c, fl_agent_policy *o, const char *name,
			     const char *v)
{
	if (strcmp(name, "max_epsilon") == 0)
		return cfg_double(c, name, 0.0, 1e4, false, "in [0, 1e4]",
				  &o->max_epsilon, v);
	if (strcmp(name, "delta") == 0)
		return cfg_double(c, name, 0.0, 0.1, true, "in (0, 0.1)",
				  &o->dp_delta, v);
	if (strcmp(name, "epsilon_window_days") == 0)
		return cfg_u32(c, name, 0, 100000, &o->epsilon_window_days, v);
	if (strcmp(name, "require_dp") == 0)
		return cfg_bool(c, name, &o->require_dp, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [policy]", name);
	return -1;
}

static int cfg_policy_key(cfg_ctx *c, fl_agent_policy *o, const char *name,
			  const char *v)
{
	if (strcmp(name, "allowed_kinds") == 0)
		return cfg_names(c, name, cfg_kinds, sizeof(cfg_kinds) / sizeof(cfg_kinds[0]),
				 FL_POLICY_KINDS_ALL, &o->kinds, v);
	if (strcmp(name, "allowed_models") == 0)
		return cfg_names(c, name, cfg_models,
				 sizeof(cfg_models) / sizeof(cfg_models[0]),
				 FL_POLICY_MODELS_ALL, &o->models, v);
	if (strcmp(name, "max_rounds_per_day") == 0)
		return cfg_u32(c, name, 0, 1000000, &o->max_rounds_per_day, v);
	if (strcmp(name, "min_other_participants") == 0)
		return cfg_u32(c, name, 0, FL_POLICY_MAX_MIN_OTHERS,
			       &o->min_other_participants, v);
	if (strcmp(name, "min_honest_sites") == 0)
		return cfg_u32(c, name, 2, FL_POLICY_MAX_MIN_OTHERS, &o->min_honest, v);
	if (strcmp(name, "colluders") == 0)
		return cfg_u32(c, name, 0, FL_POLICY_MAX_MIN_OTHERS, &o->colluders, v);
	if (strcmp(name, "max_model_params") == 0) {
		if (fl_ini_u64(v, 0, (uint64_t)FL_MODEL_MAX_PARAMS, &o->max_model_params) == 0)
			return 0;
		fl_errmsg_set(c->msg, "'%s' must be an integer in 0..%llu, not '%.32s'",
			      name, (unsigned long long)(uint64_t)FL_MODEL_MAX_PARAMS, v);
		return -1;
	}
	if (strcmp(name, "min_clip") == 0)
		return cfg_double(c, name, 0.0, HUGE_VAL, false, ">= 0", &o->min_clip, v);
	if (strcmp(name, "report_own_metrics") == 0)
		return cfg_bool(c, name, &o->report_own_metrics, v);
	return cfg_policy_dp_key(c, o, name, v);
}

static int cfg_trainer_key(cfg_ctx *c, fl_agent_config *a, const char *name,
			   const char *v)
{
	if (strcmp(name, "program") == 0)
		return cfg_path(c, name, a->trainer_program, v);
	if (strcmp(name, "timeout") == 0)
		return cfg_u32(c, name, 1, 7 * 86400, &a->trainer_timeout_s, v);
	if (strcmp(name, "models") == 0)
		return cfg_names(c, name, cfg_models,
				 sizeof(cfg_models) / sizeof(cfg_models[0]),
				 FL_POLICY_MODELS_ALL, &a->trainer_models, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [trainer] (program, timeout, "
		      "models)", name);
	return -1;
}

static int cfg_agent_key(cfg_ctx *c, fl_agent_config *a, const char *name, const char *v)
{
	if (strcmp(name, "coordinator") == 0) {
		fl_targets t;

		c->seen |= S_COORDINATOR;
		if (cfg_str(c, name, a->coordinator, sizeof(a->coordinator), v) != 0)
			return -1;
		/* one address, or an active/standby list "host1:443, host2:443" */
		return fl_targets_parse(a->coordinator, &t, c->msg) == 0 ? 0 : -1;
	}
	if (strcmp(name, "poll_interval_ms") == 0)
		return cfg_u32(c, name, 1, 3600000, &a->poll_interval_ms, v);
	if (strcmp(name, "long_poll_ms") == 0)
		return cfg_u32(c, name, 0, 600000, &a->long_poll_ms, v);
	if (strcmp(name, "keepalive_ms") == 0) {
		if (cfg_u32(c, name, 0, 3600000, &a->keepalive_ms, v) != 0)
			return -1;
		if (a->keepalive_ms != 0 && a->keepalive_ms < 1000) {
			fl_errmsg_set(c->msg, "keepalive_ms = %u is too short: use 0 "
				      "(no pings) or at least 1000", a->keepalive_ms);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "renew_days") == 0)
		return cfg_u32(c, name, 0, 365, &a->renew_days, v);
	if (strcmp(name, "proxy") == 0) {
		/* "" dials directly, whatever the environment says */
		if (*v != '\0' && fl_proxy_url_check(v, c->msg) != 0)
			return -1;
		a->proxy_set = true;
		return fl_ini_copy(a->proxy, sizeof(a->proxy), v) == 0 ? 0 : -1;
	}
	if (strcmp(name, "state_dir") == 0)
		return cfg_path(c, name, a->state_dir, v);
	if (cfg_is_log(name))
		return cfg_log(c, name, &a->log_level, &a->log_format, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [agent]", name);
	return -1;
}

static int cfg_coord_key(cfg_ctx *c, fl_coord_config *o, const char *name, const char *v)
{
	if (strcmp(name, "listen") == 0)
		return cfg_str(c, name, o->listen, sizeof(o->listen), v);
	/* a postgresql:// URL is kept as written; anything else is a file */
	if (strcmp(name, "database") == 0 && (strncmp(v, "postgresql://", 13) == 0 ||
					       strncmp(v, "postgres://", 11) == 0))
		return cfg_str(c, name, o->database, sizeof(o->database), v);
	if (strcmp(name, "database") == 0)
		return cfg_path(c, name, o->database, v);
	if (strcmp(name, "database_password_file") == 0)
		return cfg_path(c, name, o->database_password_file, v);
	if (cfg_is_log(name))
		return cfg_log(c, name, &o->log_level, &o->log_format, v);
	if (strcmp(name, "offline_after_ms") == 0)
		return cfg_u32(c, name, 1, 86400000, &o->offline_after_ms, v);
	if (strcmp(name, "members") == 0)
		return cfg_path(c, name, o->members, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [coordinator]", name);
	return -1;
}

static int cfg_ca_key(cfg_ctx *c, fl_ca_config *o, const char *name, const char *v)
{
	if (strcmp(name, "cert") == 0)
		return cfg_path(c, name, o->cert, v);
	if (strcmp(name, "key") == 0)
		return cfg_path(c, name, o->key, v);
	if (strcmp(name, "passphrase_file") == 0)
		return cfg_path(c, name, o->passphrase_file, v);
	if (strcmp(name, "leaf_days") == 0)
		return cfg_u32(c, name, 1, 3650, &o->leaf_days, v);
	if (strcmp(name, "token_ttl_s") == 0)
		return cfg_u32(c, name, 60, FL_CA_MAX_TOKEN_TTL_S, &o->token_ttl_s, v);
	if (strcmp(name, "sign_members") == 0)
		return cfg_bool(c, name, &o->sign_members, v);
	if (strcmp(name, "renew_days") == 0)
		return cfg_u32(c, name, 1, 365, &o->renew_days, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [ca]", name);
	return -1;
}

static int cfg_ops_key(cfg_ctx *c, fl_ops_config *o, const char *name, const char *v)
{
	if (strcmp(name, "listen") == 0) {
		if (*v == '\0' || strchr(v, ':') == NULL) {
			fl_errmsg_set(c->msg, "[ops] listen must be host:port (e.g. "
				      "127.0.0.1:9464), not '%.40s'", v);
			return -1;
		}
		return cfg_str(c, name, o->listen, sizeof(o->listen), v);
	}
	if (strcmp(name, "port_file") == 0)
		return cfg_path(c, name, o->port_file, v);
	fl_errmsg_set(c->msg, "unknown key '%.40s' in [ops] (listen, port_file)", name);
	return -1;
}

static int cfg_handler(void *user, const char *section, const char *name,
		       const char *value)
{
	cfg_ctx *c = user;
	int r;

	if (c->msg[0] != '\0')
		return 1;   /* report the first failure only */
	if (strcmp(section, "tls") == 0)
		r = cfg_tls(c, c->agent ? &c->agent->tls : &c->coord->tls, name, value);
	else if (strcmp(section, "ops") == 0)
		r = cfg_ops_key(c, c->agent ? &c->agent->ops : &c->coord->ops, name, value);
	else if (c->agent != NULL && strcmp(section, "agent") == 0)
		r = cfg_agent_key(c, c->agent, name, value);
	else if (c->agent != NULL && strcmp(section, "data") == 0)
		r = cfg_data(c, c->agent, name, value);
	else if (c->agent != NULL && strcmp(section, "policy") == 0)
		r = cfg_policy_key(c, &c->agent->policy, name, value);
	else if (c->agent != NULL && strcmp(section, "trainer") == 0)
		r = cfg_trainer_key(c, c->agent, name, value);
	else if (c->coord != NULL && strcmp(section, "coordinator") == 0)
		r = cfg_coord_key(c, c->coord, name, value);
	else if (c->coord != NULL && strcmp(section, "ca") == 0)
		r = cfg_ca_key(c, &c->coord->ca, name, value);
	else {
		if (section[0] == '\0')
			fl_errmsg_set(c->msg, "key '%.40s' outside a section", name);
		else
			fl_errmsg_set(c->msg, "unknown section [%.40s]", section);
		r = -1;
	}
	return r == 0;
}

static int cfg_require(const cfg_ctx *c, unsigned need, const char *where, char *errmsg)
{
	static const struct { unsigned bit; const char *key, *section; } req[] = {
		{ S_COORDINATOR, "coordinator", "agent" },
		{ S_CA, "ca", "tls" }, { S_CERT, "cert", "tls" }, { S_KEY, "key", "tls" },
	};

	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if ((need & req[i].bit) && !(c->seen & req[i].bit)) {
			fl_errmsg_set(errmsg, "%s%smissing required key '%s' in [%s]",
				      where ? where : "", where ? ": " : "",
				      req[i].key, req[i].section);
			return FL_E_CONFIG;
		}
	}
	return 0;
}

/* The part both config kinds share: the default of the path key dkey (in
 * dst), the INI text through cfg_handler, then the required keys. */
static int cfg_run(cfg_ctx *c, const char *text, size_t len, const char *where,
		   const char *dkey, char *dst, const char *dflt, unsigned need,
		   char *errmsg)
{
	int r;

	if (cfg_path(c, dkey, dst, dflt) != 0) {
		fl_errmsg_set(errmsg, "%s", c->msg);
		return FL_E_CONFIG;
	}
	r = fl_ini_parse(text, len, FL_CONFIG_MAX_BYTES, cfg_handler, c, c->msg,
			 where, FL_E_CONFIG, errmsg);
	if (r == 0)
		r = cfg_require(c, need, where, errmsg);
	return r;
}

static int agent_parse(const char *text, size_t len, const char *base_dir,
		       const char *where, fl_agent_config *out, char *errmsg)
{
	fl_agent_config *a;
	cfg_ctx c = { .base_dir = base_dir };
	int r;

	if (out == NULL)
		return FL_E_INVAL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return FL_E_NOMEM;
	a->poll_interval_ms = 500;
	a->long_poll_ms = 30000;
	a->keepalive_ms = 20000;
	a->policy.kinds = FL_POLICY_KINDS_ALL;
	a->policy.models = FL_POLICY_MODELS_ALL;
	a->policy.min_other_participants = FL_POLICY_DEFAULT_MIN_OTHERS;
	a->policy.min_honest = FL_POLICY_DEFAULT_MIN_HONEST;
	a->policy.colluders = FL_POLICY_DEFAULT_COLLUDERS;
	a->policy.dp_delta = 1e-6;
	a->trainer_timeout_s = 600;
	a->trainer_models = FL_POLICY_MODELS_ALL;
	snprintf(a->log_level, sizeof(a->log_level), "info");
	snprintf(a->log_format, sizeof(a->log_format), "text");
	c.agent = a;
	r = cfg_run(&c, text, len, where, "state_dir", a->state_dir, ".",
		    S_COORDINATOR | S_CA | S_CERT | S_KEY, errmsg);
	if (r == 0)
		*out = *a;
	free(a);
	return r;
}

void fl_coord_config_defaults(fl_coord_config *o)
{
	snprintf(o->listen, sizeof(o->listen), "127.0.0.1:7443");
	snprintf(o->log_level, sizeof(o->log_level), "info");
	snprintf(o->log_format, sizeof(o->log_format), "text");
	o->offline_after_ms = 10000;
	o->ca.leaf_days = 397;
	o->ca.token_ttl_s = FL_CA_DEFAULT_TOKEN_TTL_S;
	o->ca.renew_days = FL_CA_DEFAULT_RENEW_DAYS;
}

static int coord_parse(const char *text, size_t len, const char *base_dir,
		       const char *where, fl_coord_config *out, char *errmsg)
{
	cfg_ctx c = { .base_dir = base_dir };
	fl_coord_config *o;
	int r;

	if (out == NULL)
		return FL_E_INVAL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return FL_E_NOMEM;
	fl_coord_config_defaults(o);
	c.coord = o;
	r = cfg_run(&c, text, len, where, "database", o->database, "coordinator.db",
		    S_CA | S_CERT | S_KEY, errmsg);
	if (r == 0 && (o->ca.cert[0] == '\0') != (o->ca.key[0] == '\0')) {
		fl_errmsg_set(errmsg, "%s%s[ca] needs both 'cert' and 'key' (or "
			      "neither, for a CA kept offline)", where ? where : "",
			      where ? ": " : "");
		r = FL_E_CONFIG;
	}
	if (r == 0)
		*out = *o;
	free(o);
	return r;
}

int fl_agent_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_agent_config *out, char *errmsg)
{
	return agent_parse(text, len, base_dir, NULL, out, errmsg);
}

int fl_coord_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_coord_config *out, char *errmsg)
{
	return coord_parse(text, len, base_dir, NULL, out, errmsg);
}

/* Reads a config file and works out its folder for relative paths. */
static int cfg_read(const char *path, char **text, size_t *len, char *dir,
		    char *errmsg)
{
	const char *slash;
	int r;

	if (path == NULL)
		return FL_E_INVAL;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, FL_PATH_BYTES, ".");
	else if (slash == path)
		snprintf(dir, FL_PATH_BYTES, "/");
	else if ((size_t)(slash - path) < FL_PATH_BYTES)
		snprintf(dir, FL_PATH_BYTES, "%.*s", (int)(slash - path), path);
	else {
		fl_errmsg_set(errmsg, "%s: path is too long", path);
		return FL_E_CONFIG;
	}
	r = fl_file_read(path, FL_CONFIG_MAX_BYTES, text, len);
	if (r != 0) {
		char eb[64];

		fl_errmsg_set(errmsg, "%s: %s", path, fl_file_strerror(r,
			      FL_CONFIG_MAX_BYTES, eb, sizeof(eb)));
	}
	return r;
}

/* Reads path and parses it as an agent's config (agent) or a
 * coordinator's, relative paths against path's folder. */
static int cfg_load(const char *path, bool agent, void *out, char *errmsg)
{
	char dir[FL_PATH_BYTES], *text = NULL;
	size_t len = 0;
	int r;

	if ((r = cfg_read(path, &text, &len, dir, errmsg)) != 0)
		return r;
	r = agent ? agent_parse(text, len, dir, path, out, errmsg) :
		coord_parse(text, len, dir, path, out, errmsg);
	free(text);
	return r;
}

int fl_agent_config_load(const char *path, fl_agent_config *out, char *errmsg)
{
	return cfg_load(path, true, out, errmsg);
}

int fl_coord_config_load(const char *path, fl_coord_config *out, char *errmsg)
{
	return cfg_load(path, false, out, errmsg);
}

const char *fl_agent_config_dataset(const fl_agent_config *c, const char *name)
{
	if (c == NULL || name == NULL)
		return NULL;
	for (uint32_t i = 0; i < c->ndatasets && i < FL_CONFIG_MAX_DATASETS; i++)
		if (strcmp(c->dataset_name[i], name) == 0)
			return c->dataset_path[i];
	return NULL;
}
