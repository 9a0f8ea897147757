/* SPDX-License-Identifier: Apache-2.0 */
/* fl_log_json: one log line as a JSON object (log_format = json). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fl_log.h"

typedef struct jbuf {
	char *p;
	size_t cap, len;   /* len < cap always; p[len] = 0 */
} jbuf;

static void jb_raw(jbuf *b, const char *s, size_t n)
{
	if (b->len + n >= b->cap)
		n = b->cap - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if the
 * bytes there are not valid UTF-8 (overlong forms, surrogates and code
 * points past U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return k;
}

/* Appends "s" escaped; stops before the closing quote would not fit in
 * reserve bytes of room left. */
static void jb_str(jbuf *b, const char *str, size_t reserve)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k;
	char esc[8];

	jb_raw(b, "\"", 1);
	while (i < n) {
		const char *piece;
		size_t plen;

		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			piece = esc, plen = 2, k = 1;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			piece = esc, plen = 6, k = 1;
		} else if ((k = utf8_len(s + i, n - i)) == 0) {
			piece = "\xef\xbf\xbd", plen = 3, k = 1;   /* U+FFFD */
		} else {
			piece = (const char *)s + i, plen = k;
		}
		if (b->len + plen + reserve + 1 >= b->cap)
			break;
		jb_raw(b, piece, plen);
		i += k;
	}
	jb_raw(b, "\"", 1);
}

size_t fl_log_json_line(char *buf, size_t cap, const char *stamp,
			enum fl_log_level level, const char *component,
			uint64_t job, uint32_t round, uint32_t attempt,
			const char *site, const char *message)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	jbuf b = { buf, cap, 0 };
	char num[64];
	int lv = (int)level;

	if (buf == NULL || cap < 256)
		return 0;
	buf[0] = '\0';
	if (lv < 0 || lv > 3)
		lv = 3;
	jb_raw(&b, "{\"time\":", 8);
	jb_str(&b, stamp ? stamp : "", 200);
	jb_raw(&b, ",\"level\":\"", 10);
	jb_raw(&b, names[lv], strlen(names[lv]));
	jb_raw(&b, "\",\"component\":", 14);
	jb_str(&b, component ? component : "", 160);
	if (job) {
		snprintf(num, sizeof(num), ",\"job\":%" PRIu64, job);
		jb_raw(&b, num, strlen(num));
	}
	if (round) {
		snprintf(num, sizeof(num), ",\"round\":%" PRIu32, round);
		jb_raw(&b, num, strlen(num));
	}
	if (attempt) {
		snprintf(num, sizeof(num), ",\"attempt\":%" PRIu32, attempt);
		jb_raw(&b, num, strlen(num));
	}
	if (site && site[0]) {
		jb_raw(&b, ",\"site\":", 8);
		jb_str(&b, site, 20);
	}
	jb_raw(&b, ",\"message\":", 11);
	jb_str(&b, message ? message : "", 3);
	jb_raw(&b, "}\n", 2);
	return b.len;
}
