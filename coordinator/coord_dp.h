/* SPDX-License-Identifier: Apache-2.0 */
/* coord_dp: the privacy figures of a job for the control service. */
#ifndef COORD_DP_H
#define COORD_DP_H

#include <stddef.h>
#include "fl_msg.h"

/* out gets the job's privacy figures (out->present false without
 * [privacy], or for a spec that no longer parses) from its spec text and
 * its attempts: every TRAIN attempt counts. Returns 0. */
int coord_dp_status(const char *spec_text, const fl_msg_round_info *rounds,
		    size_t nrounds, fl_msg_job_privacy *out);

#endif
