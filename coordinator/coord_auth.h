/* SPDX-License-Identifier: Apache-2.0 */
/* coord_auth: who may call which method, from the peer's certificate. */
#ifndef COORD_AUTH_H
#define COORD_AUTH_H

#include "coord_caller.h"
#include "coord_store.h"

/*
 * Decides whether a caller with common name cn and role (certificate OU)
 * may call method (a full path like "/fedc.v1.Agent/Poll"). Sites may only
 * call the Agent and SecAgg services, must be registered in the store and
 * not revoked; admins may call every Control method; viewers only the read-only ones.
 * Returns 0, or FL_E_DENIED with a message for the caller in errmsg.
 */
int coord_auth_decide(coord_store *st, const char *method, const char *cn,
		      const char *role, char *errmsg);
struct coord_certs;
/* Parses the peer's PEM (FL_E_AUTH if missing or unreadable), refuses a
 * certificate on the current CRL of certs (FL_E_REVOKED; certs may be NULL:
 * no CRL check), then applies coord_auth_decide and fills *out. */
int coord_auth_check(coord_store *st, struct coord_certs *certs,
		     const char *method, const char *peer_pem, coord_caller *out,
		     char *errmsg);

#endif
