/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_int: helpers shared by the secure-aggregation client and server. */
#ifndef FL_SECAGG_INT_H
#define FL_SECAGG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "fl_secagg.h"

#define FL_SECAGG_LABEL_MASK "fedc-mask"
#define FL_SECAGG_LABEL_ENC "fedc-enc"

static inline bool fl_secagg_hdr_eq(const fl_secagg_hdr *h, const fl_secagg_params *p)
{
	return h->job_id == p->job_id && h->round == p->round &&
		h->attempt == p->attempt;
}

static inline void fl_secagg_hdr_set(fl_secagg_hdr *h, const fl_secagg_params *p)
{
	h->job_id = p->job_id;
	h->round = p->round;
	h->attempt = p->attempt;
}

static inline fl_kx_ctx fl_secagg_kx_ctx(const fl_secagg_params *p)
{
	fl_kx_ctx c = { p->job_id, p->round, p->attempt };

	return c;
}

#endif
