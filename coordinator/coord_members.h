/* SPDX-License-Identifier: Apache-2.0 */
/* coord_members: the CA-signed member list (SECAGG.md R1) that the
 * coordinator hands to the agents. It only carries the text: the list is
 * signed offline with the CA key, and every agent checks it. */
#ifndef COORD_MEMBERS_H
#define COORD_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

/* The list as loaded at start; immutable afterwards (no lock needed). */
typedef struct coord_members {
	char *text;            /* owned, NUL-terminated; NULL: no list */
	size_t len;
	uint64_t version;      /* 0: no list */
	uint32_t count;
} coord_members;

/* Reads path and checks it against the CA bundle ca_path, as an agent
 * will (fl_members_parse_verified), so that a bad file stops the start.
 * path "" leaves *out empty. Errors with the reason in errmsg: FL_E_IO,
 * FL_E_TOOBIG, FL_E_PARSE, FL_E_VERIFY, FL_E_NOMEM. */
int coord_members_load(const char *path, const char *ca_path, coord_members *out,
		       char *errmsg);
/* Frees the text and zeroes *m; NULL-safe. */
void coord_members_clear(coord_members *m);

#endif
