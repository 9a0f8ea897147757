/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp_stats: a site's STATS vector under distributed DP ([privacy]
 * bounds and max_rows; the training path is fl_dp_vec.h).
 *
 * The protected unit is one site's whole contribution, so its sensitivity
 * must be bounded, and the row count is the hard part: a factory with 10x
 * the rows would move every sum 10x. Hence:
 *   1. the site sums at most max_rows = M of its training rows (the first
 *      M of its random train split);
 *   2. every feature value is clamped to its [lo, hi], B = max(|lo|, |hi|),
 *      and so is a regression label;
 *   3. each coordinate of the STATS vector (fl_update.h: count, sum x_j,
 *      sum x_j^2, then the label histogram, or the label's sum and sum of
 *      squares) is divided by its step g and rounded to an integer: g = 1
 *      for the count and the histogram, B_j for a sum, B_j^2 for a sum of
 *      squares. Every coordinate is then an integer of magnitude <= M, and
 *      the histogram's L2 norm is <= its total <= M, so the L2 sensitivity
 *      (adding or removing one site) is
 *          D = M sqrt(1 + 2d + 1)   classification (the histogram: 1 block)
 *          D = M sqrt(1 + 2d + 2)   regression (the label's two sums);
 *   4. the site adds N_Z(0, S) (fl_dgauss.h) to each integer, S its share
 *      of the summed noise sigma = z D counted on n_min = t - c sites:
 *          S = ceil((z D)^2 / n_min);
 *   5. the integers travel as exact wide values (fl_upvec.h), so the sum
 *      decodes exactly; times g it is the statistics plus noise of
 *      standard deviation >= z D g per coordinate (z D on the count and
 *      every histogram bin, z D B_j on a sum, z D B_j^2 on a sum of
 *      squares).
 * The round is rho-zCDP with rho = fl_ddg_rho(l2 D, dim = vector length,
 * n_min, S) (fl_dp.h), about 1 / (2 z^2). */
#ifndef FL_DP_STATS_H
#define FL_DP_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "fl_dataset.h"
#include "fl_jobspec.h"

typedef struct fl_dp_stats_params {
	uint32_t d;          /* features */
	uint32_t nclasses;   /* histogram bins; 0: regression */
	uint32_t max_rows;   /* M */
	const double *bounds;/* lo, hi per column (not owned): nbounds entries */
	uint32_t nbounds;    /* 1 (every column) or d (+1 for regression) */
} fl_dp_stats_params;

/* p from the spec's [privacy] for d features and nclasses labels; p
 * borrows the spec's bounds. FL_E_RANGE when the spec has no noisy
 * statistics or its bounds do not fit d. */
int fl_dp_stats_from_spec(const fl_jobspec *s, uint32_t d, uint32_t nclasses,
			  fl_dp_stats_params *p);

/* Length of the STATS vector (fl_update_stats_len_hist). */
size_t fl_dp_stats_len(const fl_dp_stats_params *p);

/* D, the L2 sensitivity of one site's integer vector (see above). */
double fl_dp_stats_l2(const fl_dp_stats_params *p);

/* g of coordinate i (the value units of one integer step). */
double fl_dp_stats_step(const fl_dp_stats_params *p, size_t i);

/* Steps 1-3: the site's integer vector (fl_dp_stats_len values) from its
 * training rows; *used (may be NULL) gets the rows summed. FL_E_INVAL for
 * a dataset that does not fit p, or a class id out of range. */
int fl_dp_stats_encode(const fl_dp_stats_params *p, const fl_dataset *train,
		       int64_t *out, size_t *used);

/* S for a summed noise sigma = z D over n_min sites. FL_E_RANGE when
 * n_min is 0, z not positive, or S above FL_DGAUSS_MAX_VAR. */
int fl_dp_stats_site_var(const fl_dp_stats_params *p, double z,
			 uint32_t n_min, uint64_t *var);

/* rho (zCDP) of the round for a site of variance var counting on n_min
 * sites; negative when invalid. */
double fl_dp_stats_rho(const fl_dp_stats_params *p, uint32_t n_min,
		       uint64_t var);

/* Step 4: adds N_Z(0, var) to each of the len integers (randombytes_buf;
 * the buffered random bytes are wiped). FL_E_RANGE for a bad var. */
int fl_dp_stats_add_noise(uint64_t var, int64_t *v, size_t len);

/*
 * The final EVAL round of a training job with [privacy] bounds: a site
 * evaluates at most max_rows = M of its test rows and sends only counts
 * (fl_update.h's metrics tail): n, correct, tp[c], npred[c], ntrue[c];
 * loss_sum, sse, sum_y and sum_y2 are sent as 0 (unbounded: no noise level
 * would cover them). Each count vector's L2 norm is at most M (its total
 * is at most n), so D = M sqrt(5) for classification, M (n alone) for
 * regression. fl_dp_eval_mask marks the noisy coordinates of a metrics
 * tail of nclasses classes (len = 6 + 3c); the others stay 0.
 */
double fl_dp_eval_l2(uint32_t max_rows, uint32_t nclasses);
int fl_dp_eval_noisy(uint32_t nclasses, size_t i);

/* The share and rho of any noisy round of L2 sensitivity l2 (integer
 * units) over dim values: S = ceil((z l2)^2 / n_min), as
 * fl_dp_stats_site_var; rho as fl_dp_stats_rho. */
int fl_dp_noise_var(double l2, double z, uint32_t n_min, uint64_t *var);
double fl_dp_noise_rho(double l2, uint64_t dim, uint32_t n_min, uint64_t var);

/* Step 5: the summed integers (as decoded doubles) back to value units:
 * out[i] = sum[i] * step(i). */
void fl_dp_stats_decode(const fl_dp_stats_params *p, const double *sum,
			double *out);

#endif
