/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of fl_ops_http over a real loopback socket: /healthz,
 * /readyz following the daemon's readiness, /metrics from its handler,
 * 404, 405, a failing metrics handler (500), and a bad listen address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fl_err.h"
#include "fl_ops_http.h"
#include "fl_test.h"
#include "fl_util.h"

typedef struct t_state {
	atomic_int ready;
	atomic_int fail_metrics;
} t_state;

static int t_metrics(void *ctx, char **out, size_t *len)
{
	t_state *s = ctx;
	static const char text[] = "# HELP a_total A.\n# TYPE a_total counter\na_total 7\n";

	if (atomic_load(&s->fail_metrics))
		return FL_E_NOMEM;
	if ((*out = strdup(text)) == NULL)
		return FL_E_NOMEM;
	*len = strlen(text);
	return 0;
}

static int t_ready(void *ctx, char *reason, size_t cap)
{
	t_state *s = ctx;

	if (atomic_load(&s->ready))
		return 1;
	snprintf(reason, cap, "the store is not open yet");
	return 0;
}

/* One HTTP/1.0 request; returns the status and copies the body. */
static int t_get(int port, const char *method, const char *path, char *body,
		 size_t cap)
{
	struct sockaddr_in sa;
	char req[256], resp[4096];
	size_t got = 0;
	ssize_t n;
	int fd, status = -1;
	const char *p;

	body[0] = '\0';
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	while (got + 1 < sizeof(resp) &&
	       (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	if ((p = strstr(resp, "\r\n\r\n")) != NULL)
		snprintf(body, cap, "%s", p + 4);
out:
	close(fd);
	return status;
}

int main(void)
{
	t_state st;
	fl_ops_handlers h = { t_metrics, t_ready, &st };
	fl_ops_server *s = NULL;
	char body[1024], err[FL_ERRMSG_BYTES] = "";
	int port;

	atomic_init(&st.ready, 0);
	atomic_init(&st.fail_metrics, 0);
	FL_CHECK_EQ_INT(fl_ops_server_start("127.0.0.1:0", &h, &s, err), 0);
	port = fl_ops_server_port(s);
	FL_CHECK(port > 0);

	FL_CHECK_EQ_INT(t_get(port, "GET", "/healthz", body, sizeof(body)), 200);
	FL_CHECK(strcmp(body, "ok\n") == 0);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/readyz", body, sizeof(body)), 503);
	FL_CHECK(strcmp(body, "not ready: the store is not open yet\n") == 0);
	atomic_store(&st.ready, 1);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/readyz", body, sizeof(body)), 200);
	FL_CHECK(strcmp(body, "ready\n") == 0);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/metrics", body, sizeof(body)), 200);
	FL_CHECK(strstr(body, "a_total 7\n") != NULL);
	atomic_store(&st.fail_metrics, 1);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/metrics", body, sizeof(body)), 500);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/", body, sizeof(body)), 404);
	FL_CHECK_EQ_INT(t_get(port, "GET", "/metrics/../healthz", body, sizeof(body)), 404);
	FL_CHECK_EQ_INT(t_get(port, "DELETE", "/metrics", body, sizeof(body)), 405);
	FL_CHECK_EQ_INT(t_get(port, "HEAD", "/healthz", body, sizeof(body)), 200);
	fl_ops_server_free(s);
	/* after free, nobody answers */
	FL_CHECK_EQ_INT(t_get(port, "GET", "/healthz", body, sizeof(body)), -1);

	s = NULL;
	FL_CHECK_EQ_INT(fl_ops_server_start("no-port", &h, &s, err), FL_E_CONFIG);
	FL_CHECK(s == NULL && strstr(err, "host:port") != NULL);
	FL_CHECK_EQ_INT(fl_ops_server_start("127.0.0.1:99999", &h, &s, err), FL_E_CONFIG);
	FL_CHECK(s == NULL);
	fl_ops_server_free(NULL);
	return FL_TEST_DONE();
}
