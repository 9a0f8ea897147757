/* SPDX-License-Identifier: Apache-2.0 */
/* agent_testhook: the agent's test hooks, compiled only with
 * -DFL_TEST_HOOKS=ON (common/fl_testhooks.h); in a shipped build every
 * function here is an empty inline stub and no FEDC_TEST_* variable is read.
 *
 * FEDC_TEST_EXIT_AFTER_SHARE=R: exit (status 0, after a warning) right after
 *   this agent's key shares were accepted in round R (a dropout during
 *   secure aggregation).
 * FEDC_TEST_EXIT_AT=PHASE:ROUND: exit (status 0, after a warning) when asked
 *   for PHASE (advertise, share, input, consistency, unmask) of ROUND,
 *   before answering it: a site that drops out at that phase.
 * FEDC_TEST_RENEW_NOW=1: renew the site certificate once at start.
 *
 * The hooks see only their own state, which the agent holds (struct
 * fl_agent's member test) and passes down as AGENT_TESTHOOK(a). */
#ifndef AGENT_TESTHOOK_H
#define AGENT_TESTHOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_msg.h"

#ifdef FL_TEST_HOOKS

/* The end of --help in hook builds. */
#define AGENT_TESTHOOK_HELP \
"\n" \
"Test hooks (this is a test build, -DFL_TEST_HOOKS=ON; never in production):\n" \
"  FEDC_TEST_EXIT_AFTER_SHARE=R   exit (status 0, after a warning) right after\n" \
"                    this agent's key shares were accepted in round R, to\n" \
"                    test dropouts during secure aggregation\n" \
"  FEDC_TEST_EXIT_AT=PHASE:ROUND   exit (status 0, after a warning) when\n" \
"                    asked for PHASE (advertise, share, input, consistency,\n" \
"                    unmask) of round R, before answering it: a site that\n" \
"                    drops out at that phase\n" \
"  FEDC_TEST_RENEW_NOW=1   renew the site certificate once at start\n"

/* The hooks' state, a member of struct fl_agent (agent_int.h). */
#define AGENT_TESTHOOK(a) (&(a)->test)
typedef struct agent_testhook_state {
	int64_t exit_after_share;  /* a round number, or -1 */
	enum fl_sa_phase exit_at_phase;
	int64_t exit_at_round;     /* -1: off */
	bool renew_now;
} agent_testhook_state;

/* Reads the FEDC_TEST_* variables into t (warning about each one set).
 * Call once, before the first agent_renew_maybe. */
void agent_testhook_init(agent_testhook_state *t);
/* Exits if FEDC_TEST_EXIT_AFTER_SHARE names round; pre starts the log line. */
void agent_testhook_shared(const agent_testhook_state *t, const char *pre,
			   uint32_t round);
/* Exits if FEDC_TEST_EXIT_AT names this phase of round. */
void agent_testhook_phase(const agent_testhook_state *t, const char *pre,
			  enum fl_sa_phase phase, uint32_t round);
/* true once if FEDC_TEST_RENEW_NOW=1 (the flag is then cleared). */
bool agent_testhook_renew_take(agent_testhook_state *t);

#else /* a shipped build: no hooks */

#define AGENT_TESTHOOK_HELP ""

typedef struct agent_testhook_state agent_testhook_state;   /* never defined */
#define AGENT_TESTHOOK(a) ((agent_testhook_state *)NULL)

static inline void agent_testhook_init(agent_testhook_state *t) { (void)t; }
static inline void agent_testhook_shared(const agent_testhook_state *t,
					 const char *pre, uint32_t round)
{
	(void)t;
	(void)pre;
	(void)round;
}
static inline void agent_testhook_phase(const agent_testhook_state *t,
					const char *pre, enum fl_sa_phase phase,
					uint32_t round)
{
	(void)t;
	(void)pre;
	(void)phase;
	(void)round;
}
static inline bool agent_testhook_renew_take(agent_testhook_state *t)
{
	(void)t;
	return false;
}

#endif /* FL_TEST_HOOKS */

#endif
