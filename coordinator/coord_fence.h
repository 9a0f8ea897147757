/* SPDX-License-Identifier: Apache-2.0 */
/* coord_fence: the active coordinator's watch on its PostgreSQL session.
 * One thread pings the store every COORD_FENCE_PING_MS, so that a session
 * that ended (the server restarted, the connection was reset) is found
 * within about a second: the store's fence callback runs then. Another
 * fences when a call to the server has gone unanswered for
 * COORD_FENCE_STALL_MS: a cut that keeps the TCP session up (a frozen relay
 * or middlebox still acknowledges every packet, so TCP keepalives never
 * fire) while the server may drop the session and free the lock. */
#ifndef COORD_FENCE_H
#define COORD_FENCE_H

#include <stdint.h>

#include "coord_store.h"

#define COORD_FENCE_PING_MS 500
/* The fencing time: at most this long without an answer, then the active
 * coordinator stops. A server's own timeout for a silent client
 * (tcp_keepalives_*, tcp_user_timeout) must be longer. */
#define COORD_FENCE_STALL_MS 10000

typedef struct coord_fence coord_fence;

/* Starts both threads on st (borrowed; it must outlive coord_fence_stop).
 * fence(arg) must not return (it stops the process); it runs when the
 * store finds its session lost (coord_store_set_fence) or a call stalls
 * for stall_ms. *out owned by the caller (coord_fence_stop). Errors:
 * FL_E_NOMEM. */
int coord_fence_start(coord_store *st, int64_t stall_ms, void (*fence)(void *arg),
		      void *arg, coord_fence **out);
/* Stops and joins both threads, frees f. NULL-safe. */
void coord_fence_stop(coord_fence *f);

#endif
