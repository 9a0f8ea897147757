#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: 500 idle agents' long polls held by one coordinator with a
# bounded number of threads. it_idle_polls opens 500 connections (each its
# own TCP and TLS connection, with the certificates of 20 registered sites)
# and sends one long poll on each; the coordinator has no task for them and
# holds every poll for its whole wait (parked: no thread per call). While
# they are held, the coordinator must run at most 48 threads (16 workers,
# the engine, the signal thread and gRPC's own); every poll must come back
# with no task, and only after being held. Prints the coordinator's threads
# and resident size before and while holding them.
source "$(dirname "$0")/it_lib.sh"
idle=$FL_BIN/it_idle_polls
[ -x "$idle" ] || fl_die "$idle is missing (build the it_idle_polls target)"
nsites=20
conns=${FL_IDLE_CONNS:-500}
fl_pki
for i in $(seq 1 $nsites); do
  "$FL_BIN/fedctl" ca issue "s$i" --role site --dir "$FL_WORK/pki" >/dev/null
done
# polls are held for half of offline_after_ms at most: 8 s here
export FL_OFFLINE_MS=16000
fl_start_coordinator
for i in $(seq 1 $nsites); do fl_ctl site add "s$i" >/dev/null; done
out=$("$idle" "127.0.0.1:$FL_PORT" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki" $nsites "$conns" 8000 \
  "$FL_COORD_PID" 48) && rc=0 || rc=$?
echo "$out"
it_check "$conns long polls were held and answered with a bounded thread count" test "$rc" = 0
it_check "the coordinator still answers after the held polls" fl_ctl site list
it_done
