/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ca_members: fedctl ca members: the consortium's member list
 * (SECAGG.md R1) made from the site certificates and signed offline with
 * the CA key. Never connects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ctl.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_members.h"
#include "fl_pki.h"
#include "fl_util.h"

#define MEMBERS_DEFAULT_DIR "pki"

/* One "CERT.pem[=ORG]" argument into *e, checked against the CA. */
static int members_entry(ctl_ctx *c, const char *arg, const char *ca_pem,
			 size_t ca_len, fl_member *e)
{
	char path[FL_PATH_BYTES];
	const char *eq = strrchr(arg, '=');
	fl_cert_info info;
	char *pem = NULL;
	size_t len = 0, plen = eq ? (size_t)(eq - arg) : strlen(arg);
	int r, rc = CTL_EXIT_INVALID;

	memset(e, 0, sizeof(*e));
	if (plen == 0 || plen >= sizeof(path) || (eq && (eq[1] == '\0' ||
	    strlen(eq + 1) >= sizeof(e->org)))) {
		fprintf(c->err, "fedctl: ca members: bad argument '%s': expected "
			"CERT.pem or CERT.pem=ORG (ORG at most %u bytes)\n", arg,
			FL_NAME_BYTES - 1);
		return CTL_EXIT_USAGE;
	}
	memcpy(path, arg, plen);
	path[plen] = '\0';
	if ((r = fl_file_read(path, FL_CA_MAX_PEM, &pem, &len)) != 0) {
		char eb[64];

		fprintf(c->err, "fedctl: ca members: cannot read %s: %s\n", path,
			fl_file_strerror(r, FL_CA_MAX_PEM, eb, sizeof(eb)));
		return CTL_EXIT_NOTFOUND;
	}
	if ((r = fl_pki_cert_info(pem, len, &info)) != 0 ||
	    (r = fl_pki_cert_pkhash(pem, len, e->pkhash)) != 0) {
		fprintf(c->err, "fedctl: ca members: %s is not a PEM certificate: %s\n",
			path, fl_strerror(r));
		goto out;
	}
	if (strcmp(info.role, FL_ROLE_SITE) != 0) {
		fprintf(c->err, "fedctl: ca members: %s is the certificate of '%s' "
			"with role '%s'; only site certificates are members\n", path,
			info.cn, info.role[0] ? info.role : "(none)");
		goto out;
	}
	if ((r = fl_pki_cert_issued_by(ca_pem, ca_len, pem, len)) != 0) {
		fprintf(c->err, "fedctl: ca members: %s ('%s') is not issued by this "
			"CA, or has expired: %s\n", path, info.cn, fl_strerror(r));
		goto out;
	}
	snprintf(e->name, sizeof(e->name), "%s", info.cn);
	snprintf(e->org, sizeof(e->org), "%s", eq ? eq + 1 : info.cn);
	rc = 0;
out:
	free(pem);
	return rc;
}

/* Refuses to replace a list of this CA with one that is not newer. */
static int members_not_older(ctl_ctx *c, const char *out, uint64_t version,
			     const char *ca_pem, size_t ca_len)
{
	fl_members old;
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	memset(&old, 0, sizeof(old));
	if (fl_file_read(out, FL_MEMBERS_MAX_BYTES, &text, &len) != 0)
		return 0;   /* no list yet */
	if (fl_members_parse_verified(text, len, ca_pem, ca_len, &old, NULL) == 0 &&
	    old.version >= version) {
		fprintf(c->err, "fedctl: ca members: %s holds version %llu of the list; "
			"give --version %llu or more (agents refuse a list that is "
			"not newer than theirs)\n", out, (unsigned long long)old.version,
			(unsigned long long)old.version + 1);
		rc = CTL_EXIT_INVALID;
	}
	fl_members_clear(&old);
	free(text);
	return rc;
}

/* The CA's key as an fl_sign_key (the CA key PEM is wiped). Exit code. */
static int members_key(ctl_ctx *c, fl_ca *ca, fl_sign_key **key)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_ca_key_pem(ca, NULL, &pem, &len)) == 0) {
		r = fl_sign_key_load_pem(pem, len, key);
		sodium_memzero(pem, len);
		free(pem);
	}
	if (r != 0) {
		fprintf(c->err, "fedctl: ca members: the CA key cannot sign the list: "
			"%s (ECDSA P-256 or Ed25519 keys only)\n", fl_strerror(r));
		return CTL_EXIT_INVALID;
	}
	return 0;
}

static void members_print(ctl_ctx *c, const fl_members *m, const char *out)
{
	if (c->json) {
		fprintf(c->out, "{\"version\":%llu,\"members\":%u,\"file\":",
			(unsigned long long)m->version, m->count);
		ctl_json_str(c->out, out);
		fputs("}\n", c->out);
		return;
	}
	fprintf(c->out, "wrote member list version %llu (%u site(s)) to %s, signed "
		"by the CA:\n", (unsigned long long)m->version, m->count, out);
	for (uint32_t i = 0; i < m->count; i++)
		fprintf(c->out, "  %s (%s)\n", m->items[i].name, m->items[i].org);
}

int ctl_ca_members(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *dir = MEMBERS_DEFAULT_DIR, *ver_s = NULL, *out = NULL;
	const char *passfile = NULL, **pos = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--version", NULL, &ver_s, NULL },
		{ "--output", "-o", &out, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
	};
	char err[FL_ERRMSG_BYTES] = "", *ca_pem = NULL, *text = NULL;
	size_t npos = 0, ca_len = 0, len = 0;
	fl_sign_key *key = NULL;
	fl_members m;
	fl_ca *ca = NULL;
	uint64_t version;
	int r, rc;

	memset(&m, 0, sizeof(m));
	if (!(pos = calloc(FL_MEMBERS_MAX + 1, sizeof(*pos))))
		return CTL_EXIT_OTHER;
	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 4, pos, 1,
				 FL_MEMBERS_MAX)) != 0) {
		rc = rc == CTL_HELP_SHOWN ? 0 : rc;
		goto out;
	}
	while (npos < FL_MEMBERS_MAX && pos[npos])
		npos++;
	rc = CTL_EXIT_USAGE;
	if (!ver_s || ctl_parse_u64(ver_s, 1, UINT64_MAX, &version) != 0) {
		fprintf(c->err, "fedctl: ca members: give --version N, a number of 1 "
			"or more, higher than the list the agents hold\n");
		goto out;
	}
	if (!out) {
		fprintf(c->err, "fedctl: ca members: give -o FILE for the list\n");
		goto out;
	}
	if ((rc = ctl_ca_open(c, "members", dir, passfile, &ca)) != 0 ||
	    (rc = members_key(c, ca, &key)) != 0)
		goto out;
	if (fl_ca_cert_pem(ca, &ca_pem, &ca_len) != 0) {
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	if ((rc = members_not_older(c, out, version, ca_pem, ca_len)) != 0)
		goto out;
	m.version = version;
	if (!(m.items = calloc(npos, sizeof(*m.items)))) {
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	for (m.count = 0; m.count < npos; m.count++)
		if ((rc = members_entry(c, pos[m.count], ca_pem, ca_len,
					&m.items[m.count])) != 0)
			goto out;
	if ((r = fl_members_check(&m, err)) != 0) {
		fprintf(c->err, "fedctl: ca members: %s\n", err);
		rc = CTL_EXIT_INVALID;
		goto out;
	}
	if ((r = fl_members_sign(&m, key, &text, &len)) != 0 ||
	    (r = fl_file_write(out, text, len, 0644)) != 0) {
		fprintf(c->err, "fedctl: ca members: cannot sign or write %s: %s\n",
			out, fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	members_print(c, &m, out);
	rc = 0;
out:
	free(text);
	free(ca_pem);
	fl_members_clear(&m);
	fl_sign_key_free(key);
	fl_ca_free(ca);
	free(pos);
	return rc;
}
