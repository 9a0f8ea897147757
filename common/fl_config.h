/* SPDX-License-Identifier: Apache-2.0 */
/* fl_config: INI config files of the agent and the coordinator (libinih). */
#ifndef FL_CONFIG_H
#define FL_CONFIG_H

#include <stdint.h>
#include "fl_jobspec.h"
#include "fl_proxy.h"
#include "fl_util.h"

#define FL_PATH_BYTES 512
#define FL_CONFIG_MAX_BYTES (256u * 1024u)
#define FL_CONFIG_MAX_DATASETS 32u

typedef struct fl_tls_paths {
	char ca[FL_PATH_BYTES];     /* consortium CA bundle (PEM) */
	char cert[FL_PATH_BYTES];   /* own certificate (PEM) */
	char key[FL_PATH_BYTES];    /* own private key (PEM, 0600) */
} fl_tls_paths;

/*
 * Agent config:
 *   [agent]  coordinator = host:port (required; or an active/standby list
 *            "host1:443, host2:443" tried in order, fl_targets.h),
 *            poll_interval_ms = 500
 *            (pause between polls when the coordinator says so, or
 *            without long polls), long_poll_ms = 30000 (how long the
 *            coordinator may hold a poll until it has a task; 0: plain
 *            polling), keepalive_ms = 20000 (HTTP/2 pings on the idle
 *            connection, so that NATs and proxies keep it; 0: none, else
 *            at least 1000),
 *            renew_days = 0 (renew the certificate with fewer days left;
 *            0: the coordinator's value, else 30),
 *            proxy = http://[user:password@]host:port (an HTTP CONNECT
 *            proxy to dial through; unset: the environment's grpc_proxy,
 *            https_proxy or HTTPS_PROXY; set but empty: dial directly;
 *            no_proxy is honoured; fl_proxy.h),
 *            state_dir = . , log_level = info,
 *            log_format = text (or json: one JSON object a line)
 *   [tls]    ca, cert, key  (required; relative paths are relative to the
 *            config file's folder)
 *   [data]   NAME = path/to/file.csv   (one line per dataset this site holds)
 *   [policy] what this site agrees to take part in (see fl_agent_policy)
 *   [ops]    listen = 127.0.0.1:9464 (off by default), port_file
 */

/* [policy] allowed_kinds = stats, train, eval (comma list, or "all"). */
#define FL_POLICY_KIND_STATS (1u << 0)
#define FL_POLICY_KIND_TRAIN (1u << 1)
#define FL_POLICY_KIND_EVAL (1u << 2)
#define FL_POLICY_KINDS_ALL (FL_POLICY_KIND_STATS | FL_POLICY_KIND_TRAIN | \
			     FL_POLICY_KIND_EVAL)
/* [policy] allowed_models = linear, logistic, softmax, mlp (or "all"). */
#define FL_POLICY_MODEL_BIT(kind) (1u << (unsigned)(kind))   /* enum fl_model_kind */
#define FL_POLICY_MODELS_ALL (FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR) | \
			      FL_POLICY_MODEL_BIT(FL_MODEL_LOGISTIC) | \
			      FL_POLICY_MODEL_BIT(FL_MODEL_SOFTMAX) | \
			      FL_POLICY_MODEL_BIT(FL_MODEL_MLP))
#define FL_POLICY_DEFAULT_MIN_OTHERS 2u
#define FL_POLICY_MAX_MIN_OTHERS 999u
/* Against an untrusted coordinator (SECAGG.md "Threat model"), counted in
 * member organisations: T, the smallest group of honest sites this site's
 * update may be summed with, and c, the sites that may collude with the
 * coordinator. */
#define FL_POLICY_DEFAULT_MIN_HONEST 3u
#define FL_POLICY_DEFAULT_COLLUDERS 1u

/*
 * The site's local policy ([policy] section; every key optional):
 *   allowed_kinds = stats, train, eval    task kinds taken part in (all)
 *   allowed_models = linear, logistic, softmax, mlp   model kinds (all)
 *   max_rounds_per_day = 0     contributions per rolling 24 h (0: no limit)
 *   min_other_participants = 2 other sites that must be in a round with
 *                              this one (at advertise, key list, survivors)
 *   min_honest_sites = 3       T: the smallest group of honest sites (in
 *                              member organisations, this one included)
 *                              that this site's update may be summed with
 *   colluders = 1              c: sites (organisations) that may collude
 *                              with the coordinator; with T it sets the
 *                              thresholds the site demands (SECAGG.md R4,
 *                              R5): pairing with T - 1 + c other
 *                              organisations, 2t > k + 1 + c, and survivor
 *                              lists signed by q sites with 2q > n + c
 *   min_clip = 0               smallest quantisation clip accepted (0: any)
 *   max_model_params = 0       largest model accepted (0: no limit)
 *   report_own_metrics = false true: in rounds that evaluate the global
 *                              model on this site's test split (TRAIN rounds
 *                              before training, the final EVAL round), also
 *                              send this site's own figures (test rows,
 *                              loss, accuracy, macro-F1 or R^2) IN CLEAR to
 *                              the coordinator, which shows them per site in
 *                              'fedctl job status'. The secure aggregate is
 *                              unchanged. Only in jobs whose spec has
 *                              [job] site_figures = true (R9); with false,
 *                              such jobs are refused. Default false:
 *                              nothing of this site's own is revealed.
 *   max_epsilon = 0            the site's privacy budget per dataset (0:
 *                              none): the epsilon, at delta, of all its
 *                              noisy contributions ([privacy] jobs) within
 *                              the window; a task that would pass it is
 *                              declined with reason budget. The spending is
 *                              kept in state_dir/privacy (agent_budget.h),
 *                              never taken from the coordinator.
 *   delta = 1e-6               the delta of max_epsilon, in (0, 0.1)
 *   epsilon_window_days = 0    the budget's rolling window (0: for ever)
 *   require_dp = false         true: decline jobs without [privacy]
 */
typedef struct fl_agent_policy {
	uint32_t kinds;                  /* FL_POLICY_KIND_* bits */
	uint32_t models;                 /* FL_POLICY_MODEL_BIT() bits */
	uint32_t max_rounds_per_day;     /* 0 = unlimited */
	uint32_t min_other_participants;
	uint32_t min_honest;             /* T >= 2 */
	uint32_t colluders;              /* c */
	double min_clip;                 /* 0 = any */
	uint64_t max_model_params;       /* 0 = unlimited */
	bool report_own_metrics;         /* opt in to reveal own eval figures */
	double max_epsilon;              /* 0 = no budget */
	double dp_delta;                 /* [policy] delta */
	uint32_t epsilon_window_days;    /* 0 = for ever */
	bool require_dp;
} fl_agent_policy;

/* [ops] of both daemons (common/fl_ops_http.h): listen = host:port of the
 * plain-HTTP ops listener (/metrics, /healthz, /readyz); "" = off (the
 * default); port 0 picks a free port; port_file = FILE: where the bound
 * port is written once listening. No secrets are ever served there. */
typedef struct fl_ops_config {
	char listen[256];
	char port_file[FL_PATH_BYTES];
} fl_ops_config;

typedef struct fl_agent_config {
	char coordinator[256];
	uint32_t poll_interval_ms;
	uint32_t long_poll_ms;           /* hold of a poll (0: plain polling) */
	uint32_t keepalive_ms;           /* ping period (0: none) */
	uint32_t renew_days;             /* 0 = the coordinator's (else 30) */
	char proxy[FL_PROXY_URL_BYTES];  /* "" = from the environment (or none) */
	bool proxy_set;                  /* the key was given (even empty) */
	char state_dir[FL_PATH_BYTES];
	char log_level[16];
	char log_format[8];              /* "text" or "json" */
	fl_tls_paths tls;
	uint32_t ndatasets;
	char dataset_name[FL_CONFIG_MAX_DATASETS][FL_NAME_BYTES];
	char dataset_path[FL_CONFIG_MAX_DATASETS][FL_PATH_BYTES];
	fl_agent_policy policy;          /* [policy]; defaults allow everything
					  * but rounds with < 2 other sites */
	/* [trainer] (optional): an external training program for TRAIN
	 * rounds (client/agent_external.h): program = path ("" = the
	 * built-in trainer), timeout = seconds (default 600), models = the
	 * model kinds it trains (names as in [policy] allowed_models; default
	 * all). */
	char trainer_program[FL_PATH_BYTES];
	uint32_t trainer_timeout_s;
	uint32_t trainer_models;         /* FL_POLICY_MODEL_BIT set */
	fl_ops_config ops;               /* [ops] (off by default) */
} fl_agent_config;

#define FL_CA_DEFAULT_TOKEN_TTL_S 86400u      /* enrollment tokens: 24 h */
#define FL_CA_MAX_TOKEN_TTL_S (30u * 86400u)
#define FL_CA_DEFAULT_RENEW_DAYS 30u          /* renew when fewer days are left */

/* [ca] of the coordinator: the consortium CA kept online, for enrollment by
 * token, certificate renewal and signed CRLs (coordinator/coord_ca.h).
 * Optional: with cert empty, those features are off (sites are then
 * certified by hand with 'fedctl ca sign' and CRLs published by hand). */
typedef struct fl_ca_config {
	char cert[FL_PATH_BYTES];            /* CA certificate (PEM) */
	char key[FL_PATH_BYTES];             /* CA private key (PEM, 0600) */
	char passphrase_file[FL_PATH_BYTES]; /* "" = key not encrypted */
	uint32_t leaf_days;                  /* issued site certificates (397) */
	uint32_t token_ttl_s;                /* default token lifetime (86400) */
	uint32_t renew_days;                 /* agents renew with fewer days left (30) */
	/* sign_members = true: the coordinator signs a new member list version
	 * with the online CA key after each enrollment and renewal (needs
	 * [coordinator] members; trusts the coordinator with membership) */
	bool sign_members;
} fl_ca_config;

/*
 * Coordinator config:
 *   [coordinator] listen = 127.0.0.1:7443, database = coordinator.db (or
 *                 a copy from 'fedctl admin backup', to restore one; or
 *                 postgresql://user@host:port/db, no password in it),
 *                 database_password_file = FILE (PostgreSQL's password
 *                 on its first line; else PGPASSFILE / ~/.pgpass),
 *                 log_level = info, log_format = text (or json),
 *                 offline_after_ms = 10000,
 *                 members = FILE (optional: the CA-signed member list,
 *                 SECAGG.md R1, that it hands to the agents)
 *   [tls]         ca, cert, key (required)
 *   [ca]          cert, key (both or neither), passphrase_file,
 *                 leaf_days = 397, token_ttl_s = 86400, renew_days = 30,
 *                 sign_members = false
 *   [ops]         listen = 127.0.0.1:9464 (off by default), port_file
 */
typedef struct fl_coord_config {
	char listen[256];
	char database[FL_PATH_BYTES];    /* a file, or a postgresql:// URL */
	char database_password_file[FL_PATH_BYTES];   /* "" = none */
	char log_level[16];
	char log_format[8];              /* "text" or "json" */
	uint32_t offline_after_ms;
	char members[FL_PATH_BYTES];     /* "" = no member list */
	fl_tls_paths tls;
	fl_ca_config ca;
	fl_ops_config ops;               /* [ops] (off by default) */
} fl_coord_config;

/* Parse from text (base_dir resolves relative paths; may be NULL) or from a
 * file. Unknown sections/keys, missing required keys and bad numbers are
 * FL_E_CONFIG with "file:line: what is wrong" in errmsg. */
int fl_agent_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_agent_config *out, char *errmsg);
int fl_agent_config_load(const char *path, fl_agent_config *out, char *errmsg);
/* Path of a dataset by name, or NULL. */
const char *fl_agent_config_dataset(const fl_agent_config *c, const char *name);
int fl_coord_config_parse(const char *text, size_t len, const char *base_dir,
			  fl_coord_config *out, char *errmsg);
int fl_coord_config_load(const char *path, fl_coord_config *out, char *errmsg);
/* The coordinator's defaults, those of a config file that sets nothing (the
 * database path, "coordinator.db" beside the file, is the caller's): listen
 * 127.0.0.1:7443, log info/text, offline after 10 s, leaf certificates of
 * 397 days, the CA's token TTL and renewal window. The rest is untouched. */
void fl_coord_config_defaults(fl_coord_config *o);

#endif
