/* SPDX-License-Identifier: Apache-2.0 */
/* fl_update_bound: R8, the STATS layout (its length and what each
 * coordinate is), and summed STATS vectors that no honest sites can
 * produce. Below fl_update, which builds and applies the vectors. */
#include <math.h>
#include <stdio.h>

#include "fl_err.h"
#include "fl_update.h"

size_t fl_update_stats_len(uint32_t d)
{
	return 1 + 2 * (size_t)d;
}

size_t fl_update_stats_len_hist(uint32_t d, uint32_t nclasses)
{
	return fl_update_stats_len(d) + (nclasses ? nclasses : FL_UPDATE_STATS_LABEL);
}

void fl_update_stats_name(size_t i, uint32_t d, uint32_t nclasses,
			  char *const *features, char *const *labels,
			  char *out, size_t cap)
{
	size_t j;

	if (out == NULL || cap == 0)
		return;
	if (i == 0) {
		snprintf(out, cap, "row count");
	} else if (i <= 2 * (size_t)d) {
		j = (i - 1) % d;
		if (features != NULL)
			snprintf(out, cap, "feature '%s' %s", features[j],
				 i <= d ? "sum" : "sum of squares");
		else
			snprintf(out, cap, "feature %zu %s", j + 1,
				 i <= d ? "sum" : "sum of squares");
	} else if (nclasses == 0 && i < fl_update_stats_len_hist(d, 0)) {
		snprintf(out, cap, "label %s", i == fl_update_stats_len(d) ? "sum" :
			 "sum of squares");
	} else if (i < fl_update_stats_len_hist(d, nclasses)) {
		j = i - fl_update_stats_len(d);
		if (labels != NULL)
			snprintf(out, cap, "label '%s' count", labels[j]);
		else
			snprintf(out, cap, "label %zu count", j);
	} else {
		snprintf(out, cap, "value %zu", i);
	}
}

int fl_update_stats_check_sum(const double *sum, uint32_t d, uint32_t nclasses,
			      size_t *bad)
{
	size_t i, len = fl_update_stats_len_hist(d, nclasses);

	if (sum == NULL)
		return FL_E_INVAL;
	for (i = 0; i < len; i++) {
		/* Sums (i in 1..d, a regression label's) may be negative;
		 * counts and squares not. */
		int nonneg = (i == 0 || i > d) &&
			!(nclasses == 0 && i == fl_update_stats_len(d));

		if (!isfinite(sum[i]) || (nonneg && sum[i] < 0)) {
			if (bad != NULL)
				*bad = i;
			return FL_E_WRAP;
		}
	}
	return 0;
}
