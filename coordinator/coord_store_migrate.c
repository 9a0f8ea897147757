/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_migrate: the numbered forward migrations after version 5,
 * one SQL text for both backends (SQLite and PostgreSQL), run inside the
 * caller's schema transaction (coord_store_schema.c). */
#include <stdio.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

/* Step i brings the schema from version COORD_STORE_SCHEMA_BASE + i to the
 * next. Append only; never edit a step that has shipped. */
static const char *const mig_steps[] = {
	/* v6: the ledger by job. 'fedctl ledger export --job' and the job
	 * report page through one job's entries (coord_store_ledger_list);
	 * without this index each page scanned the whole ledger, which grows
	 * by one entry per round of every job the consortium ever ran. */
	"CREATE INDEX IF NOT EXISTS ledger_job ON ledger(job_id, seq)",
	/* v7: the noisy statistics of jobs with [privacy] bounds
	 * (coord_dp_stats.c): sigma and rho of the noise, and the noisy sums
	 * before any clamping, as 'fedctl job stats --json' shows them. */
	"CREATE TABLE IF NOT EXISTS dp_stats(job_id BIGINT PRIMARY KEY,"
	" sigma DOUBLE PRECISION NOT NULL, rho DOUBLE PRECISION NOT NULL,"
	" sums TEXT NOT NULL)",
};

_Static_assert(COORD_STORE_SCHEMA_BASE + sizeof(mig_steps) / sizeof(mig_steps[0]) ==
	       COORD_STORE_SCHEMA_VERSION, "one migration step per version after 5");

/* Records version v: PRAGMA user_version on SQLite (a pragma takes no
 * bound parameter; v is ours), a schema_meta row on PostgreSQL. */
static int mig_record(coord_db *db, int v)
{
	char sql[64];

	if (coord_db_backend(db) == COORD_DB_PG)
		return coord_db_run(db, "INSERT INTO schema_meta(version) VALUES(?)",
				    COORD_ARGS(CA_I(v)), NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return coord_db_exec(db, sql);
}

int coord_store_migrate(coord_db *db, int from, char *errmsg)
{
	int v, r;

	if (from < COORD_STORE_SCHEMA_BASE)
		from = COORD_STORE_SCHEMA_BASE;
	for (v = from; v < COORD_STORE_SCHEMA_VERSION; v++) {
		if ((r = coord_db_exec(db, mig_steps[v - COORD_STORE_SCHEMA_BASE])) != 0 ||
		    (r = mig_record(db, v + 1)) != 0) {
			fl_errmsg_set(errmsg, "cannot upgrade the schema to version %d: %s",
				      v + 1, coord_db_errmsg(db));
			return r;
		}
	}
	return 0;
}
