/* SPDX-License-Identifier: Apache-2.0 */
/* fl_members: the consortium's member list (SECAGG.md rule R1), signed
 * offline with the CA key and pinned by every agent. */
#ifndef FL_MEMBERS_H
#define FL_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_sign.h"
#include "fl_util.h"

#define FL_MEMBERS_MAX 1000u
#define FL_MEMBERS_MAX_BYTES (512u * 1024u)

/* One site of the consortium: the CN of its certificate, the member
 * organisation that runs it (the unit in which T and c are counted) and the
 * SHA-256 of its certificate's DER SubjectPublicKeyInfo. */
typedef struct fl_member {
	char name[FL_NAME_BYTES];
	char org[FL_NAME_BYTES];
	uint8_t pkhash[FL_PKHASH_BYTES];
} fl_member;

/* A versioned list (version >= 1, higher is newer). items are sorted by
 * name; names and key hashes are unique (fl_members_check). */
typedef struct fl_members {
	uint64_t version;
	uint32_t count;
	fl_member *items;              /* owned, count entries */
} fl_members;

/* Frees items and zeroes *m; accepts NULL or a zeroed struct. */
void fl_members_clear(fl_members *m);

/* Sorts items by name, then checks the list: 1 <= version, count <=
 * FL_MEMBERS_MAX, names and organisations non-empty and printable without
 * spaces, no name and no key hash twice. FL_E_PARSE with the reason in
 * errmsg (may be NULL). */
int fl_members_check(fl_members *m, char *errmsg);

/* The member named name, or NULL. The list must be sorted (check). */
const fl_member *fl_members_find(const fl_members *m, const char *name);

/* Deep copy; dst is overwritten. FL_E_NOMEM. */
int fl_members_copy(fl_members *dst, const fl_members *src);

/*
 * Text form (fl_members_codec.c), UTF-8 lines ending in "\n":
 *   fedc-members-v1
 *   version N
 *   member NAME ORG PKHASH (64 lowercase hex), one line each, by name
 *   signature BASE64     (the CA key's signature of every byte before
 *                         this line, as fl_sign makes it)
 */

/* The signed text of m with the CA's key; *out is malloc'd (caller frees),
 * *len its length. FL_E_PARSE (m fails fl_members_check), FL_E_CRYPTO,
 * FL_E_NOMEM. */
int fl_members_sign(fl_members *m, fl_sign_key *ca_key, char **out, size_t *len);

/* Parses text (len bytes) and checks its signature against the CA
 * certificate(s) in ca_pem, then the list (fl_members_check). Fills *out
 * (fl_members_clear). Errors: FL_E_TOOBIG, FL_E_PARSE, FL_E_VERIFY (not
 * signed by the CA), FL_E_NOMEM, with the reason in errmsg (may be NULL). */
int fl_members_parse_verified(const char *text, size_t len, const char *ca_pem,
			      size_t ca_len, fl_members *out, char *errmsg);

#endif
