/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord_ca: the consortium CA kept online by the coordinator ([ca] of its
 * config), for enrollment by token, certificate renewal and signed CRLs.
 * Thread-safe: one mutex around the CA key. The key stays in this process;
 * nothing here logs or returns it.
 */
#ifndef COORD_CA_H
#define COORD_CA_H

#include <stddef.h>
#include <stdint.h>

#include "fl_config.h"

typedef struct coord_ca coord_ca;

/* Loads the CA named by cfg (cert, key, passphrase_file). *out is NULL
 * (and 0 returned) when cfg->cert is empty: the CA is kept offline.
 * Errors (FL_E_IO, FL_E_PARSE, FL_E_AUTH wrong passphrase, FL_E_INVAL key
 * does not match) with what to do in errmsg. Caller owns *out. */
int coord_ca_open(const fl_ca_config *cfg, coord_ca **out, char *errmsg);
void coord_ca_free(coord_ca *ca);

/* Issues a site certificate for an untrusted CSR (checked first: it parses,
 * its self-signature verifies, its key type is allowed), for name with role
 * "site", valid for the configured leaf_days. The CSR's own subject is
 * ignored. *cert_pem malloc'd (caller frees); serial_hex (>= 66 bytes) and
 * *not_after_ms (may be NULL) describe it. errmsg says what is wrong with
 * the CSR. */
int coord_ca_issue_site(coord_ca *ca, const char *csr_pem, size_t csr_len,
			const char *name, char **cert_pem, size_t *cert_len,
			char *serial_hex, int64_t *not_after_ms, char *errmsg);

/* A CRL signed by the CA, listing serials, numbered crl_number, next update
 * in 30 days. *crl_pem malloc'd, NUL-terminated (caller frees). */
int coord_ca_crl(coord_ca *ca, const char *const *serials_hex, size_t n,
		 uint64_t crl_number, char **crl_pem, size_t *len);

/* The signed text of the member list m (fl_members_sign) with the CA key;
 * *out malloc'd (caller frees). */
struct fl_members;
int coord_ca_sign_members(coord_ca *ca, struct fl_members *m, char **out,
			  size_t *len);

/* The CA certificate (PEM, NUL-terminated), borrowed, valid until free. */
const char *coord_ca_cert_pem(const coord_ca *ca, size_t *len);

/* The configured lifetimes. */
uint32_t coord_ca_token_ttl_s(const coord_ca *ca);
uint32_t coord_ca_renew_days(const coord_ca *ca);

#endif
