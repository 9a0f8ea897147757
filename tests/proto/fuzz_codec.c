/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_codec: every fl_codec and fl_codec_secagg decoder on untrusted
 * bytes. The first byte picks the decoder; an accepted message must
 * re-encode and decode again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_enroll.h"
#include "fl_codec_events.h"
#include "fl_codec_secagg.h"
#include "fuzz_codec_ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes, re-encodes and re-decodes one type; aborts on a broken round. */
#define ROUND(name, type, clear) do { \
	type a, b; \
	uint8_t *enc = NULL; \
	size_t n = 0; \
	memset(&a, 0, sizeof(a)); \
	memset(&b, 0, sizeof(b)); \
	if (fl_codec_decode_##name(p, len, &a) != 0) \
		break; \
	if (fl_codec_encode_##name(&a, &enc, &n) == 0) { \
		if (fl_codec_decode_##name(enc, n, &b) != 0) \
			abort(); \
		{ type *o = &b; clear; } \
		free(enc); \
	} \
	{ type *o = &a; clear; } \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	size_t len;

	if (size < 1)
		return 0;
	p = data + 1;
	len = size - 1;
	switch (data[0] % FUZZ_NDECODERS) {
	case FUZZ_POLL_REQ: ROUND(poll_req, fl_msg_poll_req, (void)o); break;
	case FUZZ_TASK: ROUND(task, fl_msg_task, fl_msg_task_clear(o)); break;
	case FUZZ_MODEL_REQ: ROUND(model_req, fl_msg_model_req, (void)o); break;
	case FUZZ_CHUNK: ROUND(chunk, fl_msg_chunk, fl_msg_chunk_clear(o)); break;
	case FUZZ_BACKUP_CHUNK:
		ROUND(backup_chunk, fl_msg_backup_chunk, fl_msg_backup_chunk_clear(o));
		break;
	case FUZZ_UPDATE_PART:
		ROUND(update_part, fl_msg_update_part, fl_msg_update_part_clear(o));
		break;
	case FUZZ_UPDATE_REPLY:
		ROUND(update_reply, fl_msg_update_reply, (void)o);
		break;
	case FUZZ_EMPTY: ROUND(empty, int, (void)o); break;
	case FUZZ_JOB_SUBMIT:
		ROUND(job_submit, fl_msg_job_submit, fl_msg_job_submit_clear(o));
		break;
	case FUZZ_JOB_REF: ROUND(job_ref, fl_msg_job_ref, (void)o); break;
	case FUZZ_JOB_INFO: ROUND(job_info, fl_msg_job_info, (void)o); break;
	case FUZZ_JOB_LIST:
		ROUND(job_list, fl_msg_job_list, fl_msg_job_list_clear(o));
		break;
	case FUZZ_JOB_STATUS:
		ROUND(job_status, fl_msg_job_status, fl_msg_job_status_clear(o));
		break;
	case FUZZ_SITE_INFO: ROUND(site_info, fl_msg_site_info, (void)o); break;
	case FUZZ_SITE_ADD: ROUND(site_add, fl_msg_site_add, (void)o); break;
	case FUZZ_SITE_LIST:
		ROUND(site_list, fl_msg_site_list, fl_msg_site_list_clear(o));
		break;
	case FUZZ_SA_HDR: ROUND(sa_hdr, fl_secagg_hdr, (void)o); break;
	case FUZZ_SA_ADVERT:
		ROUND(sa_advert, fl_secagg_advert, fl_secagg_advert_clear(o));
		break;
	case FUZZ_SA_KEYLIST:
		ROUND(sa_keylist, fl_secagg_keylist, fl_secagg_keylist_clear(o));
		break;
	case FUZZ_SA_SHARES:
		ROUND(sa_shares, fl_secagg_shares, fl_secagg_shares_clear(o));
		break;
	case FUZZ_SA_CSIG: ROUND(sa_csig, fl_secagg_csig, (void)o); break;
	case FUZZ_SA_UNMASK_REQ:
		ROUND(sa_unmask_req, fl_secagg_unmask_req,
		      fl_secagg_unmask_req_clear(o));
		break;
	case FUZZ_SA_UNMASK_RESP:
		ROUND(sa_unmask_resp, fl_secagg_unmask_resp,
		      fl_secagg_unmask_resp_clear(o));
		break;
	case FUZZ_SA_ACK: ROUND(sa_ack, int, (void)o); break;
	case FUZZ_LEDGER_REQ: ROUND(ledger_req, fl_msg_ledger_req, (void)o); break;
	case FUZZ_LEDGER_LIST:
		ROUND(ledger_list, fl_msg_ledger_list, fl_msg_ledger_list_clear(o));
		break;
	case FUZZ_ENROLL_REQ:
		ROUND(enroll_req, fl_msg_enroll_req, fl_msg_enroll_req_clear(o));
		break;
	case FUZZ_ENROLL_REPLY:
		ROUND(enroll_reply, fl_msg_enroll_reply, fl_msg_enroll_reply_clear(o));
		break;
	case FUZZ_ENROLL_TOKEN_REQ:
		ROUND(enroll_token_req, fl_msg_enroll_token_req, (void)o);
		break;
	case FUZZ_ENROLL_TOKEN: ROUND(enroll_token, fl_msg_enroll_token, (void)o); break;
	case FUZZ_JOB_STATS:
		ROUND(job_stats, fl_msg_job_stats, fl_msg_job_stats_clear(o));
		break;
	case FUZZ_OWN_METRICS: ROUND(own_metrics, fl_msg_own_metrics, (void)o); break;
	case FUZZ_CRL: ROUND(crl, fl_msg_crl, fl_msg_crl_clear(o)); break;
	case FUZZ_MEMBERS: ROUND(members, fl_msg_members, fl_msg_members_clear(o)); break;
	case FUZZ_SITE_METRICS_LIST:
		ROUND(site_metrics_list, fl_msg_site_metrics_list,
		      fl_msg_site_metrics_list_clear(o));
		break;
	case FUZZ_EVENT_REQ: ROUND(event_req, fl_msg_event_req, (void)o); break;
	case FUZZ_EVENT_LIST:
		ROUND(event_list, fl_msg_event_list, fl_msg_event_list_clear(o));
		break;
	case FUZZ_AUDIT_LIST:
		ROUND(audit_list, fl_msg_audit_list, fl_msg_audit_list_clear(o));
		break;
	case FUZZ_SITE_DETAIL:
		ROUND(site_detail, fl_msg_site_detail, fl_msg_site_detail_clear(o));
		break;
	case FUZZ_DECLINE: ROUND(decline, fl_msg_decline, (void)o); break;
	default:
		break;
	}
	return 0;
}
