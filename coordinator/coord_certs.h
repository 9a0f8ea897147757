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

#include "coord_auth.h"
#include "coord_store.h"

struct coord_ca;
typedef struct coord_certs coord_certs;

/* Loads the current CRL number from st. *out owned by caller. */
int coord_certs_new(coord_store *st, coord_certs **out);
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
 * site, numbered one above the last, with the online CA. *number receives
 * it. FL_E_STATE when ca is NULL (the CA is offline).
 */
int coord_certs_publish_crl(coord_certs *c, coord_store *st, struct coord_ca *ca,
			    int64_t now_ms, uint64_t *number, size_t *nserials);
/* The latest CRL: *pem malloc'd (NULL and *number 0 when none). */
int coord_certs_crl_get(coord_certs *c, coord_store *st, uint64_t *number,
			char **pem);

#endif
