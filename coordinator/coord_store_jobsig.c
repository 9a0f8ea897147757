/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_jobsig: each job's spec signature by the admin who submitted
 * it and that admin's certificate (jobs.spec_sig, jobs.spec_cert). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "coord_store.h"
#include "fl_err.h"
#include "fl_log.h"

/* Databases made before signed specs lack the two columns: add them. Old
 * jobs then carry no signature, and agents refuse their rounds. */
static const char *const jobsig_cols[][2] = {
	{ "spec_sig", "ALTER TABLE jobs ADD COLUMN spec_sig BLOB NOT NULL DEFAULT x''" },
	{ "spec_cert", "ALTER TABLE jobs ADD COLUMN spec_cert TEXT NOT NULL DEFAULT ''" },
};

static int jobsig_has(sqlite3 *db, const char *col, bool *has)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*has = false;
	if (sqlite3_prepare_v2(db, "PRAGMA table_info(jobs)", -1, &s, NULL) != SQLITE_OK)
		return FL_E_DB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(s, 1);

		if (name && strcmp((const char *)name, col) == 0)
			*has = true;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : FL_E_DB;
}

int coord_store_jobsig_migrate(coord_store *st)
{
	sqlite3 *db = coord_store_db_lock(st);
	char *msg = NULL;
	bool has;
	size_t i;
	int r = 0;

	for (i = 0; i < sizeof(jobsig_cols) / sizeof(jobsig_cols[0]); i++) {
		if ((r = jobsig_has(db, jobsig_cols[i][0], &has)) != 0)
			break;
		if (has)
			continue;
		if (sqlite3_exec(db, jobsig_cols[i][1], NULL, NULL, &msg) != SQLITE_OK) {
			fl_error("store: add jobs.%s: %s", jobsig_cols[i][0],
				 msg ? msg : "?");
			sqlite3_free(msg);
			r = FL_E_DB;
			break;
		}
		fl_info("store: added column jobs.%s", jobsig_cols[i][0]);
	}
	if (r != 0 && msg == NULL)
		fl_error("store: jobs spec signature columns: %s", sqlite3_errmsg(db));
	coord_store_db_unlock(st);
	return r;
}

int coord_store_job_set_spec_sig(coord_store *st, uint64_t id, const uint8_t *sig,
				 size_t sig_len, const char *cert_pem)
{
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	int r;

	if (!st || (!sig && sig_len) || sig_len > FL_MSG_SPEC_SIG_MAX || !cert_pem)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "UPDATE jobs SET spec_sig = ?, spec_cert = ? "
			       "WHERE id = ?", -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		goto out;
	}
	sqlite3_bind_blob(s, 1, sig_len ? (const void *)sig : "", (int)sig_len,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 2, cert_pem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)id);
	r = sqlite3_step(s) == SQLITE_DONE ? 0 : FL_E_DB;
	if (r == 0 && sqlite3_changes(db) != 1)
		r = FL_E_NOTFOUND;
out:
	if (r == FL_E_DB)
		fl_error("store: set spec signature: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}

int coord_store_job_get_spec_sig(coord_store *st, uint64_t id,
				 uint8_t sig[static FL_MSG_SPEC_SIG_MAX],
				 size_t *sig_len, char **cert_pem)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *cert;
	const void *blob;
	sqlite3 *db;
	char *c = NULL;
	int n, r, rc;

	if (!st || !sig_len || !cert_pem)
		return FL_E_INVAL;
	db = coord_store_db_lock(st);
	if (sqlite3_prepare_v2(db, "SELECT spec_sig, spec_cert FROM jobs WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK) {
		r = FL_E_DB;
		fl_error("store: get spec signature: %s", sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? FL_E_NOTFOUND : FL_E_DB;
		goto out;
	}
	blob = sqlite3_column_blob(s, 0);
	n = sqlite3_column_bytes(s, 0);
	cert = sqlite3_column_text(s, 1);
	if (n < 0 || (size_t)n > FL_MSG_SPEC_SIG_MAX) {
		r = FL_E_PARSE;
		goto out;
	}
	if (cert && cert[0] && (c = strdup((const char *)cert)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(sig, blob, (size_t)n);
	*sig_len = (size_t)n;
	*cert_pem = c;
	r = 0;
out:
	sqlite3_finalize(s);
	coord_store_db_unlock(st);
	return r;
}
