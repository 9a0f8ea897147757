#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: long polls through a proxy that cuts idle connections.
# Debian's haproxy sits between the agents and the coordinator in TCP mode
# and closes a connection after 3 s without traffic (timeout client/server),
# as NATs and corporate proxies do. The coordinator holds each long poll for
# up to 10 s (offline_after_ms 20000), so a held poll is idle for longer
# than the proxy allows. Three agents send keep-alive pings every 1.5 s
# (keepalive_ms); a fourth has them off (keepalive_ms = 0) as the control.
# After 9 s of idling, a job is submitted: the three pinging agents must
# get their first task without their connection ever having been cut (no
# "unreachable" in their logs), while the control agent's connection must
# have been cut by the proxy (proving the proxy does cut idle calls).
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v haproxy >/dev/null || { echo "SKIPPED: haproxy is not installed (tests/run-all.sh installs it)" >&2; exit 77; }

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 --iid >/dev/null
fl_pki site1 site2 site3 site4
export FL_OFFLINE_MS=20000
fl_start_coordinator
for s in site1 site2 site3 site4; do fl_ctl site add "$s" >/dev/null; done

# haproxy on a free loopback port, in the foreground (stopped with the rest)
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$FL_WORK/proxy"
cat > "$FL_WORK/proxy/haproxy.cfg" <<EOC
global
  log stderr format raw local0 info
defaults
  mode tcp
  log global
  option tcplog
  timeout connect 2s
  timeout client 3s
  timeout server 3s
frontend agents
  bind 127.0.0.1:$pport
  default_backend coordinator
backend coordinator
  server c1 127.0.0.1:$FL_PORT
EOC
haproxy -f "$FL_WORK/proxy/haproxy.cfg" -db >"$FL_WORK/proxy/haproxy.log" 2>&1 &
FL_PIDS+=("$!")
for i in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$pport) 2>/dev/null && break
  sleep 0.1
done

export FL_AGENT_COORD=127.0.0.1:$pport
export FL_AGENT_TRUST='colluders = 0'
for s in site1 site2 site3; do
  FL_AGENT_EXTRA=$'long_poll_ms = 30000\nkeepalive_ms = 1500' \
    fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done
# (site4 holds another data set, so it is never selected: it only polls)
FL_AGENT_EXTRA=$'long_poll_ms = 30000\nkeepalive_ms = 0' \
  fl_start_agent site4 other_data "$FL_WORK/data/site4.csv"
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 4 ] && break
  sleep 0.1
done
echo "agents online through the proxy on port $pport; idling 9 s"
sleep 9

sed -e 's/^name = .*/name = keepalive-test/' -e 's/^rounds = .*/rounds = 2/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
head -n 1 "$top/data/breast_cancer.csv" | tr -d '\r' | tr ',' '\n' | grep -vx label |
  awk 'BEGIN { printf "features =" } NR > 1 { printf "," } NR > 1 && NR % 4 == 1 { printf "\n " }
       { printf " %s", $0 } END { print "" }' > "$FL_WORK/features.txt"
grep -q '^features *=' "$FL_WORK/job.ini" || sed -i "/^label = /r $FL_WORK/features.txt" "$FL_WORK/job.ini"
t0=$(date +%s%N)
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
state=
for i in $(seq 1 600); do
  state=$(fl_ctl --json job status "$job" | jq -r .job.state)
  case $state in done|failed|aborted) break ;; esac
  sleep 0.1
done
t1=$(date +%s%N)
echo "job $job: $state in $(( (t1 - t0) / 1000000 )) ms"
it_check "the job ran to the end through the proxy" test "$state" = done
for s in site1 site2 site3; do
  it_check "$s (pings every 1.5 s) kept its idle connection through the proxy" \
    bash -c "! grep -q unreachable '$FL_WORK/$s/agent.log'"
  it_check "$s took part in the first round" grep -q "job $job round 0 attempt 1 stats advertise" "$FL_WORK/$s/agent.log"
done
it_check "the control agent (no pings) had its idle long poll cut by the proxy" \
  grep -q unreachable "$FL_WORK/site4/agent.log"
it_done
