/* SPDX-License-Identifier: Apache-2.0 */
/* test_pki_info: fl_pki_cert_info on certificates made by gen-certs.sh,
 * checked against the openssl CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_test.h"

static char tmpdir[] = "/tmp/fl_test_pki_XXXXXX";

static char *slurp(const char *file, size_t *len)
{
	char p[512];
	FILE *f;
	char *buf = calloc(1, 65536);

	snprintf(p, sizeof(p), "%s/%s", tmpdir, file);
	if (!buf || (f = fopen(p, "rb")) == NULL) {
		free(buf);
		return NULL;
	}
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* Runs an openssl command on a file and returns its first output line. */
static void cli(const char *args, const char *file, char *out, size_t cap)
{
	char cmd[1024];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout %s -in %s/%s", args,
		 tmpdir, file);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)cap, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static void check_cert(const char *file, const char *cn, const char *role)
{
	char line[256], hex[65];
	size_t len = 0, k = 0;
	char *pem = slurp(file, &len);
	fl_cert_info ci;

	FL_CHECK(pem != NULL);
	if (!pem)
		return;
	FL_CHECK_EQ_INT(fl_pki_cert_info(pem, len, &ci), 0);
	FL_CHECK(strcmp(ci.cn, cn) == 0);
	FL_CHECK(strcmp(ci.role, role) == 0);
	/* "sha256 Fingerprint=AB:CD:..." -> "abcd..." */
	cli("-fingerprint -sha256", file, line, sizeof(line));
	for (const char *q = strchr(line, '='); q && *++q && k < 64;)
		if (*q != ':')
			hex[k++] = (char)(*q >= 'A' && *q <= 'F' ? *q + 32 : *q);
	hex[k] = '\0';
	FL_CHECK(strcmp(ci.fingerprint, hex) == 0);
	cli("-serial", file, line, sizeof(line));   /* "serial=0123AB..." */
	FL_CHECK(strncmp(line, "serial=", 7) == 0);
	FL_CHECK(strcasecmp(ci.serial, line + 7) == 0);
	/* gen-certs.sh issues for 825 days. */
	{
		int64_t now = (int64_t)time(NULL) * 1000;
		int64_t want = now + 825LL * 86400 * 1000;
		FL_CHECK(ci.not_after_ms > want - 3600 * 1000 &&
			 ci.not_after_ms < want + 3600 * 1000);
	}
	free(pem);
}

int main(void)
{
	char cmd[1024];
	fl_cert_info ci;
	size_t len = 0;
	char *pem;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(cmd, sizeof(cmd), "sh %s %s site1 factory-9", FL_GEN_CERTS, tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	check_cert("site1.pem", "site1", "site");
	check_cert("factory-9.pem", "factory-9", "site");
	check_cert("coordinator.pem", "coordinator", "coordinator");
	check_cert("operator.pem", "operator", "admin");
	check_cert("viewer.pem", "viewer", "viewer");
	check_cert("ca.pem", "fedc consortium CA", "");

	/* Refusals. */
	memset(&ci, 0x5a, sizeof(ci));
	FL_CHECK_EQ_INT(fl_pki_cert_info("hello", 5, &ci), FL_E_PARSE);
	FL_CHECK_EQ_INT(fl_pki_cert_info("", 0, &ci), FL_E_PARSE);
	FL_CHECK(ci.cn[0] == 0x5a);
	if ((pem = slurp("site1.pem", &len)) != NULL) {
		FL_CHECK_EQ_INT(fl_pki_cert_info(pem, len / 2, &ci), FL_E_PARSE);
		/* A character outside base64 inside the body. */
		char *body = strchr(pem, '\n');
		FL_CHECK(body != NULL);
		if (body) {
			body[10] = '*';
			FL_CHECK_EQ_INT(fl_pki_cert_info(pem, len, &ci), FL_E_PARSE);
		}
		free(pem);
	}
	/* A CN longer than FL_NAME_BYTES - 1. */
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		 "-nodes -keyout %s/long.key -out %s/long.pem -days 1 -subj "
		 "/OU=site/CN=%0*d 2>/dev/null", tmpdir, tmpdir, FL_NAME_BYTES, 7);
	FL_CHECK_EQ_INT(system(cmd), 0);
	if ((pem = slurp("long.pem", &len)) != NULL) {
		FL_CHECK_EQ_INT(fl_pki_cert_info(pem, len, &ci), FL_E_TOOBIG);
		free(pem);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	FL_CHECK_EQ_INT(system(cmd), 0);
	return FL_TEST_DONE();
}
