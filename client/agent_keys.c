/* SPDX-License-Identifier: Apache-2.0 */
/* agent_keys: the site's signing key, peer verifier and certificate for
 * secure aggregation, loaded once from the [tls] files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

int agent_keys_load(fl_agent *a)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_file_read(a->cfg.tls.key, FL_SIGN_MAX_PEM, &pem, &len)) != 0) {
		fl_error("cannot read the TLS key %s: %s", a->cfg.tls.key, fl_strerror(r));
		goto out;
	}
	r = fl_sign_key_load_pem(pem, len, &a->sign_key);
	sodium_memzero(pem, len);
	free(pem);
	pem = NULL;
	if (r != 0) {
		fl_error("the TLS key %s cannot sign round keys: %s", a->cfg.tls.key,
			 fl_strerror(r));
		goto out;
	}
	if ((r = fl_file_read(a->cfg.tls.ca, FL_SIGN_MAX_PEM, &pem, &len)) != 0) {
		fl_error("cannot read the CA file %s: %s", a->cfg.tls.ca, fl_strerror(r));
		goto out;
	}
	/* With the coordinator's latest CRL, if the agent has one. */
	if ((r = agent_crl_verifier(a, pem, len, &a->verifier)) != 0) {
		fl_error("the CA file %s does not parse: %s", a->cfg.tls.ca,
			 fl_strerror(r));
		goto out;
	}
	if ((r = fl_file_read(a->cfg.tls.cert, FL_SIGN_MAX_PEM, &a->cert_pem,
			      &a->cert_len)) != 0) {
		fl_error("cannot read the TLS certificate %s: %s", a->cfg.tls.cert,
			 fl_strerror(r));
		goto out;
	}
out:
	free(pem);
	return r;
}

void agent_keys_free(fl_agent *a)
{
	fl_sign_key_free(a->sign_key);
	fl_verifier_free(a->verifier);
	free(a->cert_pem);
	a->sign_key = NULL;
	a->verifier = NULL;
	a->cert_pem = NULL;
	a->cert_len = 0;
}
