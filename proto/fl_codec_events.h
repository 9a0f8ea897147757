/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_events: inspection messages (events.proto): a job's events, the
 * audit log and one site's record, and their codec. Same contract as
 * fl_codec.h: decoders take untrusted bytes, never crash, leave *out
 * untouched on error; clear functions free what decode made. */
#ifndef FL_CODEC_EVENTS_H
#define FL_CODEC_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "fl_msg.h"

#define FL_RPC_CTL_GET_JOB_EVENTS "/fedc.v1.Control/GetJobEvents"
#define FL_RPC_CTL_LIST_AUDIT "/fedc.v1.Control/ListAudit"
#define FL_RPC_CTL_GET_SITE "/fedc.v1.Control/GetSite"

#define FL_EVENT_KIND_BYTES 32
#define FL_EVENT_TEXT_BYTES 512
#define FL_AUDIT_ACTION_BYTES 64
#define FL_AUDIT_DETAIL_BYTES 1024
#define FL_EVENTS_MAX_LIST 2000u       /* events or audit entries a reply */
#define FL_SITE_MAX_CERTS 256u
#define FL_SITE_MAX_JOBS 10000u
#define FL_FPR_HEX_BYTES 65
#define FL_SERIAL_HEX_BYTES 66

typedef struct fl_msg_event_req { uint64_t job_id, after_id; } fl_msg_event_req;
typedef struct fl_msg_job_event {
	uint64_t id;
	int64_t ts_ms;
	uint32_t round, attempt;
	char kind[FL_EVENT_KIND_BYTES];
	char site[FL_NAME_BYTES];
	char text[FL_EVENT_TEXT_BYTES];
} fl_msg_job_event;
typedef struct fl_msg_event_list {
	fl_msg_job_event *events;          /* owned, n <= FL_EVENTS_MAX_LIST */
	size_t n;
	char job_state[16];
} fl_msg_event_list;
typedef struct fl_msg_audit_entry {
	uint64_t id;
	int64_t ts_ms;
	char who[FL_NAME_BYTES];
	char action[FL_AUDIT_ACTION_BYTES];
	char detail[FL_AUDIT_DETAIL_BYTES];
} fl_msg_audit_entry;
typedef struct fl_msg_audit_list {
	fl_msg_audit_entry *entries;       /* owned, n <= FL_EVENTS_MAX_LIST */
	size_t n;
} fl_msg_audit_list;
typedef struct fl_msg_site_cert {
	char fingerprint[FL_FPR_HEX_BYTES];
	char serial[FL_SERIAL_HEX_BYTES];
	int64_t not_after_ms, first_seen_ms;
} fl_msg_site_cert;
typedef struct fl_msg_site_detail {
	fl_msg_site_info site;
	char datasets[2048];
	fl_msg_site_cert *certs;           /* owned, ncerts <= FL_SITE_MAX_CERTS */
	size_t ncerts;
	uint32_t rounds;
	uint64_t *jobs;                    /* owned, njobs <= FL_SITE_MAX_JOBS */
	size_t njobs;
} fl_msg_site_detail;

void fl_msg_event_list_clear(fl_msg_event_list *m);
void fl_msg_audit_list_clear(fl_msg_audit_list *m);
void fl_msg_site_detail_clear(fl_msg_site_detail *m);

int fl_codec_encode_event_req(const fl_msg_event_req *in, uint8_t **buf, size_t *len);
int fl_codec_decode_event_req(const uint8_t *buf, size_t len, fl_msg_event_req *out);
int fl_codec_encode_event_list(const fl_msg_event_list *in, uint8_t **buf, size_t *len);
int fl_codec_decode_event_list(const uint8_t *buf, size_t len, fl_msg_event_list *out);
int fl_codec_encode_audit_list(const fl_msg_audit_list *in, uint8_t **buf, size_t *len);
int fl_codec_decode_audit_list(const uint8_t *buf, size_t len, fl_msg_audit_list *out);
int fl_codec_encode_site_detail(const fl_msg_site_detail *in, uint8_t **buf, size_t *len);
int fl_codec_decode_site_detail(const uint8_t *buf, size_t len, fl_msg_site_detail *out);

#endif
