#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the coordinator's store in a real PostgreSQL (Debian's
# postgresql package). initdb into a temporary folder as an unprivileged
# user (postgres refuses root), password (scram) on loopback TCP; the
# coordinator reads the password from database_password_file. Three agents
# run a 2-round job; the job finishes with a model and a verifying ledger;
# kill -9 of the coordinator and a restart keep it all; the password is in
# no log; 'fedctl admin backup' says to use pg_dump.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pki=$FL_WORK/pki

source "$(dirname "$0")/it_pg_lib.sh"

# the statement layer's and the store's unit tests, on this server too
for t in test_coord_db test_coord_store; do
  "${pgrun[@]}" "$pgbin/createdb" -h "$pgroot/sock" -p "$pg_port" -U fedc "$t"
  out=$(FL_TEST_PG_URL="postgresql://fedc@127.0.0.1:$pg_port/$t" \
    FL_TEST_PG_PASSFILE="$FL_WORK/pg.pass" "$FL_BIN/../tests/$t" 2>&1) && rc=0 || rc=$?
  it_check "$t passes on PostgreSQL ($(tail -n 1 <<<"$out"))" test "$rc" = 0
  [ "$rc" = 0 ] || echo "$out" >&2
done

# the store's commit latency per round on this server (figures, no limit)
if [ -x "$FL_BIN/fedc-bench-store" ]; then
  "${pgrun[@]}" "$pgbin/createdb" -h "$pgroot/sock" -p "$pg_port" -U fedc bench
  out=$(FL_BENCH_PG_PASSFILE="$FL_WORK/pg.pass" "$FL_BIN/fedc-bench-store" \
    "postgresql://fedc@127.0.0.1:$pg_port/bench" 100 65536 2>/dev/null) && rc=0 || rc=$?
  echo "$out"
  it_check "fedc-bench-store ran on PostgreSQL" grep -q "^store commit per round (PostgreSQL" <<<"$out"
fi

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
want_v=$(sed -n 's/^#define COORD_STORE_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$(dirname "$0")/../../coordinator/coord_store.h")
it_check "schema created in PostgreSQL (version $want_v, coord_store.h's)" test "$(psql_q 'SELECT max(version) FROM schema_meta')" = "$want_v"
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

sed -e 's/^rounds = .*/rounds = 2/' -e 's/^timeout = .*/timeout = 8/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 120 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$pki/ca.pem" \
  --cert "$pki/operator.pem" --key "$pki/operator.key" job watch "$job" >/dev/null || true
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "job finished on PostgreSQL (state $state)" test "$state" = done
fl_ctl model get "$job" -o "$FL_WORK/model1.bin" >/dev/null
it_check "a model was stored" test -s "$FL_WORK/model1.bin"
fl_ctl ledger export -o "$FL_WORK/ledger1.txt" >/dev/null
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger1.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "ledger verifies (stats, 2 trains, eval)" grep -q "^ledger: 4 entries verified" <<<"$out"
it_check "the rows are in PostgreSQL (4 ledger rows)" test "$(psql_q 'SELECT count(*) FROM ledger')" = 4
models=$(psql_q "SELECT count(*) FROM models WHERE job_id = $job")
it_check "model versions in PostgreSQL ($models)" it_ge "$models" 2
events=$(psql_q "SELECT count(*) FROM events WHERE job_id = $job")
it_check "job events in PostgreSQL ($events)" it_ge "$events" 4

# the backup is SQLite's: PostgreSQL says so
out=$(fl_ctl admin backup "$FL_WORK/backup.db" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "admin backup refused (exit $rc)" test "$rc" != 0
it_check "admin backup names pg_dump" grep -q "pg_dump" <<<"$out"

# kill -9 and restart on the same port: the state survives
kill -9 "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
FL_PORT_WANTED=$FL_PORT fl_start_coordinator
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "after kill -9: the job is still done" test "$state" = done
rounds=$(fl_ctl --json job status "$job" | jq '.job.rounds_done')
it_check "after kill -9: 2 rounds done ($rounds)" test "$rounds" = 2
fl_ctl model get "$job" -o "$FL_WORK/model2.bin" >/dev/null
it_check "after kill -9: the same model" cmp -s "$FL_WORK/model1.bin" "$FL_WORK/model2.bin"
fl_ctl ledger export -o "$FL_WORK/ledger2.txt" >/dev/null
it_check "after kill -9: the same ledger" cmp -s "$FL_WORK/ledger1.txt" "$FL_WORK/ledger2.txt"
sites=$(fl_ctl --json site list | jq '.sites | length')
it_check "after kill -9: 3 sites ($sites)" test "$sites" = 3

# a second job after the restart continues the ledger's chain
job2=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 120 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$pki/ca.pem" \
  --cert "$pki/operator.pem" --key "$pki/operator.key" job watch "$job2" >/dev/null || true
state=$(fl_ctl --json job status "$job2" | jq -r .job.state)
it_check "second job finished (state $state)" test "$state" = done
fl_ctl ledger export -o "$FL_WORK/ledger3.txt" >/dev/null
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger3.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
it_check "ledger of both jobs verifies (8 entries)" grep -q "^ledger: 8 entries verified" <<<"$out"

it_check "the password is in no log" bash -c "! grep -rqF -- '$secret' '$FL_WORK'/*/*.log"
it_check "the log names the database without a password" \
  grep -q "database postgresql://fedc@127.0.0.1:$pg_port/fedc" "$FL_WORK/coordinator/coordinator.log"
it_done
