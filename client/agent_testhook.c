/* SPDX-License-Identifier: Apache-2.0 */
/* agent_testhook: the agent's FEDC_TEST_* hooks (see agent_testhook.h);
 * empty unless built with -DFL_TEST_HOOKS=ON. */
#include "agent_testhook.h"

#ifdef FL_TEST_HOOKS

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_log.h"

#define EXIT_ENV "FEDC_TEST_EXIT_AFTER_SHARE"
#define EXIT_AT_ENV "FEDC_TEST_EXIT_AT"
#define RENEW_ENV "FEDC_TEST_RENEW_NOW"

static const struct {
	const char *name;
	enum fl_sa_phase phase;
} phase_names[] = {
	{ "advertise", FL_SA_ADVERTISE }, { "share", FL_SA_SHARE },
	{ "input", FL_SA_INPUT }, { "consistency", FL_SA_CONSISTENCY },
	{ "unmask", FL_SA_UNMASK },
};
#define NPHASES (sizeof(phase_names) / sizeof(phase_names[0]))

/* FEDC_TEST_EXIT_AFTER_SHARE=<round>: the round, or -1 if unset or bad. */
static int64_t exit_round(void)
{
	const char *s = getenv(EXIT_ENV);
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT32_MAX || s[0] == '-') {
		fl_warn("ignoring %s='%s': not a round number", EXIT_ENV, s);
		return -1;
	}
	fl_warn("testing: %s=%llu: this agent will exit right after sharing its "
		"keys in round %llu", EXIT_ENV, v, v);
	return (int64_t)v;
}

/* The phase named s (n bytes), or FL_SA_OFF. */
static enum fl_sa_phase phase_parse(const char *s, size_t n)
{
	for (size_t i = 0; i < NPHASES; i++)
		if (strlen(phase_names[i].name) == n &&
		    memcmp(phase_names[i].name, s, n) == 0)
			return phase_names[i].phase;
	return FL_SA_OFF;
}

static const char *phase_str(enum fl_sa_phase p)
{
	for (size_t i = 0; i < NPHASES; i++)
		if (phase_names[i].phase == p)
			return phase_names[i].name;
	return "?";
}

/* FEDC_TEST_EXIT_AT=PHASE:ROUND into t, or the hook left off (round -1). */
static void exit_at(agent_testhook_state *t)
{
	const char *s = getenv(EXIT_AT_ENV), *colon;
	enum fl_sa_phase ph;
	unsigned long long v;
	char *end;

	t->exit_at_round = -1;
	t->exit_at_phase = FL_SA_OFF;
	if (!s || !*s)
		return;
	colon = strchr(s, ':');
	ph = colon ? phase_parse(s, (size_t)(colon - s)) : FL_SA_OFF;
	if (ph == FL_SA_OFF) {
		fl_warn("ignoring %s='%s': expected PHASE:ROUND with PHASE one of "
			"advertise, share, input, consistency, unmask", EXIT_AT_ENV, s);
		return;
	}
	errno = 0;
	v = strtoull(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    v > UINT32_MAX) {
		fl_warn("ignoring %s='%s': the round is not a number", EXIT_AT_ENV, s);
		return;
	}
	t->exit_at_phase = ph;
	t->exit_at_round = (int64_t)v;
	fl_warn("testing: %s=%s: this agent will exit when it is asked for the "
		"%.*s phase of round %llu, before answering it",
		EXIT_AT_ENV, s, (int)(colon - s), s, v);
}

void agent_testhook_init(agent_testhook_state *t)
{
	const char *s = getenv(RENEW_ENV);

	t->exit_after_share = exit_round();
	exit_at(t);
	t->renew_now = s && strcmp(s, "1") == 0;
	if (t->renew_now)
		fl_warn("testing: %s=1: this agent renews its certificate once at "
			"start", RENEW_ENV);
}

void agent_testhook_shared(const agent_testhook_state *t, const char *pre,
			   uint32_t round)
{
	if (t->exit_after_share < 0 || (uint32_t)t->exit_after_share != round)
		return;
	fl_warn("%s: testing: %s=%u: exiting right after sharing keys", pre,
		EXIT_ENV, round);
	fflush(NULL);
	_exit(0);
}

void agent_testhook_phase(const agent_testhook_state *t, const char *pre,
			  enum fl_sa_phase phase, uint32_t round)
{
	if (t->exit_at_round < 0 || (uint32_t)t->exit_at_round != round ||
	    t->exit_at_phase != phase)
		return;
	fl_warn("%s: testing: %s=%s:%u: exiting before answering this phase",
		pre, EXIT_AT_ENV, phase_str(phase), round);
	fflush(NULL);
	_exit(0);
}

bool agent_testhook_renew_take(agent_testhook_state *t)
{
	bool r = t->renew_now;

	t->renew_now = false;
	return r;
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int agent_testhook_none;

#endif /* FL_TEST_HOOKS */
