/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ca_open: the CA folder's paths, its passphrase and loading the CA;
 * shared by fedctl ca (ctl_ca.c) and fedctl ca members (ctl_ca_members.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ctl.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_util.h"
#include "fl_wipe.h"

void ctl_ca_join(char *out, const char *dir, const char *name)
{
	snprintf(out, CTL_CA_PATH_BYTES, "%s/%s", dir, name);
}

/* The passphrase from --passphrase-file or $FEDC_CA_PASSPHRASE, or NULL.
 * *pass is malloc'd (wipe with ctl_ca_pass_free). Exit code. */
int ctl_ca_pass_get(ctl_ctx *c, const char *cmd, const char *file, char **pass)
{
	const char *env = getenv("FEDC_CA_PASSPHRASE");
	char *text = NULL;
	size_t len = 0;
	int r;

	*pass = NULL;
	if (file) {
		if ((r = fl_file_read(file, CTL_CA_PASS_MAX, &text, &len)) != 0) {
			fprintf(c->err, "fedctl: ca %s: cannot read the passphrase file "
				"%s: %s\n", cmd, file, fl_strerror(r));
			return CTL_EXIT_USAGE;
		}
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
	} else if (env && *env) {
		len = strlen(env);
		if ((text = malloc(len + 1)) == NULL)
			return CTL_EXIT_OTHER;
		memcpy(text, env, len + 1);
	} else {
		return 0;
	}
	if (len == 0) {
		fprintf(c->err, "fedctl: ca %s: the passphrase is empty\n", cmd);
		free(text);
		return CTL_EXIT_USAGE;
	}
	*pass = text;
	return 0;
}

void ctl_ca_pass_free(char *pass)
{
	if (pass) {
		sodium_memzero(pass, strlen(pass));
		free(pass);
	}
}

int ctl_ca_open(ctl_ctx *c, const char *cmd, const char *dir,
		const char *passfile, fl_ca **ca)
{
	char cpath[CTL_CA_PATH_BYTES], kpath[CTL_CA_PATH_BYTES], err[FL_ERRMSG_BYTES] = "";
	char *cert = NULL, *key = NULL, *pass = NULL;
	size_t clen = 0, klen = 0;
	int r, rc;

	ctl_ca_join(cpath, dir, "ca.pem");
	ctl_ca_join(kpath, dir, "ca.key");
	if ((rc = ctl_ca_pass_get(c, cmd, passfile, &pass)) != 0)
		return rc;
	if ((r = fl_file_read(cpath, FL_CA_MAX_PEM, &cert, &clen)) != 0 ||
	    (r = fl_file_read(kpath, FL_CA_MAX_PEM, &key, &klen)) != 0) {
		fprintf(c->err, "fedctl: ca %s: cannot read the CA in %s (%s): %s\n"
			"hint: make one with 'fedctl ca init --dir %s', or name it "
			"with --dir\n", cmd, dir, r == FL_E_IO ? "ca.pem/ca.key" : "",
			fl_strerror(r), dir);
		rc = CTL_EXIT_NOTFOUND;
		goto out;
	}
	if ((r = fl_ca_load(cert, clen, key, klen, pass, ca, err)) != 0) {
		fprintf(c->err, "fedctl: ca %s: %s\n", cmd, err[0] ? err : fl_strerror(r));
		rc = r == FL_E_AUTH ? CTL_EXIT_DENIED : CTL_EXIT_INVALID;
	}
out:
	fl_wipe_free(key, klen);
	free(cert);
	ctl_ca_pass_free(pass);
	return rc;
}
