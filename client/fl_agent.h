/* SPDX-License-Identifier: Apache-2.0 */
/* fl_agent: the site agent's pieces (data cache, update vectors, secure
 * aggregation encoding, masked upload chunking, records, model download,
 * backoff, the poll loop). */
#ifndef FL_AGENT_H
#define FL_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_external.h"
#include "fl_codec_blob.h"
#include "fl_config.h"
#include "fl_dataset.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_msg.h"
#include "fl_rpc.h"
#include "fl_secagg.h"
#include "fl_util.h"

#define FL_AGENT_VERSION "0.1.0"

/* ---- data: load a site's CSV for a job and split it (agent_data.c) ---- */

/*
 * A [data] entry as a table of strings: a CSV file, or
 * "sqlite:///PATH/TO.db?query=SELECT ..." (the query, taken literally, is
 * one read-only statement run on the database opened read-only; its
 * column names are the header and its values the cells, NULL as empty),
 * or "postgresql://USER@HOST:PORT/DB?query=SELECT ..." (the same, in a
 * read-only session; the password from PGPASSFILE, never in the URL),
 * then read by the same rules as a CSV. *out as fl_csv_read. Errors as
 * fl_csv_read: FL_E_IO, FL_E_CSV (with the reason), FL_E_TOOBIG (over
 * FL_CSV_MAX_BYTES of text), FL_E_NOMEM.
 */
struct fl_csv;
int fl_agent_source_read(const char *path, struct fl_csv **out, char *errmsg);
/*
 * Reads the table at path (fl_agent_source_read), builds the dataset the spec asks for (label,
 * labels, features) and splits it with the spec's test_fraction and seed,
 * the same way on every site and in fedc-train. On success *train and *test
 * are new (fl_dataset_free). Errors: FL_E_IO, FL_E_CSV (errmsg names the
 * file and the line), FL_E_NOMEM, FL_E_RANGE (no training rows).
 */
int fl_agent_data_load(const fl_jobspec *spec, const char *path,
		       fl_dataset **train, fl_dataset **test, char *errmsg);

/* A small cache of loaded splits keyed by job id, so a large CSV is parsed
 * once per job and not once per round. Failures are cached too. */
#define FL_AGENT_CACHE_JOBS 4u
typedef struct fl_agent_cache_entry {
	bool used;
	uint64_t job_id;
	uint64_t last_use;
	int err;                       /* 0 or the load error */
	char errmsg[FL_ERRMSG_BYTES];
	fl_dataset *train, *test;      /* owned; NULL if err */
} fl_agent_cache_entry;
typedef struct fl_agent_cache {
	fl_agent_cache_entry e[FL_AGENT_CACHE_JOBS];
	uint64_t tick;
} fl_agent_cache;

void fl_agent_cache_init(fl_agent_cache *c);
/*
 * Returns the split of job_id, loading path on the first request (the
 * least recently used entry is evicted). *fresh (may be NULL) is set to 1
 * when this call did the load. The datasets stay owned by the cache. A
 * cached failure returns its error code and message again.
 */
int fl_agent_cache_get(fl_agent_cache *c, uint64_t job_id,
		       const fl_jobspec *spec, const char *path,
		       const fl_dataset **train, const fl_dataset **test,
		       int *fresh, char *errmsg);
void fl_agent_cache_clear(fl_agent_cache *c);

/* Why the job's spec cannot use csv (agent_decline.c): a missing label or
 * feature column (FL_DECLINE_COLUMN), rows whose label is not one of the
 * job's (FL_DECLINE_LABEL, with their count), cells of a used column that
 * are not numbers or no rows (FL_DECLINE_DATA); FL_DECLINE_NONE when none
 * of these. text (cap bytes) names columns and counts rows, never a cell's
 * value. */
struct fl_csv;
enum fl_decline_reason fl_agent_data_diagnose_csv(const fl_jobspec *spec,
						  const struct fl_csv *csv,
						  char *text, size_t cap);

/* ---- task: build the update vectors, no network (agent_task.c) ---- */

/* Checks that a downloaded model fits the spec and the site's data
 * (kind, d, k). FL_E_INVAL with a message otherwise. */
int fl_agent_model_check(const fl_jobspec *spec, const fl_model *m,
			 const fl_dataset *ds, char *errmsg);

/* STATS: *vec (malloc'd, caller frees) of length
 * fl_update_stats_len_hist(d, train->k): with the label histogram for
 * classification (train->k classes). */
int fl_agent_stats_vec(const fl_dataset *train, double **vec, size_t *n);

/* R8, no silent wrap: 0 if every value of the STATS vector vec (n values,
 * built by fl_agent_stats_vec from train) is within fl_upvec_wide_bound
 * (nsites), so that the sum over the round's nsites sites cannot wrap.
 * Else FL_E_WRAP, and errmsg names the feature and the bound, e.g.
 * "R8: feature 'x' sum of squares 4.5e+12 is above the bound 8.8e+11 for
 * 10 sites; rescale the column". spec (may be NULL) gives the names.
 * FL_E_INVAL for a vector of the wrong length or nsites out of range. */
int fl_agent_stats_check(const fl_jobspec *spec, const fl_dataset *train,
			 const double *vec, size_t n, uint32_t nsites, char *errmsg);

/* A local mean loss this many times the incoming model's counts as
 * diverged (training that explodes grows by orders of magnitude). */
#define FL_AGENT_LOSS_EXPLODED 1e4

typedef struct fl_agent_train_info {
	double n_train;
	double loss_sum;
	double local_loss;     /* loss_sum / n_train */
	fl_metrics eval;       /* incoming global model on the test split */
} fl_agent_train_info;

/*
 * TRAIN: evaluates global on test, trains a copy on train with the spec's
 * options (seed = spec->seed ^ job_id ^ round, lr = fl_lr_at(spec, round),
 * FedProx prox_mu, class weights from fl_train_class_weights), and builds the TRAIN
 * vector. *vec malloc'd (caller frees), length fl_update_train_len(global).
 * info (may be NULL) gets the figures for the log line. Errors: those of
 * fl_train_sgd (FL_E_DIVERGED ...), FL_E_INVAL, FL_E_NOMEM.
 */
int fl_agent_train_vec(const fl_jobspec *spec, uint64_t job_id, uint32_t round,
		       const fl_model *global, const fl_dataset *train,
		       const fl_dataset *test, double **vec, size_t *n,
		       fl_agent_train_info *info);
/* The same with an external trainer (agent_external.h) when ext is not NULL
 * and names a program: it trains instead of the built-in SGD and its
 * sample count weights the update. errmsg (may be NULL) gets the reason of
 * an external failure (FL_E_EXTERNAL, FL_E_TIMEOUT, FL_E_IO), or of
 * FL_E_DIVERGED: a local loss that is not finite ("not finite" in the
 * message) or over FL_AGENT_LOSS_EXPLODED times the incoming model's test
 * loss. */
int fl_agent_train_vec_ext(const fl_jobspec *spec, uint64_t job_id,
			   uint32_t round, const fl_model *global,
			   const fl_dataset *train, const fl_dataset *test,
			   const fl_external_cfg *ext, double **vec, size_t *n,
			   fl_agent_train_info *info, char *errmsg);

/* EVAL: metrics tail of global on test, length fl_update_eval_len. */
int fl_agent_eval_vec(const fl_model *global, const fl_dataset *test,
		      double **vec, size_t *n, fl_metrics *mt);

/* ---- secure aggregation: float64 vector -> words (agent_sa_encode.c) ---- */

/*
 * Turns the task's float64 vector (n values, as built for STATS, TRAIN or
 * EVAL) into the sa->words words that secure aggregation masks: the first
 * sa->nreal values are divided by sa->weight_scale, then fl_upvec_encode
 * with layout {nreal, n - nreal, {sa->clip, sa->bits}}. *out is malloc'd
 * (sa->words words; the caller wipes and frees it). Errors, with errmsg
 * saying what disagrees: FL_E_INVAL (nreal > n, weight_scale not positive,
 * the layout's words differ from sa->words, sa->n out of 1..
 * FL_UPVEC_MAX_CLIENTS), FL_E_RANGE (a value not finite), FL_E_WRAP (R8: a
 * value above fl_upvec_wide_bound(sa->n), whose sum could wrap), FL_E_NOMEM.
 */
int fl_agent_sa_encode(const fl_msg_sa_params *sa, const double *vec, size_t n,
		       uint32_t **out, char *errmsg);

/* ---- upload: masked words, header + little-endian chunks (agent_upload.c) ---- */

#define FL_AGENT_CHUNK_BYTES (256u * 1024u)
#define FL_AGENT_CHUNK_WORDS (FL_AGENT_CHUNK_BYTES / 4u)   /* also the mask chunk */

/* Receives each encoded UpdateChunk message in order. */
typedef int (*fl_agent_sink_fn)(void *ctx, const uint8_t *msg, size_t len);

/* Number of data chunks a vector of m 32-bit words is sent in. */
size_t fl_agent_upload_nchunks(uint64_t m);
/*
 * Encodes the masked upload stream: the header (h->encoding must be
 * FL_ENC_U32 and h->words must equal m), then x masked with sa
 * (fl_secagg_client_mask_chunk from offset 0, FL_AGENT_CHUNK_WORDS at a
 * time) as little-endian uint32 words in FL_AGENT_CHUNK_BYTES chunks (the
 * last may be smaller), each passed to sink. x is not modified; sa is
 * borrowed and can mask only once. There is no unmasked path. Stops at the
 * first sink error and returns it; FL_E_INVAL, FL_E_STATE (sa already
 * masked), FL_E_NOMEM, or a codec error otherwise.
 */
int fl_agent_upload_encode(const fl_msg_update_header *h, const uint32_t *x,
			   uint64_t m, fl_secagg_client *sa,
			   fl_agent_sink_fn sink, void *ctx);
/* Streams the masked upload with PutUpdate and reads the reply (which must
 * confirm m words). The data goes only after the coordinator's go-ahead:
 * FL_E_BUSY when it deferred the upload (nothing but the header was sent;
 * sa can still mask: retry shortly). st gets the server's status. 0 or an
 * FL_E_* code. */
int fl_agent_upload(fl_rpc_channel *ch, const fl_msg_update_header *h,
		    const uint32_t *x, uint64_t m, fl_secagg_client *sa,
		    uint32_t timeout_ms, fl_rpc_status *st);

/* ---- site-local record of what was contributed (agent_record.c) ---- */

/*
 * After each masked upload the agent writes
 * state_dir/records/job<J>-round<R>-attempt<A>.json (mode 0600; never sent
 * anywhere) so the site can audit what it contributed:
 *   {"job_id": J, "round": R, "attempt": A, "kind": "train", "rows": N,
 *    "nreal": P, "weight_scale": S, "model_version": V,
 *    "model_sha256": "<hex>", "n": L, "vec": [v0, v1, ...]}
 * vec is the plain float64 vector before scaling and quantisation, as
 * decimals (%.17g, exact) when L <= FL_AGENT_RECORD_TEXT_MAX. A longer
 * vector goes in "vec_f64le_b64" instead of "vec": base64 (RFC 4648, with
 * padding) of its L IEEE-754 binary64 values, little-endian, which is
 * exact too and 2.5x smaller and far cheaper to write than the decimals.
 * The reader takes either form (older agents wrote only "vec").
 * model_version and model_sha256 name the global model the site downloaded
 * and used (TRAIN, EVAL): the SHA-256 of its native encoding, which is the
 * blob the coordinator stored and put in the round ledger. STATS records
 * (and records of older agents) have neither key.
 */
#define FL_AGENT_SHA256_HEX 65   /* 64 lowercase hex digits + NUL */
typedef struct fl_agent_record {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	enum fl_task_kind kind;
	uint64_t rows;          /* training rows (STATS, TRAIN) or test rows (EVAL) */
	uint64_t nreal;
	double weight_scale;
	double *vec;            /* n values; owned by the reader's result */
	size_t n;
	bool has_model;         /* model_version and model_sha256 are set */
	uint32_t model_version;
	char model_sha256[FL_AGENT_SHA256_HEX];
} fl_agent_record;

#define FL_AGENT_RECORD_MAX_BYTES (64u * 1024u * 1024u)
#define FL_AGENT_RECORD_TEXT_MAX 1024u   /* values written as decimals */
#define FL_AGENT_RECORD_B64_KEY "vec_f64le_b64"

/* Writes the path of a record into out (outlen bytes). FL_E_TOOBIG. */
int fl_agent_record_path(const char *state_dir, uint64_t job_id, uint32_t round,
			 uint32_t attempt, char *out, size_t outlen);
/* Writes rec (rec->vec borrowed) atomically, making state_dir/records
 * (0700) if needed. FL_E_IO, FL_E_TOOBIG, FL_E_NOMEM, with errmsg. */
int fl_agent_record_write(const char *state_dir, const fl_agent_record *rec,
			  char *errmsg);
/* Reads a record file. On success *out is filled (fl_agent_record_clear).
 * FL_E_IO, FL_E_PARSE (errmsg names what is wrong), FL_E_TOOBIG, FL_E_NOMEM. */
int fl_agent_record_read(const char *path, fl_agent_record *out, char *errmsg);
void fl_agent_record_clear(fl_agent_record *rec);
/* "stats", "train", "eval" or "none". */
const char *fl_agent_task_name(enum fl_task_kind k);

/* ---- model download: GetModel stream (agent_model.c) ---- */

/* Reassembles a model file from in-order ModelChunks (fl_codec_blob with
 * the agent's size cap). */
typedef fl_codec_blob fl_agent_blob;

/* Appends one chunk after checking total and offset. FL_E_PARSE or
 * FL_E_TOOBIG with a message when the stream is inconsistent. */
int fl_agent_blob_feed(fl_agent_blob *b, const fl_msg_chunk *c, char *errmsg);
void fl_agent_blob_clear(fl_agent_blob *b);

/*
 * Downloads model version (or the latest) of job_id with the Agent
 * service's GetModel and decodes it. *out is new (fl_model_free). st gets
 * the status; errmsg a readable reason on any error.
 */
int fl_agent_model_fetch(fl_rpc_channel *ch, uint64_t job_id, uint32_t version,
			 uint32_t timeout_ms, fl_model **out, fl_rpc_status *st,
			 char *errmsg);
/*
 * The same, and sha256 (32 bytes; NULL: not wanted) gets the SHA-256 of the
 * downloaded bytes, which is that of fl_model_encode(*out): the decoder
 * takes only the canonical encoding (decode then encode gives the same
 * bytes; fuzz_model checks it), so no second 8-bytes-a-parameter pass.
 */
int fl_agent_model_fetch_sha(fl_rpc_channel *ch, uint64_t job_id,
			     uint32_t version, uint32_t timeout_ms, fl_model **out,
			     uint8_t *sha256, fl_rpc_status *st, char *errmsg);

/* ---- backoff for reconnecting (agent_backoff.c) ---- */

#define FL_AGENT_BACKOFF_MIN_MS 500u
#define FL_AGENT_BACKOFF_MAX_MS 10000u
typedef struct fl_agent_backoff {
	uint32_t base_ms;    /* next delay before jitter */
	uint32_t failures;   /* consecutive failures */
	fl_rng rng;          /* jitter only */
} fl_agent_backoff;

void fl_agent_backoff_init(fl_agent_backoff *b, uint64_t seed);
/* Records a failure; returns the delay to wait (0.5 s doubling to 10 s,
 * +-20% jitter, never above FL_AGENT_BACKOFF_MAX_MS). */
uint32_t fl_agent_backoff_fail(fl_agent_backoff *b);
/* Records a success; returns the number of failures it ends (0 if none). */
uint32_t fl_agent_backoff_ok(fl_agent_backoff *b);

/* ---- done set: round attempts finished or given up (agent_backoff.c) ---- */

#define FL_AGENT_DONE_SLOTS 256u
typedef struct fl_agent_done {
	struct { uint64_t job; uint32_t round, attempt; bool used; } s[FL_AGENT_DONE_SLOTS];
	size_t next;
} fl_agent_done;

void fl_agent_done_init(fl_agent_done *d);
bool fl_agent_done_has(const fl_agent_done *d, uint64_t job, uint32_t round,
		       uint32_t attempt);
/* Remembers a tuple; the oldest is forgotten when the ring is full. */
void fl_agent_done_add(fl_agent_done *d, uint64_t job, uint32_t round,
		       uint32_t attempt);

/* ---- local policy: what this site agrees to (agent_policy.c) ---- */

/* Where the agent learns (part of) a round's facts. */
enum fl_agent_policy_stage {
	FL_POLICY_AT_TASK = 0,       /* advertise: every rule; others = SaParams.n - 1 */
	FL_POLICY_AT_KEYS = 1,       /* before sending key shares: peers with keys */
	FL_POLICY_AT_SURVIVORS = 2   /* before signing the survivor list or sending
				      * unmask shares */
};

typedef struct fl_agent_policy_facts {
	enum fl_agent_policy_stage stage;
	enum fl_task_kind kind;
	enum fl_model_kind model;    /* 0 if unknown (no job spec) */
	uint64_t nparams;            /* the job's model size; 0 if unknown */
	double clip;                 /* SaParams.clip */
	uint32_t others;             /* other sites in the round at this stage */
	uint32_t recent_rounds;      /* own contributions in the last 24 h */
	bool site_figures;           /* the spec's [job] site_figures (R9) */
	bool dp;                     /* the spec has [privacy] (require_dp) */
} fl_agent_policy_facts;

/*
 * The policy decision, a pure function. At FL_POLICY_AT_TASK every rule
 * applies (R9 first: a job with site_figures = true is refused unless
 * report_own_metrics = true, with the reason "R9: the job publishes
 * per-site figures and this site's policy does not (report_own_metrics =
 * false)"; then kind, model, model size, clip, other sites, rounds in 24 h); at
 * the later stages only min_other_participants. Returns 0 to take part or
 * FL_E_DENIED with reason (cap bytes) naming the rule and the values, e.g.
 * "model mlp not in allowed_models (logistic)". An unknown model is refused
 * when allowed_models or max_model_params restricts it. FL_E_INVAL for NULL.
 */
int fl_agent_policy_check(const fl_agent_policy *p, const fl_agent_policy_facts *f,
			  char *reason, size_t cap);
/* Distinct ids among ids[0..count) in 1..min(n, FL_SECAGG_MAX_CLIENTS) other
 * than self: the other sites a key list or survivor list names. */
uint32_t fl_agent_policy_count_others(const uint32_t *ids, uint32_t count,
				      uint32_t self, uint32_t n);
/* Parameters of the spec's model on d features ((d + 1) * k; mlp: sum over
 * layers of (in + 1) * out); 0 for an unknown kind. */
uint64_t fl_agent_policy_nparams(const fl_jobspec *spec, uint32_t d);

/* R9: whether this site sends its own figures in clear for a job: only
 * when the job's spec has site_figures = true AND the policy has
 * report_own_metrics = true (spec NULL: no). */
bool fl_agent_policy_site_figures(const fl_agent_policy *p, const fl_jobspec *spec);

#define FL_AGENT_POLICY_WINDOW_S 86400
/*
 * Counts this site's contributions in the rolling window (now_s - 24 h,
 * now_s]: the record files state_dir/records/job*.json (one per uploaded
 * round attempt, see agent_record.c) by modification time, so the count
 * survives restarts. No records folder counts 0. FL_E_IO, FL_E_TOOBIG.
 */
int fl_agent_policy_recent(const char *state_dir, int64_t now_s, uint32_t *count);

/* ---- the daemon (agent_loop.c, agent_run_task.c) ---- */

typedef struct fl_agent fl_agent;

/* New agent for a loaded config (copied). First takes the lock on
 * state_dir/agent.lock (R6: one agent per state folder; FL_E_BUSY when
 * another process holds it) and closes round attempts that a stopped agent
 * left open in state_dir/inputs. Loads the TLS key once (it signs
 * round keys), the certificate and the CA file (a verifier of the peers'
 * round keys), and makes the channel (no connection yet). Logs what is
 * wrong on failure. *out owned by caller (fl_agent_free, which releases
 * the lock). FL_E_IO, FL_E_PARSE, FL_E_UNSUPPORTED (key type), FL_E_NOMEM. */
int fl_agent_new(const fl_agent_config *cfg, fl_agent **out);
/*
 * Polls and runs tasks until *stop becomes non-zero (then returns 0). With
 * once, returns after the first poll and its task: 0 if it went well or
 * there was nothing to do, else the error.
 */
int fl_agent_run(fl_agent *a, volatile sig_atomic_t *stop, bool once);
/* SIGHUP: when *flag becomes non-zero, fl_agent_run re-reads the [policy]
 * section of config_path before its next poll (systemctl reload). */
void fl_agent_set_reload(fl_agent *a, volatile sig_atomic_t *flag,
			 const char *config_path);
void fl_agent_free(fl_agent *a);

#endif
