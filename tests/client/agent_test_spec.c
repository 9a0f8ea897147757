/* SPDX-License-Identifier: Apache-2.0 */
/* agent_test_spec: a test CA and admin that sign job specs for agent tests. */
#include <string.h>

#include "agent_test_spec.h"
#include "fl_spec_sig.h"

int agent_test_spec_new(agent_test_spec *s, const char *ca_cn)
{
	memset(s, 0, sizeof(*s));
	if (fl_test_ca_new(ca_cn, &s->ca) != 0)
		return -1;
	if (fl_test_cert_new(&s->ca, "operator", "admin", 900, 0, -60, 86400,
			     &s->admin) != 0) {
		fl_test_ca_free(&s->ca);
		return -1;
	}
	return 0;
}

void agent_test_spec_free(agent_test_spec *s)
{
	fl_test_site_free(&s->admin);
	fl_test_ca_free(&s->ca);
}

fl_verifier *agent_test_spec_verifier(const agent_test_spec *s)
{
	fl_verifier *v = NULL;

	if (fl_verifier_new(s->ca.pem, s->ca.pem_len, NULL, 0, &v) != 0)
		return NULL;
	return v;
}

int agent_test_spec_sign(const fl_test_site *signer, fl_msg_task *t)
{
	fl_sign_key *key = NULL;
	int r;

	if (!t->spec ||
	    fl_sign_key_load_pem(signer->key_pem, signer->key_len, &key) != 0)
		return -1;
	r = fl_spec_sign(key, t->spec, strlen(t->spec), t->spec_sig, &t->spec_sig_len);
	fl_sign_key_free(key);
	t->spec_cert = signer->cert_pem;
	return r == 0 ? 0 : -1;
}
