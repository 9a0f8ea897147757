/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_job_privacy: a [privacy] job's epsilon in 'fedctl job status' and
 * 'fedctl job privacy ID' (the figures come from the coordinator's plan;
 * each site keeps and enforces its own budget). */
#include <stdio.h>

#include "ctl.h"
#include "ctl_job.h"

void ctl_job_privacy_line(FILE *f, const fl_msg_job_privacy *p)
{
	if (!p->present)
		return;
	fprintf(f, "  privacy: epsilon spent at most %.4g of %.4g planned (delta %g, "
		"%u noisy attempt%s)\n", p->epsilon_spent, p->epsilon_planned,
		p->delta, p->noisy_attempts, p->noisy_attempts == 1 ? "" : "s");
}

void ctl_job_privacy_json(FILE *f, const fl_msg_job_privacy *p)
{
	if (!p->present)
		return;
	fprintf(f, ",\"privacy\":{\"epsilon_spent\":%.17g,\"epsilon_planned\":%.17g,"
		"\"epsilon_limit\":%.17g,\"delta\":%.17g,\"rho_spent\":%.17g,"
		"\"rho_per_round\":%.17g,\"noisy_attempts\":%u,"
		"\"noise_multiplier\":%.17g,\"l2_clip\":%.17g}", p->epsilon_spent,
		p->epsilon_planned, p->epsilon_limit, p->delta, p->rho_spent,
		p->rho_per_round, p->noisy_attempts, p->noise_multiplier, p->l2_clip);
}

int ctl_job_privacy(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	fl_msg_job_status st;
	const fl_msg_job_privacy *p = &st.privacy;
	uint64_t id;
	int rc;

	if ((rc = ctl_job_args(c, "job", self, argc, argv, NULL, 0, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_job_get(c, id, &st, "job privacy")) != 0)
		return rc;
	if (c->json) {
		fprintf(c->out, "{\"job_id\":%llu", (unsigned long long)id);
		ctl_job_privacy_json(c->out, p);
		fputs("}\n", c->out);
	} else if (!p->present) {
		fprintf(c->out, "job %llu has no [privacy] section: its rounds add no "
			"noise\n", (unsigned long long)id);
	} else {
		fprintf(c->out, "job %llu: distributed DP, unit site, l2_clip %g, noise "
			"multiplier z %.4g (sigma %.4g of the summed updates)\n"
			"  per round: rho = 1/(2 z^2) with the rounding's sensitivity "
			"= %.6g (zCDP)\n"
			"  spent: %u noisy attempt%s x %.6g = rho %.6g, epsilon = rho + "
			"2 sqrt(rho ln(1/delta)) = %.4g at delta %g (at most: a site is "
			"charged only for attempts it uploaded in)\n"
			"  planned: epsilon %.4g over the job's rounds%s",
			(unsigned long long)id, p->l2_clip, p->noise_multiplier,
			p->noise_multiplier * p->l2_clip, p->rho_per_round,
			p->noisy_attempts, p->noisy_attempts == 1 ? "" : "s",
			p->rho_per_round, p->rho_spent, p->epsilon_spent, p->delta,
			p->epsilon_planned, p->epsilon_limit > 0 ? "" : "\n");
		if (p->epsilon_limit > 0)
			fprintf(c->out, ", within the spec's epsilon %g\n",
				p->epsilon_limit);
	}
	fl_msg_job_status_clear(&st);
	return 0;
}
