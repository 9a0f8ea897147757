#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: external trainers. Four sites train one logistic model on
# breast_cancer (non-IID split) with secure aggregation: site1 and site4 use
# the built-in trainer, site2 the example Python trainer
# (deploy/examples/external_trainer.py) and site3 a small C program written
# for the test (tests/integration/ext_trainer.c); both speak only the file
# contract of client/agent_external.h. The job must reach the accuracy
# target. Then site3's trainer crashes (EXT_TRAINER_FAIL=crash) and, in a
# second job, writes a NaN (garbage): site3 logs a clear error and sends
# nothing, and the other three finish the job.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ext=$FL_BIN/ext_trainer
py=$top/deploy/examples/external_trainer.py
[ -x "$ext" ] || fl_die "$ext is missing (build the ext_trainer target)"
command -v python3 >/dev/null || fl_die "python3 is needed for the example trainer (apt-get install python3)"

sites="site1 site2 site3 site4"
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 '0=5:2:2:1;1=1:2:3:4' >/dev/null
fl_pki $sites
fl_start_coordinator
for s in $sites; do fl_ctl site add "$s" >/dev/null; done

# start_site SITE [PROGRAM]: the agent config gets a [trainer] section.
start_site() {
  local s=$1 prog=${2:-} extra=""
  [ -z "$prog" ] || extra=$(printf '[trainer]\nprogram = %s\ntimeout = 60' "$prog")
  FL_AGENT_POLICY="$extra" fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
}
start_site site1
start_site site2 "$py"
start_site site3 "$ext"
start_site site4

sed -e 's/^rounds = .*/rounds = 8/' -e 's/^timeout = .*/timeout = 8/' \
  -e 's/^min_clients = .*/min_clients = 3/' -e 's/^name = .*/name = external-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/ext.ini"

sed -e 's/^rounds = .*/rounds = 2/' -e 's/^timeout = .*/timeout = 3/' "$FL_WORK/ext.ini" > "$FL_WORK/ext-short.ini"

run_job() {   # run_job SPEC -> prints the final status JSON
  local job
  job=$(fl_ctl --json job submit "$1" | jq -r .job_id)
  timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
  fl_ctl --json job status "$job"
}

# 1. Mixed trainers.
status=$(run_job "$FL_WORK/ext.ini")
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
echo "mixed built-in/external job: state $(echo "$status" | jq -r .job.state), accuracy $acc"
it_check "the mixed job finished" test "$(echo "$status" | jq -r .job.state)" = done
it_check "accuracy $acc >= 0.93" it_ge "$acc" 0.93
last=$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
it_check "the last training round aggregated all 4 sites (got $last)" test "$last" = 4
it_check "site2 trained with the Python example trainer" \
  grep -q "train: .*(external trainer)" "$FL_WORK/site2/agent.log"
it_check "site3 trained with the C test trainer" \
  grep -q "train: .*(external trainer)" "$FL_WORK/site3/agent.log"
it_check "site1 trained with the built-in trainer" \
  bash -c "! grep -q 'external trainer' '$FL_WORK/site1/agent.log'"
it_check "site3's per-round trainer folders were removed after success" \
  bash -c "[ -z \"\$(ls -A '$FL_WORK/site3/external' 2>/dev/null)\" ]"
it_check "site3's records hold its masked contributions" \
  bash -c "ls '$FL_WORK/site3/records/' | grep -q 'round8'"

# 2. site3's trainer crashes, then writes garbage: the others go on.
for mode in crash garbage; do
  kill -TERM "${FL_AGENT_PID[site3]}"; wait "${FL_AGENT_PID[site3]}" 2>/dev/null || true
  env EXT_TRAINER_FAIL=$mode "$FL_BIN/fedc-agent" --config "$FL_WORK/site3/agent.ini" >>"$FL_WORK/site3/agent.log" 2>&1 &
  FL_AGENT_PID[site3]=$!
  FL_PIDS+=("$!")
  # a spec of its own per job: the same spec and starting model are the
  # same input at every site, which each sums with one set of sites only
  # (SECAGG.md R6), and this job's site set differs from the last one's
  sed -e "s/^name = .*/name = external-$mode/" "$FL_WORK/ext-short.ini" > "$FL_WORK/ext-$mode.ini"
  status=$(run_job "$FL_WORK/ext-$mode.ini")
  state=$(echo "$status" | jq -r .job.state)
  last=$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
  echo "job with site3's trainer failing ($mode): state $state, last round survivors $last"
  it_check "the job finished without site3 ($mode)" test "$state" = done
  it_check "its last training round aggregated the other 3 ($mode, got $last)" test "$last" = 3
done
it_check "site3 logged the crash clearly" \
  grep -q "external trainer: the external trainer .* was killed by signal 6" "$FL_WORK/site3/agent.log"
it_check "site3 logged the bad output clearly" \
  grep -q "external trainer: the external trainer's local.f64 has a non-finite value" "$FL_WORK/site3/agent.log"
it_done
