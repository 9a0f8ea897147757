/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ops_http: /metrics, /healthz and /readyz over plain HTTP (libmicrohttpd). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "fl_err.h"
#include "fl_log.h"
#include "fl_ops_http.h"
#include "fl_util.h"

struct fl_ops_server {
	struct MHD_Daemon *d;
	fl_ops_handlers h;
	int port;
};

static enum MHD_Result ops_reply(struct MHD_Connection *c, unsigned status,
				 const char *ctype, void *body, size_t len,
				 enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (resp == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result ops_text(struct MHD_Connection *c, unsigned status,
				const char *text)
{
	return ops_reply(c, status, "text/plain; charset=utf-8", (void *)text,
			 strlen(text), MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result ops_ready(fl_ops_server *s, struct MHD_Connection *c)
{
	char reason[FL_OPS_REASON_BYTES] = "", body[FL_OPS_REASON_BYTES + 32];

	if (s->h.ready == NULL || s->h.ready(s->h.ctx, reason, sizeof(reason)))
		return ops_text(c, MHD_HTTP_OK, "ready\n");
	snprintf(body, sizeof(body), "not ready: %s\n",
		 reason[0] ? reason : "starting");
	return ops_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, body);
}

static enum MHD_Result ops_metrics(fl_ops_server *s, struct MHD_Connection *c)
{
	char *text = NULL;
	size_t len = 0;

	if (s->h.metrics == NULL || s->h.metrics(s->h.ctx, &text, &len) != 0) {
		free(text);
		return ops_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				"cannot collect the metrics\n");
	}
	return ops_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			 text, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result ops_handle(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	fl_ops_server *s = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return ops_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				"only GET and HEAD are served here\n");
	if (*upload_data_size != 0)
		return MHD_NO;
	if (strcmp(url, "/metrics") == 0)
		return ops_metrics(s, c);
	if (strcmp(url, "/healthz") == 0)
		return ops_text(c, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/readyz") == 0)
		return ops_ready(s, c);
	return ops_text(c, MHD_HTTP_NOT_FOUND,
			"not found: try /metrics, /healthz or /readyz\n");
}

/* "host:port" or "[v6]:port" -> a resolved socket address. */
static int ops_resolve(const char *listen, struct addrinfo **ai, char *errmsg)
{
	char host[256];
	const char *colon = strrchr(listen, ':'), *h = host;
	struct addrinfo hints;
	size_t hl;

	if (colon == NULL || colon == listen || colon[1] == '\0' ||
	    (size_t)(colon - listen) >= sizeof(host)) {
		fl_errmsg_set(errmsg, "[ops] listen '%.60s' is not host:port", listen);
		return FL_E_CONFIG;
	}
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) > 65535) {
		fl_errmsg_set(errmsg, "[ops] listen '%.60s': the port must be a "
			      "number in 0..65535", listen);
		return FL_E_CONFIG;
	}
	hl = (size_t)(colon - listen);
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(h, colon + 1, &hints, ai) != 0 || *ai == NULL) {
		fl_errmsg_set(errmsg, "[ops] listen '%.60s': cannot resolve the host "
			      "or the port", listen);
		return FL_E_CONFIG;
	}
	return 0;
}

int fl_ops_server_start(const char *listen, const fl_ops_handlers *h,
			fl_ops_server **out, char *errmsg)
{
	struct addrinfo *ai = NULL;
	fl_ops_server *s;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int r;

	if (listen == NULL || h == NULL || out == NULL)
		return FL_E_INVAL;
	if ((r = ops_resolve(listen, &ai, errmsg)) != 0)
		return r;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		freeaddrinfo(ai);
		return FL_E_NOMEM;
	}
	s->h = *h;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, ops_handle, s,
				MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_END);
	freeaddrinfo(ai);
	if (s->d == NULL) {
		fl_errmsg_set(errmsg, "[ops] cannot listen on %.60s (is the port in "
			      "use?)", listen);
		free(s);
		return FL_E_IO;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? (int)info->port : 0;
	*out = s;
	return 0;
}

int fl_ops_server_port(const fl_ops_server *s)
{
	return s ? s->port : 0;
}

void fl_ops_server_free(fl_ops_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}

int fl_ops_server_start_cfg(const char *listen, const char *port_file,
			    const fl_ops_handlers *h, fl_ops_server **out)
{
	char errmsg[FL_ERRMSG_BYTES] = "", buf[16];
	fl_ops_server *s = NULL;
	int r, n;

	*out = NULL;
	if (listen == NULL || listen[0] == '\0')
		return 0;
	if ((r = fl_ops_server_start(listen, h, &s, errmsg)) != 0) {
		fl_error("%s", errmsg[0] ? errmsg : fl_strerror(r));
		return r;
	}
	fl_info("ops listener on %s (port %d): /metrics, /healthz, /readyz",
		listen, s->port);
	if (port_file != NULL && port_file[0] != '\0') {
		n = snprintf(buf, sizeof(buf), "%d\n", s->port);
		if ((r = fl_file_write(port_file, buf, (size_t)n, 0644)) != 0) {
			fl_error("cannot write [ops] port_file %s: %s", port_file,
				 fl_strerror(r));
			fl_ops_server_free(s);
			return r;
		}
	}
	*out = s;
	return 0;
}
