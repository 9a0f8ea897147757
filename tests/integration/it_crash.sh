#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: crash safety. One job runs while the coordinator kills itself
# with SIGKILL (FEDC_TEST_CRASH_AT, no cleanup at all) in every phase of a
# secure-aggregation round, in a different round each time, and is restarted
# on the same port after each crash. The agents keep running throughout and
# must rejoin on their own. Asserted: the job completes with a normal
# accuracy; every model version and every finished round seen before a crash
# is unchanged after it (same model SHA-256, same attempt and finish time);
# each interrupted round was retried with a higher attempt number; and the
# agents that were never restarted took part in the last round.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)
coord_dir=$FL_WORK/coordinator

sites="site1 site2 site3 site4"
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 '0=6:2:1:1;1=1:2:3:4' >/dev/null
# Crash points, one per start: POINT:ROUND. Round 0 is the STATS round,
# rounds 1-8 train, round 9 is the final evaluation.
plan="unmask:0 advertise:1 share:2 input:3 upload:4 consistency:5 unmask:6 commit:7 share:9"
first=${plan%% *}

fl_pki $sites
FL_COORD_ENV="FEDC_TEST_CRASH_AT=$first" fl_start_coordinator
port=$FL_PORT
for s in $sites; do fl_ctl site add "$s" >/dev/null; done
for s in $sites; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

# Four sites with the consistency check on, so the round has all five
# phases (3t > 2(k+1) needs k = 3, t = 3).
sed -e 's/^rounds = .*/rounds = 8/' -e 's/^timeout = .*/timeout = 10/' \
  -e 's/^min_clients = .*/min_clients = 4/' -e 's/^name = .*/name = crash-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/crash.ini"
printf '\n[secagg]\nconsistency = true\n' >> "$FL_WORK/crash.ini"
job=$(fl_ctl --json job submit "$FL_WORK/crash.ini" | jq -r .job_id)

declare -A digest   # model version -> sha256 first seen
declare -A rowseen  # round -> "attempt finished_ms" of its done row, first seen

coord_running() {   # the coordinator runs (not gone, not a zombie)
  local st
  st=$(awk '{ print $3 }' "/proc/$FL_COORD_PID/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

snapshot() {   # records / compares every finished round and model version
  local status r a f v d
  status=$(fl_ctl --json job status "$job" 2>/dev/null) || return 0
  while read -r r a f; do
    [ -n "$r" ] || continue
    if [ -n "${rowseen[$r]:-}" ]; then
      [ "${rowseen[$r]}" = "$a $f" ] || {
        echo "FAIL: round $r changed: was ${rowseen[$r]}, now $a $f" >&2
        IT_FAILS=$((IT_FAILS + 1)); }
    else
      rowseen[$r]="$a $f"
    fi
  done < <(echo "$status" | jq -r '.rounds[] | select(.state == "done") | "\(.round) \(.attempt) \(.finished_ms)"')
  local done_rounds
  done_rounds=$(echo "$status" | jq -r .job.rounds_done)
  for v in $(seq 1 "$done_rounds"); do
    rm -f "$FL_WORK/v$v.model"
    # A failed download is only a failure if the coordinator is still up
    # (it may have just reached its crash point: a SIGKILLed child stays a
    # zombie until waited for, and kill -0 still finds it) and a second
    # try after 0.3 s fails too.
    if ! fl_ctl model get "$job" --version "$v" -o "$FL_WORK/v$v.model" >/dev/null 2>&1 &&
       ! { sleep 0.3; coord_running &&
           fl_ctl model get "$job" --version "$v" -o "$FL_WORK/v$v.model" >/dev/null 2>&1; }; then
      if coord_running; then
        echo "FAIL: model version $v of job $job is missing" >&2
        IT_FAILS=$((IT_FAILS + 1))
      fi
      continue
    fi
    d=$(sha256sum "$FL_WORK/v$v.model" | cut -d' ' -f1)
    if [ -n "${digest[$v]:-}" ]; then
      [ "${digest[$v]}" = "$d" ] || {
        echo "FAIL: model version $v changed after a crash" >&2
        IT_FAILS=$((IT_FAILS + 1)); }
    else
      digest[$v]=$d
    fi
  done
}

crashes=0
for point in $plan; do
  # Restart the coordinator (same port) armed with the next crash point.
  if [ "$point" != "$first" ]; then
    kill -0 "$FL_COORD_PID" 2>/dev/null && fl_die "coordinator still running"
    FL_PORT_WANTED=$port FL_COORD_ENV="FEDC_TEST_CRASH_AT=$point" fl_start_coordinator
  fi
  snapshot
  for i in $(seq 1 1200); do
    kill -0 "$FL_COORD_PID" 2>/dev/null || break
    sleep 0.1
  done
  rc=0; wait "$FL_COORD_PID" || rc=$?
  if [ "$rc" = 137 ] && grep -q "killing myself at ${point%%:*} of round ${point##*:}" "$coord_dir/coordinator.log"; then
    crashes=$((crashes + 1))
    echo "coordinator SIGKILLed itself at $point (exit $rc)"
  else
    echo "FAIL: coordinator did not crash at $point (exit $rc)" >&2
    IT_FAILS=$((IT_FAILS + 1))
    kill -KILL "$FL_COORD_PID" 2>/dev/null || true
  fi
done
it_check "the coordinator was SIGKILLed in all $(echo "$plan" | wc -w) phases ($crashes)" \
  test "$crashes" = "$(echo "$plan" | wc -w)"

# Last start, unarmed: the job must finish.
FL_PORT_WANTED=$port fl_start_coordinator
snapshot
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
snapshot
status=$(fl_ctl --json job status "$job")
state=$(echo "$status" | jq -r .job.state)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
echo "crash-test job: state $state, $(echo "$status" | jq -r .job.rounds_done)/8 rounds, accuracy $acc"
it_check "the job finished after $crashes crashes" test "$state" = done
it_check "all 8 rounds done" test "$(echo "$status" | jq -r .job.rounds_done)" = 8
it_check "accuracy $acc >= 0.93" it_ge "$acc" 0.93
it_check "no finished round or model version changed across the crashes" test "$IT_FAILS" = 0

# Each round interrupted before its commit was retried with a new attempt.
for point in $plan; do
  p=${point%%:*} r=${point##*:}
  a=$(echo "$status" | jq -r "[.rounds[] | select(.round == $r and .state == \"done\")] | .[0].attempt")
  n=$(echo "$status" | jq -r "[.rounds[] | select(.round == $r and .state == \"done\")] | length")
  it_check "round $r finished exactly once (got $n)" test "$n" = 1
  if [ "$p" = commit ]; then
    it_check "round $r (crash after its commit) was not redone (attempt $a)" test "$a" = 1
  else
    it_check "round $r (crash at $p) finished in a later attempt ($a >= 2)" test "$a" -ge 2
  fi
done

# The signed round ledger survived the crashes: it verifies offline, has one
# entry per finished round (stats, 8 train, eval) and its model digests are
# the ones the coordinator serves; every site's own records match it.
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$FL_WORK/pki/ca.pem" 2>&1) || true
echo "$out"
it_check "the ledger verifies after $crashes crashes" grep -q "^ledger: 10 entries verified" <<<"$out"
for v in $(seq 1 8); do
  it_check "ledger digest of model v$v matches the served model" \
    grep -q "\"model_version\":$v,.*\"model_sha256\":\"${digest[$v]:-none}\"\|\"model_sha256\":\"${digest[$v]:-none}\".*\"model_version\":$v[,}]" "$FL_WORK/ledger.txt"
done
for s in $sites; do
  it_check "$s's own round records match the ledger" \
    "$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$FL_WORK/pki/ca.pem" \
      --records "$FL_WORK/$s/records" --site "$s"
done

# The agents were never restarted and rejoined by themselves.
for s in $sites; do
  it_check "$s's agent survived every coordinator restart" kill -0 "${FL_AGENT_PID[$s]}"
done
last=$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
it_check "the last training round aggregated all 4 sites (got $last)" test "$last" = 4
it_done
