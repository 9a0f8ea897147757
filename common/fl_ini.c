/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ini: INI parsing with line-length and syntax pre-checks, value parsers. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_ini_int.h"
#include "fl_util.h"

/* Checks one line (without its '\n'); returns NULL or the reason it is bad.
 * *have_key tracks whether an indented line may continue a key. */
static const char *ini_check_line(const char *s, size_t n, int *have_key)
{
	size_t i = 0;
	const char *sep, *semi;

	if (n > FL_INI_MAX_LINE)
		return "line is too long (the limit is " FL_INI_MAX_LINE_STR " bytes "
		       "a line; split lists over indented continuation lines)";
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i == n || s[i] == ';' || s[i] == '#')
		return NULL;
	if (i > 0 && *have_key)
		return NULL;
	if (s[i] == '[') {
		*have_key = 0;
		if (memchr(s + i, ']', n - i) == NULL)
			return "section header without ']'";
		return NULL;
	}
	sep = memchr(s + i, '=', n - i);
	if (sep == NULL)
		sep = memchr(s + i, ':', n - i);
	semi = memchr(s + i, ';', n - i);
	if (sep == NULL || (semi != NULL && semi < sep))
		return "expected 'key = value' or '[section]'";
	*have_key = 1;
	return NULL;
}

static int ini_precheck(const char *text, size_t len, size_t *bad_line,
			const char **why)
{
	size_t line = 1, start = 0;
	int have_key = 0;

	if (memchr(text, '\0', len) != NULL) {
		*bad_line = 0;
		*why = "contains a NUL byte";
		return -1;
	}
	/* Skip a UTF-8 BOM as fl_ini_read does. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		start = 3;
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		*why = ini_check_line(text + start, end - start, &have_key);
		if (*why != NULL) {
			*bad_line = line;
			return -1;
		}
		start = end + 1;
		line++;
	}
	return 0;
}

static void ini_fail(char *errmsg, const char *where, size_t line, const char *why)
{
	if (where != NULL && line > 0)
		fl_errmsg_set(errmsg, "%s:%zu: %s", where, line, why);
	else if (where != NULL)
		fl_errmsg_set(errmsg, "%s: %s", where, why);
	else if (line > 0)
		fl_errmsg_set(errmsg, "line %zu: %s", line, why);
	else
		fl_errmsg_set(errmsg, "%s", why);
}

int fl_ini_parse(const char *text, size_t len, size_t max, ini_handler h,
		 void *user, const char *hmsg, const char *where, int code,
		 char *errmsg)
{
	const char *why = NULL;
	size_t bad = 0;
	char *copy;
	int line;

	if (text == NULL && len > 0)
		return FL_E_INVAL;
	if (len > max) {
		char big[96];

		snprintf(big, sizeof(big), "too large: %zu bytes (the limit is %zu bytes)",
			 len, max);
		ini_fail(errmsg, where, 0, big);
		return FL_E_TOOBIG;
	}
	if (len > 0 && ini_precheck(text, len, &bad, &why) != 0) {
		ini_fail(errmsg, where, bad, why);
		return code;
	}
	copy = malloc(len + 1);
	if (copy == NULL)
		return FL_E_NOMEM;
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	line = fl_ini_read(copy, h, user);
	free(copy);
	if (line == 0)
		return 0;
	if (line < 0)
		return FL_E_NOMEM;
	ini_fail(errmsg, where, (size_t)line, hmsg[0] ? hmsg : "syntax error");
	return code;
}

int fl_ini_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int fl_ini_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (fl_ini_u64(s, lo, hi, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int fl_ini_u32_key(char *msg, const char *key, uint32_t lo, uint32_t hi,
		   uint32_t *out, const char *s)
{
	if (fl_ini_u32(s, lo, hi, out) == 0)
		return 0;
	fl_errmsg_set(msg, "'%s' must be an integer in %u..%u, not '%.32s'", key,
		      lo, hi, s);
	return -1;
}

int fl_ini_double(const char *s, double *out)
{
	return fl_parse_double(s, out);
}

int fl_ini_copy(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}
