/* SPDX-License-Identifier: Apache-2.0 */
/* fl_msg: plain C forms of the wire messages (agent.proto, control.proto).
 * Only proto/ sees protobuf-c; everyone else uses these structs. */
#ifndef FL_MSG_H
#define FL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_util.h"

#define FL_MSG_MAX_DATASETS 32u
#define FL_MSG_CHUNK_MIN (64u * 1024u)     /* data chunks are 64 KiB .. 1 MiB */
#define FL_MSG_CHUNK_MAX (1024u * 1024u)
#define FL_MSG_MAX_BYTES (FL_MSG_CHUNK_MAX + 4096u) /* any one message */
#define FL_MSG_SPEC_MAX 65536u
/* A spec's signature by its admin (crypto/fl_spec_sig.h) and the signer's
 * certificate PEM (JobSubmit, Task). */
#define FL_MSG_SPEC_SIG_MAX 80u              /* FL_SIG_MAX_BYTES */
#define FL_MSG_SPEC_CERT_MAX (16u * 1024u)   /* FL_SPEC_CERT_MAX */
#define FL_MSG_MAX_LIST 10000u              /* jobs, rounds, sites per reply */
#define FL_MSG_MAX_PARTICIPANTS 1000u
#define FL_MSG_ERROR_BYTES 256

/* RPC method paths. */
#define FL_RPC_AGENT_POLL "/fedc.v1.Agent/Poll"
#define FL_RPC_AGENT_GET_MODEL "/fedc.v1.Agent/GetModel"
#define FL_RPC_AGENT_PUT_UPDATE "/fedc.v1.Agent/PutUpdate"
#define FL_RPC_CTL_SUBMIT_JOB "/fedc.v1.Control/SubmitJob"
#define FL_RPC_CTL_LIST_JOBS "/fedc.v1.Control/ListJobs"
#define FL_RPC_CTL_GET_JOB "/fedc.v1.Control/GetJob"
#define FL_RPC_CTL_ABORT_JOB "/fedc.v1.Control/AbortJob"
#define FL_RPC_CTL_GET_MODEL "/fedc.v1.Control/GetModel"
#define FL_RPC_CTL_BACKUP "/fedc.v1.Control/Backup"
#define FL_RPC_CTL_ADD_SITE "/fedc.v1.Control/AddSite"
#define FL_RPC_CTL_LIST_SITES "/fedc.v1.Control/ListSites"
#define FL_RPC_CTL_REVOKE_SITE "/fedc.v1.Control/RevokeSite"
#define FL_RPC_AGENT_GET_CRL "/fedc.v1.Agent/GetCrl"
#define FL_RPC_AGENT_GET_MEMBERS "/fedc.v1.Agent/GetMembers"
#define FL_RPC_CTL_PUBLISH_CRL "/fedc.v1.Control/PublishCrl"
#define FL_RPC_CTL_GET_LEDGER "/fedc.v1.Control/GetLedger"
#define FL_RPC_CTL_GET_STATS "/fedc.v1.Control/GetStats"
#define FL_RPC_CTL_GET_SITE_METRICS "/fedc.v1.Control/GetSiteMetrics"
#define FL_RPC_AGENT_REPORT_METRICS "/fedc.v1.Agent/ReportMetrics"
#define FL_RPC_AGENT_DECLINE "/fedc.v1.Agent/Decline"
#define FL_RPC_SA_ADVERTISE "/fedc.v1.SecAgg/Advertise"
#define FL_RPC_SA_GET_KEYS "/fedc.v1.SecAgg/GetKeys"
#define FL_RPC_SA_PUT_SHARES "/fedc.v1.SecAgg/PutShares"
#define FL_RPC_SA_GET_SHARES "/fedc.v1.SecAgg/GetShares"
#define FL_RPC_SA_PUT_CONSISTENCY "/fedc.v1.SecAgg/PutConsistency"
#define FL_RPC_SA_GET_UNMASK "/fedc.v1.SecAgg/GetUnmask"
#define FL_RPC_SA_PUT_UNMASK "/fedc.v1.SecAgg/PutUnmask"

enum fl_task_kind { FL_TASK_NONE = 0, FL_TASK_STATS = 1, FL_TASK_TRAIN = 2, FL_TASK_EVAL = 3 };
enum fl_encoding { FL_ENC_F64 = 0, FL_ENC_U32 = 1 };
enum fl_sa_phase {
	FL_SA_OFF = 0, FL_SA_ADVERTISE = 1, FL_SA_SHARE = 2, FL_SA_INPUT = 3,
	FL_SA_CONSISTENCY = 4, FL_SA_UNMASK = 5
};

#define FL_MSG_SEED_BYTES 32
/* A site's part in a secure-aggregation round attempt (agent.proto SaParams). */
#define FL_MSG_DIGEST_BYTES 32

typedef struct fl_msg_sa_params {
	uint32_t client_id;
	uint32_t n;
	uint32_t t;
	uint32_t k;
	uint64_t words;
	uint8_t round_seed[FL_MSG_SEED_BYTES];
	bool consistency;
	double clip;
	uint32_t bits;
	uint64_t nreal;
	double weight_scale;
	uint32_t q;
	bool has_model;                          /* model_sha256 is set */
	uint8_t model_sha256[FL_MSG_DIGEST_BYTES];
	/* n site names by id (names[id - 1]); one owned allocation (the
	 * strings live in it too), released by fl_msg_task_clear. */
	char **names;
} fl_msg_sa_params;

/* A copy of n names as one allocation (free() releases it all), or NULL
 * (FL_E_NOMEM). Each name must be shorter than FL_NAME_BYTES. */
char **fl_msg_names_dup(const char *const *names, uint32_t n);

typedef struct fl_msg_poll_req {
	char agent_version[32];
	uint32_t ndatasets;
	char datasets[FL_MSG_MAX_DATASETS][FL_NAME_BYTES];
	uint32_t min_honest;     /* the site's T (0: not said) */
	uint32_t colluders;      /* the site's c */
	uint32_t wait_ms;        /* long poll: longest hold (0: none) */
} fl_msg_poll_req;

typedef struct fl_msg_task {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	enum fl_task_kind kind;
	char *spec;              /* owned, NUL-terminated; NULL if none */
	uint32_t deadline_ms;
	uint32_t poll_ms;
	uint64_t model_bytes;
	enum fl_sa_phase phase;
	fl_msg_sa_params sa;     /* meaningful when phase != FL_SA_OFF */
	uint64_t crl_number;     /* PollReply.crl_number, with or without a task */
	uint64_t members_version; /* PollReply.members_version, likewise */
	uint8_t spec_sig[FL_MSG_SPEC_SIG_MAX]; /* the admin's signature of spec */
	size_t spec_sig_len;     /* 0: unsigned */
	char *spec_cert;         /* owned; the signer's certificate, NULL if none */
} fl_msg_task;

/* CrlInfo: a CA-signed CRL (PEM) and its number. */
#define FL_MSG_CRL_MAX (1024u * 1024u)
typedef struct fl_msg_crl {
	uint64_t number;
	char *pem;               /* owned, NUL-terminated; NULL if none */
} fl_msg_crl;

/* MembersInfo: the CA-signed member list (text form of fl_members.h) and
 * its version. The cap is FL_MEMBERS_MAX_BYTES (512 KiB). */
#define FL_MSG_MEMBERS_MAX (512u * 1024u)
typedef struct fl_msg_members {
	uint64_t version;
	char *text;              /* owned, NUL-terminated; NULL if none */
} fl_msg_members;

typedef struct fl_msg_model_req {
	uint64_t job_id;
	uint32_t version;
	bool latest;
} fl_msg_model_req;

typedef struct fl_msg_chunk {
	uint64_t total_bytes;
	uint64_t offset;
	uint8_t *data;           /* owned copy, len bytes */
	size_t len;
} fl_msg_chunk;

/* BackupChunk: a slice of a database copy, the copy's SHA-256 and schema
 * version in every chunk. */
#define FL_MSG_SHA256_BYTES 32u
typedef struct fl_msg_backup_chunk {
	fl_msg_chunk part;       /* total_bytes > 0; slice inside the file */
	uint8_t sha256[FL_MSG_SHA256_BYTES];
	uint32_t schema_version; /* > 0 */
} fl_msg_backup_chunk;

typedef struct fl_msg_update_header {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	enum fl_task_kind kind;
	enum fl_encoding encoding;
	uint64_t words;
	bool has_context;                       /* context is set */
	uint8_t context[FL_MSG_DIGEST_BYTES];   /* the round-context digest */
} fl_msg_update_header;

/* One message of the upload stream: a header or a data chunk. */
typedef struct fl_msg_update_part {
	bool is_header;
	fl_msg_update_header header;   /* if is_header */
	uint8_t *data;                 /* else: owned, len bytes */
	size_t len;
} fl_msg_update_part;

typedef struct fl_msg_update_reply { uint64_t words; } fl_msg_update_reply;

/* Decoded: spec and spec_cert owned ("" / NULL when empty). */
typedef struct fl_msg_job_submit {
	char *spec;
	uint8_t spec_sig[FL_MSG_SPEC_SIG_MAX]; /* the submitter's signature */
	size_t spec_sig_len;
	char *spec_cert;         /* the submitter's certificate PEM, or NULL */
} fl_msg_job_submit;
typedef struct fl_msg_job_ref { uint64_t job_id; } fl_msg_job_ref;

typedef struct fl_msg_metrics {
	bool present;
	double n, loss, accuracy, macro_f1, r2;
} fl_msg_metrics;

typedef struct fl_msg_job_info {
	uint64_t job_id;
	char name[FL_NAME_BYTES];
	char state[16];
	char dataset[FL_NAME_BYTES];
	char model[16];
	uint32_t rounds_total;
	uint32_t rounds_done;
	int64_t created_ms;
	int64_t updated_ms;
	char error[FL_MSG_ERROR_BYTES];
	fl_msg_metrics metrics;
	char submitted_by[FL_NAME_BYTES];
} fl_msg_job_info;

/* The rule that closed a secure-aggregation phase: every site still in the
 * attempt answered, the grace after enough answers, or the deadline. */
enum fl_phase_close {
	FL_CLOSE_NONE = 0, FL_CLOSE_ALL = 1, FL_CLOSE_GRACE = 2, FL_CLOSE_DEADLINE = 3
};
#define FL_MSG_PHASES 5u                /* FL_SA_ADVERTISE .. FL_SA_UNMASK */
#define FL_MSG_CLOSED_BY_BYTES 96
/* "advertise", ... "unmask"; "off" for FL_SA_OFF, "unknown" otherwise. */
const char *fl_sa_phase_name(enum fl_sa_phase p);
/* "all", "grace", "deadline"; "" for FL_CLOSE_NONE and unknown values. */
const char *fl_phase_close_name(enum fl_phase_close c);
/* Writes the rules of the closed phases (by[phase - 1], FL_CLOSE_NONE:
 * not closed) as "phase=rule" words separated by spaces; buf holds
 * FL_MSG_CLOSED_BY_BYTES. */
void fl_msg_closed_by_format(const uint8_t by[static FL_MSG_PHASES],
			     char buf[static FL_MSG_CLOSED_BY_BYTES]);
/* Parses that text into by[] (zeroed first). FL_E_PARSE on an unknown
 * phase or rule, a phase twice or a malformed word. */
int fl_msg_closed_by_parse(const char *text, uint8_t by[static FL_MSG_PHASES]);

typedef struct fl_msg_round_info {
	uint32_t round;
	uint32_t attempt;
	char state[16];
	char kind[16];
	uint32_t selected;
	uint32_t survived;
	int64_t started_ms;
	int64_t finished_ms;
	double train_loss;
	fl_msg_metrics eval;
	uint32_t nparticipants;
	char (*participants)[FL_NAME_BYTES];   /* owned array */
	/* Which rule closed each secure-aggregation phase of the attempt, in
	 * phase order: "advertise=all share=grace ..." (fl_msg_closed_by_*);
	 * "" for an attempt stored before any phase closed. */
	char closed_by[FL_MSG_CLOSED_BY_BYTES];
} fl_msg_round_info;

/* Why a site does not take part (agent.proto DeclineReason). Every reason
 * but FL_DECLINE_TRAINER and FL_DECLINE_POLICY_ROUND holds for the whole
 * job (fl_decline_lasting). */
enum fl_decline_reason {
	FL_DECLINE_NONE = 0, FL_DECLINE_DATASET = 1, FL_DECLINE_COLUMN = 2,
	FL_DECLINE_LABEL = 3, FL_DECLINE_POLICY = 4, FL_DECLINE_TRAINER = 5,
	FL_DECLINE_DIVERGED = 6, FL_DECLINE_DATA = 7, FL_DECLINE_POLICY_ROUND = 8,
	FL_DECLINE_BUDGET = 9
};
#define FL_DECLINE_LAST FL_DECLINE_BUDGET
#define FL_MSG_DECLINE_TEXT_MAX 240u        /* bytes of Decline.text */
/* "dataset_missing", "column_missing", "label_not_in_job", "policy",
 * "trainer_failed", "diverged", "data_unusable", "policy_round", "budget";
 * "unspecified" for 0 and
 * unknown values. */
const char *fl_decline_reason_name(enum fl_decline_reason r);
/* The reason of a name above; FL_DECLINE_NONE if unknown. */
enum fl_decline_reason fl_decline_reason_parse(const char *name);
/* Whether the reason keeps the site out of the job's later attempts. */
bool fl_decline_lasting(enum fl_decline_reason r);

/* A decline (Agent Decline: site and at_ms unused; Control SiteDecline). */
typedef struct fl_msg_decline {
	uint64_t job_id;                     /* Agent Decline only */
	uint32_t round, attempt;
	enum fl_decline_reason reason;
	char site[FL_NAME_BYTES];            /* SiteDecline only */
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];
	int64_t at_ms;                       /* SiteDecline only */
} fl_msg_decline;

typedef struct fl_msg_job_list { fl_msg_job_info *jobs; size_t n; } fl_msg_job_list;
/* JobPrivacy (see control.proto). */
typedef struct fl_msg_job_privacy {
	bool present;
	double epsilon_spent, epsilon_planned, delta, rho_spent, rho_per_round;
	uint32_t noisy_attempts;
	double noise_multiplier, l2_clip, epsilon_limit;
} fl_msg_job_privacy;

typedef struct fl_msg_job_status {
	fl_msg_job_info job;
	fl_msg_job_privacy privacy;
	fl_msg_round_info *rounds;   /* owned */
	size_t nrounds;
	fl_msg_decline *declines;    /* owned, oldest first */
	size_t ndeclines;
} fl_msg_job_status;

typedef struct fl_msg_site_info {
	char name[FL_NAME_BYTES];
	char role[16];
	int64_t added_ms;
	int64_t last_seen_ms;
	bool online;
	bool revoked;
} fl_msg_site_info;
typedef struct fl_msg_site_add { char name[FL_NAME_BYTES]; char role[16]; } fl_msg_site_add;
typedef struct fl_msg_site_list { fl_msg_site_info *sites; size_t n; } fl_msg_site_list;

/* The round ledger (GetLedger). An entry's text is at most
 * FL_MSG_LEDGER_TEXT_MAX bytes; a reply carries at most FL_MSG_LEDGER_PAGE
 * bytes of entries (next_seq pages through the rest). */
#define FL_MSG_LEDGER_TEXT_MAX (256u * 1024u)
#define FL_MSG_LEDGER_PAGE (512u * 1024u)
#define FL_MSG_LEDGER_CERT_MAX (64u * 1024u)
#define FL_MSG_HASH_HEX_BYTES 65        /* 64 hex digits + NUL */
#define FL_MSG_SIG_HEX_BYTES 161        /* up to 80 signature bytes as hex + NUL */
typedef struct fl_msg_ledger_req { uint64_t job_id; uint64_t from_seq; } fl_msg_ledger_req;
typedef struct fl_msg_ledger_entry {
	uint64_t seq;
	char *text;                          /* owned, NUL-terminated */
	char hash_hex[FL_MSG_HASH_HEX_BYTES];
	char sig_hex[FL_MSG_SIG_HEX_BYTES];
} fl_msg_ledger_entry;
typedef struct fl_msg_ledger_list {
	fl_msg_ledger_entry *entries;        /* owned, n entries */
	size_t n;
	char *cert_pem;                      /* owned; NULL if none */
	uint64_t next_seq;                   /* 0: no more pages */
} fl_msg_ledger_list;

/* Consortium-wide statistics of a job (GetStats). features and labels:
 * at most FL_JOBSPEC_MAX_FEATURES / FL_JOBSPEC_MAX_LABELS entries. */
#define FL_MSG_STATS_MAX_FEATURES 4096u
#define FL_MSG_STATS_MAX_LABELS 256u
/* A noisy STATS vector: 1 + 2 features + labels (or 2). */
#define FL_MSG_STATS_MAX_NOISY (1u + 2u * FL_MSG_STATS_MAX_FEATURES + \
				FL_MSG_STATS_MAX_LABELS)
typedef struct fl_msg_feature_stats {
	char name[FL_NAME_BYTES];
	double mean, std;
} fl_msg_feature_stats;
typedef struct fl_msg_label_count {
	char label[FL_NAME_BYTES];
	double count;
} fl_msg_label_count;
typedef struct fl_msg_job_stats {
	uint64_t job_id;
	char state[16];
	bool ready;
	double count;
	uint32_t sites;
	fl_msg_feature_stats *features;      /* owned, nfeatures */
	size_t nfeatures;
	fl_msg_label_count *labels;          /* owned, nlabels */
	size_t nlabels;
	/* [privacy] bounds (control.proto JobStats): noisy figures */
	bool noisy;
	double noise_sigma;
	double epsilon;
	double *noisy_sums;                  /* owned, nnoisy_sums */
	size_t nnoisy_sums;
	char note[FL_MSG_ERROR_BYTES];
} fl_msg_job_stats;

/* A site's own evaluation figures (Agent ReportMetrics, opt-in). */
typedef struct fl_msg_own_metrics {
	uint64_t job_id;
	uint32_t round, attempt;
	double n, loss, accuracy, macro_f1, r2;   /* NaN: does not apply */
} fl_msg_own_metrics;
/* What opted-in sites reported, per round and site (GetSiteMetrics). */
typedef struct fl_msg_site_metrics {
	uint32_t round;
	char site[FL_NAME_BYTES];
	fl_msg_metrics metrics;
	int64_t reported_ms;
} fl_msg_site_metrics;
typedef struct fl_msg_site_metrics_list {
	fl_msg_site_metrics *entries;        /* owned, n <= FL_MSG_MAX_LIST */
	size_t n;
} fl_msg_site_metrics_list;

/* Release what a struct owns (not the struct itself). NULL-safe. */
void fl_msg_task_clear(fl_msg_task *m);
void fl_msg_crl_clear(fl_msg_crl *m);
void fl_msg_members_clear(fl_msg_members *m);
void fl_msg_chunk_clear(fl_msg_chunk *m);
void fl_msg_backup_chunk_clear(fl_msg_backup_chunk *m);   /* fl_codec_backup.c */
void fl_msg_update_part_clear(fl_msg_update_part *m);
void fl_msg_job_submit_clear(fl_msg_job_submit *m);
void fl_msg_job_list_clear(fl_msg_job_list *m);
void fl_msg_round_info_clear(fl_msg_round_info *m);
void fl_msg_job_status_clear(fl_msg_job_status *m);
void fl_msg_site_list_clear(fl_msg_site_list *m);
void fl_msg_ledger_list_clear(fl_msg_ledger_list *m);   /* fl_codec_ledger.c */
void fl_msg_job_stats_clear(fl_msg_job_stats *m);       /* fl_codec_stats.c */
void fl_msg_site_metrics_list_clear(fl_msg_site_metrics_list *m); /* fl_codec_stats.c */

#endif
