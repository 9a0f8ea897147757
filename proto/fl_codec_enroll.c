/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_enroll: EnrollRequest/Reply and EnrollTokenRequest/Reply. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_codec_enroll.h"
#include "fl_codec_int.h"
#include "fl_err.h"

void fl_msg_enroll_req_clear(fl_msg_enroll_req *m)
{
	if (!m)
		return;
	free(m->csr_pem);
	sodium_memzero(m->token, sizeof(m->token));
	m->csr_pem = NULL;
}

void fl_msg_enroll_reply_clear(fl_msg_enroll_reply *m)
{
	if (!m)
		return;
	free(m->cert_pem);
	free(m->ca_pem);
	m->cert_pem = m->ca_pem = NULL;
}

/* The PEMs are required, and one too long to send is FL_E_INVAL. */
#define ER(k, f) FL_CT_##k(fl_msg_enroll_req, f, Fedc__V1__EnrollRequest, f)
FL_CT_MESSAGE(enroll_req_tab, fedc__v1__enroll_request__descriptor, fl_msg_enroll_req,
	ER(FIXSTR, token), ER(FIXSTR, agent_version),
	FL_CT_STR_E(fl_msg_enroll_req, csr_pem, Fedc__V1__EnrollRequest, csr_pem,
		    FL_ENROLL_PEM_MAX, FL_CF_REQUIRED, FL_E_INVAL));
#undef ER

#define EP(k, f) FL_CT_##k(fl_msg_enroll_reply, f, Fedc__V1__EnrollReply, f)
FL_CT_MESSAGE(enroll_reply_tab, fedc__v1__enroll_reply__descriptor, fl_msg_enroll_reply,
	EP(FIXSTR, site), EP(FIXSTR, serial),
	FL_CT_STR_E(fl_msg_enroll_reply, cert_pem, Fedc__V1__EnrollReply, cert_pem,
		    FL_ENROLL_PEM_MAX, FL_CF_REQUIRED, FL_E_INVAL),
	FL_CT_STR_E(fl_msg_enroll_reply, ca_pem, Fedc__V1__EnrollReply, ca_pem,
		    FL_ENROLL_PEM_MAX, FL_CF_REQUIRED, FL_E_INVAL),
	EP(NUM, not_after_ms), EP(NUM, renew_days));
#undef EP

#define TR(k, f) FL_CT_##k(fl_msg_enroll_token_req, f, Fedc__V1__EnrollTokenRequest, f)
FL_CT_MESSAGE(enroll_token_req_tab, fedc__v1__enroll_token_request__descriptor,
		fl_msg_enroll_token_req,
	TR(FIXSTR, site), TR(NUM, ttl_s));
#undef TR

#define TK(k, f) FL_CT_##k(fl_msg_enroll_token, f, Fedc__V1__EnrollTokenReply, f)
/* fl_codec_tab_decode wipes its copy of the token. */
FL_CT_MESSAGE(enroll_token_tab, fedc__v1__enroll_token_reply__descriptor,
		fl_msg_enroll_token,
	TK(FIXSTR, site), TK(FIXSTR, token), TK(NUM, expires_ms));
#undef TK

FL_CODEC_TAB_FUNCS(enroll_req, fl_msg_enroll_req, enroll_req_tab)
FL_CODEC_TAB_FUNCS(enroll_reply, fl_msg_enroll_reply, enroll_reply_tab)
FL_CODEC_TAB_FUNCS(enroll_token_req, fl_msg_enroll_token_req, enroll_token_req_tab)
FL_CODEC_TAB_FUNCS(enroll_token, fl_msg_enroll_token, enroll_token_tab)
