/* SPDX-License-Identifier: Apache-2.0 */
/* agent_report: a site's own evaluation figures, sent in clear to the
 * coordinator (Agent ReportMetrics) only for a job whose signed spec has
 * [job] site_figures = true and when this site's [policy] says
 * report_own_metrics = true (R9: a site that does not opt in refuses such
 * a job, so every participant's figures are public or none are). Separate
 * from the masked upload, which is the same whether or not the site
 * reports. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"

int agent_report_own(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		     const fl_metrics *mt)
{
	fl_msg_own_metrics m;
	uint8_t *req = NULL;
	size_t len = 0;
	int r;

	if (!fl_agent_policy_site_figures(&a->cfg.policy, spec) || mt == NULL ||
	    mt->n == 0)
		return FL_E_DENIED;
	memset(&m, 0, sizeof(m));
	AGENT_TASK_REF(m, t);
	m.n = mt->n;
	m.loss = fl_metrics_loss(mt);
	m.accuracy = mt->nclasses > 0 ? fl_metrics_accuracy(mt) : NAN;
	m.macro_f1 = mt->nclasses > 0 ? fl_metrics_macro_f1(mt) : NAN;
	m.r2 = mt->nclasses == 0 ? fl_metrics_r2(mt) : NAN;
	fl_info("job %llu round %u attempt %u %s: reporting this site's own figures "
		"in clear (site_figures = true, report_own_metrics = true): %.0f test rows, loss %.6g, %s "
		"%.6g", (unsigned long long)t->job_id, t->round, t->attempt,
		fl_agent_task_name(t->kind), m.n, m.loss,
		mt->nclasses > 0 ? "accuracy" : "r2",
		mt->nclasses > 0 ? m.accuracy : m.r2);
	if ((r = fl_codec_encode_own_metrics(&m, &req, &len)) != 0) {
		fl_warn("job %llu round %u: cannot encode this site's figures: %s",
			(unsigned long long)t->job_id, t->round, fl_strerror(r));
		return r;
	}
	r = agent_channel_tell(a, t, FL_RPC_AGENT_REPORT_METRICS, req, len,
			       "this site's figures");
	free(req);
	return r;
}
