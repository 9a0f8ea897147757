/* SPDX-License-Identifier: Apache-2.0 */
/* it_evil_coord: shared state of the malicious test coordinator (test-only;
 * never installed). it_evil_coord.c serves the Agent and SecAgg services;
 * it_evil_plan.c drives the attack scenarios and decides what each site is
 * served. */
#ifndef IT_EVIL_COORD_H
#define IT_EVIL_COORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fl_msg.h"
#include "fl_rpc.h"
#include "fl_secagg_msg.h"
#include "fl_sign.h"

#define EVIL_NSITES 4u          /* site ids 1..4; index 0 unused */
#define EVIL_IDS (EVIL_NSITES + 1u)

/* A certificate and its key, used to sign forged adverts. */
typedef struct evil_cred {
	char *pem;
	size_t pem_len;
	fl_sign_key *key;
	char cn[FL_NAME_BYTES];
	char role[16];
} evil_cred;

/* One round attempt as the evil coordinator runs it. Every field is
 * guarded by evil.mu. */
typedef struct evil_attempt {
	const char *scenario;          /* "sybil", "survivors", "mixed" */
	enum fl_sa_phase phase;        /* FL_SA_OFF: nothing served */
	fl_msg_task task;              /* template; client_id set per site */
	uint8_t ctx[FL_MSG_DIGEST_BYTES];
	/* phase 1 */
	bool served[EVIL_IDS];                /* polled and got the task */
	bool advert_ok[EVIL_IDS];
	fl_secagg_advert advert[EVIL_IDS];
	/* phase 2: what each site was served, and what it sent */
	uint32_t sybil[EVIL_IDS][EVIL_IDS];   /* [site][peer]: 1 coord, 2 admin */
	bool got_keys[EVIL_IDS];
	bool shares_ok[EVIL_IDS];
	fl_secagg_shares shares[EVIL_IDS];
	uint32_t shares_to_sybil;
	uint32_t put_shares;
	/* phase 3 */
	bool got_shares[EVIL_IDS];
	bool uploaded[EVIL_IDS];
	/* phases 4 and 5: the list each site is shown */
	uint32_t list_of[EVIL_IDS];           /* 0 or 1 */
	fl_secagg_unmask_req lists[2];
	bool mixed;                           /* unmask: attach all four sigs */
	bool csig_ok[EVIL_IDS];
	fl_secagg_csig csig[EVIL_IDS];
	bool got_unmask[EVIL_IDS];            /* GetUnmask in phase 5 */
	uint32_t put_unmask;
	int64_t last_fetch_ms;                /* last Get* of this phase */
} evil_attempt;

typedef struct evil {
	pthread_mutex_t mu;
	char names[EVIL_IDS][FL_NAME_BYTES];  /* names[id]; sorted */
	bool polled[EVIL_IDS];
	bool members_fetched[EVIL_IDS];
	char *members_text;
	uint64_t members_version;
	evil_cred coord, admin;
	evil_attempt at;
	uint32_t failures;                    /* scenario steps that went wrong */
} evil;

/* "evil: ..." on stdout, flushed (the test script reads it). */
void evil_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- it_evil_plan.c ---- */
/* Runs every scenario against the sites in e; returns 0 if each was served
 * as planned (what the sites did is reported in "evil: RESULT" lines). */
int evil_plan_run(evil *e);
/* The key list served to site id (caller clears *out). Locked by caller. */
int evil_plan_keylist(evil *e, uint32_t id, fl_secagg_keylist *out);
/* The survivor list served to site id in phase 4 or 5 (caller clears).
 * Locked by caller. */
int evil_plan_unmask_req(evil *e, uint32_t id, fl_secagg_unmask_req *out);

/* ---- it_evil_coord.c ---- */
/* The site id of a call's peer (by certificate CN), 0 if not a site here. */
uint32_t evil_site_of(const evil *e, const fl_rpc_call *call);

#endif
