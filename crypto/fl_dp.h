/* SPDX-License-Identifier: Apache-2.0 */
/* fl_dp: the privacy accountant of the distributed discrete Gaussian.
 *
 * One round: each of n sites adds N_Z(0, S) (fl_dgauss.h) to every
 * coordinate of its quantised, clipped contribution; the sum carries
 * noise of variance about n S. By Kairouz, Liu and Steinke (ICML 2021,
 * Proposition 14) the round is rho-zCDP with
 *     rho = 1/2 min( (D2' + sqrt(d) tau)^2,  D2'^2 + 2 D1' tau + tau^2 d )
 *     D2' = D2 / sqrt(n S),  D1' = D1 / sqrt(n S),
 *     tau = 10 sum_{k=1}^{n-1} exp(-2 pi^2 S k / (k + 1)),
 * where D2 and D1 are the L2 and L1 sensitivities of one site's
 * contribution in the integer units of the words and d the dimension. With
 * n = 1, tau = 0 and rho = D2^2 / (2 S), the single discrete Gaussian's.
 *
 * Composition: the rho of a job's rounds add up (and so do those of
 * several jobs on the same data). Conversion to (epsilon, delta)-DP:
 *     epsilon = rho + 2 sqrt(rho ln(1/delta))   (Bun and Steinke 2016). */
#ifndef FL_DP_H
#define FL_DP_H

#include <stdint.h>

typedef struct fl_ddg_round {
	double l2;      /* L2 sensitivity of one site's contribution (words' units) */
	double l1;      /* L1 sensitivity; 0: min(sqrt(dim) l2, l2^2), which holds
			 * for integer vectors */
	uint64_t dim;   /* coordinates */
	uint32_t n;     /* sites whose noise the round counts on (the fewest
			 * survivors it allows) */
	uint64_t var;   /* each site's noise variance parameter S */
} fl_ddg_round;

/* tau of the sum of n discrete Gaussians of variance parameter var. */
double fl_ddg_tau(uint32_t n, double var);

/* rho (zCDP) of one round; a negative value when r is not usable (n or
 * var 0, l2 negative or not finite). */
double fl_ddg_rho(const fl_ddg_round *r);

/* epsilon of rho-zCDP at delta (0 < delta < 1); negative when invalid. */
double fl_dp_epsilon(double rho, double delta);

/* The largest rho whose epsilon at delta is at most eps (the inverse of
 * fl_dp_epsilon): (sqrt(eps + L) - sqrt(L))^2 with L = ln(1/delta). */
double fl_dp_rho_budget(double eps, double delta);

/* The smallest variance parameter S <= FL_DGAUSS_MAX_VAR for which one
 * round of r (its var ignored) is at most rho-zCDP; FL_E_RANGE when even
 * the largest is not enough or the arguments are invalid. */
int fl_ddg_var_for_rho(const fl_ddg_round *r, double rho, uint64_t *var);

#endif
