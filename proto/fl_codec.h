/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec: fl_msg structs <-> protobuf bytes, with size caps. */
#ifndef FL_CODEC_H
#define FL_CODEC_H

#include "fl_msg.h"

/*
 * Every encode returns a malloc'd buffer in *buf (caller frees) and its
 * length. Every decode refuses input over FL_MSG_MAX_BYTES (FL_E_TOOBIG),
 * input that does not parse (FL_E_PARSE), and fields that break the caps in
 * fl_msg.h or are out of range (strings too long for their field, too many
 * list entries, a chunk over FL_MSG_CHUNK_MAX, unknown enum values,
 * empty oneof): FL_E_TOOBIG or FL_E_RANGE. On error *out is untouched and
 * nothing leaks; on success the caller clears *out with the matching
 * fl_msg_*_clear (for types without a clear function there is nothing to free).
 * Decoders take untrusted bytes: they must never crash.
 */
#define FL_CODEC_DECLARE(name, type) \
	int fl_codec_encode_##name(const type *in, uint8_t **buf, size_t *len); \
	int fl_codec_decode_##name(const uint8_t *buf, size_t len, type *out);

FL_CODEC_DECLARE(poll_req, fl_msg_poll_req)
FL_CODEC_DECLARE(task, fl_msg_task)                 /* PollReply{task} */
FL_CODEC_DECLARE(model_req, fl_msg_model_req)
FL_CODEC_DECLARE(chunk, fl_msg_chunk)
FL_CODEC_DECLARE(backup_chunk, fl_msg_backup_chunk) /* BackupChunk */
FL_CODEC_DECLARE(update_part, fl_msg_update_part)   /* UpdateChunk */
FL_CODEC_DECLARE(update_reply, fl_msg_update_reply)
FL_CODEC_DECLARE(crl, fl_msg_crl)                   /* CrlInfo */
FL_CODEC_DECLARE(members, fl_msg_members)           /* MembersInfo */
FL_CODEC_DECLARE(empty, int)                        /* Empty; *in ignored */
FL_CODEC_DECLARE(job_submit, fl_msg_job_submit)
FL_CODEC_DECLARE(job_ref, fl_msg_job_ref)
FL_CODEC_DECLARE(job_info, fl_msg_job_info)
FL_CODEC_DECLARE(job_list, fl_msg_job_list)
FL_CODEC_DECLARE(job_status, fl_msg_job_status)
FL_CODEC_DECLARE(site_info, fl_msg_site_info)
FL_CODEC_DECLARE(site_add, fl_msg_site_add)
FL_CODEC_DECLARE(site_list, fl_msg_site_list)
FL_CODEC_DECLARE(ledger_req, fl_msg_ledger_req)
FL_CODEC_DECLARE(ledger_list, fl_msg_ledger_list)
FL_CODEC_DECLARE(job_stats, fl_msg_job_stats)       /* fl_codec_stats.c */
FL_CODEC_DECLARE(own_metrics, fl_msg_own_metrics)   /* fl_codec_stats.c */
FL_CODEC_DECLARE(site_metrics_list, fl_msg_site_metrics_list)
FL_CODEC_DECLARE(decline, fl_msg_decline)           /* fl_codec_decline.c */

#undef FL_CODEC_DECLARE

#endif
