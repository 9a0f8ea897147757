/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agg: the plain side of secure aggregation at the coordinator: the
 * masked words of an upload chunk, the vector layout of a round, and the
 * float64 sum decoded from the unmasked word sum. No code here (or anywhere
 * in the coordinator) receives a single site's unmasked vector. */
#ifndef COORD_AGG_H
#define COORD_AGG_H

#include <stddef.h>
#include <stdint.h>
#include "fl_dp_vec.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_msg.h"
#include "fl_upvec.h"

/* Upper bound on a masked vector's length in 32-bit words. */
#define COORD_AGG_MAX_WORDS (1ull << 28)

/*
 * Converts an upload data chunk (little-endian uint32 words) into host
 * words. len must be a multiple of 4 (FL_E_PARSE otherwise, with a message)
 * and len / 4 <= cap (FL_E_TOOBIG). *count receives len / 4.
 */
int coord_agg_le_words(const uint8_t *data, size_t len, uint32_t *out,
		       size_t cap, size_t *count, char *errmsg);

/*
 * The layout of a round's float64 vector (fl_update.h) in secure
 * aggregation: nreal = model parameters for TRAIN (0 for STATS and EVAL),
 * nwide = the rest. d is the feature count (STATS), model the global model
 * (TRAIN, EVAL); for STATS, model may be NULL (no label histogram) or the
 * job's model before STATS, whose class count c adds the label histogram
 * (fl_update_stats_len_hist(d, c)). clip <= 0 gives 1.0, bits 0 gives 20. FL_E_INVAL if the
 * kind needs a model and model is NULL, or d is 0 for STATS.
 */
int coord_agg_layout(enum fl_task_kind kind, const fl_model *model, uint32_t d,
		     double clip, uint32_t bits, fl_upvec_layout *out);

/* The decoded sum of a round: nreal + nwide doubles. */
typedef struct coord_agg coord_agg;
/*
 * Decodes the unmasked sum of n encoded vectors (fl_upvec_words(l) words)
 * and multiplies the first nreal values by weight_scale (the agents divided
 * them by it before quantising). *out owned by caller (coord_agg_free).
 * FL_E_INVAL/FL_E_RANGE from fl_upvec, FL_E_NOMEM.
 */
int coord_agg_decode(const fl_upvec_layout *l, uint32_t n, const uint32_t *sum,
		     double weight_scale, coord_agg **out);
/*
 * R8, no silent wrap: coord_agg_decode for an attempt of kind whose context
 * has nsites sites, of which n were summed. A sum that no n sites keeping to
 * their bound (fl_upvec_wide_bound(nsites)) can produce is refused, never
 * used: a wide value beyond n x bound, and for STATS a negative (or not
 * finite) row count, sum of squares or label count. Then FL_E_WRAP and why
 * (cap bytes) names the value, e.g. "R8: the summed feature 'x' sum of
 * squares decodes as -8.6e+12, outside [0, 8.8e+12] for 2 of 2 sites (...)"
 * (spec gives the names; may be NULL). Other errors as coord_agg_decode.
 */
int coord_agg_decode_checked(const fl_upvec_layout *l, enum fl_task_kind kind,
			     const fl_jobspec *spec, uint32_t nsites, uint32_t n,
			     const uint32_t *sum, double weight_scale,
			     coord_agg **out, char *why, size_t cap);
/*
 * A noisy TRAIN round ([privacy]): sum holds dp->pdim words of the sites'
 * fl_dp_vec vectors (decoded into the first l->nreal values: the sum of
 * the clipped, unweighted updates plus noise), then the wide part of l
 * (l->nwide values, fl_upvec with nreal 0; R8 checked as above).
 */
int coord_agg_decode_dp(const fl_upvec_layout *l, const fl_dp_vec_params *dp,
			uint32_t nsites, uint32_t n, const uint32_t *sum,
			coord_agg **out, char *why, size_t cap);
const double *coord_agg_sum(const coord_agg *a);
/* Number of doubles (nreal + nwide). */
size_t coord_agg_len(const coord_agg *a);
/* Number of vectors in the sum. */
uint32_t coord_agg_count(const coord_agg *a);
void coord_agg_free(coord_agg *a);

#endif
