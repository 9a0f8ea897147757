/* SPDX-License-Identifier: Apache-2.0 */
/* coord_members: the CA-signed member list (SECAGG.md R1) that the
 * coordinator hands to the agents. It only carries the text: the list is
 * signed offline with the CA key, and every agent checks it. */
#ifndef COORD_MEMBERS_H
#define COORD_MEMBERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The list the coordinator serves. The file is re-read when it changes
 * (coord_members_refresh), so a consortium publishes a new offline-signed
 * list by replacing the file. Guarded by lock. */
typedef struct coord_members {
	pthread_mutex_t lock;
	char *text;            /* owned, NUL-terminated; NULL: no list */
	size_t len;
	uint64_t version;      /* 0: no list */
	uint32_t count;
	char path[4096];       /* "" when no [coordinator] members */
	char ca_path[4096];
	int sign;              /* [ca] sign_members: coord_members_add_site signs */
	int64_t checked_ms;    /* last look at the file */
	int64_t mtime_ns;      /* of the file last read, and its size */
	off_t size;
} coord_members;

/* Initialises *out and, if path is set and the file exists, reads it and
 * checks it against the CA bundle ca_path, as an agent will
 * (fl_members_parse_verified): a bad file stops the start. A missing file
 * is not an error (it is picked up when it appears). Errors with the
 * reason in errmsg: FL_E_IO, FL_E_TOOBIG, FL_E_PARSE, FL_E_VERIFY,
 * FL_E_NOMEM. */
int coord_members_load(const char *path, const char *ca_path, coord_members *out,
		       char *errmsg);
/* At most every 2 s: if the file changed, re-reads it and serves it when
 * it checks and its version is higher; otherwise logs why not and keeps
 * the list served. */
void coord_members_refresh(coord_members *m, int64_t now_ms);
/* The version served (0: none). */
uint64_t coord_members_version(coord_members *m);
/* With the CA online: after site name enrolled or renewed with cert_pem,
 * puts (name, key hash, organisation: kept, or the name) on the list,
 * signs version + 1 with the CA key, writes it to the file (atomically)
 * and serves it. This trusts the coordinator with membership (README). */
struct coord_ca;
int coord_members_add_site(coord_members *m, struct coord_ca *ca,
			   const char *name, const char *cert_pem, size_t cert_len,
			   char *errmsg);

/* Frees the text and zeroes *m; NULL-safe. */
void coord_members_clear(coord_members *m);

#endif
