/* SPDX-License-Identifier: Apache-2.0 */
/* fl_proxy: HTTP CONNECT proxy URLs of the agent (check, redact, pick). */
#ifndef FL_PROXY_H
#define FL_PROXY_H

#include <stddef.h>

#define FL_PROXY_URL_BYTES 512

/*
 * Checks a proxy URL of the form http://[user[:password]@]host:port[/]:
 * scheme http (gRPC speaks HTTP CONNECT in clear to the proxy; the TLS
 * session to the coordinator runs inside the tunnel), a host name, an IPv4
 * address or a [bracketed] IPv6 address, and a port in 1..65535. The user
 * info, if any, is sent to the proxy as Proxy-Authorization: Basic.
 * Returns 0, or FL_E_CONFIG with the reason in errmsg (FL_ERRMSG_BYTES, may
 * be NULL). errmsg never holds the user info: the URL is quoted redacted.
 */
int fl_proxy_url_check(const char *url, char *errmsg);

/* Writes url to out (outlen bytes, truncated, always terminated) with any
 * user info ("user:password@") replaced by "***@", whether or not url is
 * valid: for every log line and error message that names a proxy. */
void fl_proxy_url_redact(const char *url, char *out, size_t outlen);

/*
 * The proxy the agent dials through: configured (cfg_proxy not NULL: its
 * [agent] proxy key, "" = dial directly) or else the first set of the
 * environment variables grpc_proxy, https_proxy and HTTPS_PROXY (an empty
 * value: no proxy). http_proxy is not read: it names the proxy for plain
 * http:// traffic, and the agent's is TLS (as curl does).
 * On 0, *url points at cfg_proxy or into the environment ("" = dial
 * directly) and *source names where it came from ("[agent] proxy", the
 * variable's name, or "none"). FL_E_CONFIG with errmsg set (redacted) if
 * the chosen URL is malformed.
 */
int fl_proxy_pick(const char *cfg_proxy, const char **url, const char **source,
		  char *errmsg);

#endif
