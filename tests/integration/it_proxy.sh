#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: an agent on a corporate network dials out through an HTTP
# CONNECT proxy. Debian's tinyproxy runs on a loopback port with Basic
# authentication (it refuses a CONNECT without the right Proxy-Authorization)
# and allows CONNECT only to the coordinator's port. site1 sets the proxy in
# its config ([agent] proxy = http://user:password@host:port), site2 takes
# it from the https_proxy environment variable, site3 dials directly. A
# two-round job must complete; tinyproxy's log must show the CONNECTs; the
# proxy's password must appear in no log of fedc. A malformed proxy URL
# (config or environment) is refused at start with a configuration error
# (exit 2) that names the URL redacted.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v tinyproxy >/dev/null || { echo "SKIPPED: tinyproxy is not installed (tests/run-all.sh installs it)" >&2; exit 77; }

secret="Pr0xy-pw-$RANDOM$RANDOM"
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done

# tinyproxy on a free loopback port, in the foreground (stopped with the rest)
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$FL_WORK/proxy"
cat > "$FL_WORK/proxy/tinyproxy.conf" <<EOC
Port $pport
Listen 127.0.0.1
Timeout 120
LogFile "$FL_WORK/proxy/tinyproxy.log"
LogLevel Info
MaxClients 50
Allow 127.0.0.1
BasicAuth fedc $secret
ConnectPort $FL_PORT
EOC
tinyproxy -d -c "$FL_WORK/proxy/tinyproxy.conf" >"$FL_WORK/proxy/stdout.log" 2>&1 &
FL_PIDS+=("$!")
for i in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$pport) 2>/dev/null && break
  sleep 0.1
done
purl="http://fedc:$secret@127.0.0.1:$pport"

# Malformed URLs: refused before anything is dialled, password not shown.
mkdir -p "$FL_WORK/bad"
printf '[agent]\ncoordinator = 127.0.0.1:%s\nproxy = http://fedc:%s@127.0.0.1\n[tls]\nca = ../pki/ca.pem\ncert = ../pki/site1.pem\nkey = ../pki/site1.key\n' \
  "$FL_PORT" "$secret" > "$FL_WORK/bad/agent.ini"
set +e
"$FL_BIN/fedc-agent" --config "$FL_WORK/bad/agent.ini" --once >"$FL_WORK/bad/out.log" 2>&1; rc=$?
set -e
cat "$FL_WORK/bad/out.log"
it_check "a proxy URL without a port is a configuration error (exit 2, got $rc)" test "$rc" = 2
it_check "the error says what is wrong" grep -q "bad proxy URL 'http://\*\*\*@127.0.0.1': the port is missing" "$FL_WORK/bad/out.log"
sed -i '/^proxy =/d' "$FL_WORK/bad/agent.ini"
set +e
https_proxy="socks5://fedc:$secret@127.0.0.1:$pport" "$FL_BIN/fedc-agent" --config "$FL_WORK/bad/agent.ini" --once \
  >"$FL_WORK/bad/env.log" 2>&1; rc=$?
set -e
cat "$FL_WORK/bad/env.log"
it_check "a malformed https_proxy is a configuration error (exit 2, got $rc)" test "$rc" = 2
it_check "the error names the variable and the scheme" grep -q "https_proxy: bad proxy URL 'socks5://\*\*\*@.*only http://" "$FL_WORK/bad/env.log"
it_check "no refusal shows the password" bash -c "! grep -q -- '$secret' '$FL_WORK'/bad/*.log"

FL_AGENT_EXTRA="proxy = $purl" fl_start_agent site1 breast_cancer "$FL_WORK/data/site1.csv"
FL_AGENT_ENV="https_proxy=$purl" fl_start_agent site2 breast_cancer "$FL_WORK/data/site2.csv"
fl_start_agent site3 breast_cancer "$FL_WORK/data/site3.csv"
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 3 ] && break
  sleep 0.1
done

sed -e 's/^name = .*/name = proxy-test/' -e 's/^rounds = .*/rounds = 2/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
state=
for i in $(seq 1 600); do
  state=$(fl_ctl --json job status "$job" | jq -r .job.state)
  case $state in done|failed|aborted) break ;; esac
  sleep 0.1
done
echo "job $job: $state"
it_check "the job ran to the end with two sites behind the proxy" test "$state" = done
for s in site1 site2 site3; do
  it_check "$s took part in the first round" grep -q "job $job round 0 attempt 1 stats advertise" "$FL_WORK/$s/agent.log"
done
grep -E "CONNECT|Connect|Request" "$FL_WORK/proxy/tinyproxy.log" | tail -n 4 || true
nconn=$(grep -c "CONNECT 127.0.0.1:$FL_PORT" "$FL_WORK/proxy/tinyproxy.log" || true)
it_check "tinyproxy's log shows CONNECTs to the coordinator ($nconn)" it_ge "$nconn" 2
it_check "site1 says it dials through the proxy (from its config), redacted" \
  grep -q "through the HTTP CONNECT proxy http://\*\*\*@127.0.0.1:$pport (from \[agent\] proxy)" "$FL_WORK/site1/agent.log"
it_check "site2 says it dials through the proxy (from https_proxy), redacted" \
  grep -q "through the HTTP CONNECT proxy http://\*\*\*@127.0.0.1:$pport (from https_proxy)" "$FL_WORK/site2/agent.log"
it_check "site3 dials directly" bash -c "! grep -q 'CONNECT proxy' '$FL_WORK/site3/agent.log'"
it_check "the proxy password is in no fedc log" \
  bash -c "! grep -rq -- '$secret' '$FL_WORK'/site*/agent.log '$FL_WORK'/coordinator/coordinator.log '$FL_WORK'/site*/records"
it_done
