/* SPDX-License-Identifier: Apache-2.0 */
/* fl_msg_close: the text form of the rules that closed an attempt's
 * secure-aggregation phases (RoundInfo.closed_by). */
#include <stdio.h>
#include <string.h>
#include "fl_err.h"
#include "fl_msg.h"

const char *fl_sa_phase_name(enum fl_sa_phase p)
{
	switch (p) {
	case FL_SA_OFF: return "off";
	case FL_SA_ADVERTISE: return "advertise";
	case FL_SA_SHARE: return "share";
	case FL_SA_INPUT: return "input";
	case FL_SA_CONSISTENCY: return "consistency";
	case FL_SA_UNMASK: return "unmask";
	}
	return "unknown";
}

const char *fl_phase_close_name(enum fl_phase_close c)
{
	switch (c) {
	case FL_CLOSE_ALL: return "all";
	case FL_CLOSE_GRACE: return "grace";
	case FL_CLOSE_DEADLINE: return "deadline";
	case FL_CLOSE_NONE: break;
	}
	return "";
}

void fl_msg_closed_by_format(const uint8_t by[static FL_MSG_PHASES],
			     char buf[static FL_MSG_CLOSED_BY_BYTES])
{
	size_t len = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < FL_MSG_PHASES; i++) {
		const char *rule = fl_phase_close_name((enum fl_phase_close)by[i]);

		/* the longest text, every phase "deadline", is 85 bytes */
		if (*rule != '\0' && len < FL_MSG_CLOSED_BY_BYTES)
			len += (size_t)snprintf(buf + len, FL_MSG_CLOSED_BY_BYTES - len,
						"%s%s=%s", len ? " " : "",
						fl_sa_phase_name((enum fl_sa_phase)(i + 1)),
						rule);
	}
}

/* The value v in first..last whose name(v) is the len bytes at w, or 0. */
static int closed_by_lookup(const char *w, size_t len, int first, int last,
			    const char *(*name)(int))
{
	for (int v = first; v <= last; v++)
		if (strlen(name(v)) == len && memcmp(name(v), w, len) == 0)
			return v;
	return 0;
}

static const char *closed_by_phase(int v)
{
	return fl_sa_phase_name((enum fl_sa_phase)v);
}

static const char *closed_by_rule(int v)
{
	return fl_phase_close_name((enum fl_phase_close)v);
}

int fl_msg_closed_by_parse(const char *text, uint8_t by[static FL_MSG_PHASES])
{
	const char *p = text;

	memset(by, 0, FL_MSG_PHASES);
	while (p && *p) {
		size_t wlen = strcspn(p, " "), plen = strcspn(p, "=");
		int ph, rule;

		if (wlen == 0 || plen >= wlen)
			return FL_E_PARSE;
		ph = closed_by_lookup(p, plen, FL_SA_ADVERTISE, FL_SA_UNMASK,
				      closed_by_phase);
		rule = closed_by_lookup(p + plen + 1, wlen - plen - 1, FL_CLOSE_ALL,
					FL_CLOSE_DEADLINE, closed_by_rule);
		if (ph == 0 || rule == 0 || by[ph - 1] != 0)
			return FL_E_PARSE;
		by[ph - 1] = (uint8_t)rule;
		p += wlen;
		if (*p == ' ' && *++p == '\0')
			return FL_E_PARSE;   /* a trailing space */
	}
	return 0;
}
