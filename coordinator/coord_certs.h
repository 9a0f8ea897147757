/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord_certs: which certificates each site has used, and the CRLs the
 * coordinator publishes when an operator revokes a site. A certificate is
 * recorded (coord_store_cert_seen) the first time a site calls with it; an
 * in-memory set of fingerprints keeps that from costing a write per call.
 * The current CRL number is what every poll reply carries to the agents.
 */
#ifndef COORD_CERTS_H
#define COORD_CERTS_H

#include <stdint.h>

#include "coord_caller.h"
#include "coord_store.h"
#include "fl_pki.h"

struct coord_ca;
typedef struct coord_certs coord_certs;

/* Loads the current CRL from st (its number and the serials it revokes).
 * ca_pem (ca_len bytes; may be NULL) is the CA bundle that CRLs must be
 * signed by; it is copied. *out owned by caller. */
int coord_certs_new(coord_store *st, const char *ca_pem, size_t ca_len,
		    coord_certs **out);
void coord_certs_free(coord_certs *c);
/* Records who's certificate if this process has not seen it yet. NULL-safe. */
void coord_certs_note(coord_certs *c, coord_store *st, const coord_caller *who,
		      int64_t now_ms);
/* Records an issued certificate (PEM) for site (enrollment, renewal). */
void coord_certs_note_pem(coord_certs *c, coord_store *st, const char *site,
			  const char *cert_pem, int64_t now_ms);
/* The number of the latest published CRL (0: none). */
uint64_t coord_certs_crl_number(coord_certs *c);
/*
 * Signs and stores a CRL listing every recorded serial of every revoked
 * site and every serial of the current CRL, numbered one above the last,
 * with the online CA. *number receives
 * it. FL_E_STATE when ca is NULL (the CA is offline).
 */
int coord_certs_publish_crl(coord_certs *c, coord_store *st, struct coord_ca *ca,
			    int64_t now_ms, uint64_t *number, size_t *nserials);
/* 1 if serial (hex, as fl_cert_info.serial) is on the current CRL, else 0;
 * *number (may be NULL) gets the CRL's number. Thread-safe. */
int coord_certs_revoked(coord_certs *c, const char *serial, uint64_t *number);
/*
 * Makes a CRL made elsewhere (with the offline CA key) the current one: it
 * must be signed by the CA bundle (FL_E_VERIFY, FL_E_PARSE), carry a CRL
 * number above the current one (FL_E_REPLAY) and not be past its
 * nextUpdate (FL_E_STALE). Stored in st, so it survives a restart, and
 * announced to the agents by its number. *info (may be NULL) describes it.
 * errmsg says why a CRL is refused.
 */
int coord_certs_publish_pem(coord_certs *c, coord_store *st, const char *pem,
			    int64_t now_ms, fl_crl_info *info, char *errmsg);
/* Logs a warning (at most hourly) when the current CRL is within a day of
 * its nextUpdate or past it: agents then refuse rounds (R10). */
void coord_certs_crl_warn(coord_certs *c, int64_t now_ms);
/* With the CA online (ca not NULL), re-signs the current CRL (next number,
 * same serials) once it is within a week of its nextUpdate, so agents never
 * hold an expired one (R10); then coord_certs_crl_warn. At most hourly. */
void coord_certs_crl_maintain(coord_certs *c, coord_store *st, struct coord_ca *ca,
			      int64_t now_ms);
/* The latest CRL: *pem malloc'd (NULL and *number 0 when none). */
int coord_certs_crl_get(coord_certs *c, coord_store *st, uint64_t *number,
			char **pem);

#endif
