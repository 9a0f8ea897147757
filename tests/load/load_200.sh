#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load test: one coordinator and 200 real fedc-agent processes on loopback,
# each with its own certificate, mutual-TLS connection, config and slice of
# shuttle.csv, train a 7-class MLP of >= 100000 parameters for 3 rounds with
# secure aggregation (SecAgg+ with consistency check). 20 random agents drop
# out at random phases of random TRAIN rounds (FEDC_TEST_EXIT_AT). The job
# must complete, every round must report its survivors, and the
# coordinator's peak RSS (VmHWM) must stay under 64 MiB + 3 x the model size
# (model size = parameters x 8 bytes). Prints peak RSS, the bound, each
# round's wall time and survivors, and the final accuracy.
# Needs a build with the test hooks (-DFL_TEST_HOOKS=ON, as tests/run-all.sh
# makes build/); skipped otherwise.
#   FL_BIN=build/bin bash tests/load/load_200.sh
# Knobs (for quick runs by hand): FL_LOAD_AGENTS (200), FL_LOAD_DROPS (20),
# FL_LOAD_ROUNDS (3), FL_LOAD_SEED (random; printed, to replay a plan),
# FL_LOAD_TIMEOUT (seconds per phase, 60: in the first round each of the
# 200 agents checks the chains of 200 certificates, 16 s of CPU in all
# on one 2-core machine), FL_LOAD_HIDDEN ("320, 300").
# FL_LOAD_TRACE=1 (diagnosis): RSS samples in $FL_WORK/rss.log, phase
# changes in the coordinator log, an RSS map and glibc's malloc_stats at the
# end; FL_LOAD_TRACE=close also closes every agent's connection and measures
# again. Keep the folder with IT_KEEP=1.
source "$(dirname "$0")/../integration/it_lib.sh"
it_need_hooks   # agents drop out via FEDC_TEST_EXIT_AT
top=$(cd "$(dirname "$0")/../.." && pwd)
t0=$(date +%s)

nagents=${FL_LOAD_AGENTS:-200}
ndrops=${FL_LOAD_DROPS:-20}
rounds=${FL_LOAD_ROUNDS:-3}
seed=${FL_LOAD_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
timeout_s=${FL_LOAD_TIMEOUT:-60}
hidden=${FL_LOAD_HIDDEN:-320, 300}
# SecAgg+: k neighbours; with the consistency check the threshold is
# t = floor(2(k+1)/3) + 1. A neighbourhood survives while at most k - t of
# its k neighbours drop, so the plan keeps each round's drops at or under
# k - t: no neighbourhood can lose more, whatever the graph.
# (k = 30, or n - 1 for small runs by hand, made even when n is odd, as
# the coordinator does.)
k=$(( nagents - 1 < 30 ? nagents - 1 : 30 ))
[ $(( nagents * k % 2 )) -eq 0 ] || k=$(( k - 1 ))
t=$(( 2 * (k + 1) / 3 + 1 ))
per_round_max=$(( k - t ))
# A site that exits is seen as offline after this; until then it can be
# selected again (and then drops at advertise), so keep it short.
export FL_OFFLINE_MS=${FL_OFFLINE_MS:-2500}
export FL_POLL_MS=300

elapsed() { echo $(( $(date +%s) - t0 )); }
log() { echo "[$(elapsed) s] $*"; }

# Logs of 200 agents are too many to dump: on failure show the
# coordinator's and those of agents that logged an error.
load_cleanup() {
  local rc=$?
  fl_stop_all
  if [ $rc -ne 0 ] || [ $IT_FAILS -ne 0 ]; then
    echo "---- logs ($FL_WORK) ----" >&2
    tail -n 60 "$FL_WORK/coordinator/coordinator.log" >&2 || true
    local n=0 f
    for f in $(grep -l ' error' "$FL_WORK"/site*/agent.log 2>/dev/null); do
      echo "== $f" >&2; tail -n 15 "$f" >&2
      n=$((n + 1)); [ $n -ge 5 ] && break
    done
  fi
  [ -n "${IT_KEEP:-}" ] || rm -rf "$FL_WORK"
  # FL_STORE=postgres: this trap replaced it_pg_lib.sh's, so stop its server
  if declare -F pg_stop >/dev/null; then pg_stop; fi
}
trap load_cleanup EXIT

[ "$ndrops" -le $(( rounds * per_round_max )) ] ||
  fl_die "$ndrops drops do not fit in $rounds rounds at <= $per_round_max per round"

# ---- the plan: which agents drop, in which phase of which round ----------
RANDOM=$seed
phases=(advertise share input consistency unmask)
declare -A drop_at
declare -a per_round
# Each phase that loses a site waits for it until the phase deadline, so
# each round draws 2 of the 5 phases at random and its dropouts fall in
# those: a mix of phases over the rounds, at most 2 deadlines per round.
declare -a round_phases
for r in $(seq 1 "$rounds"); do
  per_round[$r]=0
  a=$(( RANDOM % 5 )); b=$(( (a + 1 + RANDOM % 4) % 5 ))
  round_phases[$r]="${phases[$a]} ${phases[$b]}"
done
mapfile -t victims < <(seq 1 "$nagents" | shuf -n "$ndrops" --random-source=<(yes "$seed"))
for v in "${victims[@]}"; do
  while :; do
    r=$(( RANDOM % rounds + 1 ))
    [ "${per_round[$r]}" -lt "$per_round_max" ] && break
  done
  per_round[$r]=$(( per_round[$r] + 1 ))
  read -r -a slots <<< "${round_phases[$r]}"
  drop_at[$v]="${slots[$(( RANDOM % ${#slots[@]} ))]}:$r"
done
echo "plan (seed $seed): $nagents agents, $ndrops drop out; secagg k=$k t=$t"
for v in $(printf '%s\n' "${!drop_at[@]}" | sort -n); do
  echo "  site$v exits at ${drop_at[$v]%%:*} of round ${drop_at[$v]##*:}"
done
for r in $(seq 1 "$rounds"); do
  echo "  round $r: ${per_round[$r]} planned drops (phases drawn: ${round_phases[$r]})"
done

# ---- PKI, data, coordinator -------------------------------------------------
sites=()
for i in $(seq 1 "$nagents"); do sites+=("site$i"); done
fl_pki "${sites[@]}"
bash "$top/deploy/split-csv.sh" "$top/data/shuttle.csv" "$FL_WORK/data" "$nagents" --iid >/dev/null
log "made $nagents certificates and data slices"
# FL_LOAD_TRACE=1: the coordinator logs each phase change (debug).
FL_LOG_LEVEL=${FL_LOAD_TRACE:+debug} fl_start_coordinator
for s in "${sites[@]}"; do fl_ctl site add "$s" >/dev/null; done
log "coordinator pid $FL_COORD_PID on port $FL_PORT; $nagents sites registered"
if [ -n "${FL_LOAD_TRACE:-}" ]; then
  # Diagnosis: the coordinator's RSS and threads every 0.1 s.
  ( while kill -0 "$FL_COORD_PID" 2>/dev/null; do
      echo "$(date +%s.%N | cut -c1-14) $(awk '/^(VmRSS|Threads):/ { printf "%s ", $2 }' "/proc/$FL_COORD_PID/status")"
      sleep 0.1
    done ) > "$FL_WORK/rss.log" 2>/dev/null &
fi

# ---- agents -----------------------------------------------------------------
for i in $(seq 1 "$nagents"); do
  env_words="OPENBLAS_NUM_THREADS=1"
  [ -n "${drop_at[$i]:-}" ] && env_words+=" FEDC_TEST_EXIT_AT=${drop_at[$i]}"
  FL_AGENT_ENV=$env_words fl_start_agent "site$i" shuttle "$FL_WORK/data/site$i.csv"
done
online=0
for _ in $(seq 1 600); do
  online=$(fl_ctl --json site list 2>/dev/null |
    jq '[.. | objects | select(.role? == "site" and .online == true)] | length') || online=0
  [ "$online" -ge "$nagents" ] && break
  sleep 0.2
done
log "$online of $nagents agents online"
it_check "all $nagents agents came online ($online)" test "$online" -ge "$nagents"

# ---- the job ----------------------------------------------------------------
features=$(head -n 1 "$top/data/shuttle.csv" | tr -d '\r"' | tr ',' '\n' | grep -vx Class | paste -sd, | sed 's/,/, /g')
cat > "$FL_WORK/load.ini" <<EOJ
[job]
name = load-200
dataset = shuttle
model = mlp
hidden = $hidden
label = Class
labels = Rad.Flow, High, Bypass, Fpv.Open, Fpv.Close, Bpv.Open, Bpv.Close
features = $features
rounds = $rounds
min_clients = $(( nagents / 2 ))

[train]
local_epochs = 1
batch_size = 32
lr = 0.1
l2 = 0

[round]
timeout = $timeout_s
max_attempts = 3
test_fraction = 0.25
seed = 0

[secagg]
neighbours = $k
threshold = 0
dropout = 0.2
consistency = true
EOJ
# Parameters of the MLP: 9 inputs, the hidden layers, 7 outputs (+ biases).
params=$(echo "9, $hidden, 7" | tr -d ' ' | awk -F, '{ p = 0; for (i = 2; i <= NF; i++) p += ($(i-1) + 1) * $i; print p }')
model_bytes=$(( params * 8 ))
bound=$(( 64 * 1024 * 1024 + 3 * model_bytes ))
job=$(fl_ctl --json job submit "$FL_WORK/load.ini" | jq -r .job_id)
log "job $job submitted: MLP 9-${hidden// /}-7, $params parameters"

# Sample the coordinator's RSS while the job runs (VmHWM is the peak anyway).
state=running
for _ in $(seq 1 1500); do
  # A busy coordinator may miss one status call: just ask again.
  state=$(fl_ctl --json job status "$job" 2>/dev/null | jq -r .job.state) || state=unknown
  case $state in done|failed|aborted) break ;; esac
  sleep 0.2
done
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$FL_COORD_PID/status")
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$FL_COORD_PID/status")
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$FL_COORD_PID/status")
if [ -n "${FL_LOAD_TRACE:-}" ]; then
  # Diagnosis: where the resident memory is (heap, other arenas and mmaps,
  # libraries), and glibc's view of its arenas (into coordinator.log).
  awk '/^[0-9a-f]/ { n = $6 == "" ? "[anon]" : $6 } /^Rss:/ { r[n] += $2 }
       END { for (n in r) if (r[n] > 1024) printf "  %7.1f MiB %s\n", r[n] / 1024, n }' \
    "/proc/$FL_COORD_PID/smaps" | sort -rn | head -n 8
  command -v gdb >/dev/null && gdb -p "$FL_COORD_PID" -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || true
  if [ "${FL_LOAD_TRACE}" = close ]; then
    # How much of it belongs to the agents' connections: close them all.
    for p in "${FL_AGENT_PID[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 5
    echo "  after the agents left: $(awk '/^VmRSS:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$FL_COORD_PID/status")"
    command -v gdb >/dev/null && gdb -p "$FL_COORD_PID" -batch -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || true
  fi
fi
status=$(fl_ctl --json job status "$job")
fl_ctl model get "$job" -o "$FL_WORK/final.model" >/dev/null || true
blob_bytes=$(stat -c %s "$FL_WORK/final.model" 2>/dev/null || echo 0)
log "job $job: $state"

# ---- report -----------------------------------------------------------------
echo "rounds (from fedctl job status --json):"
echo "$status" | jq -r '.rounds[] | "  round \(.round) \(.kind) attempt \(.attempt): \(.state), survivors \(.survived)/\(.selected), \((.finished_ms - .started_ms) / 1000) s"'
exited=$({ grep -l 'FEDC_TEST_EXIT_AT=.*exiting before answering' "$FL_WORK"/site*/agent.log 2>/dev/null || true; } | wc -l)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
awk -v h="$hwm_kb" -v r="$rss_kb" -v b="$bound" -v mb="$model_bytes" -v blob="$blob_bytes" -v th="$threads" 'BEGIN {
  printf "coordinator peak RSS (VmHWM) %.1f MiB (now %.1f MiB, %d threads)\n", h / 1024, r / 1024, th
  printf "bound 64 MiB + 3 x model (%d params x 8 B = %.2f MiB; native blob %.2f MiB) = %.1f MiB\n",
    mb / 8, mb / 1048576, blob / 1048576, b / 1048576 }'
echo "agents that dropped out as planned: $exited of $ndrops"
echo "final accuracy: $acc; total time $(elapsed) s"

it_check "job finished (state $state)" test "$state" = done
it_check "all $rounds training rounds done" \
  test "$(echo "$status" | jq -r .job.rounds_done)" = "$rounds"
for r in $(seq 0 $(( rounds + 1 ))); do
  surv=$(echo "$status" | jq -r --argjson r "$r" '[.rounds[] | select(.round == $r and .state == "done")] | last | .survived // 0')
  it_check "round $r reports its survivors ($surv)" test "$surv" -gt 0
done
it_check "every planned dropout happened ($exited of $ndrops)" test "$exited" -eq "$ndrops"
it_check "the final (eval) round ran without the $ndrops that left" \
  test "$(echo "$status" | jq -r --argjson r $(( rounds + 1 )) '[.rounds[] | select(.round == $r and .state == "done")] | last | .selected')" -le $(( nagents - ndrops ))
it_check "peak RSS $(( hwm_kb / 1024 )) MiB < bound $(( bound / 1048576 )) MiB" \
  test $(( hwm_kb * 1024 )) -lt "$bound"
it_check "final accuracy $acc >= 0.9" it_ge "$acc" 0.9
it_done
