/* SPDX-License-Identifier: Apache-2.0 */
/* coord_round_harness: simulated secure-aggregation sites that drive the
 * coordinator's round engine through its handler-level functions (no
 * network, a fake clock), for test_coord_round, test_coord_round_retry and
 * test_coord_grace.
 * The helpers count their checks in this file's fl_test.h counters: each
 * main adds them with round_harness_counts before FL_TEST_DONE. */
#ifndef COORD_ROUND_HARNESS_H
#define COORD_ROUND_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coord_engine.h"
#include "coord_store.h"
#include "fl_model.h"
#include "fl_pki.h"
#include "fl_secagg.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

#define NSITES 4       /* site4 only takes part in the consistency test */
#define MAX_SITES 5    /* test_coord_grace's five sites */
#define QTOL 1e-4       /* quantisation error bound on model weights */

extern const char *names[MAX_SITES];

/* The consortium: a CA and one certificate + key per site. */
struct round_pki {
	int n;               /* sites site1..siteN */
	fl_test_ca ca;
	fl_test_site site[MAX_SITES];
	fl_sign_key *key[MAX_SITES];
	fl_verifier *ver;
	char fpr[MAX_SITES][65];
	fl_test_trust tr;    /* members site1..siteN; T = 2, c = 0 */
};
extern struct round_pki pki;

/* The CA and n (up to MAX_SITES) sites. */
int pki_init(int n);
void pki_free(void);

/* A job spec (a static buffer: valid until the next call). */
const char *spec_text_sa(uint32_t rounds, uint32_t min, uint32_t timeout,
			 uint32_t attempts, const char *secagg);
const char *spec_text(uint32_t rounds, uint32_t min, uint32_t timeout,
		      uint32_t attempts);

/* What the polling sites declare: T and c (test_consistency raises them). */
extern uint32_t poll_T, poll_c;

fl_msg_task poll_one(coord_engine *e, const char *site, int64_t now);
void poll_all(coord_engine *e, int64_t now, int n);

/* One simulated agent in one round attempt. */
typedef struct agent {
	int idx;
	bool step_checks;        /* each step is a check of its own */
	fl_msg_task task;
	fl_secagg_client *c;
	fl_secagg_hdr hdr;
	fl_secagg_trust trust;   /* names from the task */
} agent;

void agent_clear(agent *a);
/* Poll and advertise as site idx. Returns 0 or the first error (FL_E_STATE:
 * the task is not in ADVERTISE). step_checks: each step of this agent
 * (polled phase, parameters, client, advert; in agent_input_n the context
 * digest and the word count) is also a check of its own; without it only
 * the caller checks the result (test_coord_grace). */
int agent_advertise_steps(coord_engine *e, agent *a, int idx, int64_t now,
			  bool step_checks);
/* agent_advertise_steps with step_checks. */
int agent_advertise(coord_engine *e, agent *a, int idx, int64_t now);
int agent_share(coord_engine *e, agent *a);
/* GetShares, then vec (len values) encoded as the agent would and masked
 * into *x (words of h, malloc'd: the caller frees it); *h: the update
 * header. */
int agent_mask(coord_engine *e, agent *a, const double *vec, size_t len,
	       fl_msg_update_header *h, uint32_t **x);
/* GetShares, encode vec as the agent would, mask and upload; partial:
 * only the first half of the words, then the stream breaks. */
int agent_input_n(coord_engine *e, agent *a, const double *vec, size_t len,
		  bool partial);
int agent_input(coord_engine *e, agent *a, const double *vec, size_t len);
int agent_unmask(coord_engine *e, agent *a);
int agent_consistency(coord_engine *e, agent *a);
/* Checks that every site's task is in the given phase. */
void expect_phase(coord_engine *e, const int *alive, enum fl_sa_phase ph,
		  int64_t now);
/* Runs the round attempt that the engine has open, from ADVERTISE to the
 * end (see coord_round_harness.c). */
void run_round_n(coord_engine *e, int ns, const double *const *vec,
		 size_t len, int drop_after_share, uint32_t timeout_s,
		 int consistency, int64_t *t);
void run_round(coord_engine *e, const double *const *vec, size_t len,
	       int drop_after_share, uint32_t timeout_s, int64_t *t);
/* The model of a job's version (the caller frees it), or NULL. */
fl_model *get_model(coord_engine *e, uint64_t job, uint32_t version);

/* The sites' STATS, TRAIN and EVAL vectors. */
extern const double st1[], st2[], st3[], st4[];
extern const double *const stv[];
extern const double t1[], t2[], t3[];
extern const double *const tv[];
extern const double e1[];
extern const double *const ev[];

/* The plain FedAvg of the given sites' TRAIN vectors applied to prev. */
fl_model *plain_fedavg(const fl_model *prev, const int *use);
void check_model_near(const fl_model *got, const fl_model *want);

void round_harness_counts(int *checks, int *failures);

/* A main's set-up: sodium, the PKI of nsites sites and a fresh store in
 * dir (64 bytes) at path (128 bytes) with site1..site3. NULL (and a failed
 * check) if any of it fails. round_harness_end closes and removes them. */
coord_store *round_harness_begin(char *dir, char *path, int nsites);
void round_harness_end(coord_store *st, const char *dir, const char *path);

#endif
