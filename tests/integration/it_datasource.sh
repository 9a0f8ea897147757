#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: a site reads its rows from SQLite with a query
# ([data] NAME = sqlite:///PATH?query=SELECT ...), another from a real
# PostgreSQL server (postgresql://USER@HOST:PORT/DB?query=SELECT ..., the
# password in its PGPASSFILE; it_pg_lib.sh), the third from CSV; the job
# trains to the breast_cancer target. fedc-train reads the same URLs; a
# statement that is not one read-only SELECT is refused by name, on both.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v sqlite3 >/dev/null || { echo "SKIPPED: no sqlite3 program" >&2; exit 77; }
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
# site1's rows in a table with an extra column the query leaves out
sqlite3 "$FL_WORK/site1.db" ".import --csv $FL_WORK/data/site1.csv raw" \
  "CREATE TABLE quality AS SELECT *, 'line A' AS plant FROM raw" "DROP TABLE raw"
url="sqlite://$FL_WORK/site1.db?query=SELECT * FROM quality WHERE plant = 'line A'"
it_check "the database holds site1's rows" \
  test "$(sqlite3 "$FL_WORK/site1.db" 'SELECT count(*) FROM quality')" = \
  "$(($(wc -l < "$FL_WORK/data/site1.csv") - 1))"
# site2's rows in PostgreSQL (the coordinator stays on SQLite, unless the
# suite runs on PostgreSQL: then both use the test's one server)
source "$(dirname "$0")/it_pg_lib.sh"
it_on_postgres || unset FL_DATABASE FL_DATABASE_PASSWORD_FILE
cols=$(head -n 1 "$FL_WORK/data/site2.csv" | tr -d '"\r' | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i }')
psql_q "CREATE TABLE runs ($cols, plant text DEFAULT 'line B')" >/dev/null
"${pgrun[@]}" psql -h "$pgroot/sock" -p "$pg_port" -U fedc -d fedc -q \
  -c "\\copy runs ($(head -n 1 "$FL_WORK/data/site2.csv" | tr -d '\r')) FROM STDIN CSV HEADER" < "$FL_WORK/data/site2.csv"
it_check "PostgreSQL holds site2's rows" \
  test "$(psql_q 'SELECT count(*) FROM runs')" = "$(($(wc -l < "$FL_WORK/data/site2.csv") - 1))"
printf '127.0.0.1:%s:fedc:fedc:%s\n' "$pg_port" "$secret" > "$FL_WORK/pgpass"
chmod 600 "$FL_WORK/pgpass"
pgurl="postgresql://fedc@127.0.0.1:$pg_port/fedc?query=SELECT * FROM runs WHERE plant = 'line B'"
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
fl_start_agent site1 breast_cancer "$url"
FL_AGENT_ENV="PGPASSFILE=$FL_WORK/pgpass" fl_start_agent site2 breast_cancer "$pgurl"
fl_start_agent site3 breast_cancer "$FL_WORK/data/site3.csv"
job=$(fl_ctl --json job submit "$top/deploy/jobs/breast-cancer-logistic.ini" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
status=$(fl_ctl --json job status "$job")
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
echo "state $(echo "$status" | jq -r .job.state), accuracy $acc"
it_check "the job finished" test "$(echo "$status" | jq -r .job.state)" = done
it_check "accuracy $acc >= 0.93" bash -c "[[ '$acc' =~ ^[0-9.]+$ ]] && awk 'BEGIN { exit !($acc >= 0.93) }'"
it_check "site1 loaded its rows from SQLite" \
  grep -q "loaded dataset 'breast_cancer' from sqlite://" "$FL_WORK/site1/agent.log"
it_check "site2 loaded its rows from PostgreSQL" \
  grep -q "loaded dataset 'breast_cancer' from postgresql://" "$FL_WORK/site2/agent.log"
it_check "the password is in no agent log" bash -c "! grep -qF '$secret' '$FL_WORK'/site*/agent.log"
it_check "all three sites aggregated" \
  test "$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')" = 3
# fedc-train reads the same URL; a write is refused.
it_check "fedc-train reads the SQLite rows" bash -c "'$FL_BIN/fedc-train' --json \
  --spec '$top/deploy/jobs/breast-cancer-logistic.ini' --data \"\$0\" | jq -e '.accuracy > 0.8'" "$url"
set +e
out=$("$FL_BIN/fedc-train" --spec "$top/deploy/jobs/breast-cancer-logistic.ini" \
  --data "sqlite://$FL_WORK/site1.db?query=DELETE FROM quality" 2>&1); rc=$?
set -e
echo "$out" | tail -n 1
it_check "a DELETE is refused (exit $rc)" bash -c "[ $rc -ne 0 ] && grep -q 'one read-only SELECT' <<<\"\$0\"" "$out"
it_check "fedc-train reads the PostgreSQL rows" bash -c "PGPASSFILE='$FL_WORK/pgpass' '$FL_BIN/fedc-train' --json \
  --spec '$top/deploy/jobs/breast-cancer-logistic.ini' --data \"\$0\" | jq -e '.accuracy > 0.8'" "$pgurl"
for q in "DELETE FROM runs" "SELECT 1; DELETE FROM runs" "UPDATE runs SET plant = 'x' RETURNING *"; do
  set +e
  out=$(PGPASSFILE=$FL_WORK/pgpass "$FL_BIN/fedc-train" --spec "$top/deploy/jobs/breast-cancer-logistic.ini" \
    --data "postgresql://fedc@127.0.0.1:$pg_port/fedc?query=$q" 2>&1); rc=$?
  set -e
  it_check "PostgreSQL: '$q' is refused (exit $rc)" bash -c "[ $rc -ne 0 ] && grep -q 'one read-only SELECT' <<<\"\$0\"" "$out"
done
echo "$out" | tail -n 1
it_check "PostgreSQL's rows are untouched" test "$(psql_q "SELECT count(*) FROM runs WHERE plant = 'line B'")" -gt 100
out=$("$FL_BIN/fedc-train" --spec "$top/deploy/jobs/breast-cancer-logistic.ini" \
  --data "postgresql://fedc:$secret@127.0.0.1:$pg_port/fedc?query=SELECT * FROM runs" 2>&1 || true)
it_check "a password in the URL is refused" grep -q "takes no password" <<<"$out"
it_check "and not echoed" bash -c "! grep -qF '$secret' <<<\"\$0\"" "$out"
it_check "the rows are still there" test "$(sqlite3 "$FL_WORK/site1.db" 'SELECT count(*) FROM quality')" -gt 100
it_done
