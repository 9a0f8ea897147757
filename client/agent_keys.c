/* SPDX-License-Identifier: Apache-2.0 */
/* agent_keys: the site's signing key, peer verifier and certificate for
 * secure aggregation, loaded once from the [tls] files, and the testing
 * hooks that make an agent drop out of a round (FEDC_TEST_EXIT_*). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

/* FEDC_TEST_EXIT_AFTER_SHARE=<round>: the round, or -1 if unset or bad. */
static int64_t test_exit_round(void)
{
	const char *s = getenv(AGENT_TEST_EXIT_ENV);
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT32_MAX || s[0] == '-') {
		fl_warn("ignoring %s='%s': not a round number", AGENT_TEST_EXIT_ENV, s);
		return -1;
	}
	fl_warn("testing: %s=%llu: this agent will exit right after sharing its "
		"keys in round %llu", AGENT_TEST_EXIT_ENV, v, v);
	return (int64_t)v;
}

/* The phase named s (advertise ... unmask), or FL_SA_OFF. */
static enum fl_sa_phase test_phase_parse(const char *s, size_t n)
{
	static const struct {
		const char *name;
		enum fl_sa_phase phase;
	} names[] = {
		{ "advertise", FL_SA_ADVERTISE }, { "share", FL_SA_SHARE },
		{ "input", FL_SA_INPUT }, { "consistency", FL_SA_CONSISTENCY },
		{ "unmask", FL_SA_UNMASK },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0)
			return names[i].phase;
	return FL_SA_OFF;
}

/* FEDC_TEST_EXIT_AT=PHASE:ROUND: sets a->exit_at_phase and exit_at_round,
 * or leaves the hook off (round -1) if unset or bad. */
static void test_exit_at(fl_agent *a)
{
	const char *s = getenv(AGENT_TEST_EXIT_AT_ENV), *colon;
	enum fl_sa_phase ph;
	unsigned long long v;
	char *end;

	a->exit_at_round = -1;
	a->exit_at_phase = FL_SA_OFF;
	if (!s || !*s)
		return;
	colon = strchr(s, ':');
	ph = colon ? test_phase_parse(s, (size_t)(colon - s)) : FL_SA_OFF;
	if (ph == FL_SA_OFF) {
		fl_warn("ignoring %s='%s': expected PHASE:ROUND with PHASE one of "
			"advertise, share, input, consistency, unmask",
			AGENT_TEST_EXIT_AT_ENV, s);
		return;
	}
	errno = 0;
	v = strtoull(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    v > UINT32_MAX) {
		fl_warn("ignoring %s='%s': the round is not a number",
			AGENT_TEST_EXIT_AT_ENV, s);
		return;
	}
	a->exit_at_phase = ph;
	a->exit_at_round = (int64_t)v;
	fl_warn("testing: %s=%s: this agent will exit when it is asked for the "
		"%.*s phase of round %llu, before answering it",
		AGENT_TEST_EXIT_AT_ENV, s, (int)(colon - s), s, v);
}

int agent_keys_load(fl_agent *a)
{
	char *pem = NULL;
	size_t len = 0;
	int r;

	test_exit_at(a);
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
	a->exit_after_share = test_exit_round();
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
