#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: an active and a standby coordinator on one PostgreSQL
# (it_pg_lib.sh), at two addresses A and B; agents and fedctl are given
# both ("coordinator = A, B"). The standby waits for the active lock (not
# listening, not ready). The active (A) is killed by SIGKILL in round 2's
# share phase (the FEDC_TEST_CRASH_AT hook): the standby (B) takes the lock,
# listens, resumes the job like a restarted coordinator, and the agents
# move to B on their own. A new standby then starts at A; B is killed in
# round 3's input phase and A takes over again. The job completes with a
# ledger that verifies, every TRAIN model as its ledger entry names it
# (takeover times printed). Then fencing: the active's database session is
# terminated, and it stops at once (exit 75) rather than act without the
# lock.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pki=$FL_WORK/pki
source "$(dirname "$0")/it_pg_lib.sh"

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
# the active dies by SIGKILL in the share phase of round 2 (a test hook)
it_need_hooks
FL_COORD_EXTRA=$'[ops]\nlisten = 127.0.0.1:0\nport_file = ops.port' \
  FL_COORD_ENV="FEDC_TEST_CRASH_AT=share:2" fl_start_coordinator
active=$FL_COORD_PID

# the standby: the same config at another address, its own folder; it
# dies in its turn in round 3's input phase
port_a=$FL_PORT
port_b=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
list="127.0.0.1:$port_a, 127.0.0.1:$port_b"
lctl() {
  "$FL_BIN/fedctl" --coordinator "$list" --ca "$pki/ca.pem" --cert "$pki/operator.pem" \
    --key "$pki/operator.key" "$@"
}
sb=$FL_WORK/standby
mkdir -p "$sb"
sed "0,/^listen = .*/s//listen = 127.0.0.1:$port_b/" "$FL_WORK/coordinator/coordinator.ini" > "$sb/coordinator.ini"
FEDC_TEST_CRASH_AT=input:3 "$FL_BIN/fedc-coordinator" --config "$sb/coordinator.ini" --port-file "$sb/port" >>"$sb/coordinator.log" 2>&1 &
standby=$!
FL_PIDS+=("$standby")
for i in $(seq 1 50); do grep -q "standing by" "$sb/coordinator.log" && break; sleep 0.1; done
it_check "the standby stands by (log)" grep -q "another coordinator is active on this database: standing by" "$sb/coordinator.log"
it_check "the standby is running, not listening" bash -c "kill -0 $standby && [ ! -s '$sb/port' ]"
for i in $(seq 1 50); do [ -s "$sb/ops.port" ] && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$sb/ops.port" 2>/dev/null)/readyz" || true)
it_check "the standby's /readyz says not ready (got $code)" test "$code" = 503
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$FL_WORK/coordinator/ops.port")/readyz" || true)
it_check "the active's /readyz says ready (got $code)" test "$code" = 200

for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do FL_AGENT_COORD=$list fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
sed -e 's/^rounds = .*/rounds = 4/' -e 's/^timeout = .*/timeout = 8/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
for i in $(seq 1 600); do kill -0 "$active" 2>/dev/null || break; sleep 0.05; done
t0=$(date +%s%N)
wait "$active" 2>/dev/null && rc=0 || rc=$?
it_check "the active was killed in round 2's share phase (status $rc)" test "$rc" = 137
for i in $(seq 1 150); do [ -s "$sb/port" ] && break; sleep 0.1; done
t1=$(date +%s%N)
it_check "the standby took over (listening)" test -s "$sb/port"
echo "takeover: $(( (t1 - t0) / 1000000 )) ms from the active's SIGKILL to the standby listening"
it_check "the standby names the takeover" grep -q "taking over as the active coordinator" "$sb/coordinator.log"

# a new standby at A (the first coordinator's folder and address)
sa=$FL_WORK/coordinator
rm -f "$sa/port"
sed -i "0,/^listen = .*/s//listen = 127.0.0.1:$port_a/" "$sa/coordinator.ini"
"$FL_BIN/fedc-coordinator" --config "$sa/coordinator.ini" --port-file "$sa/port" >>"$sa/coordinator.log" 2>&1 &
standby2=$!
FL_PIDS+=("$standby2")
for i in $(seq 1 900); do kill -0 "$standby" 2>/dev/null || break; sleep 0.05; done
t0=$(date +%s%N)
wait "$standby" 2>/dev/null && rc=0 || rc=$?
it_check "B was killed in round 3's input phase (status $rc)" test "$rc" = 137
for i in $(seq 1 150); do [ -s "$sa/port" ] && break; sleep 0.1; done
t1=$(date +%s%N)
it_check "A's new coordinator took over (listening)" test -s "$sa/port"
echo "takeover: $(( (t1 - t0) / 1000000 )) ms from B's SIGKILL to A's standby listening"
standby=$standby2
state=
for i in $(seq 1 600); do
  state=$(lctl --json job status "$job" 2>/dev/null | jq -r .job.state || true)
  [ "$state" = done ] || [ "$state" = failed ] && break
  sleep 0.2
done
it_check "the job completed after the failover (state $state)" test "$state" = done
lctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
for s in site1 site2 site3; do
  it_check "$s followed the active from A to B and back" bash -c \
    "grep -q 'coordinator 127.0.0.1:$port_a unavailable' '$FL_WORK/$s/agent.log' &&
     grep -q 'coordinator 127.0.0.1:$port_b unavailable' '$FL_WORK/$s/agent.log'"
done
last=$(lctl --json job status "$job" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
it_check "every site in the last round (got $last)" test "$last" = 3
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "the ledger verifies across the failover (6 entries)" grep -q "^ledger: 6 entries verified" <<<"$out"
# Every finished round's model is the one committed with its round: each
# TRAIN entry (signed and chained when its round committed, before or
# after a failover) names the digest of its model version, and the store
# still serves exactly those bytes.
while IFS=$'\t' read -r v want; do
  lctl model get "$job" --version "$v" -o "$FL_WORK/model-v$v.bin" >/dev/null
  got=$(sha256sum "$FL_WORK/model-v$v.bin" | cut -d' ' -f1)
  it_check "model version $v is the one its ledger entry names" test "$got" = "$want"
done < <(grep '"kind":"train"' "$FL_WORK/ledger.txt" | cut -f1 | jq -r '[.model_version, .model_sha256] | @tsv')
it_check "the ledger names 4 training models" test "$(grep -c '"kind":"train"' "$FL_WORK/ledger.txt")" = 4

# fencing: the active's session ends (as when cut off); it stops at once
t0=$(date +%s%N)
psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'fedc-coordinator'" >/dev/null
rc=0
for i in $(seq 1 50); do kill -0 "$standby" 2>/dev/null || break; sleep 0.1; done
t1=$(date +%s%N)
wait "$standby" 2>/dev/null && rc=0 || rc=$?
it_check "the coordinator that lost its session stopped (exit $rc)" test "$rc" = 75
echo "fencing: stopped $(( (t1 - t0) / 1000000 )) ms after its session ended"
it_check "it says why" grep -q "stopping now (fencing)" "$sa/coordinator.log"
it_done
