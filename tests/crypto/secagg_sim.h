/* SPDX-License-Identifier: Apache-2.0 */
/* secagg_sim: drives a whole secure-aggregation round in one process for tests. */
#ifndef SECAGG_SIM_H
#define SECAGG_SIM_H

#include <stdint.h>
#include "fl_secagg.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

/* When a client stops talking. */
enum sim_drop {
	SIM_STAY = 0,
	SIM_DROP_ADVERT,     /* never advertises */
	SIM_DROP_SHARE,      /* advertises, never shares */
	SIM_DROP_INPUT,      /* shares, never uploads */
	SIM_DROP_PARTIAL,    /* uploads half of its vector */
	SIM_DROP_UNMASK,     /* uploads and signs, never answers the unmask request */
	SIM_DROP_SIGN        /* uploads, never signs the survivor list */
};

#define SIM_MAX 32

typedef struct sim_pki {
	fl_test_ca ca;
	fl_test_site site[SIM_MAX + 1];
	fl_sign_key *key[SIM_MAX + 1];
	fl_verifier *ver;
	fl_test_trust tr;    /* member list of the n sites, T = 2, c = 0 */
} sim_pki;

typedef struct sim_result {
	int rc;              /* 0 or the first error of the server */
	int phase;           /* phase that failed (1..5), 0 if none */
	uint32_t nsurvivors, ndropped;
	int sum_ok;          /* output equals the survivors' plain sum */
	int never_both;      /* server share kinds match the lists */
} sim_result;

int sim_pki_init(sim_pki *pki, uint32_t n);
void sim_pki_free(sim_pki *pki, uint32_t n);

/* Runs one attempt with the given drop schedule (drop[1..n]); inputs are
 * pseudo-random words from seed. Uploads go in chunks of varying size. */
sim_result sim_run(const fl_secagg_params *p, sim_pki *pki, const int *drop,
		   uint64_t seed);

#endif
