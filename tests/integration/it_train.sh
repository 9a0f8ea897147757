#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: coordinator + 3 agents as real processes over mutual TLS on
# loopback. Logistic regression on breast_cancer split non-IID across the
# sites reaches the accuracy target; a job with one agent crashing mid-job
# still finishes its rounds from the others (a fourth site joins for that
# job, since a secure-aggregation round needs at least three sites). The
# crash comes before the site uploads (FEDC_TEST_EXIT_AT=input:3), where
# the attempt recovers it. A site that dies after uploading and before
# signing the survivor list aborts the attempt, and by SECAGG.md R6 the
# others never sum that input again with another set of sites: that round
# cannot finish (a random kill used to land there now and then).
source "$(dirname "$0")/it_lib.sh"
it_need_hooks   # site3 crashes at a chosen phase (FEDC_TEST_EXIT_AT)
top=$(cd "$(dirname "$0")/../.." && pwd)

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3 site4
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

# 1. Accuracy of the federated logistic model.
job=$(fl_ctl --json job submit "$top/deploy/jobs/breast-cancer-logistic.ini" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" || true
status=$(fl_ctl --json job status "$job")
state=$(echo "$status" | jq -r .job.state)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
echo "breast_cancer federated logistic: state $state, accuracy $acc (centralised reference 0.958)"
it_check "job 1 finished" test "$state" = done
it_check "accuracy $acc >= 0.94" it_ge "$acc" 0.94
central=$("$FL_BIN/fedc-train" --json --spec "$top/deploy/jobs/breast-cancer-logistic.ini" \
  --data "$FL_WORK/data/site1.csv" --data "$FL_WORK/data/site2.csv" --data "$FL_WORK/data/site3.csv" | jq -r .accuracy)
echo "centralised fedc-train on the same split: $central"
it_check "centralised reference computed" it_ge "$central" 0.9

# 2. One agent crashes mid-job: the remaining three finish every round.
# site3 restarts with the hook: it exits when asked for round 3's input.
kill -TERM "${FL_AGENT_PID[site3]}"
wait "${FL_AGENT_PID[site3]}" 2>/dev/null || true
FL_AGENT_ENV="FEDC_TEST_EXIT_AT=input:3" \
  fl_start_agent site3 breast_cancer "$FL_WORK/data/site3.csv"
fl_ctl site add site4 >/dev/null
cp "$FL_WORK/data/site2.csv" "$FL_WORK/data/site4.csv"
fl_start_agent site4 breast_cancer "$FL_WORK/data/site4.csv"
sed -e 's/^rounds = .*/rounds = 8/' -e 's/^timeout = .*/timeout = 4/' \
  -e 's/^name = .*/name = dropout-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/dropout.ini"
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 4 ] && break
  sleep 0.1
done
job2=$(fl_ctl --json job submit "$FL_WORK/dropout.ini" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job2" || true
status=$(fl_ctl --json job status "$job2")
it_check "site3's agent left in round 3's input phase" \
  grep -q "FEDC_TEST_EXIT_AT=input:3: exiting before answering" "$FL_WORK/site3/agent.log"
it_check "job 2 finished without site3" test "$(echo "$status" | jq -r .job.state)" = done
it_check "job 2 did all 8 rounds" test "$(echo "$status" | jq -r .job.rounds_done)" = 8
last=$(echo "$status" | jq '[.rounds[] | select(.state == "done")] | last | .survived')
it_check "last round aggregated the 3 remaining sites (got $last)" test "$last" = 3
it_done
