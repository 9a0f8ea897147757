#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: a PostgreSQL store made by schema version 5 is upgraded in
# place to 7 (v6: the ledger_job index; v7: the dp_stats table) by starting the coordinator on it.
# The v5 database is built from the fixed v5 DDL (pg_schema_v5.sql) and
# filled with a real finished job: three agents run a 2-round job on a
# scratch database of the same server, whose rows are copied in. Then the
# coordinator starts on the v5 database: the schema is 7, every row is the
# same as before (a data dump compared), and the job, its model and a
# ledger that verifies are served as they were.
IT_SQLITE_ONLY="it makes its own two PostgreSQL databases (the SQLite v5 -> v6 walk is test_coord_store's)"
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pki=$FL_WORK/pki
source "$(dirname "$0")/it_pg_lib.sh"
pg_in() { "${pgrun[@]}" psql -h "$pgroot/sock" -p "$pg_port" -U fedc -v ON_ERROR_STOP=1 -Atq "$@"; }
pg_data() {   # the rows of every table but schema_meta (and v7's new dp_stats), as SQL text
  "${pgrun[@]}" "$pgbin/pg_dump" -h "$pgroot/sock" -p "$pg_port" -U fedc --data-only \
    --exclude-table=schema_meta --exclude-table=dp_stats "$1" | grep -v '^\\\(un\)\?restrict '   # a random key per dump
}

# the v5 database, from the fixed DDL
pg_in -d fedc -f - < "$(dirname "$0")/pg_schema_v5.sql" >/dev/null
it_check "the v5 database says version 5" test "$(psql_q 'SELECT max(version) FROM schema_meta')" = 5
it_check "it has no ledger_job index" \
  test "$(psql_q "SELECT count(*) FROM pg_indexes WHERE indexname = 'ledger_job'")" = 0

# a finished job, made on a scratch database of the same server
"${pgrun[@]}" "$pgbin/createdb" -h "$pgroot/sock" -p "$pg_port" -U fedc made
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
FL_DATABASE="postgresql://fedc@127.0.0.1:$pg_port/made" fl_start_coordinator
port=$FL_PORT
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
sed -e 's/^rounds = .*/rounds = 2/' -e 's/^timeout = .*/timeout = 8/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 120 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$pki/ca.pem" \
  --cert "$pki/operator.pem" --key "$pki/operator.key" job watch "$job" >/dev/null || true
it_check "the job finished" test "$(fl_ctl --json job status "$job" | jq -r .job.state)" = done
fl_ctl model get "$job" -o "$FL_WORK/model-before.bin" >/dev/null
fl_ctl ledger export -o "$FL_WORK/ledger-before.txt" >/dev/null
fl_stop_all
FL_PIDS=()

# its rows into the v5 database (the columns of v5 and v6 are the same)
pg_data made | pg_in -d fedc -f - >/dev/null
pg_data fedc > "$FL_WORK/v5.sql"
it_check "the v5 database holds the job's ledger (4 entries)" \
  test "$(psql_q "SELECT count(*) FROM ledger WHERE job_id = $job")" = 4
it_check "and its models" it_ge "$(psql_q "SELECT count(*) FROM models WHERE job_id = $job")" 3

# the upgrade: a coordinator starts on it
FL_PORT_WANTED=$port fl_start_coordinator
log=$FL_WORK/coordinator/coordinator.log
it_check "the coordinator upgraded the schema (log)" grep -q "schema upgraded from version 5 to 7" "$log"
it_check "schema_meta says 7" test "$(psql_q 'SELECT max(version) FROM schema_meta')" = 7
it_check "the ledger_job index exists" \
  test "$(psql_q "SELECT count(*) FROM pg_indexes WHERE tablename = 'ledger' AND indexname = 'ledger_job'")" = 1
it_check "the dp_stats table exists (v7)" \
  test "$(psql_q "SELECT count(*) FROM information_schema.tables WHERE table_name = 'dp_stats'")" = 1
status=$(fl_ctl --json job status "$job")
it_check "the job is still done with 2 rounds" \
  test "$(jq -r '.job.state + " " + (.job.rounds_done | tostring)' <<<"$status")" = "done 2"
fl_ctl model get "$job" -o "$FL_WORK/model-after.bin" >/dev/null
it_check "the same model" cmp -s "$FL_WORK/model-before.bin" "$FL_WORK/model-after.bin"
fl_ctl ledger export -o "$FL_WORK/ledger-after.txt" >/dev/null
it_check "the same ledger" cmp -s "$FL_WORK/ledger-before.txt" "$FL_WORK/ledger-after.txt"
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger-after.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "the ledger verifies after the upgrade" grep -q "^ledger: 4 entries verified" <<<"$out"
fl_ctl ledger export --job "$job" -o "$FL_WORK/ledger-job.txt" >/dev/null
it_check "one job's ledger (the index's query) has its 4 entries" \
  test "$(grep -c '^{"v":1,"seq":[0-9]*,"job":'"$job"',' "$FL_WORK/ledger-job.txt")" = 4
kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
pg_data fedc > "$FL_WORK/v6.sql"
it_check "every row is as before the upgrade (data dump)" cmp -s "$FL_WORK/v5.sql" "$FL_WORK/v6.sql"
cmp -s "$FL_WORK/v5.sql" "$FL_WORK/v6.sql" || diff "$FL_WORK/v5.sql" "$FL_WORK/v6.sql" | head -n 20 >&2
# a second start finds version 7 and changes nothing
FL_PORT_WANTED=$port fl_start_coordinator
it_check "a second start keeps version 7 (one row per version)" \
  test "$(psql_q 'SELECT string_agg(version::text, $$,$$ ORDER BY version) FROM schema_meta')" = "5,6,7"
it_done
