/* SPDX-License-Identifier: Apache-2.0 */
/* coord_ledger: the verifiable round ledger. Each finished round (STATS,
 * TRAIN, EVAL) appends one hash-chained entry, signed by the coordinator,
 * in the same SQLite transaction that commits the round and its model. */
#ifndef COORD_LEDGER_H
#define COORD_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "coord_store.h"
#include "fl_msg.h"
#include "fl_util.h"

/*
 * The canonical text of an entry is ONE line of JSON, keys in this order,
 * no spaces, strings JSON-escaped (\" \\ and \u00XX for control bytes, so
 * the text never holds a tab or a newline), integers in decimal, doubles
 * as printf %.17g:
 *
 *   {"v":1,"seq":S,"job":J,"round":R,"attempt":A,"kind":"stats|train|eval",
 *    "participants":["<sha256 hex of each advertised site certificate's
 *                     DER>",...],                        (sorted)
 *    "survivors":["<site name>",...],                   (sorted)
 *    "base_version":B|null,   the model version the sites downloaded and
 *                             used (round - 1 for TRAIN, the last TRAIN
 *                             round for EVAL, null for STATS)
 *    "model_version":V|null,  the version this round produced (0 for
 *                             STATS, R for TRAIN, null for EVAL)
 *    "model_sha256":"<hex of the stored model blob>"|"" (EVAL),
 *    "spec_sha256":"<hex of the job spec text>",
 *    "spec_signer":"<CN of the admin who signed the spec>"|"" (unsigned),
 *    "spec_signer_sha256":"<sha256 hex of that admin certificate's DER>"|"",
 *    "params":{"n":N,"k":K,"t":T,"words":M,"bits":Q,"clip":C,
 *              "weight_scale":W,"consistency":true|false},
 *    "ts_ms":<commit time, ms since the epoch>,
 *    "prev":"<hash of entry S-1, or 64 zeros for S = 1>"}
 *
 * hash = SHA-256(text) as lowercase hex; sig = the coordinator key's
 * signature (fl_sign: ECDSA P-256 with SHA-256, DER; or Ed25519) of the 32
 * raw bytes of hash, as lowercase hex. seq counts from 1 over all jobs.
 */
#define COORD_LEDGER_VERSION 1
#define COORD_LEDGER_HASH_HEX FL_MSG_HASH_HEX_BYTES
#define COORD_LEDGER_SIG_HEX FL_MSG_SIG_HEX_BYTES
#define COORD_LEDGER_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

typedef struct coord_ledger_signer coord_ledger_signer;

/* Loads the coordinator's TLS private key (the signing key) and its
 * certificate (sent with GetLedger). *out owned by caller
 * (coord_ledger_signer_free, which wipes the key). FL_E_IO, FL_E_PARSE,
 * FL_E_UNSUPPORTED, FL_E_NOMEM, with a message in errmsg. */
int coord_ledger_signer_load(const char *key_path, const char *cert_path,
			     coord_ledger_signer **out, char *errmsg);
/* Same from PEM text (copied). */
int coord_ledger_signer_new(const char *key_pem, size_t key_len,
			    const char *cert_pem, coord_ledger_signer **out);
void coord_ledger_signer_free(coord_ledger_signer *s);
/* The certificate PEM (borrowed; lives as long as s). */
const char *coord_ledger_signer_cert(const coord_ledger_signer *s);

/* What a finished round puts in its entry. Arrays are borrowed and need not
 * be sorted (coord_ledger_text sorts copies). */
/* A noisy TRAIN round's parameters ([privacy], coord_dp.c), as planned by
 * the coordinator: n_min = t - the largest c the sites declared, S and rho
 * of a site with that c (each site charges its own figures). */
typedef struct coord_ledger_dp {
	double z, sigma, l2_clip, gamma, l2_bound, rho;
	uint32_t pdim, n_min;
	uint64_t var;
} coord_ledger_dp;

typedef struct coord_ledger_round {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	const char *kind;                     /* "stats", "train", "eval" */
	const char (*fprs)[COORD_LEDGER_HASH_HEX];
	uint32_t nfprs;
	const char (*survivors)[FL_NAME_BYTES];
	uint32_t nsurvivors;
	int64_t base_version;                 /* -1: null */
	int64_t model_version;                /* -1: null */
	char model_sha256[COORD_LEDGER_HASH_HEX]; /* "" when no model */
	char spec_sha256[COORD_LEDGER_HASH_HEX];
	char spec_signer[FL_NAME_BYTES];      /* "" when the spec is unsigned */
	char spec_signer_sha256[COORD_LEDGER_HASH_HEX]; /* "" likewise */
	uint32_t n, k, t, bits;
	uint64_t words;
	double clip, weight_scale;
	bool consistency;
	bool has_dp;                          /* "dp" is written only then */
	coord_ledger_dp dp;
	int64_t ts_ms;
} coord_ledger_round;

/* SHA-256 of data as lowercase hex into out. */
void coord_ledger_sha256_hex(const void *data, size_t len,
			     char out[static COORD_LEDGER_HASH_HEX]);

/* The canonical text of entry seq after prev_hash. *text malloc'd (caller
 * frees). FL_E_INVAL (bad prev_hash or fields), FL_E_TOOBIG (over
 * FL_MSG_LEDGER_TEXT_MAX), FL_E_NOMEM. */
int coord_ledger_text(const coord_ledger_round *r, uint64_t seq,
		      const char *prev_hash, char **text);
/* Hashes text and signs the hash. FL_E_CRYPTO if the key cannot sign. */
int coord_ledger_seal(coord_ledger_signer *s, const char *text,
		      char hash_hex[static COORD_LEDGER_HASH_HEX],
		      char sig_hex[static COORD_LEDGER_SIG_HEX]);

/* Context of coord_ledger_build: the signer and the round (borrowed). */
typedef struct coord_ledger_ctx {
	coord_ledger_signer *signer;
	const coord_ledger_round *round;
} coord_ledger_ctx;
/* A coord_store_ledger_fn (ctx is a coord_ledger_ctx): builds, hashes and
 * signs entry seq after prev_hash into *out (out->text malloc'd). */
int coord_ledger_build(void *ctx, uint64_t seq, const char *prev_hash,
		       coord_ledger_row *out);

#endif
