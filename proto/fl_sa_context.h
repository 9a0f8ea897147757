/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sa_context: the digest of a secure-aggregation round attempt's whole
 * context (SECAGG.md R2), which every site's round keys sign. */
#ifndef FL_SA_CONTEXT_H
#define FL_SA_CONTEXT_H

#include <stdint.h>
#include "fl_msg.h"
#include "fl_secagg.h"

/*
 * SHA-256 over "fedc-context-v1" and, in this order (integers
 * little-endian, doubles as IEEE-754 bits, strings length-prefixed):
 * job, round, attempt, task kind, n, t, k, q, consistency, words, round
 * seed, clip, bits, nreal, weight_scale, SHA-256 of the job spec text (its
 * exact bytes: every parameter that shapes a site's input derives from it),
 * the starting model's digest (zeros for none), and the n participants'
 * names in id order. Not covered: client_id (each site's own), deadline,
 * poll interval. Sites given different contexts sign different digests and
 * refuse each other's keys. FL_E_INVAL without secure-aggregation
 * parameters or names.
 */
int fl_sa_context_digest(const fl_msg_task *t,
			 uint8_t out[static FL_MSG_DIGEST_BYTES]);

/* The secure-aggregation parameters a task announces (ids, n, t, k, m,
 * round seed, consistency, q) with ctx = fl_sa_context_digest(t); the
 * rest of *p is zeroed. Returns that digest's result. */
int fl_sa_task_params(const fl_msg_task *t, fl_secagg_params *p);

#endif
