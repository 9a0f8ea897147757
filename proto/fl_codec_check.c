/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_check: range checks of enums and secure-aggregation parameters
 * from the wire, shared by the agent and secagg codecs. */
#include <math.h>
#include "fl_codec_int.h"
#include "fl_err.h"
#include "fl_msg.h"

int fl_codec_task_kind_in(int v, int *out)
{
	if (v < FL_TASK_NONE || v > FL_TASK_EVAL)
		return FL_E_RANGE;
	*out = v;
	return 0;
}

int fl_codec_encoding_in(int v, int *out)
{
	if (v < FL_ENC_F64 || v > FL_ENC_U32)
		return FL_E_RANGE;
	*out = v;
	return 0;
}

int fl_codec_sa_phase_in(int v, int *out)
{
	if (v < FL_SA_OFF || v > FL_SA_UNMASK)
		return FL_E_RANGE;
	*out = v;
	return 0;
}

int fl_codec_sa_params_check(const fl_msg_sa_params *p, int phase)
{
	if (!isfinite(p->clip) || !isfinite(p->weight_scale))
		return FL_E_RANGE;
	if (phase == FL_SA_OFF)
		return 0;
	if (p->n < 2 || p->n > FL_MSG_MAX_PARTICIPANTS ||
	    p->client_id < 1 || p->client_id > p->n || p->k >= p->n ||
	    p->t < 1 || p->t > p->k || p->bits < 2 || p->bits > 31 ||
	    p->words < 1 || p->nreal > p->words || p->q > p->n)
		return FL_E_RANGE;
	return 0;
}
