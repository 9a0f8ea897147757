/* SPDX-License-Identifier: Apache-2.0 */
/* agent_test_spec: a test consortium whose admin signs job specs, for unit
 * tests that hand tasks to the agent (R2: agents refuse unsigned specs). */
#ifndef AGENT_TEST_SPEC_H
#define AGENT_TEST_SPEC_H

#include "agent_int.h"
#include "fl_test_pki.h"

typedef struct agent_test_spec {
	fl_test_ca ca;
	fl_test_site admin;     /* CN operator, OU admin */
} agent_test_spec;

/* A CA named ca_cn with an admin certificate (serial 900). 0 or -1. */
int agent_test_spec_new(agent_test_spec *s, const char *ca_cn);
void agent_test_spec_free(agent_test_spec *s);
/* A verifier trusting s's CA (no CRL) for a->verifier; NULL on failure. */
fl_verifier *agent_test_spec_verifier(const agent_test_spec *s);
/* Signs t->spec with signer's key: sets t->spec_sig, t->spec_sig_len and
 * t->spec_cert (borrowed from signer: do not fl_msg_task_clear t). 0 or -1. */
int agent_test_spec_sign(const fl_test_site *signer, fl_msg_task *t);

#endif
