/* SPDX-License-Identifier: Apache-2.0 */
/* ctl: fedctl's shared pieces: context, subcommand tables, exit codes,
 * connection, argument and output helpers. Internal to fedctl and its tests. */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fl_config.h"
#include "fl_msg.h"
#include "fl_rpc.h"
#include "fl_targets.h"

/* Exit codes (documented in 'fedctl help'). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_JOB_FAILED = 1,   /* job watch: the job failed or was aborted */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,  /* UNAVAILABLE or deadline: cannot reach it */
	CTL_EXIT_NOTFOUND = 4,
	CTL_EXIT_DENIED = 5,       /* permission denied / not authenticated */
	CTL_EXIT_INVALID = 6,      /* invalid argument, e.g. a bad spec */
	CTL_EXIT_OTHER = 7
};
/* Returned by argument parsing when --help was asked and printed. */
#define CTL_HELP_SHOWN (-1)

#define CTL_DEFAULT_TIMEOUT_MS 15000u

typedef struct ctl_ctx {
	char coordinator[256];      /* one address or an active/standby list */
	fl_targets tg;             /* coordinator, parsed; tg.cur is dialled */
	char ca[FL_PATH_BYTES];
	char cert[FL_PATH_BYTES];
	char key[FL_PATH_BYTES];
	const char *profile;       /* --profile, or NULL for the default */
	bool json;
	uint32_t timeout_ms;
	fl_rpc_channel *ch;        /* opened on the first call, owned */
	FILE *out;                 /* stdout; results */
	FILE *err;                 /* stderr; errors and hints */
} ctl_ctx;

typedef struct ctl_cmd ctl_cmd;
/* argv[0] is the command's name; returns an exit code. */
typedef int (*ctl_handler_fn)(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
struct ctl_cmd {
	const char *name;
	ctl_handler_fn fn;
	const char *args;          /* synopsis of the arguments */
	const char *help;
};
typedef struct ctl_group {
	const char *name;
	const ctl_cmd *cmds;
	const size_t *ncmds;
	const char *help;
} ctl_group;

extern const ctl_cmd ctl_job_cmds[];
extern const size_t ctl_job_ncmds;
extern const ctl_cmd ctl_model_cmds[];
extern const size_t ctl_model_ncmds;
extern const ctl_cmd ctl_site_cmds[];
extern const size_t ctl_site_ncmds;
extern const ctl_cmd ctl_ca_cmds[];
extern const size_t ctl_ca_ncmds;
extern const ctl_cmd ctl_crl_cmds[];
extern const size_t ctl_crl_ncmds;
extern const ctl_cmd ctl_audit_cmds[];       /* ctl_audit.c */
extern const size_t ctl_audit_ncmds;
extern const ctl_cmd ctl_admin_cmds[];       /* ctl_admin.c */
extern const size_t ctl_admin_ncmds;
/* A name and its description (global options, exit codes). */
typedef struct ctl_kv {
	const char *k, *v;
} ctl_kv;

/* ---- ctl_man.c ---- */
/* Writes fedctl(1) in troff from the same tables as 'fedctl help': the
 * groups (those with help text) and their commands, the stats command,
 * the global options and the exit codes. */
void ctl_man(FILE *f, const ctl_group *groups, size_t ngroups,
	     const ctl_cmd *stats, const ctl_kv *globals, size_t nglobals,
	     const ctl_kv *exits, size_t nexits);

extern const ctl_cmd ctl_round_cmds[];
extern const size_t ctl_round_ncmds;
extern const ctl_cmd ctl_ledger_cmds[];
extern const size_t ctl_ledger_ncmds;
/* ---- ctl_ledger.c ---- */
/* Every GetLedger entry of job (all when 0), following next_seq, into
 * *all (fl_msg_ledger_list_clear). Exit code, after printing "fedctl:
 * WHAT: ..." on failure. */
int ctl_ledger_fetch(ctl_ctx *c, uint64_t job, fl_msg_ledger_list *all,
		     const char *what);

/* ---- ctl_main.c ---- */
/* Runs fedctl with its arguments (argv[0] is the program). */
int ctl_main(ctl_ctx *c, int argc, char **argv);
/* Parses the global options before the group; *next gets the index of the
 * group. Returns 0, CTL_EXIT_USAGE (message printed) or CTL_HELP_SHOWN. */
int ctl_parse_globals(ctl_ctx *c, int argc, char **argv, int *next);
void ctl_ctx_init(ctl_ctx *c);
void ctl_ctx_clear(ctl_ctx *c);

/* ---- ctl_args.c ---- */
typedef struct ctl_opt {
	const char *name;          /* "--interval" */
	const char *alias;         /* "-o" or NULL */
	const char **value;        /* set for options with a value */
	bool *flag;                /* set for flags */
} ctl_opt;
/*
 * Parses a subcommand's argv[1..]: options from opts (and --json, --help
 * anywhere), positionals into pos (between npos_min and npos_max).
 * Returns 0, CTL_HELP_SHOWN after printing the command's help, or
 * CTL_EXIT_USAGE after printing what is wrong.
 */
int ctl_args_parse(ctl_ctx *c, const char *group, const ctl_cmd *self, int argc,
		   char **argv, const ctl_opt *opts, size_t nopts, const char **pos,
		   size_t npos_min, size_t npos_max);
/* Parses a decimal integer in [min, max]. 0 or FL_E_INVAL. */
int ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Copies the name s into out (size bytes) if it is 1..size-1 characters;
 * else prints "fedctl: WHAT: the name must be ..." and returns
 * CTL_EXIT_USAGE. */
int ctl_parse_name(ctl_ctx *c, const char *what, const char *s, char *out,
		   size_t size);
void ctl_cmd_help(FILE *f, const char *group, const ctl_cmd *cmd);

/* ---- ctl_conn.c ---- */
/* Fills coordinator/ca/cert/key not given as flags from FEDC_* variables,
 * then from the profile. CTL_EXIT_USAGE with a message if one is missing. */
int ctl_conn_resolve(ctl_ctx *c);
/* Loads [fedctl] coordinator, ca, cert, key of an INI profile into the
 * fields still empty; relative paths are relative to the profile's folder.
 * FL_E_IO or FL_E_CONFIG (errmsg says where). */
int ctl_profile_load(ctl_ctx *c, const char *path, char *errmsg);
/* Maps a failed call (FL_E_* code, gRPC status code) to an exit code. */
int ctl_exit_code(int err, int grpc_code);
/* Prints "fedctl: <what>: <detail>" and a hint; returns the exit code. */
int ctl_report(ctl_ctx *c, const char *what, int err, const fl_rpc_status *st);
/* Prints "fedctl: <what>: bad reply: <err>" for a reply that does not
 * decode; returns CTL_EXIT_OTHER. */
int ctl_bad_reply(ctl_ctx *c, const char *what, int err);
/* Opens c->ch if not yet open (for streaming calls). Returns an exit code
 * (0, or CTL_EXIT_* with the reason printed). */
int ctl_channel_open(ctl_ctx *c, const char *what);
/* After a call that failed with st: if the coordinator list has an address
 * not yet tried in this call (*tried counts them; start at 0) and st is
 * UNAVAILABLE (a standby refusing, or a dead coordinator), switches c->ch
 * to the next address and returns true: the caller retries once more. */
bool ctl_failover(ctl_ctx *c, const fl_rpc_status *st, uint32_t *tried);
/* One unary call (opening the channel if needed). Returns an exit code;
 * on success *resp is malloc'd (caller frees). */
int ctl_call(ctl_ctx *c, const char *method, const uint8_t *req, size_t reqlen,
	     uint8_t **resp, size_t *resplen, const char *what);
/* Downloads a model file with Control GetModel. *buf malloc'd. Exit code. */
int ctl_fetch_model(ctl_ctx *c, uint64_t job_id, uint32_t version, bool latest,
		    uint8_t **buf, size_t *len);

/* ---- ctl_rpc.c ---- */
/* A message type as ctl_rpc takes it: fl_codec_encode_<name> and
 * fl_codec_decode_<name> behind void pointers (the C struct is the codec's
 * type for name: fl_msg_<name>, int for empty). */
typedef struct ctl_msg {
	int (*enc)(const void *in, uint8_t **buf, size_t *len);
	int (*dec)(const uint8_t *buf, size_t len, void *out);
} ctl_msg;
extern const ctl_msg ctl_msg_empty, ctl_msg_job_ref, ctl_msg_job_submit,
	ctl_msg_job_info, ctl_msg_job_list, ctl_msg_job_status, ctl_msg_job_stats,
	ctl_msg_site_add, ctl_msg_site_info, ctl_msg_site_list, ctl_msg_site_detail,
	ctl_msg_site_metrics_list, ctl_msg_crl, ctl_msg_event_req,
	ctl_msg_event_list, ctl_msg_audit_list, ctl_msg_ledger_req,
	ctl_msg_ledger_list;
/* One unary call: encodes *req as a qt message (failure: ctl_report), calls
 * method (ctl_call) and decodes the reply as an rt message into *reply,
 * set only on success (the caller clears it with its fl_msg_*_clear); a
 * reply that does not decode prints "fedctl: WHAT: bad reply: <err>" and
 * is CTL_EXIT_OTHER. req stays the caller's. Exit code. */
int ctl_rpc(ctl_ctx *c, const char *what, const char *method, const ctl_msg *qt,
	    const void *req, const ctl_msg *rt, void *reply);
/* ctl_rpc with bad in place of "bad reply" in that message. */
int ctl_rpc_as(ctl_ctx *c, const char *what, const char *bad, const char *method,
	       const ctl_msg *qt, const void *req, const ctl_msg *rt, void *reply);

/* ---- ctl_job_get.c ---- */
/* Signs sub->spec with the operator's key (--key) and attaches the
 * operator's certificate (--cert): sub->spec_sig, sub->spec_cert (owned by
 * sub). Exit code, after printing what is wrong. */
int ctl_spec_sign(ctl_ctx *c, const char *what, fl_msg_job_submit *sub);
/* Signs sub (ctl_spec_sign) and submits it; *info: the new job's row.
 * Exit code, after printing what is wrong. sub stays the caller's. */
int ctl_job_submit_signed(ctl_ctx *c, const char *what, fl_msg_job_submit *sub,
			  fl_msg_job_info *info);

/* ---- ctl_ca_open.c ---- */
struct fl_ca;
#define CTL_CA_PASS_MAX 1024u
#define CTL_CA_PATH_BYTES 1100u
/* Loads DIR/ca.pem and DIR/ca.key (passphrase from passfile or
 * $FEDC_CA_PASSPHRASE); *ca owned by the caller (fl_ca_free). Exit code,
 * after printing what is wrong. */
int ctl_ca_open(ctl_ctx *c, const char *cmd, const char *dir,
		const char *passfile, struct fl_ca **ca);
/* out (CTL_CA_PATH_BYTES) = dir/name. */
void ctl_ca_join(char *out, const char *dir, const char *name);
/* The passphrase from --passphrase-file or $FEDC_CA_PASSPHRASE, or NULL;
 * *pass is malloc'd (wipe with ctl_ca_pass_free). Exit code. */
int ctl_ca_pass_get(ctl_ctx *c, const char *cmd, const char *file, char **pass);
/* Wipes and frees a passphrase (NULL: nothing). */
void ctl_ca_pass_free(char *pass);
/* ---- ctl_ca_members.c ---- */
int ctl_ca_members(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);

/* ---- ctl_site_token.c ---- */
/* --token-ttl SECONDS (NULL: 0, the coordinator's default). Exit code. */
int ctl_parse_ttl(ctl_ctx *c, const char *what, const char *s, uint32_t *out);
/* Issues and prints a one-time enrollment token for site. after_add: the
 * call follows a site add on the open channel; a coordinator whose CA is
 * offline then only gets the manual path printed (exit 0), and --json
 * output is a member ("enroll":{...}) of site add's object. Exit code. */
int ctl_site_token_issue(ctl_ctx *c, const char *what, const char *site,
			 uint32_t ttl_s, bool after_add);
int ctl_site_token(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* ---- ctl_round.c ---- */
int ctl_model_list(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* ---- ctl_site_show.c ---- */
int ctl_site_show(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* ---- ctl_site_revoke.c ---- */
int ctl_site_revoke(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);

/* ---- ctl_stats.c ---- */
/* fedctl stats DATASET ... (dispatched by ctl_main) and job stats ID. */
extern const ctl_cmd ctl_stats_cmd;
int ctl_job_stats(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);
/* GetSiteMetrics: what opted-in sites reported about themselves. Quiet on
 * failure (*out is then empty); exit code. */
int ctl_site_metrics_get(ctl_ctx *c, uint64_t id, fl_msg_site_metrics_list *out);
/* job status --json with each round's "site_metrics" list. */
void ctl_job_status_json_sites(FILE *f, const fl_msg_job_status *st,
			       const fl_msg_site_metrics_list *sm);
/* The per-site table of the last round that has reported figures. */
void ctl_site_metrics_table(FILE *f, const fl_msg_site_metrics_list *sm);
int ctl_stats_run(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv);

/* ---- ctl_output.c ---- */
void ctl_json_str(FILE *f, const char *s);
void ctl_json_num(FILE *f, double v);
/* ,"k":"v" (v escaped; k is written as it is). */
void ctl_json_kstr(FILE *f, const char *k, const char *v);
void ctl_json_metrics(FILE *f, const fl_msg_metrics *m);
void ctl_json_job_info(FILE *f, const fl_msg_job_info *j);
void ctl_json_round_info(FILE *f, const fl_msg_round_info *r);
/* The same with "phase_s":{"advertise":S,...} (null: unknown) when
 * phase_s (FL_MSG_PHASES seconds) is not NULL. */
void ctl_json_round_info_phases(FILE *f, const fl_msg_round_info *r,
				const double *phase_s);
/* closed_by text (fl_msg_round_info) as {"advertise":"all", ...}: the rule
 * that closed each phase. */
void ctl_json_closed_by(FILE *f, const char *closed_by);
void ctl_json_site_info(FILE *f, const fl_msg_site_info *s);
/* "2026-11-28 14:00:05" (UTC) or "-" for 0, into buf (>= 32 bytes). */
const char *ctl_fmt_time(int64_t ms, char *buf, size_t len);
/* "0.9512" or "-" for NaN or absent, into buf (>= 16 bytes). */
const char *ctl_fmt_num(double v, bool present, char *buf, size_t len);
/* True if m is a regression's evaluation (R^2, no accuracy: a model
 * without labels, such as an MLP regressor); for an absent m, true if the
 * model is "linear". */
bool ctl_metrics_is_regression(const fl_msg_metrics *m, const char *model);
/* The one-line progress of a finished round, as job watch prints it. */
void ctl_round_line(FILE *f, const fl_msg_round_info *r, uint32_t rounds_total,
		    const char *model);

#endif
