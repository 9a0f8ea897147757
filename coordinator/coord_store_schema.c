/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_schema: the store's tables and their numbered forward
 * migrations. SQLite keeps its version in PRAGMA user_version and walks
 * v1..v5 (databases from every release open); PostgreSQL keeps it in
 * schema_meta and is created at the current version in one step. Later
 * migrations append to both lists. */
#include <stdio.h>
#include <string.h>

#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

static const char sq_v1[] =
	"CREATE TABLE sites(name TEXT PRIMARY KEY, role TEXT NOT NULL,"
	" added_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL DEFAULT 0,"
	" datasets TEXT NOT NULL DEFAULT '', revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
	" dataset TEXT NOT NULL, model TEXT NOT NULL, spec TEXT NOT NULL,"
	" state TEXT NOT NULL, rounds_total INTEGER NOT NULL,"
	" rounds_done INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',"
	" submitted_by TEXT NOT NULL DEFAULT '', m_present INTEGER NOT NULL DEFAULT 0,"
	" m_n REAL, m_loss REAL, m_accuracy REAL, m_macro_f1 REAL, m_r2 REAL);"
	"CREATE TABLE rounds(job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
	" selected INTEGER NOT NULL, survived INTEGER NOT NULL,"
	" participants TEXT NOT NULL, started_ms INTEGER NOT NULL,"
	" finished_ms INTEGER NOT NULL, train_loss REAL,"
	" e_present INTEGER NOT NULL DEFAULT 0, e_n REAL, e_loss REAL,"
	" e_accuracy REAL, e_macro_f1 REAL, e_r2 REAL,"
	" PRIMARY KEY(job_id, round, attempt));"
	"CREATE TABLE models(job_id INTEGER NOT NULL, version INTEGER NOT NULL,"
	" blob BLOB NOT NULL, PRIMARY KEY(job_id, version));"
	"CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	" who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
	"PRAGMA user_version = 1;";

/* v2: N, the training rows counted by a job's STATS round (secure
 * aggregation scales TRAIN deltas by it). */
static const char sq_v2[] =
	"ALTER TABLE jobs ADD COLUMN weight_n REAL NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 2;";

/* v3: which rule closed each secure-aggregation phase of an attempt
 * (fl_msg_round_info.closed_by; '' in rows from before). */
static const char sq_v3[] =
	"ALTER TABLE rounds ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';"
	"PRAGMA user_version = 3;";

/* v4: the per-job event table (coord_events.h). */
static const char sq_v4[] =
	"CREATE TABLE events(id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL,"
	" ts_ms INTEGER NOT NULL, round INTEGER NOT NULL, attempt INTEGER NOT NULL,"
	" kind TEXT NOT NULL, site TEXT NOT NULL, text TEXT NOT NULL);"
	"CREATE INDEX events_job ON events(job_id, id);"
	"PRAGMA user_version = 4;";

/* v5: why sites did not take part (coord_store_decline.c). */
static const char sq_v5[] =
	"CREATE TABLE declines(job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, site TEXT NOT NULL, reason TEXT NOT NULL,"
	" text TEXT NOT NULL, at_ms INTEGER NOT NULL,"
	" PRIMARY KEY(job_id, round, attempt, site));"
	"PRAGMA user_version = 5;";

static const char *const sq_steps[COORD_STORE_SCHEMA_VERSION] = {
	sq_v1, sq_v2, sq_v3, sq_v4, sq_v5,
};

/* Tables SQLite databases gained without a version bump (created if
 * missing at every open): the ledger, enrollment tokens, certificates and
 * CRLs, the server optimiser state and the sites' own figures. */
static const char sq_extra[] =
	"CREATE TABLE IF NOT EXISTS ledger(seq INTEGER PRIMARY KEY,"
	" job_id INTEGER NOT NULL, round INTEGER NOT NULL,"
	" attempt INTEGER NOT NULL, text TEXT NOT NULL, hash TEXT NOT NULL,"
	" sig TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS enroll_tokens(hash TEXT PRIMARY KEY,"
	" site TEXT NOT NULL, created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL, used_ms INTEGER NOT NULL DEFAULT 0,"
	" created_by TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS site_certs(site TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL, serial TEXT NOT NULL,"
	" not_after_ms INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,"
	" PRIMARY KEY(site, fingerprint));"
	"CREATE TABLE IF NOT EXISTS crl(number INTEGER PRIMARY KEY,"
	" pem TEXT NOT NULL, created_ms INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS server_opt(job_id INTEGER NOT NULL,"
	" version INTEGER NOT NULL, state BLOB NOT NULL,"
	" PRIMARY KEY(job_id, version));"
	"CREATE TABLE IF NOT EXISTS site_metrics(job_id INTEGER NOT NULL,"
	" round INTEGER NOT NULL, site TEXT NOT NULL, attempt INTEGER NOT NULL,"
	" n REAL, loss REAL, accuracy REAL, macro_f1 REAL, r2 REAL,"
	" reported_ms INTEGER NOT NULL, PRIMARY KEY(job_id, round, site));"
	"CREATE TABLE IF NOT EXISTS dp_stats(job_id INTEGER PRIMARY KEY,"
	" sigma REAL NOT NULL, rho REAL NOT NULL, sums TEXT NOT NULL);";

/* The noisy statistics of jobs with [privacy] bounds (coord_dp_stats.c),
 * created if missing at every open in PostgreSQL too. */
static const char pg_extra[] =
	"CREATE TABLE IF NOT EXISTS dp_stats(job_id BIGINT PRIMARY KEY,"
	" sigma DOUBLE PRECISION NOT NULL, rho DOUBLE PRECISION NOT NULL,"
	" sums TEXT NOT NULL);";

/* PostgreSQL at version 5, every table above in one step: 64-bit integers,
 * double precision, bytea, identity columns. */
static const char pg_v5[] =
	"CREATE TABLE sites(name TEXT PRIMARY KEY, role TEXT NOT NULL,"
	" added_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL DEFAULT 0,"
	" datasets TEXT NOT NULL DEFAULT '', revoked BIGINT NOT NULL DEFAULT 0);"
	"CREATE TABLE jobs(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" name TEXT NOT NULL, dataset TEXT NOT NULL, model TEXT NOT NULL,"
	" spec TEXT NOT NULL, state TEXT NOT NULL, rounds_total BIGINT NOT NULL,"
	" rounds_done BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL,"
	" updated_ms BIGINT NOT NULL, error TEXT NOT NULL DEFAULT '',"
	" submitted_by TEXT NOT NULL DEFAULT '', m_present BIGINT NOT NULL DEFAULT 0,"
	" m_n DOUBLE PRECISION, m_loss DOUBLE PRECISION,"
	" m_accuracy DOUBLE PRECISION, m_macro_f1 DOUBLE PRECISION,"
	" m_r2 DOUBLE PRECISION, weight_n DOUBLE PRECISION NOT NULL DEFAULT 0,"
	" spec_sig BYTEA NOT NULL DEFAULT ''::bytea,"
	" spec_cert TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE rounds(job_id BIGINT NOT NULL, round BIGINT NOT NULL,"
	" attempt BIGINT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
	" selected BIGINT NOT NULL, survived BIGINT NOT NULL,"
	" participants TEXT NOT NULL, started_ms BIGINT NOT NULL,"
	" finished_ms BIGINT NOT NULL, train_loss DOUBLE PRECISION,"
	" e_present BIGINT NOT NULL DEFAULT 0, e_n DOUBLE PRECISION,"
	" e_loss DOUBLE PRECISION, e_accuracy DOUBLE PRECISION,"
	" e_macro_f1 DOUBLE PRECISION, e_r2 DOUBLE PRECISION,"
	" closed_by TEXT NOT NULL DEFAULT '', PRIMARY KEY(job_id, round, attempt));"
	"CREATE TABLE models(job_id BIGINT NOT NULL, version BIGINT NOT NULL,"
	" blob BYTEA NOT NULL, PRIMARY KEY(job_id, version));"
	"CREATE TABLE audit(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" ts BIGINT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,"
	" detail TEXT NOT NULL);"
	"CREATE TABLE events(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	" job_id BIGINT NOT NULL, ts_ms BIGINT NOT NULL, round BIGINT NOT NULL,"
	" attempt BIGINT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL,"
	" text TEXT NOT NULL);"
	"CREATE INDEX events_job ON events(job_id, id);"
	"CREATE TABLE declines(job_id BIGINT NOT NULL, round BIGINT NOT NULL,"
	" attempt BIGINT NOT NULL, site TEXT NOT NULL, reason TEXT NOT NULL,"
	" text TEXT NOT NULL, at_ms BIGINT NOT NULL,"
	" PRIMARY KEY(job_id, round, attempt, site));"
	"CREATE TABLE ledger(seq BIGINT PRIMARY KEY, job_id BIGINT NOT NULL,"
	" round BIGINT NOT NULL, attempt BIGINT NOT NULL, text TEXT NOT NULL,"
	" hash TEXT NOT NULL, sig TEXT NOT NULL);"
	"CREATE TABLE enroll_tokens(hash TEXT PRIMARY KEY, site TEXT NOT NULL,"
	" created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,"
	" used_ms BIGINT NOT NULL DEFAULT 0, created_by TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE site_certs(site TEXT NOT NULL, fingerprint TEXT NOT NULL,"
	" serial TEXT NOT NULL, not_after_ms BIGINT NOT NULL,"
	" first_seen_ms BIGINT NOT NULL, PRIMARY KEY(site, fingerprint));"
	"CREATE TABLE crl(number BIGINT PRIMARY KEY, pem TEXT NOT NULL,"
	" created_ms BIGINT NOT NULL);"
	"CREATE TABLE server_opt(job_id BIGINT NOT NULL, version BIGINT NOT NULL,"
	" state BYTEA NOT NULL, PRIMARY KEY(job_id, version));"
	"CREATE TABLE site_metrics(job_id BIGINT NOT NULL, round BIGINT NOT NULL,"
	" site TEXT NOT NULL, attempt BIGINT NOT NULL, n DOUBLE PRECISION,"
	" loss DOUBLE PRECISION, accuracy DOUBLE PRECISION,"
	" macro_f1 DOUBLE PRECISION, r2 DOUBLE PRECISION,"
	" reported_ms BIGINT NOT NULL, PRIMARY KEY(job_id, round, site));";

static int schema_newer(int ver, char *errmsg)
{
	fl_errmsg_set(errmsg, "database schema version %d is newer than this "
		      "coordinator understands (%d); upgrade fedc-coordinator",
		      ver, COORD_STORE_SCHEMA_VERSION);
	return FL_E_DB;
}

static int schema_sqlite(coord_db *db, char *errmsg)
{
	int64_t ver;
	int r, i;

	if ((r = coord_db_int(db, "PRAGMA user_version", COORD_NOARGS, 0, &ver)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the schema version: %s",
			      coord_db_errmsg(db));
		return r;
	}
	if (ver > COORD_STORE_SCHEMA_VERSION)
		return schema_newer((int)ver, errmsg);
	if (ver < COORD_STORE_SCHEMA_VERSION) {
		if ((r = coord_db_begin(db)) != 0) {
			fl_errmsg_set(errmsg, "cannot lock the database: %s",
				      coord_db_errmsg(db));
			return r;
		}
		for (i = (int)ver; i < COORD_STORE_SCHEMA_VERSION; i++)
			if ((r = coord_db_exec(db, sq_steps[i])) != 0) {
				fl_errmsg_set(errmsg, "cannot %s the schema: %s",
					      ver ? "upgrade" : "create",
					      coord_db_errmsg(db));
				coord_db_rollback(db);
				return r;
			}
		if ((r = coord_db_commit(db)) != 0)
			return r;
		if (ver > 0)
			fl_info("store: schema upgraded from version %d to %d",
				(int)ver, COORD_STORE_SCHEMA_VERSION);
	}
	if ((r = coord_store_jobsig_migrate_db(db)) != 0) {
		fl_errmsg_set(errmsg, "cannot add the spec signature columns: %s",
			      coord_db_errmsg(db));
		return r;
	}
	if ((r = coord_db_exec(db, sq_extra)) != 0)
		fl_errmsg_set(errmsg, "cannot create the tables: %s", coord_db_errmsg(db));
	return r;
}

/* One transaction under an advisory lock: of two coordinators starting on
 * an empty database, one creates the schema and the other sees it. */
static int schema_pg(coord_db *db, char *errmsg)
{
	int64_t ver = 0;
	int r;

	if ((r = coord_db_begin(db)) != 0 ||
	    (r = coord_db_exec(db, "SELECT pg_advisory_xact_lock(7414001)")) != 0 ||
	    (r = coord_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_meta("
			       "version BIGINT NOT NULL)")) != 0 ||
	    (r = coord_db_int(db, "SELECT max(version) FROM schema_meta",
			      COORD_NOARGS, 0, &ver)) != 0)
		goto fail;
	if (ver > COORD_STORE_SCHEMA_VERSION) {
		coord_db_rollback(db);
		return schema_newer((int)ver, errmsg);
	}
	if (ver == 0 &&
	    ((r = coord_db_exec(db, pg_v5)) != 0 ||
	     (r = coord_db_run(db, "INSERT INTO schema_meta(version) VALUES(?)",
			       COORD_ARGS(CA_I(COORD_STORE_SCHEMA_VERSION)), NULL)) != 0))
		goto fail;
	/* later versions: if (ver < 6) run the shared v6 step here */
	if ((r = coord_db_exec(db, pg_extra)) != 0 ||
	    (r = coord_db_commit(db)) != 0)
		goto fail;
	if (ver == 0)
		fl_info("store: created the schema (version %d) in PostgreSQL",
			COORD_STORE_SCHEMA_VERSION);
	return 0;
fail:
	fl_errmsg_set(errmsg, "cannot set up the schema: %s", coord_db_errmsg(db));
	coord_db_rollback(db);
	return r ? r : FL_E_DB;
}

int coord_store_schema(coord_db *db, char *errmsg)
{
	return coord_db_backend(db) == COORD_DB_PG ? schema_pg(db, errmsg) :
		schema_sqlite(db, errmsg);
}
