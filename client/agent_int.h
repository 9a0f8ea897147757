/* SPDX-License-Identifier: Apache-2.0 */
/* agent_int: the agent daemon's state, shared by the agent_*.c files that
 * make up the daemon (loop, keys, secure-aggregation phases, tasks). */
#ifndef AGENT_INT_H
#define AGENT_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "agent_testhook.h"
#include "fl_agent.h"
#include "fl_members.h"
#include "fl_pki.h"
#include "fl_targets.h"

#define AGENT_POLL_TIMEOUT_MS 10000u
#define AGENT_REPOLL_MS 20u   /* after a held long poll came back empty */
#define AGENT_MIN_CALL_TIMEOUT_MS 10000u

/* Copies task t's job_id, round and attempt into the fields of the same
 * names of dst (a request, header or record about that attempt). */
#define AGENT_TASK_REF(dst, t) do { \
	(dst).job_id = (t)->job_id; \
	(dst).round = (t)->round; \
	(dst).attempt = (t)->attempt; \
} while (0)

/* ---- R6 types (agent_inputs.c, agent_inputs_rec.c) ---- */
#define AGENT_INPUT_ID_BYTES 32u      /* F, a SHA-256 */
#define AGENT_INPUT_MAX_ATTEMPTS 3u   /* attempts joined per F, in all */
#define AGENT_INPUT_HEX_SHOWN 8u      /* hex digits of F in log lines */
#define AGENT_DV_SLOTS 8u             /* data versions cached */

/* SHA-256 of dataset files, keyed by path and what stat says. */
typedef struct agent_dv_cache {
	struct {
		bool used;
		char path[FL_PATH_BYTES];
		int64_t size, mtime_ns, ctime_ns;
		uint64_t dev, ino, last;
		uint8_t sha[AGENT_INPUT_ID_BYTES];
	} e[AGENT_DV_SLOTS];
	uint64_t tick;
} agent_dv_cache;

/* One attempt joined on an input. */
typedef struct agent_input_attempt {
	uint64_t job_id;
	uint32_t round, attempt;
	bool open;
} agent_input_attempt;

/* The persistent record of one input F: state_dir/inputs/<F hex>. */
typedef struct agent_input_rec {
	uint8_t f[AGENT_INPUT_ID_BYTES];
	uint32_t nattempts;                          /* joined, in order */
	agent_input_attempt at[AGENT_INPUT_MAX_ATTEMPTS];
	bool has_s;                                  /* a survivor list signed */
	uint8_t hs[AGENT_INPUT_ID_BYTES];            /* H(S), agent_input_s_hash */
	uint32_t ns;
	char (*s)[FL_NAME_BYTES];                    /* S: sorted distinct names; owned */
} agent_input_rec;

/* The contribution record being written off the critical path
 * (agent_record_bg.c). */
typedef struct agent_record_bg {
	bool busy;                 /* th runs: join it (agent_record_bg_wait) */
	pthread_t th;
	fl_agent_record rec;       /* rec.vec owned, wiped and freed by th */
	char state_dir[FL_PATH_BYTES];
	int r;                     /* th's outcome, with msg */
	char msg[FL_ERRMSG_BYTES];
} agent_record_bg;

/* The one secure-aggregation round attempt under way. */
typedef struct agent_sa {
	fl_secagg_client *c;       /* owned; NULL when no attempt is under way */
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	enum fl_sa_phase done;     /* last phase answered */
	uint8_t ctx[FL_SECAGG_DIGEST_BYTES];  /* the attempt's context (R2) */
	char **names;              /* owned copy of the context's site names */
	fl_secagg_trust trust;     /* what c borrows: names, members, policy */
	/* R6 (agent_inputs.c): the input this attempt is open on, if any */
	bool has_input;
	uint8_t input_id[AGENT_INPUT_ID_BYTES];
} agent_sa;

struct fl_agent {
	fl_agent_config cfg;
	fl_rpc_tls tls;            /* points into cfg */
	fl_rpc_channel *ch;
	fl_targets coords;         /* cfg.coordinator's list; cur is dialled */
	fl_agent_cache cache;
	fl_agent_done done;
	fl_agent_backoff bo;
	fl_sign_key *sign_key;     /* the TLS key: signs round keys */
	fl_verifier *verifier;     /* the CA file: checks peers' round keys */
	char *cert_pem;            /* own certificate, sent with the advert */
	size_t cert_len;
	agent_sa sa;
	char ext_root[FL_PATH_BYTES + 16];  /* state_dir/external: trainer folders */
	/* certificate renewal (agent_renew.c) */
	int64_t renew_next_ms;     /* next check */
	uint32_t renew_days;       /* renew with fewer days left */
	/* the coordinator's CRL (agent_crl.c) */
	uint64_t crl_number;       /* in use; 0 = none */
	uint64_t crl_refused;      /* an announced number that failed its check */
	/* the pinned member list, SECAGG.md R1 (agent_members.c) */
	fl_members members;        /* version 0: none yet */
	uint64_t members_refused;  /* an announced version that failed its check */
	uint64_t members_seen;     /* an older announced version, logged once */
#ifdef FL_TEST_HOOKS
	agent_testhook_state test; /* agent_testhook.c; test builds only */
#endif
	int64_t crl_next_update_ms; /* of the CRL in use; 0: none or no date */
	bool crl_seen;             /* state_dir holds a CRL: one must stay fresh */
	bool crl_ok;               /* and it checked against the CA */
	/* R6 (agent_lock.c, agent_inputs.c) */
	bool locked;               /* lock_fd holds state_dir/agent.lock */
	int lock_fd;
	agent_dv_cache dv;         /* data versions of the datasets */
	/* SIGHUP: re-read [policy] (agent_reload.c) */
	volatile sig_atomic_t *reload;   /* set by the signal; NULL: never */
	char config_path[FL_PATH_BYTES];
	agent_record_bg recbg;     /* agent_record_bg.c */
};

/* ---- agent_reload.c ---- */
/* When *a->reload is set: clears it and re-reads the [policy] section of
 * a->config_path. A config that does not load, or whose other sections
 * changed, keeps the policy in force (logged); only [policy] is applied,
 * the rest needs a restart. */
void agent_reload_check(fl_agent *a);

/* ---- agent_record_bg.c ---- */
/*
 * Writes rec (fl_agent_record_write) on a thread of its own, after
 * waiting for the previous one. rec->vec passes to the writer, which wipes
 * and frees it; the rest of rec is copied. Without a thread it writes
 * here. A failure is logged (a warning, as before: the record is the
 * site's audit trail, not a condition of the round) when it is waited for.
 */
void agent_record_bg_start(fl_agent *a, const fl_agent_record *rec);
/* Waits for the record being written, if any, and logs its failure. Called
 * before the unmask answer and whenever an attempt ends (agent_sa_drop),
 * so a round this site finished has its record, and the daily count of
 * contributions (the policy) sees every one. */
void agent_record_bg_wait(fl_agent *a);

/* ---- agent_lock.c ---- */
/*
 * One agent per site certificate (R6): takes an exclusive, non-blocking
 * flock on state_dir/agent.lock (made 0600 if missing, close-on-exec) and
 * writes the process id into it. *fd gets the descriptor; the lock lasts
 * until agent_lock_release or the process ends. FL_E_BUSY when another
 * process holds it (errmsg names the file and that process's id),
 * FL_E_IO when the file cannot be opened (errmsg says why).
 */
int agent_lock_take(const char *state_dir, int *fd, char *errmsg);
void agent_lock_release(int fd);

/* ---- agent_inputs_rec.c: the R6 record of each input ---- */
/* Sorted distinct names: all n names (ids NULL) or names[id - 1] for the
 * nids ids. *out (malloc'd, caller frees) and *nout on success. FL_E_INVAL
 * for an id out of 1..n or a NULL or too long name, FL_E_NOMEM. */
int agent_input_names(const char *const *names, uint32_t n, const uint32_t *ids,
		      uint32_t nids, char (**out)[FL_NAME_BYTES], uint32_t *nout);
/* H(S) over sorted distinct names: SHA-256 of a tag and each name with
 * its length. */
void agent_input_s_hash(char (*s)[FL_NAME_BYTES], uint32_t ns,
			uint8_t out[static AGENT_INPUT_ID_BYTES]);
/*
 * Reads state_dir/inputs/<F hex>. 0 and *out filled (agent_input_rec_clear);
 * FL_E_NOTFOUND when this site never joined F; FL_E_INPUT_USED when it
 * did (F in state_dir/inputs.index) but the record is gone, or the index
 * is there and the inputs folder is not (errmsg: the state was lost, an
 * operator must reset it); FL_E_PARSE for a damaged record (errmsg), FL_E_IO.
 */
int agent_input_rec_load(const char *state_dir,
			 const uint8_t f[static AGENT_INPUT_ID_BYTES],
			 agent_input_rec *out, char *errmsg);
/* How agent_input_rec_save makes a record last. */
enum agent_rec_sync {
	/* On disk before it returns: what leaves the site next relies on it.
	 * A record that exists, or whose F is in state_dir/inputs.index:
	 * temp file, fsync, rename, fsync of the folder (then F's index line
	 * if missing). A new F with no record: temp file, fsync, rename, then
	 * F's line appended to the index (fdatasync; state_dir too when the
	 * index is new); a lost name for the new record only refuses F. */
	AGENT_REC_DURABLE,
	/* Replaced atomically, not synced, the index untouched: for a state
	 * whose loss in a power cut is harmless (an attempt's close, which
	 * agent_input_close_stale redoes at start). F must already be listed
	 * (saved DURABLE before). */
	AGENT_REC_LAZY
};
/* Writes rec (state_dir/inputs, made 0700) as how says. FL_E_IO,
 * FL_E_NOMEM, FL_E_TOOBIG, with errmsg. */
int agent_input_rec_save(const char *state_dir, const agent_input_rec *rec,
			 enum agent_rec_sync how, char *errmsg);
void agent_input_rec_clear(agent_input_rec *rec);
/* At start, under the lock: marks open every attempt that a previous
 * agent left open (its keys died with it) as closed, so it neither blocks
 * F nor is rejoined. *closed counts them. FL_E_IO, FL_E_PARSE (errmsg). */
int agent_input_close_stale(const char *state_dir, uint32_t *closed,
			    char *errmsg);

/* ---- agent_inputs.c: R6, one sum per input ---- */
/*
 * F, the identity of a site's input: SHA-256 of a tag, the task kind, the
 * digest of the canonical spec (fl_jobspec_format of spec_text parsed),
 * the starting model's digest (model NULL or kind STATS: zeros) and the
 * SHA-256 of the dataset file's bytes at data_path (cached in dv by path,
 * size, times and inode). No job id, round or attempt, on purpose.
 * FL_E_SPEC, FL_E_IO (errmsg), FL_E_NOMEM.
 */
int agent_input_id(enum fl_task_kind kind, const char *spec_text,
		   const uint8_t *model, const char *data_path, agent_dv_cache *dv,
		   uint8_t f[static AGENT_INPUT_ID_BYTES], char *errmsg);
/*
 * The join decision for attempt (job, round, attempt) with participants p
 * (np sorted distinct names) on the input of rec: FL_E_INPUT_USED with why
 * (cap bytes) if another attempt on it is open, the attempt was joined
 * and left before (a replay), AGENT_INPUT_MAX_ATTEMPTS were joined, or a
 * survivor list was signed and p is not exactly it. *rejoin is set when
 * the attempt is the one open (nothing to add).
 */
int agent_input_admit(const agent_input_rec *rec, uint64_t job, uint32_t round,
		      uint32_t attempt, char (*p)[FL_NAME_BYTES], uint32_t np,
		      bool *rejoin, char *why, size_t cap);
/* At start: closes attempts left open (agent_input_close_stale) and logs
 * them. A failure is logged; the records stay and refuse what they must. */
void agent_inputs_init(fl_agent *a);
/*
 * At advertise, before the client is made: computes F for the task (a
 * task without a spec has none: its input phase fails anyway), applies
 * agent_input_admit and notes the attempt as open, durably, in F's record
 * (a->sa.has_input, a->sa.input_id). FL_E_INPUT_USED with why for a
 * refusal (the caller logs it), or another code after logging it.
 */
int agent_inputs_begin(fl_agent *a, const fl_msg_task *t, char *why);
/*
 * In phase 4, after the signature is made and before it is sent: refuses
 * (FL_E_INPUT_USED, why) if F's record holds another signed survivor list
 * or the site's data changed since advertise; else stores H(S) and S's
 * names (the context's names of the nids survivor ids) durably. Other
 * codes are logged here.
 */
int agent_inputs_sign(fl_agent *a, const fl_msg_task *t, const uint32_t *ids,
		      uint32_t nids, char *why);
/* When the attempt ends, however: marks it no longer open (the signed S
 * and the attempt count stay). Failures are logged. */
void agent_inputs_end(fl_agent *a);

/* ---- agent_members.c ---- */
/* The member list the agent holds (checked against the CA, sorted by
 * name; fl_members_find), or NULL when it holds none. Borrowed: valid
 * until the next poll swaps in a newer list (between round attempts). */
const fl_members *agent_members(const fl_agent *a);
/* At start: loads state_dir/members.txt if present and checks it against
 * the CA file. A present but bad file is an error (logged): dropping it
 * would let the coordinator roll the list back. */
int agent_members_load(fl_agent *a);
/* After a poll announcing member list version announced: if it is higher
 * than the one held and no round attempt is open, fetches it
 * (Agent/GetMembers), checks it against the CA, refuses a version not
 * higher than the one held (a rollback), stores it atomically in
 * state_dir/members.txt and swaps it in. Failures are logged; the old list
 * stays in use. */
void agent_members_update(fl_agent *a, uint64_t announced);
void agent_members_free(fl_agent *a);

/* ---- agent_crl.c ---- */
/* A verifier for peers' round keys from the CA bundle and, if it checks,
 * state_dir/crl.pem (sets crl_number). *out owned by caller. */
int agent_crl_verifier(fl_agent *a, const char *ca_pem, size_t ca_len,
		       fl_verifier **out);
/* After a poll announcing CRL number announced: if it is newer and no
 * round attempt is open, fetches it (Agent/GetCrl), checks it against the
 * CA, stores it and swaps the verifier. Failures are logged; the old CRL
 * stays in use. */
void agent_crl_update(fl_agent *a, uint64_t announced);
/*
 * R10, before the agent takes part in a round attempt: once it has seen a
 * CRL, the one it holds must be usable and not past its nextUpdate (the
 * coordinator chooses which CRLs to announce, so it could keep a revoked
 * peer in by announcing none). Otherwise logs "refused round J/R: R10:
 * ..." and returns FL_E_STALE; a fresher CRL announced later is still
 * fetched (agent_crl_update), and the agent then takes part again.
 */
int agent_crl_fresh(fl_agent *a, const fl_msg_task *t, int64_t now_ms);

/* ---- agent_spec.c ---- */
/* R2: refuses a task whose spec is not signed (DOMAIN || spec, see
 * crypto/fl_spec_sig.h) by a certificate with role admin that chains to
 * the agent's CA and is not on its CRL. *signer (may be NULL) gets the
 * signer on success. FL_E_CONTEXT with "R2: the job spec is not signed by
 * a consortium admin (why)" in why; FL_E_NOMEM. */
int agent_spec_check(fl_agent *a, const fl_msg_task *t, fl_cert_info *signer,
		     char *why);

/* ---- agent_renew.c ---- */
/* Finishes a key/certificate swap that a crash cut short. Call before agent_keys_load. */
void agent_renew_init(fl_agent *a);
/* Between round attempts, at most about hourly: renews the certificate
 * when fewer than renew_days and fewer than a third of its lifetime are
 * left (Agent/Renew with a new key made here), then reloads the key,
 * certificate and channel. 0 when nothing was due or it worked. */
int agent_renew_maybe(fl_agent *a);

/* ---- agent_keys.c ---- */
/* Loads the signing key, verifier and certificate from the [tls] files;
 * logs what is wrong. FL_E_IO, FL_E_PARSE ... */
int agent_keys_load(fl_agent *a);
/* Frees them (the key is wiped). NULL-safe members. */
void agent_keys_free(fl_agent *a);

/* ---- agent_secagg.c ---- */
/*
 * Runs the task's secure-aggregation phase with the attempt's client,
 * making one on SA_ADVERTISE and dropping it (which wipes its secrets)
 * when the attempt changes, after unmasking, or on any error. *worked is
 * set when the agent answered a phase (so the caller polls again at once
 * rather than waiting). Returns 0, FL_E_NET / FL_E_TIMEOUT when the
 * coordinator could not be reached (the caller backs off), or another code
 * after logging it; an attempt that failed is put in the done set.
 */
int agent_task_run(fl_agent *a, const fl_msg_task *t, bool *worked);
/* Drops the attempt under way, if any. */
void agent_sa_drop(fl_agent *a);

/* ---- agent_run_task.c ---- */
/* Parses the task's spec and finds the site's data for it; logs why not.
 * spec is filled (fl_jobspec_clear); the datasets stay in the cache. */
int agent_task_data(fl_agent *a, const fl_msg_task *t, fl_jobspec *spec,
		    const fl_dataset **train, const fl_dataset **test);
/* SA_INPUT after the shares arrived: builds the task's vector (GetModel
 * for TRAIN and EVAL), encodes it, streams it masked with c and writes the
 * site-local record. Logs the outcome. */
int agent_task_input(fl_agent *a, const fl_msg_task *t, fl_secagg_client *c);

/* ---- agent_report.c ---- */
/* R9: only when the task's spec has [job] site_figures = true and [policy]
 * report_own_metrics = true (fl_agent_policy_site_figures): logs at info
 * level and sends mt, this site's own figures on its test split for the
 * task's round, in clear to the coordinator (Agent ReportMetrics). Returns
 * FL_E_DENIED when it sends nothing for that reason (no network use), 0
 * once sent, or the error of a failed send (logged as a warning; the round
 * goes on either way). */
int agent_report_own(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		     const fl_metrics *mt);

/* ---- agent_decline.c ---- */
/* Logs and sends the site's decline of task t (Agent Decline) with a
 * printf-style text of names and counts only (cut at
 * FL_MSG_DECLINE_TEXT_MAX). Returns 0 once the coordinator took it, or
 * the error (logged as a warning; an older coordinator does not know the
 * call). */
int agent_decline(fl_agent *a, const fl_msg_task *t, enum fl_decline_reason reason,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* After agent_task_data failed with err: finds why from the site's data
 * (fl_agent_data_diagnose_csv; re-reads its CSV) and declines with it.
 * Nothing is sent for FL_E_NOMEM or a spec without a dataset or label. */
int agent_decline_data(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		       int err);

/* ---- agent_dp.c ---- */
/* A TRAIN task's words under the spec's [privacy] (see the file): vec is
 * the TRAIN vector (fl_update.h) of n values; *out (t->sa.words words) is
 * the caller's. Charges the site's budget first: FL_E_BUDGET (the task is
 * declined with reason budget), FL_E_UNSAFE, FL_E_INVAL, FL_E_RANGE,
 * FL_E_IO, FL_E_PARSE, with errmsg. */
int agent_dp_encode(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		    const double *vec, size_t n, uint32_t **out, char *errmsg);

/* ---- agent_policy.c ---- */
/* Checks a task at advertise against [policy] (spec and train may be NULL:
 * model or size unknown). On refusal logs one line "policy: refusing job J
 * round R attempt A: why" ("policy: refused job J round R: R9: ..." for a
 * job that publishes per-site figures this site does not) and returns
 * FL_E_DENIED. */
int agent_policy_task(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		      const fl_dataset *train);
/* Checks the number of other sites at a later stage, the same way. */
int agent_policy_others(fl_agent *a, const fl_msg_task *t,
			enum fl_agent_policy_stage st, uint32_t others);
/* Other sites of the key list whose keys this site did not refuse. */
uint32_t agent_policy_key_others(fl_secagg_client *c,
				 const fl_secagg_keylist *kl, uint32_t self,
				 uint32_t n);

#endif
