#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: fencing under a true network cut. The active coordinator
# reaches PostgreSQL through a TCP relay (it_relay.py); a standby reaches
# it directly. The relay is frozen with SIGSTOP: packets stop, but no RST
# or FIN is sent, so both TCP sessions stay up (the kernel still
# acknowledges, and TCP keepalives never fire) and the server keeps the
# active's session and its lock. The active's calls go unanswered; within
# the fencing time (COORD_FENCE_STALL_MS, 10 s) it stops: exit 75,
# "stopping now (fencing)". The standby meanwhile stands by (the lock is
# still held). When the relay dies the server ends that session, and the
# standby takes over. Times printed.
IT_SQLITE_ONLY="already on PostgreSQL: it starts its own server and relay"
source "$(dirname "$0")/it_lib.sh"
source "$(dirname "$0")/it_pg_lib.sh"
pki=$FL_WORK/pki
fl_pki

python3 "$(dirname "$0")/it_relay.py" 0 "$pg_port" "$FL_WORK/relay.port" &
relay=$!
FL_PIDS+=("$relay")
for i in $(seq 1 50); do [ -s "$FL_WORK/relay.port" ] && break; sleep 0.1; done
relay_port=$(cat "$FL_WORK/relay.port")
FL_DATABASE="postgresql://fedc@127.0.0.1:$relay_port/fedc" fl_start_coordinator
active=$FL_COORD_PID
it_check "the active coordinator talks to PostgreSQL through the relay" \
  grep -q "active coordinator on postgresql://fedc@127.0.0.1:$relay_port/fedc" "$FL_WORK/coordinator/coordinator.log"

sb=$FL_WORK/standby
mkdir -p "$sb"
sed -e "s/^listen = .*/listen = 127.0.0.1:0/" -e "s/:$relay_port\//:$pg_port\//" \
  "$FL_WORK/coordinator/coordinator.ini" > "$sb/coordinator.ini"
"$FL_BIN/fedc-coordinator" --config "$sb/coordinator.ini" --port-file "$sb/port" >>"$sb/coordinator.log" 2>&1 &
standby=$!
FL_PIDS+=("$standby")
for i in $(seq 1 50); do grep -q "standing by" "$sb/coordinator.log" && break; sleep 0.1; done
it_check "the standby stands by" grep -q "standing by" "$sb/coordinator.log"
it_check "fedctl works on the active" test "$(fl_ctl --json site list | jq '.sites | length')" = 0

# the cut: the relay freezes; nothing reaches either end, nothing closes
kill -STOP "$relay"
t0=$(date +%s%N)
for i in $(seq 1 300); do kill -0 "$active" 2>/dev/null || break; sleep 0.1; done
t1=$(date +%s%N)
if kill -0 "$active" 2>/dev/null; then
  rc="none: still running after 30 s"
  kill -KILL "$active"
else
  wait "$active" 2>/dev/null && rc=0 || rc=$?
fi
ms=$(( (t1 - t0) / 1000000 ))
echo "fencing under a network cut: the active's exit $rc, $ms ms after the relay froze"
it_check "the cut-off active stopped with exit 75 (got $rc)" test "$rc" = 75
it_check "within the fencing time (10 s, + 1 s of checks: $ms ms)" test "$ms" -le 11000
it_check "it says why" grep -q "stopping now (fencing)" "$FL_WORK/coordinator/coordinator.log"
it_check "it names the silence" grep -q "the database has not answered for" "$FL_WORK/coordinator/coordinator.log"
held=$(psql_q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
it_check "the server still holds the cut-off session's lock ($held)" test "$held" -ge 1
it_check "so the standby still stands by (not listening)" bash -c "kill -0 $standby && [ ! -s '$sb/port' ]"

# the relay dies: its sockets close, the server ends the session, the
# lock is free, and the standby takes over
kill -KILL "$relay"; kill -CONT "$relay" 2>/dev/null || true
wait "$relay" 2>/dev/null || true
t0=$(date +%s%N)
for i in $(seq 1 150); do [ -s "$sb/port" ] && break; sleep 0.1; done
t1=$(date +%s%N)
it_check "the standby took over once the session ended" test -s "$sb/port"
echo "takeover: $(( (t1 - t0) / 1000000 )) ms after the relay's sockets closed"
it_done
