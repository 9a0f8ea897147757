/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_certs: the certificates each site connected with (or was
 * issued), and the CRLs the coordinator published (tables site_certs, crl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_cert_seen(coord_store *st, const char *site,
			  const char *fingerprint, const char *serial,
			  int64_t not_after_ms, int64_t now_ms)
{
	if (!st || !site || !fingerprint || !serial)
		return FL_E_INVAL;
	return coord_store_run(st, "INSERT INTO site_certs(site, fingerprint, serial,"
			       " not_after_ms, first_seen_ms) VALUES(?, ?, ?, ?, ?)"
			       " ON CONFLICT(site, fingerprint) DO NOTHING",
			       COORD_ARGS(CA_T(site), CA_T(fingerprint), CA_T(serial),
					  CA_I(not_after_ms), CA_I(now_ms)), NULL);
}

static int serial_item(coord_stmt *s, void *item)
{
	char (*e)[66] = item;

	snprintf(*e, sizeof(*e), "%s", coord_stmt_text(s, 0));
	return 0;
}

int coord_store_revoked_serials(coord_store *st, char (**serials)[66], size_t *n)
{
	static const coord_list_spec ls = { 66, SIZE_MAX, serial_item, NULL,
		"revoked serials" };

	if (!st || !serials || !n)
		return FL_E_INVAL;
	*serials = NULL;
	*n = 0;
	return coord_store_list(st, &ls, "SELECT DISTINCT c.serial FROM site_certs c"
				" JOIN sites s ON s.name = c.site WHERE s.revoked = 1"
				" ORDER BY c.serial", COORD_NOARGS, serials, n);
}

int coord_store_crl_put(coord_store *st, uint64_t number, const char *pem,
			int64_t now_ms)
{
	if (!st || !pem || number == 0)
		return FL_E_INVAL;
	return coord_store_run(st, "INSERT INTO crl(number, pem, created_ms) VALUES(?, ?, ?)",
			       COORD_ARGS(CA_I(number), CA_T(pem), CA_I(now_ms)), NULL);
}

int coord_store_crl_latest(coord_store *st, uint64_t *number, char **pem)
{
	coord_stmt *s = NULL;
	coord_db *db;
	int r;

	if (!st || !number)
		return FL_E_INVAL;
	*number = 0;
	if (pem)
		*pem = NULL;
	db = coord_store_lock(st);
	if ((r = coord_db_query(db, "SELECT number, pem FROM crl ORDER BY number"
				" DESC LIMIT 1", COORD_NOARGS, &s)) != 0)
		goto out;
	if ((r = coord_stmt_step(s)) == 1) {
		*number = (uint64_t)coord_stmt_int64(s, 0);
		r = 0;
		if (pem && (*pem = strdup(coord_stmt_text(s, 1))) == NULL)
			r = FL_E_NOMEM;
	}
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}
