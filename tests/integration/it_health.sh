#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the coordinator's /healthz and /readyz ([ops] listen).
# Another process (python3's sqlite3) holds the coordinator's database
# locked (BEGIN EXCLUSIVE), as a backup or a coordinator still shutting down
# would. The coordinator's ops listener comes up first; while the database
# is locked the coordinator waits: /healthz says 200 (alive) and /readyz 503
# naming the store, and the RPC port is not written. Once the lock is
# released the coordinator opens the store and listens: /readyz says 200
# "ready" and fedctl works. An unknown path is 404, a POST 405, and
# SIGTERM stops the coordinator cleanly (exit 0; a signal that reaches a
# thread started before main, such as OpenBLAS's, is caught too).
IT_SQLITE_ONLY="another process holds the SQLite file locked (a standby's wait is it_pg_failover's)"
source "$(dirname "$0")/it_lib.sh"
command -v python3 >/dev/null || { echo "SKIPPED: python3 not found" >&2; exit 77; }
command -v curl >/dev/null || { echo "SKIPPED: curl not found" >&2; exit 77; }

fl_pki
dir=$FL_WORK/coordinator
mkdir -p "$dir"
cat > "$dir/coordinator.ini" <<EOC
[coordinator]
listen = 127.0.0.1:0
database = coordinator.db
[tls]
ca = ../pki/ca.pem
cert = ../pki/coordinator.pem
key = ../pki/coordinator.key
[ops]
listen = 127.0.0.1:0
port_file = ops.port
EOC

# The lock holder: takes the lock, says so, and holds it until killed.
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(600)
' "$dir/coordinator.db" > "$FL_WORK/locker.out" &
locker=$!
FL_PIDS+=("$locker")
for i in $(seq 1 100); do grep -q locked "$FL_WORK/locker.out" 2>/dev/null && break; sleep 0.1; done
it_check "the database is locked by another process" grep -q locked "$FL_WORK/locker.out"

"$FL_BIN/fedc-coordinator" --config "$dir/coordinator.ini" --port-file "$dir/port" \
  >>"$dir/coordinator.log" 2>&1 &
coord=$!
FL_PIDS+=("$coord")
for i in $(seq 1 100); do [ -s "$dir/ops.port" ] && break; sleep 0.1; done
it_check "the ops listener wrote its port" test -s "$dir/ops.port"
ops=127.0.0.1:$(cat "$dir/ops.port")

# curl_code PATH [curl args]: the HTTP status; the body goes to $FL_WORK/body
curl_code() { local p=$1; shift; curl -s -o "$FL_WORK/body" -w '%{http_code}' "$@" "http://$ops$p"; }

# SQLite's own busy wait (5 s) runs out first; then the coordinator says it
# waits for the lock, and keeps waiting.
for i in $(seq 1 150); do
  grep -q "is locked by another process: waiting" "$dir/coordinator.log" && break
  sleep 0.1
done
it_check "the coordinator logged that it waits for the lock" \
  grep -q "is locked by another process: waiting" "$dir/coordinator.log"
sleep 1.5   # past a retry or so
code=$(curl_code /healthz)
it_check "/healthz is 200 while the store is locked (got $code)" test "$code" = 200
code=$(curl_code /readyz)
body=$(cat "$FL_WORK/body")
echo "/readyz while locked: $code $body"
it_check "/readyz is 503 while the store is not open (got $code)" test "$code" = 503
it_check "/readyz names the store and the lock as the reason" \
  grep -q "store is not open yet (the database is locked by another process)" "$FL_WORK/body"
it_check "the RPC port is not written while the store is locked" test ! -e "$dir/port"
it_check "the coordinator is still running" kill -0 "$coord"

kill -TERM "$locker"
wait "$locker" 2>/dev/null || true
for i in $(seq 1 150); do [ -s "$dir/port" ] && break; sleep 0.1; done
it_check "the coordinator listens once the lock is gone" test -s "$dir/port"
FL_PORT=$(cat "$dir/port")
for i in $(seq 1 50); do [ "$(curl_code /readyz)" = 200 ] && break; sleep 0.1; done
code=$(curl_code /readyz)
body=$(cat "$FL_WORK/body")
echo "/readyz once open: $code $body"
it_check "/readyz is 200 once the store is open and the server listens (got $code)" test "$code" = 200
it_check "/readyz says ready" test "$body" = ready
it_check "fedctl works against the ready coordinator" fl_ctl site list
code=$(curl_code /nothing)
it_check "an unknown path is 404 (got $code)" test "$code" = 404
code=$(curl_code /metrics -X POST -d x=1)
it_check "a POST is 405 (got $code)" test "$code" = 405
ctype=$(curl -s -o /dev/null -w '%{content_type}' "http://$ops/metrics")
it_check "/metrics is text/plain version 0.0.4 (got $ctype)" \
  test "$ctype" = "text/plain; version=0.0.4; charset=utf-8"

it_check "the coordinator logged the store as opened after the wait" \
  grep -q "is free again: opened" "$dir/coordinator.log"
kill -TERM "$coord"
rc=0
wait "$coord" || rc=$?
it_check "the coordinator shuts down cleanly on SIGTERM (exit $rc, 'stopped' logged)" \
  sh -c "[ $rc = 0 ] && tail -n 3 '$dir/coordinator.log' | grep -q ' stopped'"
it_done
