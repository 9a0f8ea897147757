/* SPDX-License-Identifier: Apache-2.0 */
/* agent_dp: the site's side of distributed DP shared by the noisy TRAIN
 * (agent_dp.c) and STATS (agent_dp_stats.c) tasks. */
#ifndef AGENT_DP_H
#define AGENT_DP_H

#include <stddef.h>
#include <stdint.h>

#include "agent_int.h"
#include "fl_dataset.h"

/* Charges rho against the site's budget for the spec's dataset, before
 * anything noisy leaves the site; *spent and *budget get the rho spent
 * (this task included) and the limit. FL_E_BUDGET declines the task with
 * reason budget (one log line); other errors: not charged, not uploaded.
 * On error errmsg says "DP: budget not charged". */
int agent_dp_charge(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		    double rho, double *spent, double *budget, char *errmsg);

/* A STATS task's words under the spec's [privacy] bounds and max_rows
 * (crypto/fl_dp_stats.h): the clamped, integer statistics of at most
 * max_rows training rows with this site's noise share for n_min = t - c,
 * the budget charged first. *out (t->sa.words words) is the caller's.
 * FL_E_BUDGET, FL_E_UNSAFE, FL_E_INVAL, FL_E_RANGE, FL_E_WRAP, FL_E_NOMEM
 * with errmsg. */
int agent_dp_stats_encode(fl_agent *a, const fl_msg_task *t,
			  const fl_jobspec *spec, const fl_dataset *train,
			  uint32_t **out, char *errmsg);

/* The final EVAL task's words under [privacy] bounds: vec (n values) is
 * the metrics tail of at most max_rows test rows; only its counts are
 * sent, with this site's noise share (crypto/fl_dp_stats.h), the budget
 * charged first. Errors as agent_dp_stats_encode. */
int agent_dp_eval_encode(fl_agent *a, const fl_msg_task *t,
			 const fl_jobspec *spec, const double *vec, size_t n,
			 uint32_t **out, char *errmsg);

#endif
