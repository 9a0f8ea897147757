/* SPDX-License-Identifier: Apache-2.0 */
/* fl_proxy: HTTP CONNECT proxy URLs of the agent (check, redact, pick). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fl_err.h"
#include "fl_proxy.h"
#include "fl_util.h"

#define PROXY_SCHEME "http://"

void fl_proxy_url_redact(const char *url, char *out, size_t outlen)
{
	const char *at, *sep, *rest;
	size_t keep;

	if (!out || outlen == 0)
		return;
	out[0] = '\0';
	if (!url)
		return;
	/* the last '@' ends any user info, even in a malformed URL */
	if ((at = strrchr(url, '@')) == NULL) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	sep = strstr(url, "://");
	keep = (sep && sep < at) ? (size_t)(sep + 3 - url) : 0;
	rest = at;
	snprintf(out, outlen, "%.*s***%s", (int)keep, url, rest);
}

static bool is_unreserved(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	       ch == '~';
}

static bool is_hex(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

/* RFC 3986 userinfo: unreserved, %XX, sub-delims and ':'. */
static bool userinfo_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '%') {
			if (i + 2 >= n)
				return false;
			if (!is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (!is_unreserved(ch) && !strchr("!$&'()*+,;=:", ch))
			return false;
	}
	return true;
}

/* host:port, host a name, IPv4 or [IPv6]; port 1..65535 (required). */
static int hostport_check(const char *s, size_t n, const char **why)
{
	size_t hlen, i;
	unsigned long port = 0;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "an IPv6 address must end with ']'";
			return -1;
		}
		for (const char *p = s + 1; p < close; p++)
			if (!is_hex((unsigned char)*p) && *p != ':' && *p != '.') {
				*why = "bad character in the IPv6 address";
				return -1;
			}
		if (close == s + 1) {
			*why = "the host is empty";
			return -1;
		}
		hlen = (size_t)(close - s) + 1;
	} else {
		for (hlen = 0; hlen < n && s[hlen] != ':'; hlen++) {
			int ch = (unsigned char)s[hlen];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
			      ch == '_')) {
				*why = "bad character in the host name";
				return -1;
			}
		}
		if (hlen == 0) {
			*why = "the host is empty";
			return -1;
		}
	}
	if (hlen >= n || s[hlen] != ':') {
		*why = "the port is missing (http://host:port)";
		return -1;
	}
	if (hlen + 1 == n || n - hlen - 1 > 5) {
		*why = "the port must be a number in 1..65535";
		return -1;
	}
	for (i = hlen + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*why = "the port must be a number in 1..65535";
			return -1;
		}
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	if (port == 0 || port > 65535) {
		*why = "the port must be a number in 1..65535";
		return -1;
	}
	return 0;
}

static int url_check(const char *url, const char **why)
{
	const char *auth, *end, *at;
	size_t n = strlen(url);

	if (n >= FL_PROXY_URL_BYTES) {
		*why = "longer than 511 bytes";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f) {
			*why = "spaces or control characters";
			return -1;
		}
	if (strncasecmp(url, PROXY_SCHEME, strlen(PROXY_SCHEME)) != 0) {
		*why = strstr(url, "://") ? "only http:// proxies (HTTP CONNECT) "
			"are supported" : "it must start with http://";
		return -1;
	}
	auth = url + strlen(PROXY_SCHEME);
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		*why = "a path, query or fragment after host:port";
		return -1;
	}
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at) {
		if (memchr(at + 1, '@', (size_t)(end - at - 1)) ||
		    !userinfo_ok(auth, (size_t)(at - auth))) {
			*why = "bad user info (user:password@, with '%XX' for "
				"special characters)";
			return -1;
		}
		auth = at + 1;
	}
	return hostport_check(auth, (size_t)(end - auth), why);
}

int fl_proxy_url_check(const char *url, char *errmsg)
{
	char red[FL_PROXY_URL_BYTES];
	const char *why = "";

	if (!url || url[0] == '\0') {
		fl_errmsg_set(errmsg, "proxy URL is empty");
		return FL_E_CONFIG;
	}
	if (url_check(url, &why) == 0)
		return 0;
	fl_proxy_url_redact(url, red, sizeof(red));
	fl_errmsg_set(errmsg, "bad proxy URL '%.120s': %s", red, why);
	return FL_E_CONFIG;
}

int fl_proxy_pick(const char *cfg_proxy, const char **url, const char **source,
		  char *errmsg)
{
	static const char *const vars[] = { "grpc_proxy", "https_proxy",
					    "HTTPS_PROXY" };
	const char *u = NULL, *src = "none";
	char msg[FL_ERRMSG_BYTES];
	int r;

	if (!url || !source)
		return FL_E_INVAL;
	if (cfg_proxy) {
		u = cfg_proxy;
		src = "[agent] proxy";
	} else {
		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			if ((u = getenv(vars[i])) != NULL) {
				src = vars[i];
				break;
			}
	}
	if (u == NULL || u[0] == '\0') {
		*url = "";
		*source = src;
		return 0;
	}
	if ((r = fl_proxy_url_check(u, msg)) != 0) {
		fl_errmsg_set(errmsg, "%s: %s", src, msg);
		return r;
	}
	*url = u;
	*source = src;
	return 0;
}
