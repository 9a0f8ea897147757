/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger: the round-ledger export file and its offline verification
 * (fedctl ledger export / verify; reusable by tests). */
#ifndef CTL_LEDGER_H
#define CTL_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fl_msg.h"

/*
 * Export file (text, UTF-8):
 *   # fedc ledger v1
 *   # job all            ("# job ID" when only job ID's entries were exported)
 *   -----BEGIN CERTIFICATE-----      the coordinator certificate (PEM)
 *   ...
 *   -----END CERTIFICATE-----
 *   TEXT<TAB>HASH<TAB>SIG            one line per entry, by seq
 * TEXT is the entry's canonical JSON (coordinator/coord_ledger.h; it never
 * holds a tab or newline), HASH its SHA-256 and SIG the coordinator's
 * signature of HASH, both lowercase hex.
 *
 * A whole-chain file ("job all") must hold seq 1, 2, 3 ... with no gap, and
 * each entry's prev must be the hash of the line before. A one-job file can
 * have gaps (the other jobs' entries): its seqs must increase, prev is
 * checked wherever two entries are consecutive, and every entry must be of
 * that job; a deleted entry is then only detected between consecutive
 * entries, so verify the whole chain when it matters.
 */
#define CTL_LEDGER_MAGIC "# fedc ledger v1"

/* Writes the header, cert_pem and the entries to f. job 0 = all. 0 or
 * FL_E_IO. */
int ctl_ledger_write(FILE *f, uint64_t job, const char *cert_pem,
		     const fl_msg_ledger_entry *e, size_t n);

typedef struct ctl_ledger_opts {
	const char *ca_pem;       /* the consortium CA (PEM) */
	size_t ca_len;
	const char *records_dir;  /* optional: an agent's state_dir/records */
	const char *site;         /* the site whose records those are */
} ctl_ledger_opts;

typedef struct ctl_ledger_result {
	size_t entries;                        /* entries verified */
	char last_hash[FL_MSG_HASH_HEX_BYTES]; /* "" if none */
	size_t records_ok;                     /* records that matched */
	size_t records_aborted;                /* records without an entry */
	size_t problems;                       /* failed checks */
	char first_problem[512];               /* "ledger: entry 3: ..." */
} ctl_ledger_result;

/*
 * Verifies an export file's text offline: the certificate chains to the CA,
 * each entry's hash is SHA-256 of its text, seq and prev link the entries
 * (see above), and each signature verifies with the certificate's key.
 * The first chain failure ends the check. With records_dir and site, then
 * checks every record of that site whose (job, round, attempt) has an
 * entry: the site is a survivor, the kind matches, the record's
 * model_version is the version the round started from, and its
 * model_sha256 is the digest in the entry that made that version.
 * Each problem is printed to log (if not NULL) as "ledger: entry N: ..." or
 * "ledger: site NAME round R: ...", and records without an entry as
 * "... not in ledger (attempt aborted)" (not a problem).
 * Returns 0 if all checks passed, FL_E_VERIFY if one failed (see res),
 * FL_E_PARSE (not an export file; res->first_problem says why),
 * FL_E_NOMEM, FL_E_IO (records_dir). res is always filled.
 */
int ctl_ledger_verify(const char *text, size_t len, const ctl_ledger_opts *o,
		      FILE *log, ctl_ledger_result *res);

#endif
