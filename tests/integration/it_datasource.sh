#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: a site reads its rows from SQLite with a query
# ([data] NAME = sqlite:///PATH?query=SELECT ...), the two others from CSV;
# the job trains to the breast_cancer target. fedc-train reads the same
# URL; a statement that is not one read-only SELECT is refused by name.
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
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
fl_start_agent site1 breast_cancer "$url"
for s in site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
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
it_check "the rows are still there" test "$(sqlite3 "$FL_WORK/site1.db" 'SELECT count(*) FROM quality')" -gt 100
it_done
