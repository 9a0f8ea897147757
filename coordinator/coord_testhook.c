/* SPDX-License-Identifier: Apache-2.0 */
/* coord_testhook: the coordinator's FEDC_TEST_* hooks (see coord_testhook.h);
 * empty unless built with -DFL_TEST_HOOKS=ON. */
#include "coord_testhook.h"

#ifdef FL_TEST_HOOKS

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_log.h"
#include "fl_util.h"

#define CRASH_ENV "FEDC_TEST_CRASH_AT"
#define MEMBERS_ANNOUNCE_ENV "FEDC_TEST_MEMBERS_ANNOUNCE"
#define SERVE_REVOKED_ENV "FEDC_TEST_SERVE_REVOKED"
#define DUMP_ENROLL_ENV "FEDC_TEST_DUMP_ENROLL"
#define SA_T_ENV "FEDC_TEST_SA_T"

static pthread_once_t hook_once = PTHREAD_ONCE_INIT;
static char hook_point[32];
static uint32_t hook_round;
static int hook_armed;
static atomic_uint dump_seq;

static void hook_parse(void)
{
	const char *s = getenv(CRASH_ENV), *colon;
	unsigned long long v;
	char *end;
	size_t n;

	if (!s || !*s)
		return;
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : 0;
	if (!colon || n == 0 || n >= sizeof(hook_point)) {
		fl_warn("ignoring %s='%s': expected POINT:ROUND", CRASH_ENV, s);
		return;
	}
	errno = 0;
	v = strtoull(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || v > UINT32_MAX || colon[1] == '-' ||
	    colon[1] == '\0') {
		fl_warn("ignoring %s='%s': the round is not a number", CRASH_ENV, s);
		return;
	}
	memcpy(hook_point, s, n);
	hook_point[n] = '\0';
	hook_round = (uint32_t)v;
	hook_armed = 1;
}

void coord_testhook_announce(void)
{
	const char *dump = getenv(DUMP_ENROLL_ENV);

	pthread_once(&hook_once, hook_parse);
	if (hook_armed)
		fl_warn("testing: %s=%s:%u: this coordinator will kill itself "
			"(SIGKILL) at that point", CRASH_ENV, hook_point, hook_round);
	if (coord_testhook_serve_revoked())
		fl_warn("testing: %s=1: revoked sites are still served (as a "
			"compromised coordinator would); only the agents' CRL "
			"keeps them out", SERVE_REVOKED_ENV);
	if (getenv(SA_T_ENV))
		fl_warn("testing: %s=%s: that job's attempts announce this threshold t",
			SA_T_ENV, getenv(SA_T_ENV));
	if (getenv(MEMBERS_ANNOUNCE_ENV))
		fl_warn("testing: %s=%s: polls announce that member list version, "
			"whatever list is served", MEMBERS_ANNOUNCE_ENV,
			getenv(MEMBERS_ANNOUNCE_ENV));
	if (dump && *dump)
		fl_warn("testing: %s=%s: every Enroll request and reply is "
			"written there", DUMP_ENROLL_ENV, dump);
}

int coord_testhook_serve_revoked(void)
{
	const char *s = getenv(SERVE_REVOKED_ENV);

	return s != NULL && strcmp(s, "1") == 0;
}

uint64_t coord_testhook_members_announce(uint64_t version)
{
	const char *s = getenv(MEMBERS_ANNOUNCE_ENV);

	return s && s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : version;
}

void coord_testhook(const char *point, uint32_t round)
{
	pthread_once(&hook_once, hook_parse);
	if (!hook_armed || round != hook_round || strcmp(point, hook_point) != 0)
		return;
	fl_warn("testing: %s: killing myself at %s of round %u", CRASH_ENV,
		point, round);
	fflush(NULL);
	kill(getpid(), SIGKILL);
}

uint32_t coord_testhook_sa_t(uint64_t job, uint32_t t)
{
	const char *s = getenv(SA_T_ENV);
	char *e = NULL;
	unsigned long v;

	/* N:JOB[,N:JOB...] */
	while (s && *s >= '1' && *s <= '9') {
		v = strtoul(s, &e, 10);
		if (!e || *e != ':' || v > UINT32_MAX)
			return t;
		if (strtoull(e + 1, &e, 10) == job)
			return (uint32_t)v;
		s = e && *e == ',' ? e + 1 : NULL;
	}
	return t;
}

unsigned coord_testhook_enroll_seq(void)
{
	return atomic_fetch_add(&dump_seq, 1);
}

void coord_testhook_enroll_dump(const char *kind, unsigned n,
				const uint8_t *b, size_t len)
{
	const char *dir = getenv(DUMP_ENROLL_ENV);
	char path[1100];

	if (!dir || !*dir || !b)
		return;
	snprintf(path, sizeof(path), "%s/%s-%u.bin", dir, kind, n);
	if (fl_file_write(path, b, len, 0600) != 0)
		fl_warn("test hook: cannot write %s", path);
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int coord_testhook_none;

#endif /* FL_TEST_HOOKS */
