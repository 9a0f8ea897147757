#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: stragglers. Coordinator + 5 agents over mutual TLS on
# loopback, a job with a 60 s phase timeout and [round] grace = 4 (long
# enough that a loaded test machine does not close round 1 by grace). site5's
# agent exits when it is asked for the input phase of round 2
# (FEDC_TEST_EXIT_AT=input:2). Round 2's input phase must close by grace
# (fedctl round show --json: closed_by.input = "grace"), about 4 s after the
# other four uploaded, not at the 60 s deadline; round 1, where everyone
# answers, closes every phase with "all". Prints both rounds' durations.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 5 --iid >/dev/null
fl_pki site1 site2 site3 site4 site5
fl_start_coordinator
for s in site1 site2 site3 site4 site5; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3 site4; do
  fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done
FL_AGENT_ENV="FEDC_TEST_EXIT_AT=input:2" \
  fl_start_agent site5 breast_cancer "$FL_WORK/data/site5.csv"
# all five online before the job, so that every round selects them
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" = 5 ] && break
  sleep 0.1
done

sed -e 's/^timeout = .*/timeout = 60\ngrace = 4\nquorum = 0/' -e 's/^rounds = .*/rounds = 2/' \
  -e 's/^name = .*/name = grace-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/grace.ini"
job=$(fl_ctl --json job submit "$FL_WORK/grace.ini" | jq -r .job_id)
start=$(date +%s)
timeout 100 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
echo "job took $(( $(date +%s) - start )) s"
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "the job finished (state $state)" test "$state" = done
it_check "site5's agent left in round 2's input phase" \
  grep -q "FEDC_TEST_EXIT_AT=input:2: exiting before answering" "$FL_WORK/site5/agent.log"

# The last attempt of a round from fedctl round show --json.
round_json() { fl_ctl --json round show "$job" "$1" | jq -c '.attempts | last'; }
dur() { echo "$1" | jq -r '(.finished_ms - .started_ms) / 1000'; }
r1=$(round_json 1)
r2=$(round_json 2)
echo "round 1 (all answer): $(dur "$r1") s, closed_by $(echo "$r1" | jq -c .closed_by)"
echo "round 2 (site5 silent in input): $(dur "$r2") s, closed_by $(echo "$r2" | jq -c .closed_by)"
it_check "round 1 closed every phase with all answers" test "$(echo "$r1" | jq -c .closed_by)" = \
  '{"advertise":"all","share":"all","input":"all","consistency":"all","unmask":"all"}'
it_check "round 2's input phase closed by grace" \
  test "$(echo "$r2" | jq -r .closed_by.input)" = grace
it_check "round 2's other phases closed with all answers" test \
  "$(echo "$r2" | jq -c '[.closed_by | to_entries[] | select(.key != "input") | .value] | unique')" = '["all"]'
it_check "round 2 done in attempt 1 with 4 of 5 sites" \
  test "$(echo "$r2" | jq -r '"\(.state) \(.attempt) \(.survived)/\(.selected)"')" = "done 1 4/5"
it_check "round 2 took $(dur "$r2") s: the grace (4 s), well under the 60 s timeout" \
  it_ge 20 "$(dur "$r2")"
it_check "round 2 took at least the 4 s grace" it_ge "$(dur "$r2")" 4
it_check "fedctl round show (text) names the rule" \
  bash -c "fedctl_out=\$('$FL_BIN/fedctl' --coordinator 127.0.0.1:$FL_PORT --ca '$FL_WORK/pki/ca.pem' \
    --cert '$FL_WORK/pki/operator.pem' --key '$FL_WORK/pki/operator.key' round show $job 2); \
    echo \"\$fedctl_out\" | grep -q 'phases closed by: advertise all answered, share all answered, input grace'"
it_check "the coordinator logged the grace close" \
  grep -q "round 2 attempt 1: input phase closed by grace: 4 of 5 sites answered" \
  "$FL_WORK/coordinator/coordinator.log"
it_done
