/* SPDX-License-Identifier: Apache-2.0 */
/* agent_csr: 'fedc-agent csr': make the site's key and a certificate
 * request on the site, for a CA kept offline ('fedctl ca sign'). The key
 * never leaves this machine; only the CSR is sent to the CA operator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_csr.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_util.h"
#include "fl_wipe.h"

static void csr_usage(FILE *f)
{
	fprintf(f,
"usage: fedc-agent csr --name SITE [--out-dir DIR]\n"
"\n"
"Makes this site's private key (DIR/SITE.key, 0600, ECDSA P-256) and a\n"
"certificate request (DIR/SITE.csr) on this machine. Send only the .csr to\n"
"the consortium's CA operator, who runs 'fedctl ca sign SITE.csr' and sends\n"
"back SITE.pem; put it beside the key and name both in the agent config's\n"
"[tls] section. DIR defaults to the current folder. Existing files are never\n"
"overwritten.\n");
}

int fl_agent_csr_main(int argc, char **argv)
{
	const char *name = NULL, *dir = ".";
	char kpath[FL_PATH_MAX_BYTES], cpath[FL_PATH_MAX_BYTES];
	char *key = NULL, *csr = NULL;
	size_t klen = 0, clen = 0;
	int i, r, rc = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			csr_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--out-dir") && i + 1 < argc) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "fedc-agent csr: unknown or incomplete option "
				"'%s'\nTry 'fedc-agent csr --help'.\n", argv[i]);
			return 2;
		}
	}
	if (!name || !*name || strchr(name, '/') || strlen(name) >= FL_NAME_BYTES) {
		fprintf(stderr, "fedc-agent csr: give --name SITE (the name the "
			"consortium registered for this site, 1-%d characters, no '/')\n",
			FL_NAME_BYTES - 1);
		return 2;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "fedc-agent csr: cannot make %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, name);
	snprintf(cpath, sizeof(cpath), "%s/%s.csr", dir, name);
	if (access(kpath, F_OK) == 0 || access(cpath, F_OK) == 0) {
		fprintf(stderr, "fedc-agent csr: %s or %s exists; not overwriting "
			"(move them away to start over)\n", kpath, cpath);
		return 1;
	}
	if ((r = fl_ca_keygen_csr(name, &key, &klen, &csr, &clen)) != 0) {
		fprintf(stderr, "fedc-agent csr: cannot make the key: %s\n",
			fl_strerror(r));
		rc = r == FL_E_INVAL ? 2 : 1;
		goto out;
	}
	if ((r = fl_file_write(kpath, key, klen, 0600)) != 0 ||
	    (r = fl_file_write(cpath, csr, clen, 0644)) != 0) {
		fprintf(stderr, "fedc-agent csr: cannot write %s: %s\n",
			access(kpath, F_OK) == 0 ? cpath : kpath, fl_strerror(r));
		unlink(kpath);
		goto out;
	}
	printf("wrote %s (private key, 0600: it stays here) and %s (send this to "
	       "the CA operator for 'fedctl ca sign')\n", kpath, cpath);
	rc = 0;
out:
	fl_wipe_free(key, klen);
	free(csr);
	return rc;
}
