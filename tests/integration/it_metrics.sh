#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the ops listener's /metrics, scraped by a real Prometheus
# server (Debian's prometheus package) on loopback.
# A coordinator with [ops] listen = 127.0.0.1:0 and 3 agents (site1 with
# its own ops listener) run a short training job (3 rounds). Prometheus
# scrapes the coordinator's and site1's /metrics every second, with its
# data in the test's folder. Then, through Prometheus's HTTP API
# (/api/v1/query):
# - sum(fedc_rounds_total{outcome="committed"}) equals the rounds the job
#   committed ('fedctl job status': stats round 0, the training rounds and
#   the final eval), and the unmask phase closed once per committed round;
# - histogram_quantile(0.9, ...) over fedc_phase_duration_seconds_bucket is
#   finite, positive, no longer than the whole job, and equal to the same
#   quantile worked out from the coordinator's /metrics text;
# - site1 contributed to every committed round and its certificate has days
#   left.
# 'promtool check metrics' passes on both daemons' /metrics.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
for p in prometheus promtool curl python3; do
  command -v "$p" >/dev/null || { echo "SKIPPED: $p not found (apt-get install prometheus curl python3)" >&2; exit 77; }
done

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
FL_COORD_EXTRA=$'[ops]\nlisten = 127.0.0.1:0\nport_file = ops.port' fl_start_coordinator
cops=127.0.0.1:$(cat "$FL_WORK/coordinator/ops.port")
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
FL_AGENT_POLICY=$'[ops]\nlisten = 127.0.0.1:0\nport_file = ops.port' \
  fl_start_agent site1 breast_cancer "$FL_WORK/data/site1.csv"
for s in site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
for i in $(seq 1 100); do [ -s "$FL_WORK/site1/ops.port" ] && break; sleep 0.1; done
it_check "site1's ops listener wrote its port" test -s "$FL_WORK/site1/ops.port"
aops=127.0.0.1:$(cat "$FL_WORK/site1/ops.port")

# Prometheus on a free loopback port, scraping both every second.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$FL_WORK/prom"
cat > "$FL_WORK/prom/prometheus.yml" <<EOP
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: fedc-coordinator
    static_configs:
      - targets: ['$cops']
  - job_name: fedc-agent
    static_configs:
      - targets: ['$aops']
EOP
promtool check config "$FL_WORK/prom/prometheus.yml" >/dev/null
prometheus --config.file="$FL_WORK/prom/prometheus.yml" --storage.tsdb.path="$FL_WORK/prom/data" \
  --web.listen-address="127.0.0.1:$pport" >"$FL_WORK/prom/prometheus.log" 2>&1 &
FL_PIDS+=("$!")
papi=http://127.0.0.1:$pport/api/v1
for i in $(seq 1 200); do curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break; sleep 0.1; done
it_check "prometheus is up" curl -sf "http://127.0.0.1:$pport/-/ready" -o /dev/null

# pquery EXPR: the value of an instant query's first sample ("" if none
# within 5 s: a scrape that failed under load leaves its target's series
# stale until the next scrape, a second later)
pquery() {
  local v=""
  for _ in $(seq 1 25); do
    v=$(curl -sf --get "$papi/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // ""')
    [ -n "$v" ] && break
    sleep 0.2
  done
  echo "$v"
}
# pwait_ge EXPR MIN: EXPR's value once it is >= MIN (Prometheus scrapes each
# target on its own clock), or the last value after 30 s.
pwait_ge() {
  local v=""
  for _ in $(seq 1 150); do
    v=$(pquery "$1")
    [ -n "$v" ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }' && break
    sleep 0.2
  done
  echo "$v"
}

sed -e 's/^rounds = .*/rounds = 3/' -e 's/^timeout = .*/timeout = 10/' \
  -e 's/^name = .*/name = metrics-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
t0=$(date +%s)
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
job_secs=$(( $(date +%s) - t0 + 1 ))
status=$(fl_ctl --json job status "$job")
it_check "the job finished" test "$(echo "$status" | jq -r .job.state)" = done
committed=$(echo "$status" | jq '[.rounds[] | select(.state == "done")] | length')
echo "job $job: $committed rounds committed in about $job_secs s"
it_check "the job committed its rounds (stats, 3 training, eval: got $committed)" test "$committed" = 5

# Wait until Prometheus has scraped the final counts.
want='sum(fedc_rounds_total{job="fedc-coordinator",outcome="committed"})'
for i in $(seq 1 150); do
  got=$(pquery "$want")
  [ "$got" = "$committed" ] && break
  sleep 0.2
done
echo "prometheus: $want = $got"
it_check "prometheus's rounds counter equals the job's committed rounds ($got = $committed)" \
  test "$got" = "$committed"
got=$(pquery 'sum(fedc_rounds_total{job="fedc-coordinator",kind="train",outcome="committed"})')
it_check "train rounds committed = 3 (got $got)" test "$got" = 3
got=$(pquery 'sum(fedc_phase_duration_seconds_count{job="fedc-coordinator",phase="unmask"})')
it_check "the unmask phase closed once per committed round (got $got)" test "$got" = "$committed"
q='histogram_quantile(0.9, sum by (le) (fedc_phase_duration_seconds_bucket{job="fedc-coordinator"}))'
p90=$(pquery "$q")
echo "prometheus: $q = $p90 s"
it_check "the phase-duration p90 ($p90 s) is finite, positive and within the job ($job_secs s)" \
  awk -v v="$p90" -v j="$job_secs" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v + 0 > 0 && v + 0 <= j) }'
# The same quantile worked out here from the coordinator's own /metrics
# (the counts no longer change): buckets summed over the phases, then
# linear interpolation inside the bucket that holds the rank, as
# histogram_quantile does.
mine=$(curl -sf "http://$cops/metrics" | awk -v q=0.9 '
  /^fedc_phase_duration_seconds_bucket\{/ {
    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
    if (le == "+Inf") le = "inf"
    sum[le] += $NF
  }
  END {
    n = 0; for (k in sum) if (k != "inf") les[++n] = k + 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (les[j] < les[i]) { t = les[i]; les[i] = les[j]; les[j] = t }
    total = sum["inf"]; rank = q * total; prev = 0; lo = 0
    for (i = 1; i <= n; i++) {
      c = sum[sprintf("%.9g", les[i])]
      if (c >= rank) { printf "%.12g\n", lo + (les[i] - lo) * (rank - prev) / (c - prev); exit }
      prev = c; lo = les[i]
    }
    printf "%.12g\n", lo
  }')
echo "the same p90 from /metrics: $mine s"
it_check "prometheus's p90 equals the one computed from /metrics ($p90 ~ $mine)" \
  awk -v a="$p90" -v b="$mine" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 1e-9 + 1e-6 * b) }'
q='histogram_quantile(0.5, sum by (le) (fedc_round_duration_seconds_bucket{job="fedc-coordinator",kind="train"}))'
p50=$(pquery "$q")
echo "prometheus: $q = $p50 s"
it_check "the train-round duration p50 ($p50 s) is finite and positive" \
  awk -v v="$p50" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v + 0 > 0) }'
got=$(pquery 'fedc_sites_online{job="fedc-coordinator"}')
it_check "3 sites online (got $got)" test "$got" = 3
got=$(pquery 'fedc_jobs{job="fedc-coordinator",state="done"}')
it_check "1 job done (got $got)" test "$got" = 1
got=$(pquery 'fedc_uploads_admitted_total{job="fedc-coordinator"}')
it_check "uploads admitted >= 3 per committed round (got $got)" it_ge "${got:-0}" $((3 * committed))
got=$(pquery 'fedc_store_commit_seconds_count{job="fedc-coordinator"}')
it_check "one store commit per committed round (got $got)" test "$got" = "$committed"
got=$(pquery 'fedc_rpc_received_bytes_total{job="fedc-coordinator"}')
it_check "the coordinator counted the RPC bytes it received (got $got)" it_ge "${got:-0}" 1000
got=$(pquery 'process_resident_memory_bytes{job="fedc-coordinator"}')
it_check "the coordinator's RSS is reported (got $got)" it_ge "${got:-0}" 1000000

got=$(pwait_ge 'sum(fedc_agent_rounds_contributed_total{job="fedc-agent"})' "$committed")
it_check "site1 uploaded to every committed round (got $got >= $committed)" it_ge "${got:-0}" "$committed"
got=$(pwait_ge 'fedc_agent_rounds_completed_total{job="fedc-agent"}' "$committed")
it_check "site1 finished every committed round (got $got >= $committed)" it_ge "${got:-0}" "$committed"
got=$(pwait_ge '(fedc_agent_certificate_expiry_timestamp_seconds{job="fedc-agent"} - time()) / 86400' 1)
it_check "site1's certificate has days left (got $got)" it_ge "${got:-0}" 1
got=$(pquery 'time() - fedc_agent_last_round_success_timestamp_seconds{job="fedc-agent"}')
it_check "site1's last successful round was during the job (${got} s ago)" \
  awk -v v="$got" -v j="$job_secs" 'BEGIN { exit !(v != "" && v + 0 >= 0 && v + 0 <= j + 30) }'
got=$(pwait_ge 'sum(fedc_agent_local_training_seconds_count{job="fedc-agent"})' 3)
it_check "site1's local training was timed (count $got >= 3)" it_ge "${got:-0}" 3

curl -sf "http://$cops/metrics" > "$FL_WORK/coordinator.metrics"
curl -sf "http://$aops/metrics" > "$FL_WORK/agent.metrics"
it_check "promtool check metrics passes on the coordinator's /metrics" \
  sh -c "promtool check metrics < '$FL_WORK/coordinator.metrics'"
it_check "promtool check metrics passes on the agent's /metrics" \
  sh -c "promtool check metrics < '$FL_WORK/agent.metrics'"
it_check "no key material in /metrics" \
  sh -c "! grep -qiE 'PRIVATE KEY|BEGIN ' '$FL_WORK/coordinator.metrics' '$FL_WORK/agent.metrics'"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$aops/readyz")
it_check "the agent's /readyz is 200 (got $code)" test "$code" = 200
echo "prometheus: scrape health now: $(curl -sf --get "$papi/query" --data-urlencode 'query=up' | jq -c '[.data.result[] | {job: .metric.job, up: .value[1]}]')"
it_done
