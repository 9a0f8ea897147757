/* SPDX-License-Identifier: Apache-2.0 */
/* coord_engine_int: the engine's private structures, shared by
 * coord_engine.c (jobs, sites, polls, models), coord_round.c (round
 * transitions), coord_secagg.c (the phases of a secure-aggregation attempt)
 * and coord_secagg_api.c (the SecAgg messages and masked uploads).
 * Calls go one way: handlers -> engine -> round -> secagg -> sa_close, and
 * each of them down to coord_job.c, coord_blob.c, the decline rule and the
 * metrics; a lower file reports up through return values. */
#ifndef COORD_ENGINE_INT_H
#define COORD_ENGINE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "coord_agg.h"
#include "coord_engine.h"
#include "coord_ledger.h"
#include "coord_store.h"
#include "fl_dp_vec.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_msg.h"
#include "fl_secagg.h"
#include "fl_servopt.h"
#include "fl_upvec.h"

/* A site that polled this process. */
typedef struct coord_site {
	char name[FL_NAME_BYTES];
	int64_t last_seen_ms;
	int64_t flushed_ms;                 /* last_seen last written to the store */
	uint32_t ndatasets;
	char datasets[FL_MSG_MAX_DATASETS][FL_NAME_BYTES];
	uint32_t min_honest;                /* its policy's T and c (poll) */
	uint32_t colluders;
} coord_site;

/* One selected site in the current round attempt; its secagg id is its
 * index + 1 (slots are sorted by site name). */
typedef struct coord_slot {
	char name[FL_NAME_BYTES];
	uint8_t out;            /* missed a phase: dropped from the attempt */
	uint8_t advertised;
	uint8_t shared;
	uint8_t uploading;      /* a PutUpdate stream is open */
	uint8_t uploaded;       /* all m masked words arrived */
	uint8_t survivor;       /* in the unmask request */
	uint8_t signed_list;    /* consistency signature received */
	uint8_t unmasked;       /* unmask shares received */
	uint64_t offset;        /* masked words received so far */
	uint32_t min_honest;    /* the site's declared T and c */
	uint32_t colluders;
	uint8_t missed;         /* the phase it missed (enum fl_sa_phase), 0 */
} coord_slot;

typedef struct coord_round_state {
	int active;
	uint32_t round;
	uint32_t attempt;
	enum fl_task_kind kind;
	int64_t started_ms;
	coord_slot *sel;
	uint32_t nsel;
	/* secure aggregation of this attempt */
	enum fl_sa_phase phase;
	int64_t phase_deadline_ms;
	int64_t phase_started_ms;           /* for coord_metrics */
	fl_secagg_params sp;
	fl_secagg_server *sa;
	fl_upvec_layout layout;
	double weight_scale;
	/* coord_dp.c: a noisy TRAIN round ([privacy]): the words are
	 * dpp.pdim noisy words, then the wide part of layout */
	bool dp;
	double dp_z;
	fl_dp_vec_params dpp;
	coord_ledger_dp dp_ledger;          /* the round's figures, as planned */
	bool dp_stats;                      /* a noisy STATS round (coord_dp_stats.c) */
	bool has_model;                     /* the round starts from a model */
	uint8_t model_sha256[FL_MSG_DIGEST_BYTES];
	char **names;                       /* nsel site names by id (one block) */
	fl_secagg_keylist keys;         /* after ADVERTISE closed */
	fl_secagg_unmask_req ureq;      /* after INPUT (and CONSISTENCY) closed */
	uint32_t nsurvivors;
	/* coord_sa_close.c: the phase whose grace runs (enum fl_sa_phase, 0
	 * none) and since when; the rule that closed each phase
	 * (enum fl_phase_close, by phase - 1) for the round record. */
	uint8_t grace_phase;
	int64_t grace_from_ms;
	int64_t upload_seen_ms;         /* last tick that saw an open upload */
	uint32_t grace_checked;         /* answers + 1 when the structure last
					 * failed coord_sa_close_rule's check */
	uint8_t closed_by[FL_MSG_PHASES];
} coord_round_state;

/* A site's decline of a job (coord_decline.c): sent by its agent, or
 * inferred (the site polls without the job's dataset). */
typedef struct coord_decl {
	char site[FL_NAME_BYTES];
	uint8_t reason;         /* enum fl_decline_reason */
	uint8_t inferred;
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];
} coord_decl;

typedef struct coord_job {
	uint64_t id;
	fl_jobspec spec;
	char *spec_text;
	/* The submitting admin's signature of spec_text and certificate
	 * (NULL, 0: unsigned; agents then refuse the job's rounds). */
	uint8_t spec_sig[FL_MSG_SPEC_SIG_MAX];
	size_t spec_sig_len;
	char *spec_cert;
	int running;            /* 0 = pending */
	uint32_t rounds_done;
	uint32_t next_round;
	uint32_t next_attempt;
	double weight_n;        /* N: training rows from the STATS round; 0 before */
	fl_model *model;        /* latest global model; before STATS a model of
				 * the job's shape (version 0, not stored) */
	coord_blob *blob;       /* its encoding */
	fl_servopt *opt;        /* server optimiser state that made model, or NULL */
	uint32_t waiting_logged; /* eligible count last logged + 1; 0 = none */
	coord_round_state rs;
	/* Sites left out of the current round's later attempts: they broke
	 * off a masked upload in a failed attempt (what they sent could not
	 * be taken out of the sum, so that attempt failed). Malloc'd. */
	char (*benched)[FL_NAME_BYTES];
	uint32_t nbenched;
	/* Declines of this job, one per site (the latest), malloc'd; when the
	 * decline rule was last checked (0: check at the next tick). */
	coord_decl *decl;
	uint32_t ndecl;
	int64_t decl_checked_ms;
	int64_t decl_hopeless_ms;  /* since when the rule holds (0: it does not) */
	double first_loss;      /* evaluation loss entering the first training
				 * round (coord_round_diverged; 0: not yet) */
	struct coord_job *next;
} coord_job;

struct coord_engine {
	pthread_mutex_t mu;
	coord_store *st;
	coord_engine_opts opts;
	coord_job *jobs;        /* active jobs, ascending id */
	coord_site *sites;
	size_t nsites, capsites;
	pthread_t thread;
	int thread_on;
	volatile int stop;
	pthread_cond_t kick_cv;  /* wakes the driver thread (under mu) */
	int kicked;
	void (*notify)(void *);  /* coord_engine_set_notify */
	void *notify_arg;
	struct coord_ledger_signer *ledger;   /* coord_engine_set_ledger; borrowed */
};

/* Under e->mu: an answer came in; the driver ticks now instead of at its
 * next COORD_TICK_MS, so a phase that every site answered closes at once. */
void coord_engine_kick(coord_engine *e);

/* coord_job.c (a leaf): the task kind of a round, and its name. */
enum fl_task_kind coord_round_kind(const coord_job *j, uint32_t round);
const char *coord_task_kind_name(enum fl_task_kind k);
/* coord_job.c: the slot of a site in the active attempt, or NULL. */
coord_slot *coord_round_slot(coord_job *j, const char *site);
/* coord_job.c: whether slot s has something to do in the current phase. */
int coord_secagg_slot_busy(const coord_round_state *rs, const coord_slot *s);

/* coord_round.c: everything under e->mu. */
/* What a tick did to its job: the job goes on, or it ended (its last round
 * committed, or it failed; the state is stored) and the caller, the engine,
 * which owns the job list, removes it. Round code never frees a job. */
typedef enum coord_round_outcome {
	COORD_ROUND_GOES_ON = 0,
	COORD_ROUND_ENDED = 1,
} coord_round_outcome;
coord_round_outcome coord_round_tick_job(coord_engine *e, coord_job *j,
					 int64_t now_ms);
void coord_round_reset(coord_round_state *rs);
/* A global model that diverges (TRAIN round j->rs.round, summary sm): the
 * round's mean training loss is not finite, or the evaluation loss of the
 * model entering it is over COORD_LOSS_EXPLODED times that entering the
 * job's first training round (j->first_loss, set here; kept in memory, so
 * after a restart the check starts again). FL_E_DIVERGED with a message
 * in why that says what to change; 0 otherwise. */
#define COORD_LOSS_EXPLODED 1e4
struct fl_round_summary;
int coord_round_diverged(coord_job *j, const struct fl_round_summary *sm,
			 char *why, size_t whycap);

/* coord_secagg.c: the phases of one attempt (under e->mu). */
/* Smallest number of selected sites that secure aggregation can work with. */
#define COORD_SA_MIN_SITES 3u
/* Fills the attempt's secagg parameters, layout and server for rs->nsel
 * selected sites. FL_E_SPEC (with a message) when the spec's threshold or
 * neighbours cannot work, FL_E_INVAL/FL_E_NOMEM otherwise. */
int coord_secagg_begin(const coord_job *j, coord_round_state *rs,
		       int64_t now_ms, char *errmsg);
/* coord_dp.c: distributed DP ([privacy], crypto/fl_dp_plan.h).
 * begin: for a noisy TRAIN attempt (after rs->sp's n and round seed are
 * set) fills rs->dp, dp_z, dpp and sets rs->sp.m and weight_scale 1; for
 * other attempts clears rs->dp. FL_E_SPEC with errmsg.
 * submit_check: refuses (FL_E_SPEC, with the arithmetic in errmsg) a job
 * whose planned rounds would pass its [privacy] epsilon; logs the plan. */
int coord_dp_begin(const coord_job *j, coord_round_state *rs, char *errmsg);
int coord_dp_submit_check(const coord_job *j, char *errmsg);
/* coord_sa_params.c: k and t for rs->nsel sites under the strictest
 * policy T, c. Without [secagg] neighbours, the smallest k (and its t, at
 * least the spec's threshold) whose abort probability at the spec's
 * expected_dropout is at most 2^-20 (fl_secagg_choose; full SecAgg when no
 * k gets there); otherwise the spec's k with the smallest t the rules allow
 * (at least the spec's threshold), and a warning above 2^-10. Logs the
 * choice once per round (at debug level for later attempts). The caller
 * still checks the result with fl_secagg_params_safe. */
void coord_sa_params_choose(const coord_job *j, const coord_round_state *rs,
			    uint32_t T, uint32_t c, uint32_t *k, uint32_t *t);
/* The largest fraction of the selected sites that may drop before an
 * attempt is abandoned, when the spec's [secagg] dropout is 0. */
#define COORD_SA_DEFAULT_DROPOUT 0.5
/* Outcome of a tick of the phase machine. */
enum coord_sa_step { COORD_SA_WAIT = 0, COORD_SA_DONE, COORD_SA_FAILED,
		     COORD_SA_WRAPPED };
/* Closes the current phase when coord_sa_close_rule says so (all answered,
 * grace, deadline; kept in rs->closed_by for the round record).
 * DONE: *sum holds the decoded sum (caller frees with coord_agg_free).
 * FAILED: why holds the reason (the attempt must be retried). WRAPPED: the
 * unmasked sum is out of range (R8, FL_E_WRAP) and must not be used; why
 * says which value (the same inputs would wrap again: the job fails). */
enum coord_sa_step coord_secagg_tick(coord_job *j, int64_t now_ms,
				     coord_agg **sum, char *why, size_t whycap);
/* coord_sa_close.c: the rule that closes the current phase now, or
 * FL_CLOSE_NONE to wait (see the file's comment); starts the phase's grace
 * when enough sites answered. */
enum fl_phase_close coord_sa_close_rule(const coord_job *j, coord_round_state *rs,
					int64_t now_ms);
/* Frees the attempt's secagg state (server, key list, request). */
void coord_secagg_end(coord_round_state *rs);
/* The task that says what slot s has to do in the current phase (phase,
 * secagg params, deadline). */
void coord_secagg_task(const coord_job *j, const coord_slot *s, int64_t now_ms,
		       fl_msg_task *t);

/* coord_round_ledger.c: fills *lr for the round that just finished in j
 * (ri: its "done" row with the survivors; blob: the model it made, or
 * NULL). lr borrows ri, j and *fprs, a malloc'd array of the participants'
 * certificate fingerprints that the caller frees after the commit.
 * FL_E_PARSE (an advert's certificate), FL_E_NOMEM. */
struct coord_ledger_round;
int coord_round_ledger_prepare(const coord_job *j, const fl_msg_round_info *ri,
			       const coord_blob *blob, int64_t now_ms,
			       struct coord_ledger_round *lr,
			       char (**fprs)[FL_MSG_HASH_HEX_BYTES]);

/* coord_decline.c (under e->mu). */
/* The decline noted for site in j, or NULL. */
coord_decl *coord_decline_find(const coord_job *j, const char *site);
/* Keeps the site's latest decline in j; 0 or FL_E_NOMEM. */
int coord_decline_note(coord_job *j, const char *site, enum fl_decline_reason reason,
		       int inferred, const char *text);
/* Stores the decline and publishes its event; errors are logged only (the
 * in-memory note decides). */
void coord_decline_record(coord_engine *e, const coord_job *j, const char *site,
			  uint32_t round, uint32_t attempt,
			  enum fl_decline_reason reason, const char *text,
			  int64_t now_ms);
/* Whether the site declined job j for a reason that holds for the whole
 * job (fl_decline_lasting, not inferred): it is not selected again. */
int coord_decline_excluded(const coord_job *j, const char *site);
/* The decline rule (README "Declines"): 1 with the reasons in why when the
 * sites that declined j make it impossible to run, i.e. the registered,
 * non-revoked sites that may still take part (not declined for a lasting
 * reason, not online without the dataset; an offline site counts) are
 * fewer than j needs while with the decliners they would be enough. Also
 * records, once per site, an inferred decline for each online site whose
 * poll lacks the job's dataset. Checks at most once a second unless a
 * decline came in. 0: the job may go on. */
int coord_decline_check(coord_engine *e, coord_job *j, int64_t now_ms,
			char *why, size_t whycap);
/* Writes "N of M sites declined: reason (site site ...): text; ..." one
 * group per reason with the first site's text and at most 5 names, cut to
 * cap. Returns how many declines were counted (the lasting ones and the
 * inferred ones only when lasting_only). */
uint32_t coord_decline_summary(const coord_decl *d, uint32_t n, uint32_t total,
			       int lasting_only, char *buf, size_t cap);

/* coord_blob.c: a new blob holding m's encoding, one reference; and one
 * more reference to b (release each with coord_blob_release). */
int coord_blob_new(const fl_model *m, coord_blob **out);
coord_blob *coord_blob_retain(coord_blob *b);

/* coord_job.c: a site of the registry by name, or NULL (under e->mu); and
 * coord_engine.c: an active job by id (under e->mu). */
coord_site *coord_engine_site_find(coord_engine *e, const char *name);
coord_job *coord_engine_job_find(coord_engine *e, uint64_t id);

#endif
