/* SPDX-License-Identifier: Apache-2.0 */
/* fl_test_trust: a member list, context names and policy for test sites. */
#ifndef FL_TEST_TRUST_H
#define FL_TEST_TRUST_H

#include <stdint.h>
#include "fl_secagg.h"
#include "fl_test_pki.h"

#define FL_TEST_TRUST_MAX 1001u

typedef struct fl_test_trust {
	fl_members members;
	char name[FL_TEST_TRUST_MAX][64];
	const char *names[FL_TEST_TRUST_MAX];
	fl_secagg_trust trust;       /* points into this struct */
} fl_test_trust;

/* n sites, sites[0..n-1] = ids 1..n: the member list (version 1) holds each
 * certificate's CN and key, each in its own organisation "org-CN"; names
 * are the CNs in id order; T = min_honest, c = colluders. 0 or -1. */
int fl_test_trust_init(fl_test_trust *t, const fl_test_site *sites, uint32_t n,
		       uint32_t min_honest, uint32_t colluders);
void fl_test_trust_free(fl_test_trust *t);

#endif
