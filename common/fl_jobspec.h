/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec: the INI job spec that an operator submits and every agent reads. */
#ifndef FL_JOBSPEC_H
#define FL_JOBSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_util.h"

#define FL_JOBSPEC_MAX_BYTES (64u * 1024u)
#define FL_JOBSPEC_MAX_LABELS 256u
#define FL_JOBSPEC_MAX_FEATURES 4096u

enum fl_model_kind {
	FL_MODEL_LINEAR = 1,    /* squared loss, one output */
	FL_MODEL_LOGISTIC = 2,  /* binary: P(class id 1), needs exactly 2 labels */
	FL_MODEL_SOFTMAX = 3,   /* k classes */
	FL_MODEL_MLP = 4        /* ReLU hidden layers; softmax head with labels,
				 * squared-error head (regression) without */
};

#define FL_JOBSPEC_MAX_HIDDEN 3u
/* [round] grace and quorum defaults (see the text form below). */
#define FL_JOBSPEC_DEFAULT_GRACE_S 2u
#define FL_JOBSPEC_DEFAULT_QUORUM 0u
#define FL_JOBSPEC_MAX_UNITS 4096u
#define FL_JOBSPEC_DEFAULT_DP_DELTA 1e-6

/*
 * Text form (INI; unknown keys are errors, so typos do not pass silently):
 *   [job]    name, dataset, model = linear|logistic|softmax|mlp, label,
 *            hidden = 64, 32 (mlp only), loss = softmax|squared (mlp only;
 *            must match: softmax needs labels, squared takes none),
 *            labels = a, b, c   (classification; ids in this order),
 *            features = f1, f2 (the model's inputs, by CSV column name,
 *            in this order) or features = all: every column of the
 *            consortium's schema but the label. A spec with 'all' is
 *            resolved before it is signed: 'fedctl job submit --schema
 *            HEADER.csv' writes the schema's columns (header order, label
 *            left out) in its place, so the coordinator, the signature
 *            and every site see one explicit list; a site whose CSV
 *            lacks one of them declines (column missing). The
 *            coordinator refuses an unresolved 'all'. Lists of any
 *            length fit on one line (lines up to 64 KiB) or continue on
 *            indented lines.
 *            rounds, min_clients, type = train|stats (see stats_only),
 *            site_figures = true|false (R9, see site_figures)
 *   [train]  local_epochs, batch_size, lr, l2,
 *            prox_mu (FedProx: each site adds (mu/2)||w - w_global||^2 to
 *            its local objective; 0 = plain FedAvg local training),
 *            lr_schedule = constant|step|exponential|cosine, per TRAIN round
 *            r = 1..rounds (see fl_lr_at in fl_train.h): step multiplies lr
 *            by lr_decay every lr_step rounds, exponential by lr_decay every
 *            round, cosine anneals lr * (1 + cos(pi (r-1)/rounds)) / 2;
 *            lr_decay (factor in (0, 1]), lr_step (rounds, >= 1),
 *            class_weights = none|balanced|w1, w2, ... (classification only:
 *            per-class loss weights in label order; balanced = n / (nclasses
 *            * count_c) from the consortium-wide label histogram that the
 *            STATS round sums securely and the global model carries)
 *   [round]  timeout (seconds per phase), max_attempts, test_fraction, seed,
 *            split = random|stratified (each site's train/test split:
 *            random, the default, sends each row to the test split with
 *            probability test_fraction; stratified, classification only,
 *            puts round(test_fraction * n_c) of each label's n_c rows in it,
 *            so small data keep the label mix in both parts),
 *            grace (seconds: a phase that some selected sites have not
 *            answered closes this long after the answers reached what the
 *            attempt needs to finish plus quorum; it never closes later
 *            than timeout), quorum (extra answers above that protocol
 *            minimum before the grace starts; see coordinator/coord_sa_close.c)
 *   [secagg] threshold (a minimum for t per neighbourhood; the coordinator
 *            raises it to what the sites' policies demand, SECAGG.md R5),
 *            neighbours (k; n-1 is full SecAgg; 0 = the coordinator picks
 *            the smallest k, and its t, for expected_dropout below), clip (model-delta clip
 *            range), bits (quantisation bits), dropout (largest fraction of
 *            selected sites that may drop before an attempt is abandoned),
 *            expected_dropout (the fraction of selected sites expected to
 *            drop in a round, each independently; when neighbours is 0 the
 *            coordinator picks k and t so that an attempt aborts with
 *            probability at most 2^-20 at this rate, see
 *            crypto/fl_secagg_choose.h; it is not a limit: dropout is;
 *            the default 0.1 fits sites that are servers of member
 *            organisations, and sizing k for the limit 0.5 instead would
 *            make every round full SecAgg, as the quorum 2q > n + c then
 *            fails in about half the attempts whatever k is),
 *            consistency (accepted for old specs; the survivor list is
 *            signed in every round whatever it says)
 *   [server] optimizer = fedavg|fedavgm|fedadam|fedyogi|fedadagrad (server
 *            optimisers of Reddi et al., "Adaptive Federated Optimization",
 *            ICLR 2021, on the pseudo-gradient = the FedAvg weighted mean
 *            delta; see fl_servopt.h), server_lr (eta, in (0, 100]),
 *            momentum (beta1 of fedavgm/fedadam/fedyogi, in [0, 1)),
 *            beta2 (fedadam/fedyogi, in [0, 1)), tau (adaptivity eps, > 0)
 *   [privacy] (optional; fl_jobspec_privacy.c) distributed differential
 *            privacy of the TRAIN rounds: each site clips its unweighted
 *            model update to L2 norm l2_clip (required, in (0, 1e6]) and
 *            adds its share of discrete Gaussian noise of total standard
 *            deviation noise_multiplier * l2_clip inside the masked vector
 *            (crypto/fl_dp_vec.h). Give epsilon (the job's total over its
 *            rounds, at delta; the noise multiplier then follows, see
 *            crypto/fl_dp_plan.h) or noise_multiplier directly, or both
 *            (the coordinator then refuses a job whose planned rounds pass
 *            epsilon). delta (default 1e-6, in (0, 0.1)), unit = site (the
 *            only unit: a site's whole contribution to a round).
 *            Noisy statistics (type = stats, and the STATS round of a
 *            training job): bounds = lo:hi, lo:hi, ... (one per feature
 *            in the features order, then one for the label column of a
 *            regression job; or a single lo:hi for every column) and
 *            max_rows (1..10^7: a site sums at most this many of its
 *            training rows, so that one site's whole contribution, the
 *            protected unit, has a bounded sensitivity). Each site clamps
 *            every value to its bounds and adds its noise share to the
 *            row count, sums, sums of squares and label histogram
 *            (crypto/fl_dp_stats.h). A stats job needs no l2_clip. In a
 *            training job, bounds also make the final EVAL round noisy
 *            (counts of at most max_rows test rows, no loss sums), and
 *            its epsilon is split over rounds + 2 noisy rounds; without
 *            bounds its STATS and EVAL rounds stay exact sums.
 * Defaults: rounds 10, min_clients 2, local_epochs 1, batch_size 32, lr 0.1,
 * l2 0, timeout 60, grace 2, quorum 0, max_attempts 3, test_fraction 0.25, seed 0; secagg:
 * threshold 0, neighbours 0, clip 1.0, bits 20, dropout 0.5,
 * expected_dropout 0.1,
 * consistency false; prox_mu 0, lr_schedule constant, lr_decay 0.9,
 * lr_step 10, class_weights none; optimizer fedavg, server_lr 1,
 * momentum 0.9, beta2 0.99, tau 1e-3 (the defaults train exactly as plain
 * FedAvg with a constant learning rate).
 */
enum fl_lr_schedule {
	FL_LR_CONSTANT = 0, FL_LR_STEP = 1, FL_LR_EXPONENTIAL = 2, FL_LR_COSINE = 3
};
enum fl_class_weight_mode {
	FL_CW_NONE = 0, FL_CW_BALANCED = 1, FL_CW_LIST = 2
};
enum fl_server_opt {
	FL_SOPT_FEDAVG = 0, FL_SOPT_FEDAVGM = 1, FL_SOPT_FEDADAM = 2,
	FL_SOPT_FEDYOGI = 3, FL_SOPT_FEDADAGRAD = 4
};

typedef struct fl_jobspec {
	char name[FL_NAME_BYTES];
	char dataset[FL_NAME_BYTES];
	char label[FL_NAME_BYTES];
	enum fl_model_kind model;
	char **labels;         /* nlabels strings, owned */
	uint32_t nlabels;
	char **features;       /* nfeatures strings, owned */
	uint32_t nfeatures;
	uint32_t rounds;
	uint32_t min_clients;
	uint32_t local_epochs;
	uint32_t batch_size;
	double lr;
	double l2;
	uint32_t timeout_s;
	uint32_t grace_s;        /* [round] grace */
	uint32_t quorum_margin;  /* [round] quorum */
	uint32_t max_attempts;
	double test_fraction;
	bool split_stratified;   /* [round] split = stratified */
	uint64_t seed;
	/* [secagg]: secure aggregation is always on. */
	uint32_t sa_threshold;
	uint32_t sa_neighbours;
	double sa_clip;
	uint32_t sa_bits;
	double sa_dropout;
	double sa_expected_dropout;   /* for choosing k and t (not a limit) */
	bool sa_consistency;
	/* [job] hidden = 64, 32 (mlp only, required): 1..3 layers of 1..4096. */
	uint32_t hidden[3];
	uint32_t nhidden;
	/* [train] algorithms (defaults keep plain FedAvg). */
	double prox_mu;
	enum fl_lr_schedule lr_schedule;
	double lr_decay;
	uint32_t lr_step;
	enum fl_class_weight_mode cw_mode;
	double *class_weights;   /* ncw values (== nlabels) if cw_mode LIST, owned */
	uint32_t ncw;
	/* [server] */
	enum fl_server_opt optimizer;
	double server_lr;
	double momentum;
	double beta2;
	double tau;
	/* [job] type = train|stats (default train). A stats job runs only the
	 * STATS round (secure per-feature count, sum, sum of squares and label
	 * histogram over all of each site's rows) and is then done: model and
	 * rounds are optional (the model defaults to softmax with >= 2 labels,
	 * else linear, and only sizes the label histogram), test_fraction
	 * defaults to 0 and may be 0. */
	bool stats_only;
	/* [job] site_figures = true|false (default false). R9: whether every
	 * participant's own evaluation figures are published in clear beside
	 * the secure sum (Agent ReportMetrics). Per-site clear figures are a
	 * property of the job, signed into the spec, so that within one job
	 * either every participant's figures are public or none are: a site
	 * sends its figures only when this is true and its [policy]
	 * report_own_metrics = true, and a site whose policy has
	 * report_own_metrics = false refuses a job with site_figures = true.
	 * Otherwise the figures of the one site that did not report would
	 * follow from the sum minus the others' clear figures. */
	bool site_figures;
	/* [job] features = all, not yet resolved against a schema (then
	 * nfeatures is 0); see the text form above. */
	bool features_all;
	/* [privacy] (see the text form): dp is true when the section is
	 * present. dp_epsilon 0 / dp_noise_mult 0: not given. */
	bool dp;
	double dp_epsilon;
	double dp_delta;
	double dp_l2_clip;
	double dp_noise_mult;
	uint32_t dp_seen;        /* parser bookkeeping: keys given */
	/* [privacy] bounds = lo:hi, ... and max_rows (noisy STATS rounds,
	 * crypto/fl_dp_stats.h): dp_bounds holds lo, hi of each of the
	 * ndp_bounds entries (owned); dp_max_rows 0: not given. */
	double *dp_bounds;
	uint32_t ndp_bounds;
	uint32_t dp_max_rows;
} fl_jobspec;

/* Parses spec text (len bytes). On success fills *out (free with
 * fl_jobspec_clear). Errors: FL_E_SPEC with a message naming the key and
 * what is expected, FL_E_TOOBIG, FL_E_NOMEM. Validates ranges and model vs
 * labels (logistic needs 2 labels, softmax >= 2, linear none). */
int fl_jobspec_parse(const char *text, size_t len, fl_jobspec *out, char *errmsg);
/* Canonical text of a spec; *out is malloc'd, caller frees. */
int fl_jobspec_format(const fl_jobspec *spec, char **out);
void fl_jobspec_clear(fl_jobspec *spec);
const char *fl_model_kind_name(enum fl_model_kind k);
/* Whether [privacy] gives epsilon / noise_multiplier explicitly. */
bool fl_jobspec_privacy_has_epsilon(const fl_jobspec *s);
bool fl_jobspec_privacy_has_noise(const fl_jobspec *s);
/* Whether the spec's STATS round is noisy ([privacy] with bounds and
 * max_rows). */
bool fl_jobspec_privacy_stats(const fl_jobspec *s);
const char *fl_lr_schedule_name(enum fl_lr_schedule s);
const char *fl_server_opt_name(enum fl_server_opt o);

#endif
