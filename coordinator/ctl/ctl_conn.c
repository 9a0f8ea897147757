/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_conn: where fedctl connects (flags, FEDC_* variables, profile), the
 * calls it makes, and how failures become messages and exit codes. */
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grpc/status.h>

#include "ctl.h"
#include "fl_codec.h"
#include "fl_codec_blob.h"
#include "fl_err.h"

/* gRPC status codes (fixed by the gRPC protocol). */
enum {
	GRPC_CODE_INVALID_ARGUMENT = 3,
	GRPC_CODE_DEADLINE_EXCEEDED = 4,
	GRPC_CODE_NOT_FOUND = 5,
	GRPC_CODE_PERMISSION_DENIED = 7,
	GRPC_CODE_UNAVAILABLE = 14,
	GRPC_CODE_UNAUTHENTICATED = 16
};

#define MODEL_MAX_BYTES ((size_t)1 << 30)

typedef struct profile_ctx {
	ctl_ctx *c;
	char dir[FL_PATH_BYTES];
	char *errmsg;
	int bad;
} profile_ctx;

static int set_path(char *dst, const char *dir, const char *v)
{
	int n;

	if (dst[0])
		return 0;   /* a flag or variable already set it */
	if (v[0] == '/' || dir[0] == '\0')
		n = snprintf(dst, FL_PATH_BYTES, "%s", v);
	else
		n = snprintf(dst, FL_PATH_BYTES, "%s/%s", dir, v);
	return n < 0 || n >= FL_PATH_BYTES ? -1 : 0;
}

static int profile_kv(void *user, const char *section, const char *name,
		      const char *value)
{
	profile_ctx *p = user;
	ctl_ctx *c = p->c;
	int r = 0;

	if (strcmp(section, "fedctl") != 0) {
		fl_errmsg_set(p->errmsg, "unknown section [%s] (only [fedctl])", section);
		p->bad = 1;
		return 0;
	}
	if (strcmp(name, "coordinator") == 0) {
		if (!c->coordinator[0])
			r = snprintf(c->coordinator, sizeof(c->coordinator), "%s", value) >=
				(int)sizeof(c->coordinator) ? -1 : 0;
	} else if (strcmp(name, "ca") == 0) {
		r = set_path(c->ca, p->dir, value);
	} else if (strcmp(name, "cert") == 0) {
		r = set_path(c->cert, p->dir, value);
	} else if (strcmp(name, "key") == 0) {
		r = set_path(c->key, p->dir, value);
	} else {
		fl_errmsg_set(p->errmsg, "unknown key '%s' (coordinator, ca, cert, key)",
			      name);
		p->bad = 1;
		return 0;
	}
	if (r != 0) {
		fl_errmsg_set(p->errmsg, "value of '%s' is too long", name);
		p->bad = 1;
		return 0;
	}
	return 1;
}

int ctl_profile_load(ctl_ctx *c, const char *path, char *errmsg)
{
	char detail[FL_ERRMSG_BYTES] = "";
	profile_ctx p;
	const char *slash;
	int line;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.errmsg = detail;
	if ((slash = strrchr(path, '/')) != NULL &&
	    (size_t)(slash - path) < sizeof(p.dir))
		memcpy(p.dir, path, (size_t)(slash - path));
	if (slash == path)
		strcpy(p.dir, "/");
	line = ini_parse(path, profile_kv, &p);
	if (line < 0) {
		fl_errmsg_set(errmsg, "%s: cannot read the profile", path);
		return FL_E_IO;
	}
	if (line > 0 || p.bad) {
		fl_errmsg_set(errmsg, "%s:%d: %s", path, line,
			      detail[0] ? detail : "does not parse");
		return FL_E_CONFIG;
	}
	return 0;
}

static void from_env(char *dst, size_t len, const char *var)
{
	const char *v = getenv(var);

	if (!dst[0] && v && v[0] && strlen(v) < len)
		memcpy(dst, v, strlen(v) + 1);
}

int ctl_conn_resolve(ctl_ctx *c)
{
	char msg[FL_ERRMSG_BYTES] = "", def[FL_PATH_BYTES];
	const char *home = getenv("HOME"), *profile = c->profile;
	int r;

	from_env(c->coordinator, sizeof(c->coordinator), "FEDC_COORDINATOR");
	from_env(c->ca, sizeof(c->ca), "FEDC_CA");
	from_env(c->cert, sizeof(c->cert), "FEDC_CERT");
	from_env(c->key, sizeof(c->key), "FEDC_KEY");
	if (!profile && home && home[0] &&
	    snprintf(def, sizeof(def), "%s/.config/fedc/fedctl.ini", home) <
	    (int)sizeof(def) && access(def, R_OK) == 0)
		profile = def;
	if (profile && (r = ctl_profile_load(c, profile, msg)) != 0) {
		fprintf(c->err, "fedctl: bad profile: %s\n", msg);
		return CTL_EXIT_USAGE;
	}
	if (!c->coordinator[0] || !c->ca[0] || !c->cert[0] || !c->key[0]) {
		fprintf(c->err, "fedctl: no %s given\nhint: pass --coordinator HOST:PORT "
			"--ca F --cert F --key F, set FEDC_COORDINATOR, FEDC_CA, "
			"FEDC_CERT, FEDC_KEY, or write a profile ([fedctl] in "
			"~/.config/fedc/fedctl.ini)\n",
			!c->coordinator[0] ? "coordinator address" : !c->ca[0] ?
			"CA file" : !c->cert[0] ? "certificate" : "key");
		return CTL_EXIT_USAGE;
	}
	/* once: a failover moves tg.cur, and later channels keep it */
	if (c->tg.n == 0 && fl_targets_parse(c->coordinator, &c->tg, msg) != 0) {
		fprintf(c->err, "fedctl: --coordinator: %s\n", msg);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

int ctl_exit_code(int err, int grpc_code)
{
	if (err == 0)
		return CTL_EXIT_OK;
	switch (grpc_code) {
	case GRPC_CODE_UNAVAILABLE:
	case GRPC_CODE_DEADLINE_EXCEEDED:
		return CTL_EXIT_UNREACHABLE;
	case GRPC_CODE_NOT_FOUND:
		return CTL_EXIT_NOTFOUND;
	case GRPC_CODE_PERMISSION_DENIED:
	case GRPC_CODE_UNAUTHENTICATED:
		return CTL_EXIT_DENIED;
	case GRPC_CODE_INVALID_ARGUMENT:
		return CTL_EXIT_INVALID;
	default:
		break;
	}
	if (grpc_code != 0)
		return CTL_EXIT_OTHER;
	/* No server status: a local failure. */
	switch (err) {
	case FL_E_NET:
	case FL_E_TIMEOUT:
		return CTL_EXIT_UNREACHABLE;
	case FL_E_NOTFOUND:
		return CTL_EXIT_NOTFOUND;
	case FL_E_DENIED:
	case FL_E_AUTH:
		return CTL_EXIT_DENIED;
	case FL_E_INVAL:
	case FL_E_SPEC:
	case FL_E_PARSE:
		return CTL_EXIT_INVALID;
	default:
		return CTL_EXIT_OTHER;
	}
}

static const char *hint(const ctl_ctx *c, int code)
{
	switch (code) {
	case CTL_EXIT_UNREACHABLE:
		return "check that the coordinator runs at this address and that "
			"--ca, --cert and --key come from the consortium's CA";
	case CTL_EXIT_NOTFOUND:
		return "'fedctl job list' shows the jobs that exist";
	case CTL_EXIT_DENIED:
		return "use an operator certificate with the admin role for changes "
			"(a viewer may only list and watch)";
	case CTL_EXIT_INVALID:
		return "fix the input named above and try again";
	default:
		(void)c;
		return "see the coordinator's log for details";
	}
}

int ctl_report(ctl_ctx *c, const char *what, int err, const fl_rpc_status *st)
{
	int code = ctl_exit_code(err, st ? st->code : 0);
	const char *detail = st && st->detail[0] ? st->detail : fl_strerror(err);

	if (code == CTL_EXIT_UNREACHABLE)
		fprintf(c->err, "fedctl: %s: cannot reach the coordinator at %s: %s\n",
			what, c->coordinator, detail);
	else
		fprintf(c->err, "fedctl: %s: %s\n", what, detail);
	if (code == CTL_EXIT_DENIED && strstr(detail, "is revoked by CRL"))
		fprintf(c->err, "hint: this certificate was revoked by the consortium "
			"CA; an operator must issue you a new one ('fedctl ca issue')\n");
	else
		fprintf(c->err, "hint: %s\n", hint(c, code));
	return code;
}

int ctl_bad_reply(ctl_ctx *c, const char *what, int err)
{
	fprintf(c->err, "fedctl: %s: bad reply: %s\n", what, fl_strerror(err));
	return CTL_EXIT_OTHER;
}

static int channel(ctl_ctx *c, const char *what)
{
	fl_rpc_tls tls = { c->ca, c->cert, c->key };
	int r;

	if (c->ch)
		return 0;
	if ((r = ctl_conn_resolve(c)) != 0)
		return r;
	if ((r = fl_rpc_channel_new(fl_targets_current(&c->tg), &tls, FL_MSG_MAX_BYTES,
				    &c->ch)) != 0) {
		fprintf(c->err, "fedctl: %s: cannot read the TLS files (%s, %s, %s): %s\n"
			"hint: check the paths and that the key is readable\n", what,
			c->ca, c->cert, c->key, fl_strerror(r));
		return CTL_EXIT_OTHER;
	}
	return 0;
}

int ctl_channel_open(ctl_ctx *c, const char *what)
{
	return channel(c, what);
}

bool ctl_failover(ctl_ctx *c, const fl_rpc_status *st, uint32_t *tried)
{
	if (st == NULL || st->code != GRPC_STATUS_UNAVAILABLE || c->tg.n < 2 ||
	    ++*tried >= c->tg.n)
		return false;
	fl_rpc_channel_free(c->ch);
	c->ch = NULL;
	fl_targets_next(&c->tg);
	return channel(c, "failover") == 0;
}

int ctl_call(ctl_ctx *c, const char *method, const uint8_t *req, size_t reqlen,
	     uint8_t **resp, size_t *resplen, const char *what)
{
	fl_rpc_status st;
	uint32_t tried = 0;
	int r;

	if ((r = channel(c, what)) != 0)
		return r;
	do {
		memset(&st, 0, sizeof(st));
		r = fl_rpc_unary(c->ch, method, req, reqlen, c->timeout_ms, resp,
				 resplen, &st);
	} while (r != 0 && ctl_failover(c, &st, &tried));
	return r == 0 ? 0 : ctl_report(c, what, r, &st);
}

int ctl_fetch_model(ctl_ctx *c, uint64_t job_id, uint32_t version, bool latest,
		    uint8_t **buf, size_t *len)
{
	fl_msg_model_req req = { job_id, version, latest };
	fl_rpc_status st;
	fl_rpc_stream *s = NULL;
	fl_codec_blob blob;
	char emsg[FL_ERRMSG_BYTES] = "";
	uint8_t *msg = NULL;
	size_t mlen = 0;
	uint32_t tried = 0;
	bool broke = false;
	int r, rc;

	memset(&st, 0, sizeof(st));
	memset(&blob, 0, sizeof(blob));
	if ((rc = channel(c, "model get")) != 0)
		return rc;
	if ((r = fl_codec_encode_model_req(&req, &msg, &mlen)) != 0) {
		rc = ctl_report(c, "model get", r, NULL);
		goto out;
	}
retry:
	if ((r = fl_rpc_stream_open(c->ch, FL_RPC_CTL_GET_MODEL, c->timeout_ms, &s)) != 0 ||
	    (r = fl_rpc_stream_send(s, msg, mlen)) != 0 ||
	    (r = fl_rpc_stream_close_send(s)) != 0)
		rc = -1;   /* -1: the status tells why */
	else if ((r = fl_codec_blob_recv(s, &blob, MODEL_MAX_BYTES, emsg, &broke)) != 0)
		rc = broke ? -1 : CTL_EXIT_OTHER;
	else
		rc = 0;
	if (s && (r = fl_rpc_stream_finish(s, &st)) != 0) {
		if (blob.len == 0 && ctl_failover(c, &st, &tried)) {
			/* nothing received: a standby's refusal; the next one */
			fl_rpc_stream_free(s);
			s = NULL;
			fl_codec_blob_clear(&blob);
			memset(&st, 0, sizeof(st));
			goto retry;
		}
		rc = ctl_report(c, "model get", r, &st);
		goto out;
	}
	if (rc == CTL_EXIT_OTHER)
		fprintf(c->err, "fedctl: model get: %s\n", emsg);
	else if (rc < 0)
		rc = ctl_report(c, "model get", FL_E_NET, &st);
	if (rc == 0) {
		*buf = blob.data;
		*len = blob.len;
		blob.data = NULL;
	}
out:
	fl_rpc_stream_free(s);
	free(msg);
	fl_codec_blob_clear(&blob);
	return rc;
}
