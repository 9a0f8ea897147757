/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord_enroll: one-time enrollment tokens and the Enroll RPC.
 *
 * A token is "fedc1." + 8 hex digits of the SHA-256 of the CA certificate
 * (DER; lets 'fedc-agent enroll' check it was given the right ca.pem) +
 * "." + 40 hex digits from randombytes_buf (160 bits). The store keeps only
 * the SHA-256 of the whole token (table enroll_tokens); a token is used at
 * most once (consumed by one SQL statement) and refused after it expires.
 */
#ifndef COORD_ENROLL_H
#define COORD_ENROLL_H

#include <stddef.h>
#include <stdint.h>
#include "coord_store.h"
#include "fl_codec_enroll.h"
#include "fl_rpc.h"

/* Makes a token for the CA certificate ca_pem; hash_hex receives its
 * SHA-256 (64 hex + NUL). */
int coord_enroll_token_make(const char *ca_pem, char token[FL_ENROLL_TOKEN_BYTES],
			    char hash_hex[65]);
/* SHA-256 of a token, lowercase hex. */
void coord_enroll_token_hash(const char *token, char hash_hex[65]);

/* ---- the store (coord_store_tokens.c; table enroll_tokens) ---- */
/* Stores a token's hash. FL_E_EXISTS (a collision: never in practice),
 * FL_E_DB. */
int coord_store_token_put(coord_store *st, const char *hash_hex,
			  const char *site, int64_t created_ms,
			  int64_t expires_ms, const char *created_by);
/* Looks a token up without using it: *site (FL_NAME_BYTES) is its site.
 * FL_E_NOTFOUND unknown; FL_E_DENIED used or expired, with why in errmsg. */
int coord_store_token_peek(coord_store *st, const char *hash_hex,
			   int64_t now_ms, char *site, char *errmsg);
/* Uses the token: one UPDATE that succeeds for one caller only, and only
 * if the token is unused and unexpired at now_ms. Errors as peek. */
int coord_store_token_use(coord_store *st, const char *hash_hex,
			  int64_t now_ms, char *site, char *errmsg);

#endif
