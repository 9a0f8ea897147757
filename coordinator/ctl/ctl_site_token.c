/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site_token: one-time enrollment tokens ('fedctl site token NAME', and
 * the token that 'fedctl site add' prints for a site). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <grpc/status.h>

#include "ctl.h"
#include "fl_codec_enroll.h"
#include "fl_err.h"

int ctl_parse_ttl(ctl_ctx *c, const char *what, const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v;

	*out = 0;
	if (!s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 90ul * 24 * 3600) {
		fprintf(c->err, "fedctl: %s: --token-ttl is a number of seconds, 1 "
			"to 7776000 (90 days), not '%s'\n", what, s);
		return CTL_EXIT_USAGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static void print_token(ctl_ctx *c, const fl_msg_enroll_token *t, bool wrap_json)
{
	char when[32];

	if (c->json) {
		fputs(wrap_json ? "\"enroll\":{\"site\":" : "{\"site\":", c->out);
		ctl_json_str(c->out, t->site);
		ctl_json_kstr(c->out, "token", t->token);
		fprintf(c->out, ",\"expires_ms\":%lld,\"coordinator\":",
			(long long)t->expires_ms);
		ctl_json_str(c->out, c->coordinator);
		fputs(wrap_json ? "}" : "}\n", c->out);
		return;
	}
	fprintf(c->out, "enrollment token for '%s' (one use; expires %s UTC):\n"
		"  %s\n"
		"at the site, with the consortium's CA certificate as ca.pem, run:\n"
		"  fedc-agent enroll --coordinator %s --token %s --ca ca.pem --dir DIR\n",
		t->site, ctl_fmt_time(t->expires_ms, when, sizeof(when)), t->token,
		c->coordinator, t->token);
}

int ctl_site_token_issue(ctl_ctx *c, const char *what, const char *site,
			 uint32_t ttl_s, bool after_add)
{
	fl_msg_enroll_token_req req;
	fl_msg_enroll_token tok;
	fl_rpc_status st;
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r, rc = 0;

	memset(&req, 0, sizeof(req));
	memset(&tok, 0, sizeof(tok));
	snprintf(req.site, sizeof(req.site), "%s", site);
	req.ttl_s = ttl_s;
	if ((r = fl_codec_encode_enroll_token_req(&req, &buf, &len)) != 0)
		return ctl_report(c, what, r, NULL);
	if (after_add && c->ch) {
		/* the site is added: a coordinator whose CA is offline (or that
		 * predates enrollment) is not an error, only a different path */
		memset(&st, 0, sizeof(st));
		r = fl_rpc_unary(c->ch, FL_RPC_CTL_ISSUE_TOKEN, buf, len,
				 c->timeout_ms, &resp, &rlen, &st);
		if (r != 0) {
			if (c->json)
				fputs("\"enroll\":null", c->out);
			if (st.code == GRPC_STATUS_FAILED_PRECONDITION ||
			    st.code == GRPC_STATUS_UNIMPLEMENTED) {
				if (!c->json)
					fprintf(c->out, "no enrollment token: the "
						"coordinator's CA is offline. Certify "
						"the site by hand: at the site "
						"'fedc-agent csr --name %s', then the CA "
						"operator runs 'fedctl ca sign %s.csr' "
						"and sends back %s.pem\n", site, site, site);
				rc = 0;
			} else {
				rc = ctl_report(c, what, r, &st);
			}
			goto out;
		}
	} else if ((rc = ctl_call(c, FL_RPC_CTL_ISSUE_TOKEN, buf, len, &resp, &rlen,
				  what)) != 0) {
		goto out;
	}
	if ((r = fl_codec_decode_enroll_token(resp, rlen, &tok)) != 0) {
		if (after_add && c->json)
			fputs("\"enroll\":null", c->out);
		rc = ctl_bad_reply(c, what, r);
		goto out;
	}
	print_token(c, &tok, after_add);
	rc = 0;
out:
	sodium_memzero(&tok, sizeof(tok));
	if (resp)
		sodium_memzero(resp, rlen);
	free(resp);
	free(buf);
	return rc < 0 ? CTL_EXIT_OTHER : rc;
}

int ctl_site_token(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *ttl = NULL;
	const ctl_opt opts[] = { { "--token-ttl", NULL, &ttl, NULL } };
	uint32_t ttl_s;
	int rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, opts, 1, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ctl_parse_ttl(c, "site token", ttl, &ttl_s)) != 0)
		return rc;
	return ctl_site_token_issue(c, "site token", pos[0], ttl_s, false);
}
