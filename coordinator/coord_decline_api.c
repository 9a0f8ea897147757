/* SPDX-License-Identifier: Apache-2.0 */
/* coord_decline_api: the Agent Decline handler: a selected site leaves the
 * attempt with a reason (README "Declines"). Above the engine; the notes
 * and the rule are in coord_decline.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_engine_int.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

int coord_engine_decline(coord_engine *e, const char *site,
				const fl_msg_decline *d, int64_t now_ms, char *msg)
{
	coord_job *j;
	coord_slot *s;
	int r = 0;

	pthread_mutex_lock(&e->mu);
	if ((j = coord_engine_job_find(e, d->job_id)) == NULL) {
		fl_errmsg_set(msg, "job %llu is not active", (unsigned long long)d->job_id);
		r = FL_E_NOTFOUND;
		goto out;
	}
	s = coord_round_slot(j, site);
	if (s == NULL || j->rs.round != d->round || j->rs.attempt != d->attempt) {
		fl_errmsg_set(msg, "site %s is not taking part in job %llu round %u "
			      "attempt %u now", site, (unsigned long long)d->job_id,
			      d->round, d->attempt);
		r = FL_E_STATE;
		goto out;
	}
	if ((r = coord_decline_note(j, site, d->reason, 0, d->text)) != 0) {
		fl_errmsg_set(msg, "out of memory");
		goto out;
	}
	if (!s->out) {
		s->out = 1;
		s->missed = (uint8_t)j->rs.phase;
	}
	fl_warn("job %llu round %u attempt %u: site '%s' declined: %s: %s",
		(unsigned long long)j->id, d->round, d->attempt, site,
		fl_decline_reason_name(d->reason), d->text);
	coord_decline_record(e, j, site, d->round, d->attempt, d->reason, d->text, now_ms);
	coord_engine_kick(e);
out:
	pthread_mutex_unlock(&e->mu);
	return r;
}

int coord_agent_decline(coord_unary *u)
{
	fl_msg_decline d;
	int r;

	if ((r = COORD_UNARY_DECODE(u, fl_codec_decode_decline, &d, "Decline")) != 0 ||
	    (r = coord_engine_decline(u->svc->eng, u->who->cn, &d, fl_time_ms(),
				      u->msg)) != 0)
		return r;
	return coord_svc_empty(&u->out, &u->outlen, u->msg);
}
