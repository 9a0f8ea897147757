/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_int: private helpers shared by the codec files (protobuf-c side). */
#ifndef FL_CODEC_INT_H
#define FL_CODEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "agent.pb-c.h"
#include "control.pb-c.h"
#include "secagg.pb-c.h"
#include "fl_msg.h"
#include "fl_codec_tab.h"
#include "fl_codec_util.h"

/* Enum range checks (unknown values from the wire: FL_E_RANGE). */
int fl_codec_task_kind_in(int v, int *out);
int fl_codec_encoding_in(int v, int *out);
int fl_codec_sa_phase_in(int v, int *out);

/* Checks secure-aggregation parameters: clip and weight_scale finite; when
 * phase != FL_SA_OFF also 2 <= n <= 1000, 1 <= client_id <= n, k < n,
 * 1 <= t <= k, 2 <= bits <= 31, words >= 1, nreal <= words. FL_E_RANGE. */
int fl_codec_sa_params_check(const fl_msg_sa_params *p, int phase);

/* Tables shared by more than one codec file. */
extern const fl_codec_tab fl_codec_tab_site_info;      /* fl_codec_control.c */
extern const fl_codec_tab fl_codec_tab_metrics;        /* fl_codec_control.c */
extern const fl_codec_tab fl_codec_tab_site_decline;   /* fl_codec_decline.c */

#endif
