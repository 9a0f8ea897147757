/* SPDX-License-Identifier: Apache-2.0 */
/* coord_db_open: picks the backend for a database target (a postgresql://
 * URL or an SQLite file) and opens it; above coord_db.c and the backends. */
#include "coord_db_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_db_open(const char *target, const char *password_file,
		  coord_db **out, char *errmsg)
{
	if (target == NULL || out == NULL || target[0] == '\0') {
		fl_errmsg_set(errmsg, "no database given");
		return FL_E_INVAL;
	}
	if (coord_db_is_url(target))
		return coord_db_pg_open(target, password_file, out, errmsg);
	if (password_file != NULL && password_file[0] != '\0') {
		fl_errmsg_set(errmsg, "database_password_file is for a postgresql:// "
			      "database, not the SQLite file %s", target);
		return FL_E_CONFIG;
	}
	return coord_db_sqlite_open(target, out, errmsg);
}
