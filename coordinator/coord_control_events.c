/* SPDX-License-Identifier: Apache-2.0 */
/* coord_control_events: the inspection calls of the control service
 * (GetJobEvents, ListAudit, GetSite). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_codec_events.h"
#include "fl_err.h"
#include "fl_log.h"

/* GetJobEvents: the job's events after after_id, with its state. */
int coord_ctl_get_job_events(coord_unary *u)
{
	fl_msg_event_req req;
	fl_msg_job_info info;
	fl_msg_event_list list;
	int r;

	memset(&list, 0, sizeof(list));
	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_event_req, &req,
				    "EventRequest")) != 0)
		goto out;
	/* The state first: a client that sees a final state after the last
	 * events has seen them all. */
	if ((r = coord_svc_job_get(u->svc->st, req.job_id, &info, NULL, u->msg)) != 0)
		goto out;
	if ((r = coord_svc_failed(coord_events_list(u->svc->st, req.job_id,
						    req.after_id, &list),
				  "cannot read the job's events", u->msg)) != 0)
		goto out;
	snprintf(list.job_state, sizeof(list.job_state), "%s", info.state);
	r = COORD_UNARY_REPLY(u, fl_codec_encode_event_list, &list, "the events");
out:
	fl_msg_event_list_clear(&list);
	return r;
}

/* ListAudit: the audit log after after_id. */
int coord_ctl_list_audit(coord_unary *u)
{
	fl_msg_event_req req;
	fl_msg_audit_list list = { NULL, 0 };
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_event_req, &req,
				    "EventRequest")) != 0)
		return r;
	r = coord_svc_failed(coord_store_audit_list(u->svc->st, req.after_id, &list),
			     "cannot read the audit log", u->msg);
	if (r == 0)
		r = COORD_UNARY_REPLY(u, fl_codec_encode_audit_list, &list,
				      "the audit log");
	fl_msg_audit_list_clear(&list);
	return r;
}

/* GetSite: one site's row, certificates and figures, with its liveness. */
int coord_ctl_get_site(coord_unary *u)
{
	fl_msg_site_add req;
	fl_msg_site_detail *d = NULL;
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_site_add, &req, "SiteAdd")) != 0)
		goto out;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		r = FL_E_NOMEM;
		fl_errmsg_set(u->msg, "out of memory");
		goto out;
	}
	if ((r = coord_store_site_detail(u->svc->st, req.name, d)) != 0) {
		fl_errmsg_set(u->msg, r == FL_E_NOTFOUND ? "no site '%s'" :
			      "cannot read site '%s'", req.name);
		goto out;
	}
	coord_svc_site_live(u->svc, &d->site, fl_time_ms());
	r = COORD_UNARY_REPLY(u, fl_codec_encode_site_detail, d, "the site");
out:
	fl_msg_site_detail_clear(d);
	free(d);
	return r;
}
