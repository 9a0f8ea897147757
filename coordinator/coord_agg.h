/* SPDX-License-Identifier: Apache-2.0 */
/* coord_agg: receive one site's vector from the wire and add it into a
 * round's running sum. The only place that sees individual updates, so
 * secure aggregation replaces just this module. */
#ifndef COORD_AGG_H
#define COORD_AGG_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound on an upload's length in words (model params + extras). */
#define COORD_AGG_MAX_WORDS (64u * 1024u * 1024u + 65536u)

/* One upload being received: words doubles as little-endian bytes. */
typedef struct coord_agg_input coord_agg_input;
/* *out owned by caller (coord_agg_input_free). FL_E_RANGE if words is 0 or
 * over COORD_AGG_MAX_WORDS, FL_E_NOMEM. */
int coord_agg_input_new(uint64_t words, coord_agg_input **out);
/* Appends len bytes. FL_E_TOOBIG if more than words * 8 bytes arrive. */
int coord_agg_input_feed(coord_agg_input *in, const uint8_t *data, size_t len);
/* Checks that exactly words * 8 bytes arrived (FL_E_RANGE otherwise, with a
 * message) and that every value is finite (FL_E_RANGE). */
int coord_agg_input_finish(coord_agg_input *in, char *errmsg);
/* The decoded vector (valid after a successful finish), and its length. */
const double *coord_agg_input_vec(const coord_agg_input *in);
uint64_t coord_agg_input_words(const coord_agg_input *in);
void coord_agg_input_free(coord_agg_input *in);

/* The running sum of one round. */
typedef struct coord_agg coord_agg;
/* A zero sum of words doubles. *out owned by caller (coord_agg_free). */
int coord_agg_new(uint64_t words, coord_agg **out);
/* sum += vec (words doubles). FL_E_INVAL on a length mismatch. */
int coord_agg_add(coord_agg *a, const double *vec, uint64_t words);
const double *coord_agg_sum(const coord_agg *a);
uint64_t coord_agg_words(const coord_agg *a);
/* Number of vectors added so far. */
uint32_t coord_agg_count(const coord_agg *a);
void coord_agg_free(coord_agg *a);

#endif
