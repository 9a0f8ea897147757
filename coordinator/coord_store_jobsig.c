/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_jobsig: each job's spec signature by the admin who submitted
 * it and that admin's certificate (jobs.spec_sig, jobs.spec_cert). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

/* SQLite databases made before signed specs lack the two columns: add
 * them. Old jobs then carry no signature, and agents refuse their rounds.
 * (PostgreSQL databases are created with them.) */
static const char *const jobsig_cols[][2] = {
	{ "spec_sig", "ALTER TABLE jobs ADD COLUMN spec_sig BLOB NOT NULL DEFAULT x''" },
	{ "spec_cert", "ALTER TABLE jobs ADD COLUMN spec_cert TEXT NOT NULL DEFAULT ''" },
};

static int jobsig_has(coord_db *db, const char *col, bool *has)
{
	coord_stmt *s = NULL;
	int r;

	*has = false;
	if ((r = coord_db_query(db, "PRAGMA table_info(jobs)", COORD_NOARGS, &s)) != 0)
		return r;
	while ((r = coord_stmt_step(s)) == 1)
		if (strcmp(coord_stmt_text(s, 1), col) == 0)
			*has = true;
	coord_stmt_free(s);
	return r;
}

int coord_store_jobsig_migrate_db(coord_db *db)
{
	bool has;
	size_t i;
	int r = 0;

	if (coord_db_backend(db) != COORD_DB_SQLITE)
		return 0;
	for (i = 0; i < sizeof(jobsig_cols) / sizeof(jobsig_cols[0]); i++) {
		if ((r = jobsig_has(db, jobsig_cols[i][0], &has)) != 0)
			break;
		if (has)
			continue;
		if ((r = coord_db_exec(db, jobsig_cols[i][1])) != 0)
			break;
		fl_info("store: added column jobs.%s", jobsig_cols[i][0]);
	}
	if (r != 0)
		fl_error("store: jobs spec signature columns: %s", coord_db_errmsg(db));
	return r;
}

int coord_store_jobsig_migrate(coord_store *st)
{
	int r = coord_store_jobsig_migrate_db(coord_store_lock(st));

	coord_store_unlock(st);
	return r;
}

int coord_store_job_set_spec_sig(coord_store *st, uint64_t id, const uint8_t *sig,
				 size_t sig_len, const char *cert_pem)
{
	int64_t n = 0;
	coord_db *db;
	int r;

	if (!st || (!sig && sig_len) || sig_len > FL_MSG_SPEC_SIG_MAX || !cert_pem)
		return FL_E_INVAL;
	db = coord_store_lock(st);
	r = coord_db_run(db, "UPDATE jobs SET spec_sig = ?, spec_cert = ? WHERE id = ?",
			 COORD_ARGS(CA_B(sig, sig_len), CA_T(cert_pem), CA_I(id)), &n);
	coord_store_unlock(st);
	return r == 0 && n != 1 ? FL_E_NOTFOUND : r;
}

int coord_store_job_get_spec_sig(coord_store *st, uint64_t id,
				 uint8_t sig[static FL_MSG_SPEC_SIG_MAX],
				 size_t *sig_len, char **cert_pem)
{
	coord_stmt *s = NULL;
	const char *cert;
	const void *blob;
	coord_db *db;
	char *c = NULL;
	size_t n;
	int r;

	if (!st || !sig_len || !cert_pem)
		return FL_E_INVAL;
	db = coord_store_lock(st);
	if ((r = coord_db_query(db, "SELECT spec_sig, spec_cert FROM jobs WHERE id = ?",
				COORD_ARGS(CA_I(id)), &s)) != 0)
		goto out;
	if ((r = coord_stmt_step(s)) != 1) {
		r = r == 0 ? FL_E_NOTFOUND : FL_E_DB;
		goto out;
	}
	blob = coord_stmt_blob(s, 0, &n);
	cert = coord_stmt_text(s, 1);
	if (n > FL_MSG_SPEC_SIG_MAX) {
		r = FL_E_PARSE;
		goto out;
	}
	if (cert[0] && (c = strdup(cert)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(sig, blob, n);
	*sig_len = n;
	*cert_pem = c;
	r = 0;
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}
