#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: JSON logs, job events and the inspection commands.
# Coordinator (CA online, so 'site add' issues enrollment tokens) + 3 agents
# on loopback, all with log_format = json, run a short training job.
# 1. Every line of both daemons' logs is one JSON object with time, level,
#    component and message; lines about a round carry job and round (and
#    attempt; from the thread-local log context); no
#    line holds a private key, an enrollment token or a long key-like blob
#    (a share, a seed).
# 2. 'fedctl job logs ID' lists a round_started and a model_committed event
#    for every round and the job's end; 'job logs --follow', started while
#    the job runs, prints events before the job ends and exits 0 when it
#    ends.
# 3. 'fedctl site show' reports the site's certificate and the rounds it
#    took part in; 'fedctl audit list' the operator's site adds and job
#    submission; both have --json and clear errors; a viewer may read job
#    logs and site show, not the audit log.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=1:1:1;1=1:1:1' >/dev/null
fl_pki site1 site2 site3
FL_COORD_CA=1 FL_COORD_OPTS="log_format = json" fl_start_coordinator
tokens=()
for s in site1 site2 site3; do
  tokens+=("$(fl_ctl --json site add "$s" | jq -r '.enroll.token // empty')")
done
it_check "site add issued enrollment tokens" test -n "${tokens[0]}"
# Plain polls every 400 ms (no long polls): each phase waits for a poll, so
# the job runs for some seconds and --follow can be seen at work.
for s in site1 site2 site3; do
  FL_POLL_MS=400 FL_AGENT_EXTRA=$'log_format = json\nlong_poll_ms = 0' \
    fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done

rounds=4
sed -e "s/^rounds = .*/rounds = $rounds/" -e 's/^name = .*/name = jsonlog-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
: > "$FL_WORK/follow.txt"   # before the follower's own redirection runs
fl_ctl job logs "$job" --follow >> "$FL_WORK/follow.txt" 2>"$FL_WORK/follow.err" &
follow_pid=$!
FL_PIDS+=("$follow_pid")

# While the job runs, the follower has printed events (lines counted
# before the job's state is read), and it prints more later.
seen_running=0
for i in $(seq 1 1200); do
  n=$(wc -l < "$FL_WORK/follow.txt")
  state=$(fl_ctl --json job status "$job" | jq -r .job.state)
  [ "$state" = running ] && [ "$n" -gt 0 ] && seen_running=$n
  case $state in done|failed|aborted) break ;; esac
  sleep 0.1
done
follow_rc=0
for i in $(seq 1 100); do kill -0 "$follow_pid" 2>/dev/null || break; sleep 0.1; done
it_check "job logs --follow ended by itself when the job ended" bash -c "! kill -0 $follow_pid 2>/dev/null"
wait "$follow_pid" || follow_rc=$?
it_check "job logs --follow exited 0 (got $follow_rc)" test "$follow_rc" = 0
it_check "job logs --follow printed $seen_running events while the job was running" \
  test "$seen_running" -gt 0
it_check "and more after that ($(wc -l < "$FL_WORK/follow.txt") in all)" \
  test "$(wc -l < "$FL_WORK/follow.txt")" -gt "$seen_running"
it_check "the job is done (state $state)" test "$state" = done

fl_ctl job logs "$job" > "$FL_WORK/logs.txt"
fl_ctl --json job logs "$job" > "$FL_WORK/logs.json"
echo "--- job logs (first lines)"; head -n 8 "$FL_WORK/logs.txt"
it_check "every --json event line parses" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert {"id", "ts_ms", "round", "attempt", "kind", "site", "text"} <= set(e), e
' "$FL_WORK/logs.json"
# Round 0 is the STATS round; then rounds 1..N of training and the EVAL round.
for r in $(seq 1 "$rounds"); do
  it_check "round $r: round_started and model_committed events" bash -c "
    jq -e -s 'map(select(.round == $r and .kind == \"round_started\")) | length >= 1' '$FL_WORK/logs.json' >/dev/null &&
    jq -e -s 'map(select(.round == $r and .kind == \"model_committed\")) | length == 1' '$FL_WORK/logs.json' >/dev/null"
done
it_check "phase_closed events name the phases" grep -q 'phase_closed: advertise -> share' "$FL_WORK/logs.txt"
it_check "the job's end is an event" jq -e -s 'map(select(.kind == "job_state" and .text == "done")) | length == 1' "$FL_WORK/logs.json"
it_check "--follow printed the same events as job logs" diff -q "$FL_WORK/follow.txt" "$FL_WORK/logs.txt"
it_check "job logs of a missing job exits 4" bash -c "fl_ctl() { \"\$FL_BIN/fedctl\" --coordinator 127.0.0.1:$FL_PORT --ca '$FL_WORK/pki/ca.pem' --cert '$FL_WORK/pki/operator.pem' --key '$FL_WORK/pki/operator.key' \"\$@\"; }; fl_ctl job logs 999 >/dev/null 2>&1; test \$? = 4"

# site show
show=$(fl_ctl --json site show site1)
echo "--- site show site1"; fl_ctl site show site1
it_check "site show: name and role" test "$(echo "$show" | jq -r '.site.name + " " + .site.role')" = "site1 site"
it_check "site show: the certificate site1 connected with" \
  test "$(echo "$show" | jq -r '.certs | length')" -ge 1
serial=$(openssl x509 -in "$FL_WORK/pki/site1.pem" -noout -serial | sed 's/serial=//' | tr 'A-F' 'a-f')
it_check "site show: its serial ($serial)" bash -c "echo '$show' | jq -r '.certs[].serial' | tr 'A-F' 'a-f' | grep -qx '0*${serial#0}'"
it_check "site show: took part in >= $rounds rounds of job $job" \
  bash -c "echo '$show' | jq -e '.rounds >= $rounds and (.jobs | index($job) != null)' >/dev/null"
it_check "site show: last seen is set" bash -c "echo '$show' | jq -e '.site.last_seen_ms > 0' >/dev/null"
rc=0; fl_ctl site show nosuch >/dev/null 2>"$FL_WORK/show.err" || rc=$?
it_check "site show of a missing site exits 4 (got $rc)" test "$rc" = 4

# audit list
audit=$(fl_ctl --json audit list)
echo "--- audit list"; fl_ctl audit list >"$FL_WORK/audit.txt"; head -n 8 "$FL_WORK/audit.txt"
it_check "audit list: the three site adds by the operator" \
  test "$(echo "$audit" | jq '[.entries[] | select(.action == "add site" and .who == "operator")] | length')" = 3
it_check "audit list: the job submission" \
  test "$(echo "$audit" | jq '[.entries[] | select(.action == "submit job")] | length')" = 1
vrc=0
{ fl_ctl_as viewer job logs "$job" && fl_ctl_as viewer site show site1; } >/dev/null || vrc=$?
it_check "a viewer may read job logs and site show (got $vrc)" test "$vrc" = 0
rc=0; fl_ctl_as viewer audit list >/dev/null 2>"$FL_WORK/audit.err" || rc=$?
it_check "a viewer may not read the audit log (exit 5, got $rc)" test "$rc" = 5
it_check "audit list: ids ascend" bash -c "echo '$audit' | jq -e '[.entries[].id] | . == sort' >/dev/null"

fl_stop_all
# JSON logs: every line of both daemons' logs.
logs=("$FL_WORK/coordinator/coordinator.log" "$FL_WORK"/site*/agent.log)
it_check "every log line is a JSON object with time, level, component, message" python3 -c '
import json, sys
n = 0
for path in sys.argv[1:]:
    for i, line in enumerate(open(path, "rb")):
        e = json.loads(line.decode("utf-8"))
        assert isinstance(e, dict), (path, i)
        assert {"time", "level", "component", "message"} <= set(e), (path, i, line)
        assert e["level"] in ("debug", "info", "warn", "error"), (path, i)
        n += 1
print("checked", n, "log lines")
' "${logs[@]}"
it_check "coordinator lines about a round carry job and round" python3 -c '
import json, sys
ok = any(e.get("component") == "coordinator" and e.get("job") and e.get("round")
         for e in map(json.loads, open(sys.argv[1])))
sys.exit(0 if ok else 1)
' "$FL_WORK/coordinator/coordinator.log"
it_check "agent lines about a round carry job, round and attempt" python3 -c '
import json, sys
ok = any(e.get("component") == "agent" and e.get("job") and e.get("round") and e.get("attempt")
         for e in map(json.loads, open(sys.argv[1])))
sys.exit(0 if ok else 1)
' "$FL_WORK/site1/agent.log"
it_check "no log line holds a private key" bash -c "! grep -q 'PRIVATE KEY' ${logs[*]}"
for t in "${tokens[@]}"; do
  it_check "no log line holds an enrollment token" bash -c "! grep -qF -- '$t' ${logs[*]}"
done
it_check "no log line holds a long key-like blob (a share or a seed)" \
  bash -c "! grep -Eq '[A-Za-z0-9+/=]{65,}' ${logs[*]}"
it_done
