/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_choose: neighbours k and threshold t chosen so that a round
 * attempt rarely aborts when clients drop, within the sites' rules. */
#ifndef FL_SECAGG_CHOOSE_H
#define FL_SECAGG_CHOOSE_H

#include <stdbool.h>
#include <stdint.h>

/* The abort probability aimed for (log2) and the one above which a
 * caller that fixed k or t by hand should warn. */
#define FL_SECAGG_ABORT_TARGET_LOG2 (-20.0)
#define FL_SECAGG_ABORT_WARN_LOG2 (-10.0)

/*
 * What the choice depends on. Each of the n clients drops independently
 * with probability dropout at any point before its masked upload is
 * complete (a client that drops after uploading but before signing the
 * survivor list aborts the attempt whatever k and t are, SECAGG.md R4,
 * and is not counted here).
 */
typedef struct fl_secagg_sizing {
	uint32_t n;              /* clients in the attempt, 2..FL_SECAGG_MAX_CLIENTS */
	double dropout;          /* expected fraction dropping, in [0, 1) */
	uint32_t min_honest;     /* T and c: the strictest of the sites' policies */
	uint32_t colluders;
	uint32_t min_t;          /* smallest t the caller accepts (0: none) */
	/* The caller's own floor on the survivors, below which it abandons
	 * the attempt (0: none), e.g. the coordinator's [secagg] dropout. */
	uint32_t min_survivors;
} fl_secagg_sizing;

typedef struct fl_secagg_choice {
	uint32_t k, t;
	double abort_log2;       /* bound on log2 P(abort); -INFINITY for 0 */
	bool met;                /* abort_log2 <= the target asked for */
} fl_secagg_choice;

/* log2 P(X < below) for X ~ Binomial(trials, p), summed exactly term by
 * term in log space (no normal or Chernoff approximation). 0 for
 * below > trials, -INFINITY for a zero probability. p must be in [0, 1]. */
double fl_secagg_binom_below_log2(uint32_t trials, double p, uint32_t below);

/*
 * An upper bound on log2 of the probability that an attempt with n = z->n,
 * k neighbours and threshold t aborts because of dropped clients. With S
 * the survivors and t' = max(t, T - 1 + c), the attempt completes unless
 *  (a) |S| < max(t, fl_secagg_quorum(n, c), T + c, z->min_survivors): the
 *      server needs t uploads and max(t, q) survivor-list signatures, each
 *      site demands the quorum and T - 1 + c paired survivors (R4, R5); or
 *  (b) a client that shared keys has fewer than t' surviving neighbours:
 *      the server cannot rebuild its b or s_sk from t shares, or the client
 *      refuses to pair (R4). A survivor's own share of b is not counted, so
 *      the bound is a little pessimistic.
 * For SecAgg+ (k < n - 1) the bound is P(a) + n * P(Binomial(k, 1 - d) < t'):
 * in the circulant graph every client has exactly k neighbours, whose drops
 * are independent of each other, so their survivor count is exactly
 * binomial, and a union bound over the n clients needs no independence
 * between neighbourhoods. For full SecAgg (k = n - 1) every neighbourhood is
 * S itself less at most one client, so (b) is |S| < t' + 1 and the
 * probability is computed without a union bound. This is used instead of
 * the asymptotic bound of Bell et al. 2020 (random graphs, constants for
 * large n): it is exact for the graph built here and holds for every n.
 * Sites are counted, not organisations: where one organisation runs several
 * sites, R4's count of paired organisations can fall short earlier.
 * Returns 0 (certain abort) for parameters that cannot run (t > k, or
 * t' + 1 > n for full SecAgg) and for a z that fl_secagg_choose refuses
 * with FL_E_INVAL.
 */
double fl_secagg_abort_log2(const fl_secagg_sizing *z, uint32_t k, uint32_t t);

/*
 * The smallest k, with the smallest t that fl_secagg_params_safe accepts
 * for it (2t > k + 1 + c; t >= T + c when k < n - 1; t >= z->min_t), whose
 * abort bound is at most 2^target_log2; k * n is even and k >= T - 1 + c.
 * Full SecAgg (k = n - 1) is one of the candidates. If no k meets the
 * target (few clients, or so many dropouts that the quorum alone fails
 * often), the smallest k whose bound is within a factor 2 of the least
 * bound of any candidate, and met = false. Fills *out on success.
 * Errors: FL_E_INVAL (n out of range, dropout not in [0, 1)),
 * FL_E_UNSAFE (no k and t pass fl_secagg_params_safe, e.g. n < T + c).
 */
int fl_secagg_choose(const fl_secagg_sizing *z, double target_log2,
		     fl_secagg_choice *out);

#endif
