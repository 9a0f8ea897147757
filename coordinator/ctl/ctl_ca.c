/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ca: fedctl ca init, issue, sign, revoke and cross-sign (members in
 * ctl_ca_members.c): the
 * consortium CA, kept in a folder (ca.pem, ca.key 0600, revoked.txt,
 * crlnumber, crl.pem). Offline: these commands never connect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "ctl.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_util.h"
#include "fl_wipe.h"

#define CA_DEFAULT_DIR "pki"

/* Writes a file that must not exist yet. Exit code. */
static int ca_write_new(ctl_ctx *c, const char *cmd, const char *path,
			const char *data, size_t len, unsigned mode)
{
	int r;

	if (access(path, F_OK) == 0) {
		fprintf(c->err, "fedctl: ca %s: %s exists; not overwriting it (move it "
			"away first)\n", cmd, path);
		return CTL_EXIT_INVALID;
	}
	if ((r = fl_file_write(path, data, len, mode)) != 0) {
		fprintf(c->err, "fedctl: ca %s: cannot write %s: %s\n", cmd, path,
			fl_strerror(r));
		return CTL_EXIT_OTHER;
	}
	return 0;
}

static int ca_days(ctl_ctx *c, const char *cmd, const char *s, uint32_t def,
		   uint32_t *days)
{
	uint64_t v;

	*days = def;
	if (!s)
		return 0;
	if (ctl_parse_u64(s, 1, 36500, &v) != 0) {
		fprintf(c->err, "fedctl: ca %s: --days must be 1..36500, not '%s'\n",
			cmd, s);
		return CTL_EXIT_USAGE;
	}
	*days = (uint32_t)v;
	return 0;
}

static int ca_init(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *dir = CA_DEFAULT_DIR, *name = "fedc consortium CA", *days_s = NULL;
	const char *passfile = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--name", NULL, &name, NULL },
		{ "--days", NULL, &days_s, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
	};
	char path[CTL_CA_PATH_BYTES], *cert = NULL, *key = NULL, *pass = NULL;
	size_t clen = 0, klen = 0;
	fl_ca *ca = NULL;
	fl_cert_info info;
	uint32_t days;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 4, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ca_days(c, "init", days_s, FL_CA_DEFAULT_DAYS, &days)) != 0 ||
	    (rc = ctl_ca_pass_get(c, "init", passfile, &pass)) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(c->err, "fedctl: ca init: cannot make %s: %s\n", dir,
			strerror(errno));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	ctl_ca_join(path, dir, "ca.key");
	if (access(path, F_OK) == 0) {
		fprintf(c->err, "fedctl: ca init: %s already holds a CA (ca.key); "
			"refusing to replace it. To rotate, make the new CA in another "
			"folder and see 'fedctl ca cross-sign --help'\n", dir);
		rc = CTL_EXIT_INVALID;
		goto out;
	}
	if ((r = fl_ca_create(name, days, &ca)) != 0 ||
	    (r = fl_ca_cert_pem(ca, &cert, &clen)) != 0 ||
	    (r = fl_ca_key_pem(ca, pass, &key, &klen)) != 0) {
		fprintf(c->err, "fedctl: ca init: cannot make the CA: %s%s\n",
			fl_strerror(r), r == FL_E_INVAL ? " (check --name)" : "");
		rc = r == FL_E_INVAL ? CTL_EXIT_USAGE : CTL_EXIT_OTHER;
		goto out;
	}
	if ((rc = ca_write_new(c, "init", path, key, klen, 0600)) != 0)
		goto out;
	ctl_ca_join(path, dir, "ca.pem");
	if ((rc = ca_write_new(c, "init", path, cert, clen, 0644)) != 0)
		goto out;
	fl_pki_cert_info(cert, clen, &info);
	if (c->json) {
		fputs("{\"dir\":", c->out);
		ctl_json_str(c->out, dir);
		fprintf(c->out, ",\"fingerprint\":\"%s\",\"days\":%u,\"encrypted\":%s}\n",
			info.fingerprint, days, pass ? "true" : "false");
	} else {
		fprintf(c->out, "CA '%s' made in %s: ca.pem (share it with every site) "
			"and ca.key (0600%s; keep it offline or on the coordinator)\n"
			"fingerprint SHA-256 %s, valid %u days\n", name, dir,
			pass ? ", passphrase-protected" : ", NOT passphrase-protected",
			info.fingerprint, days);
	}
out:
	fl_wipe_free(key, klen);
	free(cert);
	ctl_ca_pass_free(pass);
	fl_ca_free(ca);
	return rc;
}

/* Issues a certificate for csr as name/role into out_path; prints it. */
static int ca_issue_to(ctl_ctx *c, const char *cmd, fl_ca *ca, const char *csr,
		       size_t csr_len, const char *name, const char *role,
		       uint32_t days, const char *san, const char *out_path)
{
	char err[FL_ERRMSG_BYTES] = "", serial[80], *cert = NULL;
	size_t len = 0;
	int r, rc;

	if ((r = fl_ca_issue(ca, csr, csr_len, name, role, days, san, &cert, &len,
			     serial, err)) != 0) {
		fprintf(c->err, "fedctl: ca %s: %s\n", cmd, err[0] ? err : fl_strerror(r));
		return r == FL_E_INVAL ? CTL_EXIT_USAGE : CTL_EXIT_INVALID;
	}
	if ((rc = ca_write_new(c, cmd, out_path, cert, len, 0644)) != 0)
		goto out;
	if (c->json) {
		fputs("{\"name\":", c->out);
		ctl_json_str(c->out, name);
		fprintf(c->out, ",\"role\":\"%s\",\"serial\":\"%s\",\"cert\":", role, serial);
		ctl_json_str(c->out, out_path);
		fputs("}\n", c->out);
	} else {
		fprintf(c->out, "issued %s certificate for '%s' (serial %s, %u days) "
			"to %s\n", role, name, serial, days ? days : FL_CA_LEAF_DAYS,
			out_path);
	}
out:
	free(cert);
	return rc;
}

static int ca_role_arg(ctl_ctx *c, const char *cmd, const char *role)
{
	if (strcmp(role, FL_ROLE_SITE) && strcmp(role, FL_ROLE_ADMIN) &&
	    strcmp(role, FL_ROLE_VIEWER) && strcmp(role, FL_ROLE_COORDINATOR)) {
		fprintf(c->err, "fedctl: ca %s: --role is site, admin, viewer or "
			"coordinator, not '%s'\n", cmd, role);
		return CTL_EXIT_USAGE;
	}
	return 0;
}

static int ca_issue(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *dir = CA_DEFAULT_DIR, *role = NULL, *san = NULL;
	const char *days_s = NULL, *passfile = NULL, *outdir = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--role", NULL, &role, NULL },
		{ "--san", NULL, &san, NULL }, { "--days", NULL, &days_s, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
		{ "--out-dir", NULL, &outdir, NULL },
	};
	char kpath[CTL_CA_PATH_BYTES], cpath[CTL_CA_PATH_BYTES], fname[FL_NAME_BYTES + 8];
	char *key = NULL, *csr = NULL;
	size_t klen = 0, clen = 0;
	fl_ca *ca = NULL;
	uint32_t days;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 6, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (!role) {
		fprintf(c->err, "fedctl: ca issue: give --role (coordinator, admin, "
			"viewer or site)\n");
		return CTL_EXIT_USAGE;
	}
	if ((rc = ca_role_arg(c, "issue", role)) != 0 ||
	    (rc = ca_days(c, "issue", days_s, 0, &days)) != 0)
		return rc;
	if (strchr(pos[0], '/') || strlen(pos[0]) >= FL_NAME_BYTES) {
		fprintf(c->err, "fedctl: ca issue: bad name '%s'\n", pos[0]);
		return CTL_EXIT_USAGE;
	}
	if (!outdir)
		outdir = dir;
	snprintf(fname, sizeof(fname), "%s.key", pos[0]);
	ctl_ca_join(kpath, outdir, fname);
	snprintf(fname, sizeof(fname), "%s.pem", pos[0]);
	ctl_ca_join(cpath, outdir, fname);
	if (access(kpath, F_OK) == 0 || access(cpath, F_OK) == 0) {
		fprintf(c->err, "fedctl: ca issue: %s or %s exists; not overwriting\n",
			kpath, cpath);
		return CTL_EXIT_INVALID;
	}
	if ((rc = ctl_ca_open(c, "issue", dir, passfile, &ca)) != 0)
		return rc;
	if ((r = fl_ca_keygen_csr(pos[0], &key, &klen, &csr, &clen)) != 0) {
		fprintf(c->err, "fedctl: ca issue: cannot make a key: %s\n",
			fl_strerror(r));
		rc = r == FL_E_INVAL ? CTL_EXIT_USAGE : CTL_EXIT_OTHER;
		goto out;
	}
	if ((rc = ca_write_new(c, "issue", kpath, key, klen, 0600)) != 0)
		goto out;
	if ((rc = ca_issue_to(c, "issue", ca, csr, clen, pos[0], role, days, san,
			      cpath)) != 0)
		unlink(kpath);
out:
	fl_wipe_free(key, klen);
	free(csr);
	fl_ca_free(ca);
	return rc;
}

static int ca_sign(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *dir = CA_DEFAULT_DIR, *role = FL_ROLE_SITE, *name = NULL;
	const char *days_s = NULL, *passfile = NULL, *out = NULL, *san = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--role", NULL, &role, NULL },
		{ "--name", NULL, &name, NULL }, { "--days", NULL, &days_s, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
		{ "--output", "-o", &out, NULL }, { "--san", NULL, &san, NULL },
	};
	char err[FL_ERRMSG_BYTES] = "", cn[FL_NAME_BYTES], path[CTL_CA_PATH_BYTES];
	char *csr = NULL;
	size_t len = 0;
	fl_ca *ca = NULL;
	uint32_t days;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 7, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ca_role_arg(c, "sign", role)) != 0 ||
	    (rc = ca_days(c, "sign", days_s, 0, &days)) != 0)
		return rc;
	if ((r = fl_file_read(pos[0], FL_CA_MAX_PEM, &csr, &len)) != 0) {
		char eb[64];

		fprintf(c->err, "fedctl: ca sign: cannot read %s: %s\n", pos[0],
			fl_file_strerror(r, FL_CA_MAX_PEM, eb, sizeof(eb)));
		return CTL_EXIT_NOTFOUND;
	}
	if ((r = fl_ca_csr_check(csr, len, cn, sizeof(cn), err)) != 0) {
		fprintf(c->err, "fedctl: ca sign: %s: %s\n", pos[0], err);
		rc = CTL_EXIT_INVALID;
		goto out;
	}
	if (!name) {
		if (!cn[0]) {
			fprintf(c->err, "fedctl: ca sign: the CSR names no CN; give "
				"--name NAME (the site's registered name)\n");
			rc = CTL_EXIT_USAGE;
			goto out;
		}
		name = cn;
	}
	if (!out) {
		snprintf(path, sizeof(path), "%s.pem", name);
		out = path;
	}
	if ((rc = ctl_ca_open(c, "sign", dir, passfile, &ca)) != 0)
		goto out;
	rc = ca_issue_to(c, "sign", ca, csr, len, name, role, days, san, out);
out:
	free(csr);
	fl_ca_free(ca);
	return rc;
}

/* Reads DIR/revoked.txt (one serial per line) into a malloc'd array. */
static int ca_revoked_read(const char *dir, char **text, char ***list, size_t *n)
{
	char path[CTL_CA_PATH_BYTES], *p, *save = NULL;
	size_t len = 0, cap = 0;
	int r;

	*text = NULL;
	*list = NULL;
	*n = 0;
	ctl_ca_join(path, dir, "revoked.txt");
	if ((r = fl_file_read(path, 16u << 20, text, &len)) != 0)
		return r == FL_E_IO && access(path, F_OK) != 0 ? 0 : r;
	for (p = strtok_r(*text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		if (!*p)
			continue;
		if (*n == cap) {
			char **nl = realloc(*list, (cap ? cap * 2 : 16) * sizeof(*nl));

			if (!nl)
				return FL_E_NOMEM;
			*list = nl;
			cap = cap ? cap * 2 : 16;
		}
		(*list)[(*n)++] = p;
	}
	return 0;
}

static int ca_revoke(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1] = { NULL }, *dir = CA_DEFAULT_DIR, *passfile = NULL;
	const char *days_s = NULL, *number_s = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--days", NULL, &days_s, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
		{ "--number", NULL, &number_s, NULL },
	};
	char path[CTL_CA_PATH_BYTES], numbuf[32], *text = NULL, *crl = NULL, *cert = NULL;
	char **list = NULL, serial[80] = "";
	size_t n = 0, len = 0, i;
	uint64_t number = 1, wanted = 0;
	fl_ca *ca = NULL;
	uint32_t days;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 4, pos, 0, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if ((rc = ca_days(c, "revoke", days_s, 30, &days)) != 0)
		return rc;
	if (number_s && ctl_parse_u64(number_s, 1, INT64_MAX, &wanted) != 0) {
		fprintf(c->err, "fedctl: ca revoke: --number must be a positive "
			"integer, not '%s'\n", number_s);
		return CTL_EXIT_USAGE;
	}
	if (pos[0]) {
		fl_cert_info info;

		/* A certificate file, or a serial in hex. */
		if (fl_file_read(pos[0], FL_CA_MAX_PEM, &cert, &len) == 0) {
			if (fl_pki_cert_info(cert, len, &info) != 0) {
				fprintf(c->err, "fedctl: ca revoke: %s is not a PEM "
					"certificate\n", pos[0]);
				rc = CTL_EXIT_INVALID;
				goto out;
			}
			snprintf(serial, sizeof(serial), "%s", info.serial);
		} else if (strspn(pos[0], "0123456789abcdefABCDEF") == strlen(pos[0]) &&
			   strlen(pos[0]) <= 64) {
			snprintf(serial, sizeof(serial), "%s", pos[0]);
		} else {
			fprintf(c->err, "fedctl: ca revoke: '%s' is neither a readable "
				"certificate file nor a hex serial\n", pos[0]);
			rc = CTL_EXIT_USAGE;
			goto out;
		}
	}
	if ((rc = ctl_ca_open(c, "revoke", dir, passfile, &ca)) != 0)
		goto out;
	if ((r = ca_revoked_read(dir, &text, &list, &n)) != 0) {
		fprintf(c->err, "fedctl: ca revoke: cannot read %s/revoked.txt: %s\n",
			dir, fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	ctl_ca_join(path, dir, "crlnumber");
	{
		char *nt = NULL;
		size_t nl = 0;

		if (fl_file_read(path, 64, &nt, &nl) == 0) {
			number = strtoull(nt, NULL, 10) + 1;
			free(nt);
		}
	}
	if (wanted && wanted < number) {
		fprintf(c->err, "fedctl: ca revoke: --number %llu: CRL numbers only go "
			"up, and %s/crlnumber is at %llu\n", (unsigned long long)wanted,
			dir, (unsigned long long)number - 1);
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	if (wanted)
		number = wanted;
	if (serial[0]) {
		for (i = 0; i < n; i++)
			if (strcasecmp(list[i], serial) == 0)
				break;
		if (i == n) {
			char **nl2 = realloc(list, (n + 1) * sizeof(*nl2));

			if (!nl2) {
				rc = CTL_EXIT_OTHER;
				goto out;
			}
			list = nl2;
			list[n++] = serial;
		}
	}
	if ((r = fl_ca_crl(ca, (const char *const *)list, n, number, days, &crl,
			   &len)) != 0) {
		fprintf(c->err, "fedctl: ca revoke: cannot make the CRL: %s\n",
			fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	/* revoked.txt, then crlnumber, then crl.pem (each written whole). */
	{
		FILE *f;

		ctl_ca_join(path, dir, "revoked.txt.tmp");
		if ((f = fopen(path, "w")) == NULL) {
			rc = CTL_EXIT_OTHER;
			goto out;
		}
		for (i = 0; i < n; i++)
			fprintf(f, "%s\n", list[i]);
		if (fclose(f) != 0) {
			rc = CTL_EXIT_OTHER;
			goto out;
		}
		{
			char final[CTL_CA_PATH_BYTES];

			ctl_ca_join(final, dir, "revoked.txt");
			if (rename(path, final) != 0) {
				rc = CTL_EXIT_OTHER;
				goto out;
			}
		}
	}
	snprintf(numbuf, sizeof(numbuf), "%llu\n", (unsigned long long)number);
	ctl_ca_join(path, dir, "crlnumber");
	if (fl_file_write(path, numbuf, strlen(numbuf), 0644) != 0) {
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	ctl_ca_join(path, dir, "crl.pem");
	if ((r = fl_file_write(path, crl, len, 0644)) != 0) {
		fprintf(c->err, "fedctl: ca revoke: cannot write %s: %s\n", path,
			fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	if (c->json)
		fprintf(c->out, "{\"revoked\":%zu,\"crl_number\":%llu,\"serial\":\"%s\"}\n",
			n, (unsigned long long)number, serial);
	else
		fprintf(c->out, "%s%s%sCRL #%llu with %zu revoked certificate(s) written "
			"to %s (next update in %u days); give it to the coordinator and "
			"the sites\n", serial[0] ? "revoked serial " : "", serial,
			serial[0] ? "; " : "", (unsigned long long)number, n, path, days);
out:
	free(list);
	free(text);
	free(cert);
	free(crl);
	fl_ca_free(ca);
	return rc;
}

static int ca_cross(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *dir = CA_DEFAULT_DIR, *passfile = NULL, *out = NULL;
	const char *days_s = NULL;
	const ctl_opt opts[] = {
		{ "--dir", NULL, &dir, NULL }, { "--output", "-o", &out, NULL },
		{ "--days", NULL, &days_s, NULL },
		{ "--passphrase-file", NULL, &passfile, NULL },
	};
	char *newca = NULL, *cross = NULL;
	size_t len = 0;
	fl_ca *ca = NULL;
	uint32_t days;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ca", self, argc, argv, opts, 4, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (!out) {
		fprintf(c->err, "fedctl: ca cross-sign: give -o FILE for the "
			"cross-certificate\n");
		return CTL_EXIT_USAGE;
	}
	if ((rc = ca_days(c, "cross-sign", days_s, FL_CA_LEAF_DAYS, &days)) != 0)
		return rc;
	if ((r = fl_file_read(pos[0], FL_CA_MAX_PEM, &newca, &len)) != 0) {
		char eb[64];

		fprintf(c->err, "fedctl: ca cross-sign: cannot read %s: %s\n", pos[0],
			fl_file_strerror(r, FL_CA_MAX_PEM, eb, sizeof(eb)));
		return CTL_EXIT_NOTFOUND;
	}
	if ((rc = ctl_ca_open(c, "cross-sign", dir, passfile, &ca)) != 0)
		goto out;
	if ((r = fl_ca_cross_sign(ca, newca, len, days, &cross, &len)) != 0) {
		fprintf(c->err, "fedctl: ca cross-sign: %s is not a CA certificate\n",
			pos[0]);
		rc = CTL_EXIT_INVALID;
		goto out;
	}
	if ((rc = ca_write_new(c, "cross-sign", out, cross, len, 0644)) != 0)
		goto out;
	fprintf(c->out, c->json ? "{\"cross_certificate\":\"%s\"}\n" :
		"wrote %s: the new CA certified by the old one. Append it to the "
		"certificate chain files issued by the new CA during the transition "
		"(or give every site a CA bundle with both CAs), then retire the old "
		"CA.\n", out);
out:
	free(newca);
	free(cross);
	fl_ca_free(ca);
	return rc;
}

const ctl_cmd ctl_ca_cmds[] = {
	{ "init", ca_init, "[--dir DIR] [--name NAME] [--days N] [--passphrase-file F]",
	  "Make the consortium CA in DIR (default ./pki): ca.pem and ca.key (0600; "
	  "encrypted with AES-256 when a passphrase is given in a file or in "
	  "$FEDC_CA_PASSPHRASE, never on the command line). Refuses to replace an "
	  "existing CA." },
	{ "issue", ca_issue, "NAME --role coordinator|admin|viewer|site [--dir DIR] "
	  "[--out-dir D] [--san SAN] [--days N]",
	  "Make a key here and issue its certificate: NAME.key (0600) and NAME.pem "
	  "in --out-dir (default the CA folder). For the coordinator and operators; "
	  "sites should enroll with a token so their key never leaves the site. "
	  "SAN is e.g. DNS:coord.example.org,IP:10.0.0.5 (coordinator role)." },
	{ "sign", ca_sign, "CSR [--name NAME] [--role site|...] [-o FILE] [--dir DIR]",
	  "Issue a certificate for a site's CSR by hand (for a CA kept offline): "
	  "the site ran 'fedc-agent csr' and sent only the CSR. The name defaults "
	  "to the CSR's CN; the role to site. Writes NAME.pem or FILE." },
	{ "revoke", ca_revoke, "[CERT.pem|SERIAL] [--dir DIR] [--days N] [--number N]",
	  "Add a certificate to DIR/revoked.txt and write a new CA-signed DIR/crl.pem "
	  "(next update in N days, default 30); without an argument, re-sign the "
	  "CRL. Its number is one above DIR/crlnumber, or --number (higher only: "
	  "to pass the coordinator's). Hand it to the coordinator with 'fedctl crl "
	  "publish DIR/crl.pem'; for a site and an online CA, 'fedctl site revoke' "
	  "does both." },
	{ "cross-sign", ca_cross, "NEW_CA.pem -o FILE [--dir OLD_DIR]",
	  "CA rotation: certify a new CA with the old one, so that sites trusting "
	  "only the old CA accept certificates of the new one during the "
	  "transition." },
	{ "members", ctl_ca_members, "--version N -o FILE [--dir DIR] "
	  "CERT.pem[=ORG] ...",
	  "Write the consortium's member list (SECAGG.md R1), signed with the CA "
	  "key: one entry per site certificate (issued by this CA, role site): "
	  "its CN, its member organisation ORG (default: the CN) and the hash of "
	  "its public key. Every agent pins the list and accepts round keys only "
	  "from its members; the coordinator hands it out ([coordinator] members "
	  "= FILE) but cannot forge it. N must be 1 or more and higher than the "
	  "version FILE holds: agents refuse an older list." },
};
const size_t ctl_ca_ncmds = sizeof(ctl_ca_cmds) / sizeof(ctl_ca_cmds[0]);
