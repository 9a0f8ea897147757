/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_codec_ids: which decoder the first byte of a fuzz_codec input picks. */
#ifndef FUZZ_CODEC_IDS_H
#define FUZZ_CODEC_IDS_H

#include <string.h>

enum {
	FUZZ_POLL_REQ, FUZZ_TASK, FUZZ_MODEL_REQ, FUZZ_CHUNK, FUZZ_UPDATE_PART,
	FUZZ_UPDATE_REPLY, FUZZ_EMPTY, FUZZ_JOB_SUBMIT, FUZZ_JOB_REF,
	FUZZ_JOB_INFO, FUZZ_JOB_LIST, FUZZ_JOB_STATUS, FUZZ_SITE_INFO,
	FUZZ_SITE_ADD, FUZZ_SITE_LIST,
	/* fl_codec_secagg.h */
	FUZZ_SA_HDR, FUZZ_SA_ADVERT, FUZZ_SA_KEYLIST, FUZZ_SA_SHARES,
	FUZZ_SA_CSIG, FUZZ_SA_UNMASK_REQ, FUZZ_SA_UNMASK_RESP, FUZZ_SA_ACK,
	/* the round ledger (fl_codec.h) */
	FUZZ_LEDGER_REQ, FUZZ_LEDGER_LIST,
	/* enrollment (fl_codec_enroll.h) */
	FUZZ_ENROLL_REQ, FUZZ_ENROLL_REPLY, FUZZ_ENROLL_TOKEN_REQ, FUZZ_ENROLL_TOKEN,
	/* statistics (fl_codec.h, GetStats) */
	FUZZ_JOB_STATS, FUZZ_OWN_METRICS, FUZZ_SITE_METRICS_LIST,
	/* revocation (fl_codec.h, GetCrl) */
	FUZZ_CRL,
	/* the member list (fl_codec.h, GetMembers) */
	FUZZ_MEMBERS,
	/* inspection (fl_codec_events.h) */
	FUZZ_EVENT_REQ, FUZZ_EVENT_LIST, FUZZ_AUDIT_LIST, FUZZ_SITE_DETAIL,
	/* database copies (fl_codec.h, Backup) */
	FUZZ_BACKUP_CHUNK,
	/* a site's decline (fl_codec.h, Agent Decline) */
	FUZZ_DECLINE,
	FUZZ_NDECODERS
};

/* Maps a sample name ("update_part_data" counts as update_part, "task_sa"
 * as task). */
static inline unsigned fuzz_codec_id(const char *name)
{
	static const char *const names[FUZZ_NDECODERS] = {
		"poll_req", "task", "model_req", "chunk", "update_part",
		"update_reply", "empty", "job_submit", "job_ref", "job_info",
		"job_list", "job_status", "site_info", "site_add", "site_list",
		"sa_hdr", "sa_advert", "sa_keylist", "sa_shares", "sa_csig",
		"sa_unmask_req", "sa_unmask_resp", "sa_ack", "ledger_req",
		"ledger_list", "enroll_req", "enroll_reply", "enroll_token_req",
		"enroll_token", "job_stats", "own_metrics", "site_metrics_list",
		"crl", "members", "event_req", "event_list", "audit_list",
		"site_detail", "backup_chunk", "decline",
	};

	for (unsigned i = 0; i < FUZZ_NDECODERS; i++)
		if (strncmp(name, names[i], strlen(names[i])) == 0 &&
		    (name[strlen(names[i])] == '\0' || name[strlen(names[i])] == '_'))
			return i;
	return 0;
}

#endif
