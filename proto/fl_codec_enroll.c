/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_enroll: EnrollRequest/Reply and EnrollTokenRequest/Reply. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_codec_enroll.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))
#define FIXED_OK(s, field) fl_codec_fixed_ok((s)->field, sizeof((s)->field))
#define STR_IN(o, field, src) fl_codec_str_in((o)->field, sizeof((o)->field), (src))

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

int fl_codec_encode_enroll_req(const fl_msg_enroll_req *in, uint8_t **buf,
			       size_t *len)
{
	Fedc__V1__EnrollRequest m = FEDC__V1__ENROLL_REQUEST__INIT;

	if (!in || !buf || !len || !FIXED_OK(in, token) ||
	    !FIXED_OK(in, agent_version) || !in->csr_pem ||
	    strlen(in->csr_pem) > FL_ENROLL_PEM_MAX)
		return FL_E_INVAL;
	m.token = (char *)in->token;
	m.csr_pem = in->csr_pem;
	m.agent_version = (char *)in->agent_version;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_enroll_req(const uint8_t *buf, size_t len,
			       fl_msg_enroll_req *out)
{
	Fedc__V1__EnrollRequest *m;
	fl_msg_enroll_req t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__enroll_request__descriptor)) == NULL)
		return r;
	if ((r = STR_IN(&t, token, m->token)) == 0 &&
	    (r = STR_IN(&t, agent_version, m->agent_version)) == 0 &&
	    (r = fl_codec_str_dup(m->csr_pem, FL_ENROLL_PEM_MAX, false,
				  &t.csr_pem)) == 0)
		*out = t;
	else
		fl_msg_enroll_req_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_enroll_reply(const fl_msg_enroll_reply *in, uint8_t **buf,
				 size_t *len)
{
	Fedc__V1__EnrollReply m = FEDC__V1__ENROLL_REPLY__INIT;

	if (!in || !buf || !len || !FIXED_OK(in, site) || !FIXED_OK(in, serial) ||
	    !in->cert_pem || !in->ca_pem ||
	    strlen(in->cert_pem) > FL_ENROLL_PEM_MAX ||
	    strlen(in->ca_pem) > FL_ENROLL_PEM_MAX)
		return FL_E_INVAL;
	m.site = (char *)in->site;
	m.cert_pem = in->cert_pem;
	m.ca_pem = in->ca_pem;
	m.not_after_ms = in->not_after_ms;
	m.renew_days = in->renew_days;
	m.serial = (char *)in->serial;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_enroll_reply(const uint8_t *buf, size_t len,
				 fl_msg_enroll_reply *out)
{
	Fedc__V1__EnrollReply *m;
	fl_msg_enroll_reply t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__enroll_reply__descriptor)) == NULL)
		return r;
	if ((r = STR_IN(&t, site, m->site)) == 0 &&
	    (r = STR_IN(&t, serial, m->serial)) == 0 &&
	    (r = fl_codec_str_dup(m->cert_pem, FL_ENROLL_PEM_MAX, false,
				  &t.cert_pem)) == 0 &&
	    (r = fl_codec_str_dup(m->ca_pem, FL_ENROLL_PEM_MAX, false,
				  &t.ca_pem)) == 0) {
		t.not_after_ms = m->not_after_ms;
		t.renew_days = m->renew_days;
		*out = t;
	} else {
		fl_msg_enroll_reply_clear(&t);
	}
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_enroll_token_req(const fl_msg_enroll_token_req *in,
				     uint8_t **buf, size_t *len)
{
	Fedc__V1__EnrollTokenRequest m = FEDC__V1__ENROLL_TOKEN_REQUEST__INIT;

	if (!in || !buf || !len || !FIXED_OK(in, site))
		return FL_E_INVAL;
	m.site = (char *)in->site;
	m.ttl_s = in->ttl_s;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_enroll_token_req(const uint8_t *buf, size_t len,
				     fl_msg_enroll_token_req *out)
{
	Fedc__V1__EnrollTokenRequest *m;
	fl_msg_enroll_token_req t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__enroll_token_request__descriptor)) == NULL)
		return r;
	if ((r = STR_IN(&t, site, m->site)) == 0) {
		t.ttl_s = m->ttl_s;
		*out = t;
	}
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_enroll_token(const fl_msg_enroll_token *in, uint8_t **buf,
				 size_t *len)
{
	Fedc__V1__EnrollTokenReply m = FEDC__V1__ENROLL_TOKEN_REPLY__INIT;

	if (!in || !buf || !len || !FIXED_OK(in, site) || !FIXED_OK(in, token))
		return FL_E_INVAL;
	m.site = (char *)in->site;
	m.token = (char *)in->token;
	m.expires_ms = in->expires_ms;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_enroll_token(const uint8_t *buf, size_t len,
				 fl_msg_enroll_token *out)
{
	Fedc__V1__EnrollTokenReply *m;
	fl_msg_enroll_token t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__enroll_token_reply__descriptor)) == NULL)
		return r;
	if ((r = STR_IN(&t, site, m->site)) == 0 &&
	    (r = STR_IN(&t, token, m->token)) == 0) {
		t.expires_ms = m->expires_ms;
		*out = t;
	}
	sodium_memzero(&t, sizeof(t));
	fl_codec_free(&m->base);
	return r;
}
