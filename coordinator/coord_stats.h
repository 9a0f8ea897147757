/* SPDX-License-Identifier: Apache-2.0 */
/* coord_stats: the consortium-wide statistics of a job (Control GetStats). */
#ifndef COORD_STATS_H
#define COORD_STATS_H

#include <stdint.h>

#include "coord_store.h"
#include "fl_msg.h"

/* Builds the statistics of job id from its stored STATS round: model v0's
 * mean and standard deviation per feature (named from the spec), its label
 * histogram, the row count N and the number of sites summed. Before the
 * round is done, *out has only job_id and state (ready false). *out is
 * cleared with fl_msg_job_stats_clear. FL_E_NOTFOUND (no such job), FL_E_DB,
 * FL_E_STATE (stored model and spec disagree), FL_E_NOMEM; errmsg says why. */
int coord_stats_build(coord_store *st, uint64_t id, fl_msg_job_stats *out,
		      char *errmsg);

/* coord_stats_report.c: the figures opted-in sites report about themselves,
 * in the site_metrics table (made on first use). put replaces the site's
 * row of that job and round (FL_E_DB). list: every row of a job by round
 * and site, at most FL_MSG_MAX_LIST (clear *out with
 * fl_msg_site_metrics_list_clear). */
int coord_store_site_metrics_put(coord_store *st, const char *site,
				 const fl_msg_own_metrics *m, int64_t now_ms);
int coord_store_site_metrics_list(coord_store *st, uint64_t job_id,
				  fl_msg_site_metrics_list *out);

#endif
