#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the coordinator behind a TCP load balancer (TLS pass-through),
# as a data centre puts it behind port 443. Debian's haproxy in mode tcp
# forwards the bytes without terminating TLS, so mutual TLS runs end to end:
# the coordinator still sees and checks each client's certificate. Three
# agents and fedctl dial haproxy only. A two-round job must complete; an
# operator's admin command works through the balancer, a viewer's is
# refused (the coordinator read the role from the client certificate).
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v haproxy >/dev/null || { echo "SKIPPED: haproxy is not installed (tests/run-all.sh installs it)" >&2; exit 77; }

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done

lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$FL_WORK/lb"
cat > "$FL_WORK/lb/haproxy.cfg" <<EOC
global
  log stderr format raw local0 info
defaults
  mode tcp
  log global
  option tcplog
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend fedc_tls
  bind 127.0.0.1:$lport
  default_backend coordinators
backend coordinators
  server c1 127.0.0.1:$FL_PORT check
EOC
haproxy -f "$FL_WORK/lb/haproxy.cfg" -db >"$FL_WORK/lb/haproxy.log" 2>&1 &
FL_PIDS+=("$!")
for i in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$lport) 2>/dev/null && break
  sleep 0.1
done
lb_ctl() {   # lb_ctl WHO ARGS...: fedctl through the balancer
  local who=$1; shift
  "$FL_BIN/fedctl" --coordinator "127.0.0.1:$lport" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/$who.pem" --key "$FL_WORK/pki/$who.key" "$@"
}

export FL_AGENT_COORD=127.0.0.1:$lport
for s in site1 site2 site3; do
  fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done
for i in $(seq 1 100); do
  [ "$(lb_ctl operator --json site list | jq '[.sites[] | select(.online)] | length')" -ge 3 ] && break
  sleep 0.1
done

sed -e 's/^name = .*/name = lb-test/' -e 's/^rounds = .*/rounds = 2/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(lb_ctl operator --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
state=
for i in $(seq 1 600); do
  state=$(lb_ctl operator --json job status "$job" | jq -r .job.state)
  case $state in done|failed|aborted) break ;; esac
  sleep 0.1
done
echo "job $job: $state"
it_check "the job ran to the end with every agent behind the balancer" test "$state" = done
for s in site1 site2 site3; do
  it_check "$s took part in the first round" grep -q "job $job round 0 attempt 1 stats advertise" "$FL_WORK/$s/agent.log"
done
nconn=$(grep -c "fedc_tls coordinators/c1" "$FL_WORK/lb/haproxy.log" || true)
it_check "haproxy forwarded the connections ($nconn)" it_ge "$nconn" 1
rc=0; lb_ctl viewer site add site9 >"$FL_WORK/viewer.out" 2>&1 || rc=$?
it_check "a viewer's admin command through the balancer is refused (exit 5, got $rc)" test "$rc" = 5
rc=0; lb_ctl operator --json site list >/dev/null || rc=$?
it_check "the operator's command through the balancer works (got $rc)" test "$rc" = 0
it_done
