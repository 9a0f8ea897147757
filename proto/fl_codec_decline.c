/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_decline: a site's decline of a task (Agent Decline) and the
 * declines a job status lists (Control SiteDecline), with their checks:
 * a known reason, a short text of printable characters. */
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

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

/* The CHECK hooks: a known reason; a text of printable characters. */
static int decline_reason_enc(const void *c)
{
	const fl_msg_decline *d = c;

	return d->reason <= FL_DECLINE_NONE || d->reason > FL_DECLINE_LAST ?
	       FL_E_RANGE : 0;
}

static int text_enc(const void *c)
{
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];

	return text_in(text, ((const fl_msg_decline *)c)->text);
}

/* The wire's reason and text, of either message. */
static int decline_dec(int reason, const char *wire_text)
{
	enum fl_decline_reason rs;
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];
	int r;

	if ((r = reason_in(reason, &rs)) != 0)
		return r;
	return text_in(text, wire_text);
}

static int task_decline_dec(const void *pb)
{
	const Fedc__V1__TaskDecline *m = pb;

	return decline_dec((int)m->reason, m->text);
}

static int site_decline_dec(const void *pb)
{
	const Fedc__V1__SiteDecline *m = pb;

	return decline_dec((int)m->reason, m->text);
}

/* The checks come first so that decoding refuses a bad reason or text
 * before copying anything. An agent's decline: a text without its NUL is
 * FL_E_TOOBIG. */
#define TD(k, f) FL_CT_##k(fl_msg_decline, f, Fedc__V1__TaskDecline, f)
FL_CT_MESSAGE(task_decline_tab, fedc__v1__task_decline__descriptor, fl_msg_decline,
	FL_CT_CHECK(decline_reason_enc, task_decline_dec),
	FL_CT_CHECK(text_enc, NULL),
	FL_CT_FIXSTR_E(fl_msg_decline, text, Fedc__V1__TaskDecline, text, FL_E_TOOBIG),
	TD(NUM, job_id), TD(NUM, round), TD(NUM, attempt), TD(NUM, reason));
#undef TD

FL_CODEC_TAB_FUNCS(decline, fl_msg_decline, task_decline_tab)

/* A job status's declines: anything off on the way out is FL_E_RANGE. */
#define SD(k, f) FL_CT_##k(fl_msg_decline, f, Fedc__V1__SiteDecline, f)
FL_CT_MESSAGE_PUBLIC(fl_codec_tab_site_decline, fedc__v1__site_decline__descriptor,
		fl_msg_decline,
	FL_CT_CHECK(decline_reason_enc, site_decline_dec),
	FL_CT_FIXSTR_E(fl_msg_decline, text, Fedc__V1__SiteDecline, text, FL_E_RANGE),
	FL_CT_FIXSTR_E(fl_msg_decline, site, Fedc__V1__SiteDecline, site, FL_E_RANGE),
	SD(NUM, round), SD(NUM, attempt), SD(NUM, reason), SD(NUM, at_ms));
#undef SD
