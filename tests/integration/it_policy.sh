#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the site's own [policy]. Coordinator + 4 agents on loopback,
# breast_cancer split across the sites.
# 1. site4 allows only linear models: a logistic job completes with the other
#    three; site4 logs its refusal once, tells the coordinator the rule (a
#    policy decline, which leaves it out of the job's later rounds) and
#    keeps no record of the job (it contributed nothing).
# 2. Three sites that each want at least 3 other sites refuse a 3-site round
#    at advertise: the job makes no round and produces no model.
# 3. Four such sites pass advertise and the key list, then one leaves after
#    sharing its keys: the three survivors refuse to send unmasking shares
#    for a sum of only three sites, so the round is not completed.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 '0=4:2:2:2;1=2:3:3:2' >/dev/null
fl_pki site1 site2 site3 site4
FL_OFFLINE_MS=1500 fl_start_coordinator
for s in site1 site2 site3 site4; do fl_ctl site add "$s" >/dev/null; done

# A short job: 2 training rounds, short phase deadlines (a refusing site is
# only noticed when the advertise phase closes).
mkspec() {   # mkspec NAME TIMEOUT MAX_ATTEMPTS > file
  sed -e 's/^rounds = .*/rounds = 2/' -e "s/^timeout = .*/timeout = $2/" \
    -e "s/^max_attempts = .*/max_attempts = $3/" -e "s/^name = .*/name = $1/" \
    "$top/deploy/jobs/breast-cancer-logistic.ini"
}
jstatus() { fl_ctl --json job status "$1"; }
wait_state() {   # wait_state JOB SECONDS: until the job is done/failed/aborted
  local i st
  for i in $(seq 1 $(($2 * 10))); do
    st=$(jstatus "$1" | jq -r .job.state)
    case $st in done|failed|aborted) echo "$st"; return 0 ;; esac
    sleep 0.1
  done
  echo "$st"
}
records_of() {   # records_of SITE JOB: number of records of JOB kept by SITE
  find "$FL_WORK/$1/records" -name "job$2-*.json" 2>/dev/null | wc -l
}
stop_agent() { kill -TERM "${FL_AGENT_PID[$1]}" 2>/dev/null || true; wait "${FL_AGENT_PID[$1]}" 2>/dev/null || true; }
wait_offline() {   # wait_offline SITE...: until the coordinator lists them offline
  local i s n
  for i in $(seq 1 100); do
    n=0
    for s in "$@"; do
      [ "$(fl_ctl --json site list | jq -r --arg s "$s" '.sites[] | select(.name == $s) | .online')" = true ] && n=$((n + 1))
    done
    [ $n = 0 ] && return 0
    sleep 0.1
  done
}

# ---- 1. a site that only takes linear models ----
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
FL_AGENT_POLICY=$'[policy]\nallowed_models = linear' \
  fl_start_agent site4 breast_cancer "$FL_WORK/data/site4.csv"
# all four online first: 3 sites are enough for a round, and site4 must be
# selected (and refuse) in round 0
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 4 ] && break
  sleep 0.1
done
mkspec policy-models 3 3 > "$FL_WORK/job1.ini"
job1=$(fl_ctl --json job submit "$FL_WORK/job1.ini" | jq -r .job_id)
state=$(wait_state "$job1" 60)
status=$(jstatus "$job1")
echo "job $job1 with site4 refusing logistic: state $state, $(echo "$status" | jq -r .job.rounds_done) rounds, accuracy $(echo "$status" | jq -r .job.metrics.accuracy)"
it_check "job $job1 finished with the other three sites" test "$state" = done
it_check "job $job1 did its 2 rounds" test "$(echo "$status" | jq -r .job.rounds_done)" = 2
last=$(echo "$status" | jq '[.rounds[] | select(.state == "done")] | last | .survived')
it_check "its last round aggregated 3 sites (got $last)" test "$last" = 3
log4=$FL_WORK/site4/agent.log
it_check "site4 logged why it refused" \
  grep -q "policy: refusing job $job1 round 0 attempt 1 (stats): model logistic not in allowed_models (linear)" "$log4"
# A refusal of the job's model holds for the whole job: site4 says so (a
# policy decline) and is not selected for the job again.
it_check "site4's decline names the rule" test "$(echo "$status" | jq -r \
  '[.declines[] | select(.site == "site4" and .reason == "policy")] | .[0].text')" = \
  "model logistic not in allowed_models (linear)"
it_check "site4 was left out of the training rounds" test "$(echo "$status" | jq \
  '[.rounds[] | select(.kind == "train") | .participants[] | select(. == "site4")] | length')" = 0
n=$(grep -c "policy: refusing job $job1 round 0 attempt 1 " "$log4" || true)
it_check "site4 logged that refusal once, not every poll (got $n)" test "$n" = 1
it_check "site4 advertised no keys for job $job1" bash -c "! grep -q 'job $job1 .*advertised' '$log4'"
it_check "site4 kept no record of job $job1" test "$(records_of site4 "$job1")" = 0
it_check "site1 kept records of job $job1" it_ge "$(records_of site1 "$job1")" 3
for s in site1 site2 site3; do
  it_check "$s refused nothing" bash -c "! grep -q 'policy: refusing' '$FL_WORK/$s/agent.log'"
done

# ---- 2. three sites that each want 3 others: a 3-site round is refused ----
for s in site1 site2 site3 site4; do stop_agent "$s"; done
wait_offline site4
export FL_AGENT_POLICY=$'[policy]\nmin_other_participants = 3'
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
mkspec policy-few 2 2 > "$FL_WORK/job2.ini"
job2=$(fl_ctl --json job submit "$FL_WORK/job2.ini" | jq -r .job_id)
state=$(wait_state "$job2" 20)
if [ "$state" = running ] || [ "$state" = pending ]; then fl_ctl job abort "$job2" >/dev/null; fi
status=$(jstatus "$job2")
echo "job $job2 with 3 sites wanting 3 others each: state $state, $(echo "$status" | jq -r .job.rounds_done) rounds"
it_check "job $job2 did not complete (state $state)" test "$state" != done
it_check "job $job2 made no round" test "$(echo "$status" | jq -r .job.rounds_done)" = 0
it_check "job $job2 has no finished round" \
  test "$(echo "$status" | jq '[.rounds[]? | select(.state == "done")] | length')" = 0
it_check "job $job2 has no model" bash -c "! '$FL_BIN/fedctl' --coordinator 127.0.0.1:$FL_PORT --ca '$FL_WORK/pki/ca.pem' --cert '$FL_WORK/pki/operator.pem' --key '$FL_WORK/pki/operator.key' model get $job2 --version 1 -o '$FL_WORK/none.model' >/dev/null 2>&1"
for s in site1 site2 site3; do
  it_check "$s refused the 3-site round" \
    grep -q "policy: refusing job $job2 round 0 attempt 1 (stats): the round has only 2 other sites (min_other_participants 3)" "$FL_WORK/$s/agent.log"
  it_check "$s kept no record of job $job2" test "$(records_of "$s" "$job2")" = 0
done

# ---- 3. enough sites at first, too few survivors: no unmasking shares ----
mkspec policy-survivors 3 1 > "$FL_WORK/job3.ini"
# site4 (same policy) leaves right after sharing its keys in round 0.
FL_AGENT_ENV="FEDC_TEST_EXIT_AFTER_SHARE=0" fl_start_agent site4 breast_cancer "$FL_WORK/data/site4.csv"
for i in $(seq 1 50); do
  [ "$(fl_ctl --json site list | jq -r '.sites[] | select(.name == "site4") | .online')" = true ] && break
  sleep 0.1
done
job3=$(fl_ctl --json job submit "$FL_WORK/job3.ini" | jq -r .job_id)
state=$(wait_state "$job3" 25)
if [ "$state" = running ] || [ "$state" = pending ]; then fl_ctl job abort "$job3" >/dev/null; fi
status=$(jstatus "$job3")
echo "job $job3 with one of 4 sites leaving after sharing: state $state, $(echo "$status" | jq -r .job.rounds_done) rounds"
it_check "site4 left after sharing its keys" grep -q "exiting right after sharing keys" "$FL_WORK/site4/agent.log"
it_check "job $job3 made no round" test "$(echo "$status" | jq -r .job.rounds_done)" = 0
for s in site1 site2 site3; do
  it_check "$s passed advertise and the key list" grep -q "job $job3 round 0 attempt 1 stats share: checked 4 adverts" "$FL_WORK/$s/agent.log"
  it_check "$s refused to unmask a 3-site sum" \
    grep -q "policy: refusing job $job3 round 0 attempt 1 (stats): the survivor list names only 2 other sites (min_other_participants 3)" "$FL_WORK/$s/agent.log"
  it_check "$s sent no unmasking shares" bash -c "! grep -q 'job $job3 .*sent [0-9]* unmasking shares' '$FL_WORK/$s/agent.log'"
done
it_done
