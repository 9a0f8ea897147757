/* SPDX-License-Identifier: Apache-2.0 */
/* coord_int: the engine's private structures, shared by coord_engine.c
 * (jobs, sites, uploads) and coord_round.c (round transitions). */
#ifndef COORD_INT_H
#define COORD_INT_H

#include <pthread.h>
#include <stdint.h>

#include "coord_agg.h"
#include "coord_engine.h"
#include "coord_store.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_msg.h"

/* A site that polled this process. */
typedef struct coord_site {
	char name[FL_NAME_BYTES];
	int64_t last_seen_ms;
	int64_t flushed_ms;                 /* last_seen last written to the store */
	uint32_t ndatasets;
	char datasets[FL_MSG_MAX_DATASETS][FL_NAME_BYTES];
} coord_site;

/* One selected site in the current round attempt. */
typedef struct coord_slot {
	char name[FL_NAME_BYTES];
	uint8_t uploading;
	uint8_t uploaded;
} coord_slot;

typedef struct coord_round_state {
	int active;
	uint32_t round;
	uint32_t attempt;
	enum fl_task_kind kind;
	int64_t started_ms;
	int64_t deadline_ms;
	coord_slot *sel;
	uint32_t nsel;
	uint32_t nuploaded;
	uint32_t stats_d;       /* STATS: feature count fixed by the first upload */
	coord_agg *agg;         /* running sum; NULL until the length is known */
} coord_round_state;

typedef struct coord_job {
	uint64_t id;
	fl_jobspec spec;
	char *spec_text;
	int running;            /* 0 = pending */
	uint32_t rounds_done;
	uint32_t next_round;
	uint32_t next_attempt;
	fl_model *model;        /* latest global model, NULL before STATS */
	coord_blob *blob;       /* its encoding */
	uint32_t waiting_logged; /* eligible count last logged + 1; 0 = none */
	coord_round_state rs;
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
};

/* coord_round.c: everything under e->mu. */
enum fl_task_kind coord_round_kind(const coord_job *j, uint32_t round);
const char *coord_task_kind_name(enum fl_task_kind k);
void coord_round_tick_job(coord_engine *e, coord_job *j, int64_t now_ms);
void coord_round_reset(coord_round_state *rs);
/* Expected upload length for the job's current round; 0 if not yet known
 * (STATS with features learned from the first upload). */
uint64_t coord_round_expected_words(const coord_job *j);

/* coord_engine.c helpers used by coord_round.c (under e->mu). */
int coord_blob_new(const fl_model *m, coord_blob **out);
/* Ends a job (done/failed): unlinks and frees it. */
void coord_engine_job_remove(coord_engine *e, coord_job *j);
coord_site *coord_engine_site_find(coord_engine *e, const char *name);

#endif
