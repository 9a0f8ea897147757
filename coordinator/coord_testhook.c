/* SPDX-License-Identifier: Apache-2.0 */
/* coord_testhook: FEDC_TEST_CRASH_AT=POINT:ROUND (see coord_testhook.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coord_testhook.h"
#include "fl_log.h"

static pthread_once_t hook_once = PTHREAD_ONCE_INIT;
static char hook_point[32];
static uint32_t hook_round;
static int hook_armed;

static void hook_parse(void)
{
	const char *s = getenv(COORD_TESTHOOK_ENV), *colon;
	unsigned long long v;
	char *end;
	size_t n;

	if (!s || !*s)
		return;
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : 0;
	if (!colon || n == 0 || n >= sizeof(hook_point)) {
		fl_warn("ignoring %s='%s': expected POINT:ROUND", COORD_TESTHOOK_ENV, s);
		return;
	}
	errno = 0;
	v = strtoull(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT32_MAX || colon[1] == '-' ||
	    colon[1] == '\0') {
		fl_warn("ignoring %s='%s': the round is not a number",
			COORD_TESTHOOK_ENV, s);
		return;
	}
	memcpy(hook_point, s, n);
	hook_point[n] = '\0';
	hook_round = (uint32_t)v;
	hook_armed = 1;
}

void coord_testhook_announce(void)
{
	pthread_once(&hook_once, hook_parse);
	if (hook_armed)
		fl_warn("testing: %s=%s:%u: this coordinator will kill itself "
			"(SIGKILL) at that point", COORD_TESTHOOK_ENV, hook_point,
			hook_round);
	if (coord_testhook_serve_revoked())
		fl_warn("testing: %s=1: revoked sites are still served (as a "
			"compromised coordinator would); only the agents' CRL "
			"keeps them out", COORD_TESTHOOK_SERVE_REVOKED_ENV);
	if (getenv(COORD_TESTHOOK_MEMBERS_ANNOUNCE_ENV))
		fl_warn("testing: %s=%s: polls announce that member list version, "
			"whatever list is served", COORD_TESTHOOK_MEMBERS_ANNOUNCE_ENV,
			getenv(COORD_TESTHOOK_MEMBERS_ANNOUNCE_ENV));
	/* coord_enroll.c: FEDC_TEST_DUMP_ENROLL */
	if (getenv("FEDC_TEST_DUMP_ENROLL"))
		fl_warn("testing: FEDC_TEST_DUMP_ENROLL=%s: every Enroll request "
			"and reply is written there", getenv("FEDC_TEST_DUMP_ENROLL"));
}

int coord_testhook_serve_revoked(void)
{
	const char *s = getenv(COORD_TESTHOOK_SERVE_REVOKED_ENV);

	return s != NULL && strcmp(s, "1") == 0;
}

uint64_t coord_testhook_members_announce(uint64_t version)
{
	const char *s = getenv(COORD_TESTHOOK_MEMBERS_ANNOUNCE_ENV);

	return s && s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : version;
}

void coord_testhook(const char *point, uint32_t round)
{
	pthread_once(&hook_once, hook_parse);
	if (!hook_armed || round != hook_round || strcmp(point, hook_point) != 0)
		return;
	fl_warn("testing: %s: killing myself at %s of round %u",
		COORD_TESTHOOK_ENV, point, round);
	fflush(NULL);
	kill(getpid(), SIGKILL);
}
