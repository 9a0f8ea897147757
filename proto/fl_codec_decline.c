/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_decline: a site's decline of a task (Agent Decline) and the
 * declines a job status lists (Control SiteDecline), with their checks:
 * a known reason, a short text of printable characters. */
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))

static const char *const decline_names[FL_DECLINE_LAST + 1] = {
	"unspecified", "dataset_missing", "column_missing", "label_not_in_job",
	"policy", "trainer_failed", "diverged", "data_unusable", "policy_round", "budget",
};

const char *fl_decline_reason_name(enum fl_decline_reason r)
{
	if ((int)r <= 0 || (int)r > FL_DECLINE_LAST)
		return decline_names[0];
	return decline_names[r];
}

enum fl_decline_reason fl_decline_reason_parse(const char *name)
{
	for (int i = 1; name && i <= FL_DECLINE_LAST; i++)
		if (strcmp(name, decline_names[i]) == 0)
			return (enum fl_decline_reason)i;
	return FL_DECLINE_NONE;
}

bool fl_decline_lasting(enum fl_decline_reason r)
{
	return r != FL_DECLINE_NONE && r != FL_DECLINE_TRAINER &&
		r != FL_DECLINE_POLICY_ROUND && (int)r <= FL_DECLINE_LAST;
}

/* A reason from the wire: 1 .. FL_DECLINE_LAST. */
static int reason_in(int v, enum fl_decline_reason *out)
{
	if (v <= FL_DECLINE_NONE || v > FL_DECLINE_LAST)
		return FL_E_RANGE;
	*out = (enum fl_decline_reason)v;
	return 0;
}

/* The text is shown to operators: printable bytes (and UTF-8) only. */
static int text_in(char dst[static FL_MSG_DECLINE_TEXT_MAX + 1], const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return FL_E_PARSE;
	return fl_codec_str_in(dst, FL_MSG_DECLINE_TEXT_MAX + 1, src);
}

int fl_codec_encode_decline(const fl_msg_decline *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__TaskDecline m = FEDC__V1__TASK_DECLINE__INIT;
	enum fl_decline_reason rs;
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((r = reason_in((int)in->reason, &rs)) != 0 ||
	    !fl_codec_fixed_ok(in->text, sizeof(in->text)) ||
	    (r = text_in(text, in->text)) != 0)
		return r ? r : FL_E_TOOBIG;
	m.job_id = in->job_id;
	m.round = in->round;
	m.attempt = in->attempt;
	m.reason = (Fedc__V1__DeclineReason)rs;
	m.text = (char *)in->text;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_decline(const uint8_t *buf, size_t len, fl_msg_decline *out)
{
	Fedc__V1__TaskDecline *m;
	fl_msg_decline t;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__task_decline__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if ((r = reason_in((int)m->reason, &t.reason)) == 0 &&
	    (r = text_in(t.text, m->text)) == 0) {
		t.job_id = m->job_id;
		t.round = m->round;
		t.attempt = m->attempt;
		*out = t;
	}
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_declines_out(const fl_msg_decline *in, size_t n,
			  Fedc__V1__SiteDecline **items, Fedc__V1__SiteDecline ***ptrs)
{
	Fedc__V1__SiteDecline *it = NULL, **pp = NULL;

	*items = NULL;
	*ptrs = NULL;
	if (n == 0)
		return 0;
	if (!in)
		return FL_E_INVAL;
	if (n > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if ((it = calloc(n, sizeof(*it))) == NULL || (pp = calloc(n, sizeof(*pp))) == NULL) {
		free(it);
		return FL_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		Fedc__V1__SiteDecline init = FEDC__V1__SITE_DECLINE__INIT;

		if (!fl_codec_fixed_ok(in[i].site, sizeof(in[i].site)) ||
		    !fl_codec_fixed_ok(in[i].text, sizeof(in[i].text)) ||
		    in[i].reason <= FL_DECLINE_NONE || in[i].reason > FL_DECLINE_LAST) {
			free(it);
			free(pp);
			return FL_E_RANGE;
		}
		it[i] = init;
		it[i].round = in[i].round;
		it[i].attempt = in[i].attempt;
		it[i].site = (char *)in[i].site;
		it[i].reason = (Fedc__V1__DeclineReason)in[i].reason;
		it[i].text = (char *)in[i].text;
		it[i].at_ms = in[i].at_ms;
		pp[i] = &it[i];
	}
	*items = it;
	*ptrs = pp;
	return 0;
}

int fl_codec_declines_in(Fedc__V1__SiteDecline *const *pb, size_t n,
			 fl_msg_decline **out, size_t *nout)
{
	fl_msg_decline *t;
	int r;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	if (n > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if ((t = calloc(n, sizeof(*t))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = reason_in((int)pb[i]->reason, &t[i].reason)) != 0 ||
		    (r = text_in(t[i].text, pb[i]->text)) != 0 ||
		    (r = fl_codec_str_in(t[i].site, sizeof(t[i].site), pb[i]->site)) != 0) {
			free(t);
			return r;
		}
		t[i].round = pb[i]->round;
		t[i].attempt = pb[i]->attempt;
		t[i].at_ms = pb[i]->at_ms;
	}
	*out = t;
	*nout = n;
	return 0;
}
