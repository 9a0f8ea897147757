/* SPDX-License-Identifier: Apache-2.0 */
/* agent_reload: SIGHUP re-reads the site's [policy] (systemctl reload). */
#include <stdio.h>
#include <string.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

void fl_agent_set_reload(fl_agent *a, volatile sig_atomic_t *flag,
			 const char *config_path)
{
	if (a == NULL)
		return;
	a->reload = flag;
	snprintf(a->config_path, sizeof(a->config_path), "%s",
		 config_path ? config_path : "");
}

void agent_reload_check(fl_agent *a)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_agent_config nc;
	fl_agent_policy *p;
	int r;

	if (a->reload == NULL || !*a->reload)
		return;
	*a->reload = 0;
	if (a->config_path[0] == '\0')
		return;
	memset(&nc, 0, sizeof(nc));
	if ((r = fl_agent_config_load(a->config_path, &nc, msg)) != 0) {
		fl_error("reload: %s does not load (%s); the policy in force is "
			 "kept", a->config_path, msg[0] ? msg : fl_strerror(r));
		return;
	}
	if (strcmp(nc.coordinator, a->cfg.coordinator) != 0 ||
	    strcmp(nc.state_dir, a->cfg.state_dir) != 0 ||
	    memcmp(&nc.tls, &a->cfg.tls, sizeof(nc.tls)) != 0 ||
	    nc.ndatasets != a->cfg.ndatasets ||
	    memcmp(nc.dataset_path, a->cfg.dataset_path, sizeof(nc.dataset_path)) != 0)
		fl_warn("reload: %s changed more than [policy]; only [policy] is "
			"applied now, the rest at the next restart", a->config_path);
	a->cfg.policy = nc.policy;
	p = &a->cfg.policy;
	fl_info("reload: [policy] of %s re-read: T %u, c %u, at least %u other "
		"sites, %u rounds a day (0: no limit), own figures %s",
		a->config_path, p->min_honest, p->colluders,
		p->min_other_participants, p->max_rounds_per_day,
		p->report_own_metrics ? "reported" : "kept");
}
