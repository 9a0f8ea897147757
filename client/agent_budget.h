/* SPDX-License-Identifier: Apache-2.0 */
/* agent_budget: what a site has spent of its privacy budget, per dataset,
 * kept by the site itself (never taken from the coordinator's word).
 *
 * Every noisy contribution is charged before it leaves the site: its rho
 * (zCDP, fl_dp.h) is appended, with the time, job, round and attempt, to
 * state_dir/privacy/DATASET.budget and synced to disk; only then may the
 * masked input be uploaded. A charge that would take the rho spent within
 * the window above the site's budget is refused (FL_E_BUDGET), and the
 * task is declined. Every attempt is charged, also a retry of a round:
 * the coordinator may have unmasked an attempt it then called aborted.
 * A crash between the charge and the upload over-counts, never under.
 *
 * File: a first line "fedc-dp-budget 1", then one line per charge:
 *   <unix ms> <job> <round> <attempt> <rho, %.17g>
 * A torn last line (a crash while appending, before any upload) is
 * ignored; any other malformed line makes the file unusable (FL_E_PARSE),
 * and the site refuses noisy tasks until an operator looks at it. */
#ifndef AGENT_BUDGET_H
#define AGENT_BUDGET_H

#include <stdint.h>

typedef struct agent_budget_charge_t {
	int64_t time_ms;
	uint64_t job;
	uint32_t round;
	uint32_t attempt;
	double rho;
} agent_budget_charge_t;

/* The rho spent on dataset within window_ms before now_ms (window 0: all
 * time) into *rho; 0 when there is no file yet. FL_E_PARSE, FL_E_IO,
 * FL_E_INVAL (a dataset name unfit for a file name), with errmsg. */
int agent_budget_spent(const char *state_dir, const char *dataset,
		       int64_t now_ms, int64_t window_ms, double *rho,
		       char *errmsg);

/* Charges c against a budget of budget_rho within window_ms: appends and
 * syncs it, or refuses with FL_E_BUDGET and the arithmetic in errmsg.
 * *spent (optional) gets the rho spent in the window after the charge. */
int agent_budget_charge(const char *state_dir, const char *dataset,
			const agent_budget_charge_t *c, double budget_rho,
			int64_t window_ms, double *spent, char *errmsg);

#endif
