/* SPDX-License-Identifier: Apache-2.0 */
/* coord_testhook: crash points for the crash-safety tests. Setting
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
 * Unset (the normal case) costs one cached getenv. Not for production use:
 * the coordinator warns at startup when it is set. */
#ifndef COORD_TESTHOOK_H
#define COORD_TESTHOOK_H

#include <stdint.h>

#define COORD_TESTHOOK_ENV "FEDC_TEST_CRASH_AT"

/* Kills the process if FEDC_TEST_CRASH_AT names this point and round. */
void coord_testhook(const char *point, uint32_t round);
/* Logs a warning if the hook is armed (called once at startup). */
void coord_testhook_announce(void);
/* FEDC_TEST_SERVE_REVOKED=1 (tests only): revoked sites keep being served
 * and selected, to show that the agents' CRL alone refuses their keys. */
#define COORD_TESTHOOK_SERVE_REVOKED_ENV "FEDC_TEST_SERVE_REVOKED"
int coord_testhook_serve_revoked(void);
/* FEDC_TEST_MEMBERS_ANNOUNCE=N (tests only): polls announce member list
 * version N whatever list is served, as a coordinator trying to roll the
 * agents' list back would. Returns version when unset. */
#define COORD_TESTHOOK_MEMBERS_ANNOUNCE_ENV "FEDC_TEST_MEMBERS_ANNOUNCE"
uint64_t coord_testhook_members_announce(uint64_t version);

#endif
