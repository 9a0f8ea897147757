/* SPDX-License-Identifier: Apache-2.0 */
/* coord_caller: who is calling, as coord_auth_check read it from the peer's
 * certificate; a plain record that the services and coord_certs take, so
 * that none of them depends on coord_auth for it. */
#ifndef COORD_CALLER_H
#define COORD_CALLER_H

#include <stdint.h>
#include "fl_util.h"

typedef struct coord_caller {
	char cn[FL_NAME_BYTES];
	char role[16];
	char fingerprint[65];   /* of the caller's certificate (SHA-256 hex) */
	char serial[66];
	int64_t not_after_ms;
} coord_caller;

#endif
