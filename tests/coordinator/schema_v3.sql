-- SPDX-License-Identifier: Apache-2.0
-- A coordinator database as the previous release (schema version 3) left it:
-- no events table, no spec signature columns, no ledger table. Kept fixed;
-- test_coord_backup loads it (as 'sqlite3 FILE < schema_v3.sql' would) and
-- checks that coord_store_open migrates it forward with the rows intact.
PRAGMA journal_mode = WAL;
CREATE TABLE sites(name TEXT PRIMARY KEY, role TEXT NOT NULL,
 added_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL DEFAULT 0,
 datasets TEXT NOT NULL DEFAULT '', revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE jobs(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
 dataset TEXT NOT NULL, model TEXT NOT NULL, spec TEXT NOT NULL,
 state TEXT NOT NULL, rounds_total INTEGER NOT NULL,
 rounds_done INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,
 updated_ms INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',
 submitted_by TEXT NOT NULL DEFAULT '', m_present INTEGER NOT NULL DEFAULT 0,
 m_n REAL, m_loss REAL, m_accuracy REAL, m_macro_f1 REAL, m_r2 REAL);
CREATE TABLE rounds(job_id INTEGER NOT NULL, round INTEGER NOT NULL,
 attempt INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,
 selected INTEGER NOT NULL, survived INTEGER NOT NULL,
 participants TEXT NOT NULL, started_ms INTEGER NOT NULL,
 finished_ms INTEGER NOT NULL, train_loss REAL,
 e_present INTEGER NOT NULL DEFAULT 0, e_n REAL, e_loss REAL,
 e_accuracy REAL, e_macro_f1 REAL, e_r2 REAL,
 PRIMARY KEY(job_id, round, attempt));
CREATE TABLE models(job_id INTEGER NOT NULL, version INTEGER NOT NULL,
 blob BLOB NOT NULL, PRIMARY KEY(job_id, version));
CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
 who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
ALTER TABLE jobs ADD COLUMN weight_n REAL NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
INSERT INTO sites VALUES('site1', 'site', 100, 500, 'shuttle', 0);
INSERT INTO sites VALUES('site2', 'site', 101, 0, '', 1);
INSERT INTO jobs(name, dataset, model, spec, state, rounds_total, rounds_done,
 created_ms, updated_ms, submitted_by, weight_n)
 VALUES('old-job', 'shuttle', 'softmax', '[job]' || char(10) || 'name = old-job' || char(10),
 'done', 2, 2, 1000, 2000, 'operator', 437);
INSERT INTO rounds VALUES(1, 0, 1, 'stats', 'done', 3, 3, 'site1,site2', 1100,
 1200, NULL, 0, NULL, NULL, NULL, NULL, NULL, 'all');
INSERT INTO models VALUES(1, 2, x'6d6f64656c2d7632');
INSERT INTO audit VALUES(1, 1000, 'operator', 'job.submit', 'job 1');
PRAGMA user_version = 3;
