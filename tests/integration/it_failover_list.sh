#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: agents and fedctl fail over along a coordinator address
# list ("[agent] coordinator = A, B", fedctl --coordinator "A,B").
# Nothing listens at the first address at the start: every agent and every
# fedctl call moves on to the second on UNAVAILABLE. Mid-job the coordinator
# there is killed (-9) and a coordinator on the same database starts at the
# first address, as a standby would: the agents follow it without a restart
# and the job completes with every round ('fedctl admin backup' too moves
# on from the dead address). A list whose addresses are all dead fails
# with exit 3 and names the list.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
sites="site1 site2 site3"
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fl_pki $sites
spare=$(free_port)
fl_start_coordinator
first=$FL_PORT
list="127.0.0.1:$spare, 127.0.0.1:$FL_PORT"
ctl() {
  "$FL_BIN/fedctl" --coordinator "$list" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" "$@"
}
for s in $sites; do ctl site add "$s" >/dev/null; done
it_check "fedctl skipped the dead first address" test "$(ctl --json site list | jq '.sites | length')" = 3
if it_on_postgres; then
  out=$(ctl admin backup "$FL_WORK/backup.db" 2>&1) || true
  it_check "admin backup skipped the dead first address (the live one names pg_dump)" \
    grep -q "pg_dump" <<<"$out"
else
  it_check "admin backup skipped the dead first address" ctl admin backup "$FL_WORK/backup.db"
  it_check "and wrote the copy" test -s "$FL_WORK/backup.db"
fi
for s in $sites; do FL_AGENT_COORD=$list fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

sed -e 's/^rounds = .*/rounds = 10/' -e 's/^timeout = .*/timeout = 10/' \
  -e 's/^min_clients = .*/min_clients = 3/' -e 's/^name = .*/name = failover-list/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
for i in $(seq 1 300); do
  done_rounds=$(ctl --json job status "$job" | jq -r .job.rounds_done)
  [ "$done_rounds" -ge 3 ] && break
  sleep 0.1
done
it_check "3 rounds done through the second address (got $done_rounds)" test "$done_rounds" -ge 3

# the coordinator at the second address dies; one on the same database
# comes up at the first address
kill -9 "$FL_COORD_PID"
wait "$FL_COORD_PID" 2>/dev/null || true
t0=$(date +%s.%N)
FL_PORT_WANTED=$spare fl_start_coordinator
timeout 180 "$FL_BIN/fedctl" --coordinator "$list" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
status=$(ctl --json job status "$job")
echo "after the switch the job took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s more;" \
  "state $(echo "$status" | jq -r .job.state), $(echo "$status" | jq -r .job.rounds_done) rounds," \
  "accuracy $(echo "$status" | jq -r .job.metrics.accuracy)"
it_check "job done after the switch" test "$(echo "$status" | jq -r .job.state)" = done
it_check "all 10 rounds done" test "$(echo "$status" | jq -r .job.rounds_done)" = 10
last=$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
it_check "every site in the last round (got $last)" test "$last" = 3
for s in $sites; do
  it_check "$s moved from the dead address to the second" \
    grep -q "coordinator 127.0.0.1:$spare unavailable .*; trying 127.0.0.1:$first" "$FL_WORK/$s/agent.log"
done
for s in $sites; do
  it_check "$s moved back to the first address when the second died" \
    grep -q "coordinator 127.0.0.1:$first unavailable .*; trying 127.0.0.1:$spare" "$FL_WORK/$s/agent.log"
done
ctl model get "$job" -o "$FL_WORK/final.model" >/dev/null
it_check "fedctl model get through the list" test -s "$FL_WORK/final.model"

# every address dead: exit 3 naming the list
fl_stop_all
set +e
out=$(ctl job list 2>&1)
rc=$?
set -e
it_check "all addresses dead: exit 3 (got $rc)" test "$rc" = 3
it_check "the message names the list" grep -q "cannot reach the coordinator at 127.0.0.1:$spare, 127.0.0.1:$first" <<<"$out"
bad=$("$FL_BIN/fedctl" --coordinator "127.0.0.1:$spare, nowhere" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job list 2>&1 || true)
it_check "a bad list is a usage error naming the entry" grep -q "'nowhere' is not host:port" <<<"$bad"
it_done
