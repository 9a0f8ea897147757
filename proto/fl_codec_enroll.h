/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_enroll: enrollment messages (enroll.proto) and their codec.
 * Same contract as fl_codec.h: decoders take untrusted bytes, never crash,
 * leave *out untouched on error; clear functions free what decode made. */
#ifndef FL_CODEC_ENROLL_H
#define FL_CODEC_ENROLL_H

#include <stddef.h>
#include <stdint.h>
#include "fl_msg.h"

#define FL_RPC_ENROLL "/fedc.v1.Enroll/Enroll"
#define FL_RPC_CTL_ISSUE_TOKEN "/fedc.v1.Control/IssueEnrollToken"
/* Agent/Renew: RenewRequest is encoded as an EnrollRequest with an empty
 * token and agent_version (fl_codec_encode_enroll_req); the reply is an
 * EnrollReply. */
#define FL_RPC_AGENT_RENEW "/fedc.v1.Agent/Renew"

#define FL_ENROLL_TOKEN_BYTES 96     /* with NUL */
#define FL_ENROLL_PEM_MAX (64u * 1024u)

typedef struct fl_msg_enroll_req {
	char token[FL_ENROLL_TOKEN_BYTES];
	char *csr_pem;                     /* owned, NUL-terminated */
	char agent_version[64];
} fl_msg_enroll_req;

typedef struct fl_msg_enroll_reply {
	char site[FL_NAME_BYTES];
	char *cert_pem;                    /* owned */
	char *ca_pem;                      /* owned */
	int64_t not_after_ms;
	uint32_t renew_days;
	char serial[80];
} fl_msg_enroll_reply;

typedef struct fl_msg_enroll_token_req {
	char site[FL_NAME_BYTES];
	uint32_t ttl_s;
} fl_msg_enroll_token_req;

typedef struct fl_msg_enroll_token {
	char site[FL_NAME_BYTES];
	char token[FL_ENROLL_TOKEN_BYTES];
	int64_t expires_ms;
} fl_msg_enroll_token;

void fl_msg_enroll_req_clear(fl_msg_enroll_req *m);
void fl_msg_enroll_reply_clear(fl_msg_enroll_reply *m);

int fl_codec_encode_enroll_req(const fl_msg_enroll_req *in, uint8_t **buf,
			       size_t *len);
int fl_codec_decode_enroll_req(const uint8_t *buf, size_t len,
			       fl_msg_enroll_req *out);
int fl_codec_encode_enroll_reply(const fl_msg_enroll_reply *in, uint8_t **buf,
				 size_t *len);
int fl_codec_decode_enroll_reply(const uint8_t *buf, size_t len,
				 fl_msg_enroll_reply *out);
int fl_codec_encode_enroll_token_req(const fl_msg_enroll_token_req *in,
				     uint8_t **buf, size_t *len);
int fl_codec_decode_enroll_token_req(const uint8_t *buf, size_t len,
				     fl_msg_enroll_token_req *out);
int fl_codec_encode_enroll_token(const fl_msg_enroll_token *in, uint8_t **buf,
				 size_t *len);
int fl_codec_decode_enroll_token(const uint8_t *buf, size_t len,
				 fl_msg_enroll_token *out);

#endif
