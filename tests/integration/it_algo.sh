#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the federated algorithms end to end. Three sites hold a
# non-IID split of breast_cancer; one job uses FedAdam on the server, FedProx
# and class-balanced loss (weights from the STATS round's secure label
# histogram) on the sites, and an exponential learning-rate schedule. The
# coordinator SIGKILLs itself right after committing round 3; restarted, it
# resumes the optimiser state stored with model v3 and the job completes
# with a sensible accuracy.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)
spec=$top/deploy/jobs/breast-cancer-algo.ini

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
FL_COORD_ENV="FEDC_TEST_CRASH_AT=commit:3" fl_start_coordinator
port=$FL_PORT
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

job=$(fl_ctl --json job submit "$spec" | jq -r .job_id)
for i in $(seq 1 900); do
  kill -0 "$FL_COORD_PID" 2>/dev/null || break
  sleep 0.1
done
rc=0; wait "$FL_COORD_PID" || rc=$?
it_check "the coordinator killed itself after committing round 3 (exit $rc)" test "$rc" = 137
it_check "model v3 was committed" test "$(it_sql "SELECT count(*) FROM models WHERE job_id = $job AND version = 3")" = 1
it_check "its FedAdam state was stored" test "$(it_sql "SELECT count(*) FROM server_opt WHERE job_id = $job AND version = 3")" = 1

FL_PORT_WANTED=$port fl_start_coordinator
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
status=$(fl_ctl --json job status "$job")
state=$(echo "$status" | jq -r .job.state)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
f1=$(echo "$status" | jq -r .job.metrics.macro_f1)
rounds=$(echo "$status" | jq -r .job.rounds_done)
echo "breast_cancer fedadam + fedprox + balanced + exponential lr: state $state, rounds $rounds, accuracy $acc, macro-F1 $f1"
it_check "job finished" test "$state" = done
it_check "all 12 rounds done" test "$rounds" = 12
it_check "the restarted coordinator resumed the job at round 4" \
  grep -q "job $job 'breast-cancer-algo' resumes at round 4" "$FL_WORK/coordinator/coordinator.log"
it_check "accuracy $acc >= 0.93" it_ge "$acc" 0.93
it_check "macro-F1 $f1 >= 0.92" it_ge "$f1" 0.92
it_check "one optimiser state per TRAIN round" \
  test "$(it_sql "SELECT count(*) FROM server_opt WHERE job_id = $job")" = 12
# The STATS round's secure label histogram reached the model (FLMODEL3),
# and the counts add up to the training rows N.
fl_ctl model get "$job" --version 0 -o "$FL_WORK/v0.model" >/dev/null
it_check "model v0 carries the label histogram" test "$(head -c 8 "$FL_WORK/v0.model")" = FLMODEL3
it_done
