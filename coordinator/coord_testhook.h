/* SPDX-License-Identifier: Apache-2.0 */
/* coord_testhook: the coordinator's test hooks, compiled only with
 * -DFL_TEST_HOOKS=ON (common/fl_testhooks.h); in a shipped build every
 * function here is an empty inline stub and no FEDC_TEST_* variable is read.
 *
 * FEDC_TEST_CRASH_AT=POINT:ROUND makes the coordinator kill itself with
 * SIGKILL (no cleanup, like kill -9) the first time it reaches POINT in
 * round ROUND. POINT is one of:
 *   advertise    an attempt has started (server state made, no keys yet)
 *   share        all keys are in, shares are being collected
 *   input        the masked-upload phase has opened
 *   upload       the first masked upload of the attempt is complete
 *   consistency  the consistency-check phase has opened
 *   unmask       the unmask phase has opened (survivors fixed)
 *   commit       the round's model and row have been committed
 * FEDC_TEST_SERVE_REVOKED=1: revoked sites keep being served and selected,
 * to show that the agents' CRL alone refuses their keys.
 * FEDC_TEST_DUMP_ENROLL=DIR: every Enroll request and reply is written to
 * DIR as received/sent (protobuf bytes; req-N.bin, reply-N.bin).
 * FEDC_TEST_SA_T=N:JOB[,N:JOB...]: the TRAIN tasks of job JOB tell the
 * sites threshold t = N, whatever the coordinator's own secure aggregation
 * uses, as a coordinator trying to change the number of noise shares that
 * sites count on would (it_dp_privacy).
 * The coordinator warns at startup about each hook that is set. */
#ifndef COORD_TESTHOOK_H
#define COORD_TESTHOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef FL_TEST_HOOKS

/* The end of --help in hook builds. */
#define COORD_TESTHOOK_HELP \
"\n" \
"test hooks (this is a test build, -DFL_TEST_HOOKS=ON):\n" \
"  FEDC_TEST_CRASH_AT=POINT:ROUND kills the process (SIGKILL) at POINT\n" \
"  (advertise, share, input, upload, consistency, unmask, commit) of ROUND.\n" \
"  FEDC_TEST_SERVE_REVOKED=1 keeps serving revoked sites.\n" \
"  FEDC_TEST_DUMP_ENROLL=DIR writes every Enroll request and reply to DIR.\n" \
"  FEDC_TEST_SA_T=N:JOB announces threshold t = N in job JOB.\n"

/* Kills the process if FEDC_TEST_CRASH_AT names this point and round. */
void coord_testhook(const char *point, uint32_t round);
/* Logs a warning for each hook that is armed (called once at startup). */
void coord_testhook_announce(void);
/* 1 if FEDC_TEST_SERVE_REVOKED=1: revoked sites are still served. */
int coord_testhook_serve_revoked(void);
/* FEDC_TEST_MEMBERS_ANNOUNCE=N (tests only): polls announce member list
 * version N whatever list is served, as a coordinator trying to roll the
 * agents' list back would. Returns version when unset. */
uint64_t coord_testhook_members_announce(uint64_t version);
/* t, or N from FEDC_TEST_SA_T=N:JOB for job JOB. */
uint32_t coord_testhook_sa_t(uint64_t job, uint32_t t);
/* A new number for one Enroll call's dump files. */
unsigned coord_testhook_enroll_seq(void);
/* Writes b (len bytes) to $FEDC_TEST_DUMP_ENROLL/KIND-N.bin, if set. */
void coord_testhook_enroll_dump(const char *kind, unsigned n,
				const uint8_t *b, size_t len);

#else /* a shipped build: no hooks */

#define COORD_TESTHOOK_HELP ""

static inline void coord_testhook(const char *point, uint32_t round)
{
	(void)point;
	(void)round;
}
static inline void coord_testhook_announce(void) {}
static inline int coord_testhook_serve_revoked(void) { return 0; }
static inline uint64_t coord_testhook_members_announce(uint64_t version)
{
	return version;
}
static inline uint32_t coord_testhook_sa_t(uint64_t job, uint32_t t)
{
	(void)job;
	return t;
}
static inline unsigned coord_testhook_enroll_seq(void) { return 0; }
static inline void coord_testhook_enroll_dump(const char *kind, unsigned n,
					      const uint8_t *b, size_t len)
{
	(void)kind;
	(void)n;
	(void)b;
	(void)len;
}

#endif /* FL_TEST_HOOKS */

#endif
