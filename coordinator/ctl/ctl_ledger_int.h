/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger_int: a parsed ledger entry, shared by the verifier files. */
#ifndef CTL_LEDGER_INT_H
#define CTL_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_ledger.h"
#include "fl_util.h"

#define CTL_LEDGER_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The fields of an entry's text that the checks use. */
typedef struct ctl_ledger_fields {
	uint64_t seq;
	uint64_t job;
	uint32_t round;
	uint32_t attempt;
	char kind[16];
	char (*survivors)[FL_NAME_BYTES];      /* owned */
	size_t nsurvivors;
	int64_t base_version;                  /* -1: null */
	int64_t model_version;                 /* -1: null */
	char model_sha256[FL_MSG_HASH_HEX_BYTES];
	char prev[FL_MSG_HASH_HEX_BYTES];
	/* who signed the job spec (R2): CN and certificate fingerprint; ""
	 * when unsigned or in an entry written before signed specs */
	char spec_signer[FL_NAME_BYTES];
	char spec_signer_sha256[FL_MSG_HASH_HEX_BYTES];
} ctl_ledger_fields;

/* Parses an entry's canonical JSON (strictly: an object with the keys of
 * coord_ledger.h; unknown keys are skipped). FL_E_PARSE with why (>= 128
 * bytes), FL_E_NOMEM. Clear with ctl_ledger_fields_clear. */
int ctl_ledger_fields_parse(const char *text, ctl_ledger_fields *out,
			    char *why, size_t whylen);
void ctl_ledger_fields_clear(ctl_ledger_fields *f);

/* The records check (ctl_ledger_records.c): entries[0..n) are the verified
 * entries of the file; job_filter (not 0) skips the records of other jobs
 * (a one-job export). Adds to res and prints to log as ctl_ledger_verify
 * says. FL_E_IO if the folder cannot be read. */
int ctl_ledger_check_records(const ctl_ledger_fields *entries, size_t n,
			     uint64_t job_filter, const ctl_ledger_opts *o,
			     FILE *log, ctl_ledger_result *res);
/* Records a problem: prints it to log and keeps the first in res. */
void ctl_ledger_problem(ctl_ledger_result *res, FILE *log, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
