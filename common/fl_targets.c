/* SPDX-License-Identifier: Apache-2.0 */
/* fl_targets: coordinator address lists (see fl_targets.h). */
#include <ctype.h>
#include <string.h>

#include "fl_err.h"
#include "fl_targets.h"
#include "fl_util.h"

/* host:port, [v6]:port or scheme:... with a port after the last colon */
static int entry_ok(const char *e, size_t n)
{
	const char *colon = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)e[i]) || e[i] == '\0')
			return 0;
		if (e[i] == ':')
			colon = e + i;
	}
	if (colon == NULL || colon == e || colon + 1 == e + n)
		return 0;
	for (const char *p = colon + 1; p < e + n; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

int fl_targets_parse(const char *s, fl_targets *out, char *errmsg)
{
	fl_targets t;
	const char *p, *end;
	size_t n;

	if (s == NULL || out == NULL)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	for (p = s;; p = end + 1) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0) {
			fl_errmsg_set(errmsg, "coordinator address list '%.60s' has an "
				      "empty entry (write host:port, host2:port)", s);
			return FL_E_CONFIG;
		}
		if (!entry_ok(p, n)) {
			fl_errmsg_set(errmsg, "coordinator address '%.*s' is not "
				      "host:port", (int)(n > 80 ? 80 : n), p);
			return FL_E_CONFIG;
		}
		if (n >= FL_TARGET_BYTES) {
			fl_errmsg_set(errmsg, "coordinator address '%.40s...' is too "
				      "long (at most %u characters)", p,
				      FL_TARGET_BYTES - 1);
			return FL_E_CONFIG;
		}
		if (t.n == FL_TARGETS_MAX) {
			fl_errmsg_set(errmsg, "more than %u coordinator addresses",
				      FL_TARGETS_MAX);
			return FL_E_CONFIG;
		}
		memcpy(t.t[t.n], p, n);
		t.t[t.n][n] = '\0';
		for (uint32_t i = 0; i < t.n; i++)
			if (strcmp(t.t[i], t.t[t.n]) == 0) {
				fl_errmsg_set(errmsg, "coordinator address '%s' is "
					      "listed twice", t.t[i]);
				return FL_E_CONFIG;
			}
		t.n++;
		if (*end == '\0')
			break;
	}
	*out = t;
	return 0;
}

const char *fl_targets_current(const fl_targets *t)
{
	return t->t[t->cur < t->n ? t->cur : 0];
}

const char *fl_targets_next(fl_targets *t)
{
	if (t->n > 0)
		t->cur = (t->cur + 1) % t->n;
	return fl_targets_current(t);
}
