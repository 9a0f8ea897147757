/* SPDX-License-Identifier: Apache-2.0 */
/* agent_enroll: 'fedc-agent enroll': makes the site's key and CSR here,
 * trades the CSR and a one-time token for a certificate (Enroll RPC over
 * server-authenticated TLS), and writes a ready-to-run agent folder. The
 * private key never leaves this machine. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <grpc/status.h>

#include "agent_csr.h"
#include "agent_enroll.h"
#include "fl_ca.h"
#include "fl_codec_enroll.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_proxy.h"
#include "fl_rpc.h"
#include "fl_targets.h"
#include "fl_util.h"
#include "fl_wipe.h"

#define ENROLL_MAX_DATA 32
#define ENROLL_TIMEOUT_MS 30000u
#define TOKEN_PREFIX "fedc1."

typedef struct enroll_args {
	const char *coordinator, *token, *ca, *dir;
	const char *data[ENROLL_MAX_DATA];
	size_t ndata;
	bool force;
} enroll_args;

static void enroll_usage(FILE *f)
{
	fprintf(f,
"usage: fedc-agent enroll --coordinator HOST:PORT --token TOKEN --ca CA.pem\n"
"                         [--dir DIR] [--data NAME=PATH ...] [--force]\n"
"\n"
"Enrolls this site with a one-time token from the consortium operator\n"
"('fedctl site add' or 'fedctl site token'): makes the site's private key\n"
"here (ECDSA P-256, 0600; it never leaves this machine), sends only a\n"
"certificate request, and writes into DIR (default: the current folder)\n"
"SITE.key, SITE.pem, ca.pem and agent.ini, ready for\n"
"'fedc-agent --config DIR/agent.ini'. --data adds [data] lines. CA.pem is\n"
"the consortium's CA certificate, obtained out of band: it authenticates\n"
"the coordinator. Existing keys or agent.ini in DIR are not overwritten\n"
"without --force.\n");
}

static int parse(int argc, char **argv, enroll_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->dir = ".";
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			enroll_usage(stdout);
			return -1;
		} else if (!strcmp(o, "--coordinator") && more) {
			a->coordinator = argv[++i];
		} else if (!strcmp(o, "--token") && more) {
			a->token = argv[++i];
		} else if (!strcmp(o, "--ca") && more) {
			a->ca = argv[++i];
		} else if (!strcmp(o, "--dir") && more) {
			a->dir = argv[++i];
		} else if (!strcmp(o, "--data") && more) {
			if (a->ndata == ENROLL_MAX_DATA || !strchr(argv[i + 1], '=') ||
			    argv[i + 1][0] == '=') {
				fprintf(stderr, "fedc-agent enroll: --data NAME=PATH "
					"(at most %d)\n", ENROLL_MAX_DATA);
				return 2;
			}
			a->data[a->ndata++] = argv[++i];
		} else if (!strcmp(o, "--force")) {
			a->force = true;
		} else {
			fprintf(stderr, "fedc-agent enroll: unknown or incomplete option "
				"'%s'\nTry 'fedc-agent enroll --help'.\n", o);
			return 2;
		}
	}
	if (!a->coordinator || !a->token || !a->ca) {
		fprintf(stderr, "fedc-agent enroll: --coordinator, --token and --ca "
			"are required\nTry 'fedc-agent enroll --help'.\n");
		return 2;
	}
	return 0;
}

/* The token names the CA it was issued under (first 8 hex digits of the
 * SHA-256 of its certificate): check ca_pem is that CA before connecting. */
static int check_token_ca(const char *token, const char *ca_pem, size_t ca_len)
{
	fl_cert_info ci;
	size_t n = strlen(token), i;

	if (n < strlen(TOKEN_PREFIX) + 10 || n >= FL_ENROLL_TOKEN_BYTES ||
	    strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 ||
	    token[strlen(TOKEN_PREFIX) + 8] != '.') {
		fprintf(stderr, "fedc-agent enroll: this is not an enrollment token "
			"(they look like fedc1.XXXXXXXX.XXXX...; copy it whole from "
			"'fedctl site add' or 'fedctl site token')\n");
		return 2;
	}
	for (i = strlen(TOKEN_PREFIX); i < n; i++)
		if (!(token[i] == '.' || (token[i] >= '0' && token[i] <= '9') ||
		      (token[i] >= 'a' && token[i] <= 'f'))) {
			fprintf(stderr, "fedc-agent enroll: the token holds a bad "
				"character at position %zu (mistyped?)\n", i + 1);
			return 2;
		}
	if (fl_pki_cert_info(ca_pem, ca_len, &ci) != 0) {
		fprintf(stderr, "fedc-agent enroll: --ca: not a PEM certificate\n");
		return 2;
	}
	if (strncmp(ci.fingerprint, token + strlen(TOKEN_PREFIX), 8) != 0) {
		fprintf(stderr, "fedc-agent enroll: wrong CA file: the token was issued "
			"under a CA whose SHA-256 fingerprint starts %.8s, but the --ca "
			"file's starts %.8s (%s). Use the consortium's ca.pem, or ask for "
			"a token from this consortium's coordinator.\n",
			token + strlen(TOKEN_PREFIX), ci.fingerprint, ci.cn);
		return 2;
	}
	return 0;
}

static bool has_keys(const char *dir)
{
	char pat[FL_PATH_MAX_BYTES];
	glob_t g;
	bool any;

	snprintf(pat, sizeof(pat), "%s/*.key", dir);
	any = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return any;
}

static int call_enroll(const enroll_args *a, const char *csr,
		       fl_msg_enroll_reply *rep)
{
	fl_rpc_tls tls = { a->ca, NULL, NULL };
	const char *proxy = NULL, *psrc = NULL;
	char pmsg[FL_ERRMSG_BYTES] = "";
	fl_rpc_channel *ch = NULL;
	fl_targets tg;
	fl_msg_enroll_req req;
	fl_rpc_status st;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r, rc = 1;

	memset(&req, 0, sizeof(req));
	memset(&st, 0, sizeof(st));
	snprintf(req.token, sizeof(req.token), "%s", a->token);
	snprintf(req.agent_version, sizeof(req.agent_version), "fedc-agent");
	req.csr_pem = (char *)csr;
	if ((r = fl_codec_encode_enroll_req(&req, &buf, &len)) != 0) {
		fprintf(stderr, "fedc-agent enroll: cannot encode the request: %s\n",
			fl_strerror(r));
		goto out;
	}
	/* the proxy of the environment, checked (and redacted) as the daemon's */
	if (fl_proxy_pick(NULL, &proxy, &psrc, pmsg) != 0) {
		fprintf(stderr, "fedc-agent enroll: %s\n", pmsg);
		goto out;
	}
	if ((r = fl_targets_parse(a->coordinator, &tg, pmsg)) != 0) {
		fprintf(stderr, "fedc-agent enroll: --coordinator: %s\n", pmsg);
		goto out;
	}
	/* an active/standby list: a standby answers UNAVAILABLE */
	for (uint32_t i = 0; i < tg.n; i++, fl_targets_next(&tg)) {
		fl_rpc_channel_free(ch);
		ch = NULL;
		if ((r = fl_rpc_channel_new_via(fl_targets_current(&tg), &tls,
						FL_ENROLL_PEM_MAX * 4, 0, proxy,
						&ch)) != 0) {
			fprintf(stderr, "fedc-agent enroll: cannot open a channel to "
				"%s: %s\n", fl_targets_current(&tg), fl_strerror(r));
			goto out;
		}
		r = fl_rpc_unary(ch, FL_RPC_ENROLL, buf, len, ENROLL_TIMEOUT_MS,
				 &resp, &rlen, &st);
		if (r == 0 || i + 1 == tg.n || (st.code != GRPC_STATUS_UNAVAILABLE &&
						 st.code != GRPC_STATUS_DEADLINE_EXCEEDED))
			break;
		fprintf(stderr, "fedc-agent enroll: %s unavailable (%s); trying %s\n",
			fl_targets_current(&tg), st.detail, tg.t[(tg.cur + 1) % tg.n]);
	}
	if (r != 0) {
		switch (st.code) {
		case GRPC_STATUS_UNAVAILABLE:
		case GRPC_STATUS_DEADLINE_EXCEEDED:
			fprintf(stderr, "fedc-agent enroll: cannot reach the coordinator "
				"at %s (%s). Check the address and that --ca is the "
				"consortium's CA (a TLS failure looks the same).\n",
				fl_targets_current(&tg), st.detail);
			break;
		case GRPC_STATUS_PERMISSION_DENIED:
		case GRPC_STATUS_UNAUTHENTICATED:
			fprintf(stderr, "fedc-agent enroll: token refused: %s\n", st.detail);
			break;
		case GRPC_STATUS_INVALID_ARGUMENT:
			fprintf(stderr, "fedc-agent enroll: request refused: %s\n",
				st.detail);
			break;
		case GRPC_STATUS_FAILED_PRECONDITION:
			fprintf(stderr, "fedc-agent enroll: %s\n", st.detail);
			break;
		case GRPC_STATUS_UNIMPLEMENTED:
			fprintf(stderr, "fedc-agent enroll: the coordinator at %s does not "
				"offer enrollment (older version?)\n", a->coordinator);
			break;
		default:
			fprintf(stderr, "fedc-agent enroll: enrollment failed (status "
				"%d): %s\n", st.code, st.detail);
		}
		goto out;
	}
	if ((r = fl_codec_decode_enroll_reply(resp, rlen, rep)) != 0) {
		fprintf(stderr, "fedc-agent enroll: bad reply from the coordinator: "
			"%s\n", fl_strerror(r));
		goto out;
	}
	rc = 0;
out:
	fl_rpc_channel_free(ch);
	free(buf);
	free(resp);
	return rc;
}

/* The reply must hold a certificate for the named site. */
static int check_reply(const fl_msg_enroll_reply *rep)
{
	fl_cert_info ci;

	if (!rep->site[0] || strchr(rep->site, '/') || rep->site[0] == '.' ||
	    fl_pki_cert_info(rep->cert_pem, strlen(rep->cert_pem), &ci) != 0 ||
	    strcmp(ci.cn, rep->site) != 0 || strcmp(ci.role, "site") != 0) {
		fprintf(stderr, "fedc-agent enroll: the coordinator's reply does not "
			"hold a site certificate for '%s'\n", rep->site);
		return 1;
	}
	return 0;
}

static int write_ini(const enroll_args *a, const fl_msg_enroll_reply *rep,
		     const char *path)
{
	char *text = NULL, abs[PATH_MAX];
	size_t cap = 4096 + a->ndata * (2 * FL_PATH_MAX_BYTES), n = 0, i;
	int r;

	if ((text = malloc(cap)) == NULL)
		return FL_E_NOMEM;
	n += (size_t)snprintf(text + n, cap - n,
		"# written by 'fedc-agent enroll' for site %s\n"
		"[agent]\ncoordinator = %s\nstate_dir = .\nlog_level = info\n"
		"[tls]\nca = ca.pem\ncert = %s.pem\nkey = %s.key\n"
		"[data]\n", rep->site, a->coordinator, rep->site, rep->site);
	for (i = 0; i < a->ndata && n < cap; i++) {
		const char *eq = strchr(a->data[i], '=');
		const char *p = eq + 1;

		if (p[0] != '/' && realpath(p, abs) != NULL)
			p = abs;
		n += (size_t)snprintf(text + n, cap - n, "%.*s = %s\n",
				      (int)(eq - a->data[i]), a->data[i], p);
	}
	if (n < cap)
		n += (size_t)snprintf(text + n, cap - n,
			"# add this site's datasets above, one 'NAME = path/to/file.csv'\n"
			"# line each. [policy] (optional; see fedc-agent --help): what\n"
			"# this site agrees to take part in, e.g.\n"
			"# [policy]\n#   allowed_models = logistic, softmax\n"
			"#   min_other_participants = 2\n");
	r = n >= cap ? FL_E_TOOBIG : fl_file_write(path, text, n, 0644);
	free(text);
	return r;
}

int fl_agent_enroll_main(int argc, char **argv)
{
	enroll_args a;
	fl_msg_enroll_reply rep;
	char kpath[FL_PATH_MAX_BYTES], cpath[FL_PATH_MAX_BYTES];
	char apath[FL_PATH_MAX_BYTES], ipath[FL_PATH_MAX_BYTES];
	char *key = NULL, *csr = NULL, *ca = NULL;
	size_t klen = 0, clen = 0, calen = 0;
	bool rpc_up = false;
	int r, rc;

	memset(&rep, 0, sizeof(rep));
	if ((rc = parse(argc, argv, &a)) != 0)
		return rc < 0 ? 0 : rc;
	rc = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "fedc-agent enroll: libsodium failed to initialise\n");
		return 1;
	}
	if ((r = fl_file_read(a.ca, FL_ENROLL_PEM_MAX, &ca, &calen)) != 0) {
		char eb[64];

		fprintf(stderr, "fedc-agent enroll: cannot read --ca %s: %s\n", a.ca,
			fl_file_strerror(r, FL_ENROLL_PEM_MAX, eb, sizeof(eb)));
		rc = 2;
		goto out;
	}
	if ((rc = check_token_ca(a.token, ca, calen)) != 0)
		goto out;
	rc = 1;
	if (mkdir(a.dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "fedc-agent enroll: cannot make %s: %s\n", a.dir,
			strerror(errno));
		goto out;
	}
	snprintf(ipath, sizeof(ipath), "%s/agent.ini", a.dir);
	if (!a.force && (has_keys(a.dir) || access(ipath, F_OK) == 0)) {
		fprintf(stderr, "fedc-agent enroll: %s already holds a key or an "
			"agent.ini; not overwriting (use --force to replace them, or "
			"another --dir)\n", a.dir);
		rc = 2;
		goto out;
	}
	/* the CSR's subject is ignored: the CA names the site after the token */
	if ((r = fl_ca_keygen_csr("enrolling-site", &key, &klen, &csr, &clen)) != 0) {
		fprintf(stderr, "fedc-agent enroll: cannot make the key: %s\n",
			fl_strerror(r));
		goto out;
	}
	fl_rpc_global_init();
	rpc_up = true;
	if ((rc = call_enroll(&a, csr, &rep)) != 0 || (rc = check_reply(&rep)) != 0)
		goto out;
	rc = 1;
	snprintf(kpath, sizeof(kpath), "%s/%s.key", a.dir, rep.site);
	snprintf(cpath, sizeof(cpath), "%s/%s.pem", a.dir, rep.site);
	snprintf(apath, sizeof(apath), "%s/ca.pem", a.dir);
	if ((r = fl_file_write(kpath, key, klen, 0600)) != 0 ||
	    (r = fl_file_write(cpath, rep.cert_pem, strlen(rep.cert_pem), 0644)) != 0 ||
	    (r = fl_file_write(apath, ca, calen, 0644)) != 0 ||
	    (r = write_ini(&a, &rep, ipath)) != 0) {
		fprintf(stderr, "fedc-agent enroll: cannot write into %s: %s\n", a.dir,
			fl_strerror(r));
		goto out;
	}
	printf("enrolled as site '%s' (certificate serial %s): wrote %s (private "
	       "key, 0600: it stays here), %s, %s and %s\n"
	       "start the agent with: fedc-agent --config %s\n", rep.site,
	       rep.serial, kpath, cpath, apath, ipath, ipath);
	rc = 0;
out:
	fl_wipe_free(key, klen);
	free(csr);
	free(ca);
	fl_msg_enroll_reply_clear(&rep);
	if (rpc_up)
		fl_rpc_global_shutdown();
	return rc;
}
