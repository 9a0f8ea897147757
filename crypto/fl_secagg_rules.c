/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_rules: the parameter rules an agent enforces against an
 * untrusted coordinator (SECAGG.md R3, R4, R5). */
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_util.h"

uint32_t fl_secagg_quorum(uint32_t n, uint32_t c)
{
	/* smallest q with 2q > n + c */
	return (uint32_t)(((uint64_t)n + c) / 2 + 1);
}

int fl_secagg_params_safe(const fl_secagg_params *p, uint32_t min_honest,
			  uint32_t colluders, char *why)
{
	uint64_t T = min_honest, c = colluders;

	if (!p || fl_secagg_params_check(p) != 0) {
		fl_errmsg_set(why, "R5: the round's parameters are invalid");
		return FL_E_UNSAFE;
	}
	if (!p->consistency) {
		fl_errmsg_set(why, "R5: the consistency check is off; this site signs "
			      "the survivor list in every round");
		return FL_E_UNSAFE;
	}
	if (2ull * p->t <= (uint64_t)p->k + 1 + c) {
		fl_errmsg_set(why, "R5: threshold t=%u is too low for k=%u neighbours "
			      "and %llu colluder(s): it needs 2t > k + 1 + c", p->t,
			      p->k, (unsigned long long)c);
		return FL_E_UNSAFE;
	}
	if ((uint64_t)p->n < T + c) {
		fl_errmsg_set(why, "R5: only %u sites take part; this site's policy "
			      "needs at least T + c = %llu", p->n,
			      (unsigned long long)(T + c));
		return FL_E_UNSAFE;
	}
	if (T >= 1 && (uint64_t)p->k < T - 1 + c) {
		fl_errmsg_set(why, "R4: with k=%u neighbours this site cannot pair "
			      "with T - 1 + c = %llu peers", p->k,
			      (unsigned long long)(T - 1 + c));
		return FL_E_UNSAFE;
	}
	/* The coordinator draws the SecAgg+ graph seed; only a threshold that
	 * no group of c colluders and T - 1 ... can reach makes the graph
	 * irrelevant to privacy (no commit-and-reveal seed is run). */
	if (p->k < p->n - 1 && (uint64_t)p->t < T + c) {
		fl_errmsg_set(why, "R3: SecAgg+ (k=%u of n=%u) with a graph seed that "
			      "the coordinator picks needs t >= T + c = %llu, not %u",
			      p->k, p->n, (unsigned long long)(T + c), p->t);
		return FL_E_UNSAFE;
	}
	if (fl_secagg_quorum(p->n, colluders) > p->n) {
		fl_errmsg_set(why, "R5: %u sites cannot gather the %u survivor-list "
			      "signatures that %llu colluder(s) call for", p->n,
			      fl_secagg_quorum(p->n, colluders), (unsigned long long)c);
		return FL_E_UNSAFE;
	}
	return 0;
}
