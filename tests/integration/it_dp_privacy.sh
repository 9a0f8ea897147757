#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: distributed differential privacy ([privacy] in the job spec,
# [policy] max_epsilon at the sites). Coordinator + 3 agents on loopback,
# breast_cancer split across them; every site's budget is max_epsilon = 20
# at delta 1e-6 (rho 4.40).
#   1. A job whose planned rounds pass its epsilon is refused at submit,
#      with the arithmetic in the message.
#   2. A DP job (epsilon 16 over 4 rounds) completes; each site logs its
#      noise share for n_min = t - c and charges its budget file once per
#      round; the accuracy stays near the non-DP job's.
#      'fedctl job status' and 'fedctl job privacy' show the epsilon spent.
#   3. A lying coordinator (test hook FEDC_TEST_SA_T) that tells the sites
#      t = 1 in job 3's TRAIN round (each would count on fewer survivors:
#      the only t the sites take here is 2) gets no upload: every site
#      refuses it (t must be in 2..k with 2t > k + 1 + c) and charges nothing. In every noisy round of the
#      test, each site's share keeps n_min x sd^2 >= sigma^2 (sd of its
#      share, sigma of the sum, in the update's units).
#   4. A second DP job (epsilon 16 in one round: rho 3.03 more) would pass
#      the sites' budgets: every site declines it with reason budget,
#      visible in 'fedctl job status'.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)
sites="site1 site2 site3"
deadline=20
export FL_AGENT_TRUST="colluders = 0
max_epsilon = 20
delta = 1e-6"

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/bc" 3 >/dev/null
fl_pki $sites
FL_COORD_ENV="FEDC_TEST_SA_T=1:3" fl_start_coordinator
for s in $sites; do fl_ctl site add "$s" >/dev/null; done
for s in $sites; do fl_start_agent "$s" breast_cancer "$FL_WORK/bc/$s.csv"; done
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" = 3 ] && break
  sleep 0.1
done
has() { grep -qE -- "$2" <<<"$1"; }   # has TEXT REGEX
# spec NAME ROUNDS [PRIVACY-LINES]: the breast_cancer job, 3 sites
spec() {
  sed -e "s/^name = .*/name = $1/" -e "s/^rounds = .*/rounds = $2/" \
    -e "s/^timeout = .*/timeout = $deadline/" \
    "$top/deploy/jobs/breast-cancer-logistic.ini"
  if [ -n "${3:-}" ]; then printf '\n[privacy]\n%s\n' "$3"; fi
}
# run SPECFILE: submits, waits for the end; sets job, state
run() {
  job=$(fl_ctl --json job submit "$1" | jq -r .job_id)
  for i in $(seq 1 $((deadline * 30))); do
    state=$(fl_ctl --json job status "$job" | jq -r .job.state)
    case $state in done|failed|aborted) break ;; esac
    sleep 0.1
  done
}
charges() { tail -n +2 "$FL_WORK/$1/privacy/breast_cancer.budget" 2>/dev/null | wc -l; }

# ---- 1. planned over its epsilon: refused at submit ----
spec over 20 "unit = site
l2_clip = 1
epsilon = 2
noise_multiplier = 1" > "$FL_WORK/over.ini"
out=$(fl_ctl job submit "$FL_WORK/over.ini" 2>&1) && rc=0 || rc=$?
echo "over: $out"
it_check "over-epsilon job refused at submit (rc $rc)" test "$rc" -ne 0
it_check "the refusal shows the arithmetic" has "$out" \
  "20 rounds x rho 0\.5 \(noise multiplier 1\) = rho 10, which is epsilon = rho \+ 2 sqrt\(rho ln\(1/delta\)\) = 33\.50[0-9]* at delta 1e-06, above epsilon = 2"
it_check "no job was stored" test "$(fl_ctl --json job list | jq '.jobs | length')" = 0

# ---- 2. a DP job next to the same job without DP ----
spec plain 4 > "$FL_WORK/plain.ini"
run "$FL_WORK/plain.ini"
acc0=$(fl_ctl --json job status "$job" | jq -r .job.metrics.accuracy)
it_check "plain job done ($state)" test "$state" = done
spec dp16 4 "unit = site
l2_clip = 0.3
epsilon = 16" > "$FL_WORK/dp16.ini"
run "$FL_WORK/dp16.ini"
st=$(fl_ctl --json job status "$job")
acc=$(echo "$st" | jq -r .job.metrics.accuracy)
echo "breast_cancer, 3 sites, 4 rounds: accuracy $acc at epsilon 16, $acc0 without DP"
it_check "DP job done ($state)" test "$state" = done
# The noise is fresh randomness in every run (no seed can fix it): at
# epsilon 16 over 4 rounds on 3 sites single runs gave 0.88 to 0.98. The
# floor, 0.2 under the exact job, stays far above what a broken DP path
# gives (the majority class, 0.63, or worse).
it_check "DP accuracy $acc within 0.2 of $acc0" it_ge "$acc" "$(awk -v a="$acc0" 'BEGIN { print a - 0.2 }')"
for s in $sites; do
  it_check "$s charged its budget for each of the 4 rounds ($(charges $s))" test "$(charges $s)" -ge 4
  line=$(grep -m1 "dp: job $job round 1 " "$FL_WORK/$s/agent.log" || true)
  it_check "$s logged its noise share for n_min = t - c" has "$line" "noise share S=[0-9]+ .* for n_min=[0-9]+ \(t=[0-9]+ - c=0\)"
done
pv=$(echo "$st" | jq -c .privacy)
echo "job status privacy: $pv"
it_check "job status shows the epsilon spent (4 attempts, about 15.8)" \
  test "$(echo "$pv" | jq '.noisy_attempts == 4 and .epsilon_spent > 15 and .epsilon_spent <= 16 and .epsilon_limit == 16')" = true
it_check "job status text shows the privacy line" has "$(fl_ctl job status "$job")" \
  "privacy: epsilon spent at most 15\.[0-9]+ of 15\.[0-9]+ planned \(delta 1e-06, 4 noisy attempts\)"
it_check "job privacy shows the arithmetic" has "$(fl_ctl job privacy "$job")" \
  "4 noisy attempts x 0\.7[0-9]+ = rho 2\.9[0-9]+, epsilon = rho \+ 2 sqrt\(rho ln\(1/delta\)\) = 15\.[0-9]+ at delta 1e-06"
it_check "a job without [privacy] has no privacy figures" \
  test "$(fl_ctl --json job status 1 | jq .privacy)" = null
# The whole chain (jobs 1 and 2). ('ledger export --job 2' used to fail
# with "Stream removed" when its reply filled the server's 2 KiB TLS
# records exactly, a gRPC frame-protector bug; the server now keeps the
# default record size and test_rpc sweeps those sizes.)
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
it_check "the job's own export works too" fl_ctl ledger export --job 2 -o "$FL_WORK/ledger-2.txt"
it_check "the ledger verifies" "$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$FL_WORK/pki/ca.pem"
ndp=$(grep -Ec '"kind":"train".*"dp":\{"z":0\.819[0-9]*,"sigma":0\.245[0-9]*,"l2_clip":0\.(3|2999[0-9]*),"gamma":[0-9.e-]*,"B":[0-9.e+]*,"d":32,"n_min":2,"S":[0-9]*,"rho":0\.74[0-9]*\}' "$FL_WORK/ledger.txt" || true)
it_check "each of the 4 train entries records the round's noise ($ndp)" test "$ndp" = 4
it_check "stats and eval entries carry no dp" test "$(grep -c '"kind":"\(stats\|eval\)".*"dp":' "$FL_WORK/ledger.txt" || true)" = 0
rho=$(awk 'NR > 1 { s += $5 } END { printf "%.4f", s }' "$FL_WORK/site1/privacy/breast_cancer.budget")
echo "site1 spent rho $rho (epsilon 16 at delta 1e-6 is rho 3.03)"
it_check "site1's spending is the job's plan (rho $rho in [2.9, 3.05])" \
  awk -v r="$rho" 'BEGIN { exit !(r >= 2.9 && r <= 3.05) }'

# ---- 3. a coordinator that lies about t ----
spec lowered 1 "l2_clip = 0.3
epsilon = 4" > "$FL_WORK/lowered.ini"
before=$(charges site1)
job=$(fl_ctl --json job submit "$FL_WORK/lowered.ini" | jq -r .job_id)
for i in $(seq 1 200); do
  n=0
  for s in $sites; do grep -q "job $job round 1 attempt 1 train advertise: unusable secure-aggregation parameters (client [0-9] of n 3, t 1, k 2" "$FL_WORK/$s/agent.log" && n=$((n + 1)); done
  [ $n = 3 ] && break
  sleep 0.1
done
it_check "every site refused t = 1 in job $job ($n of 3)" test "$n" = 3
it_check "no noisy contribution to job $job ($before -> $(charges site1) charges)" test "$(charges site1)" = "$before"
it_check "no site logged a noise share for job $job" \
  test "$(cat "$FL_WORK"/site*/agent.log | grep -c "dp: job $job ")" = 0
fl_ctl job abort "$job" >/dev/null 2>&1 || true
# every share in the test: n_min x sd^2 >= sigma^2 (sd, sigma in the update's units)
bad=$(cat "$FL_WORK"/site*/agent.log | grep "dp: job " | sed -E 's/.*\(sd ([0-9.e+-]+) .*n_min=([0-9]+) .*sigma ([0-9.e+-]+) of the sum.*/\1 \2 \3/' |
  awk '{ if ($2 * $1 * $1 < $3 * $3 * 0.9999) b++; n++ } END { print b + 0, n + 0 }')
echo "noise shares below their target, of all: $bad"
it_check "every noise share reaches sigma with n_min sites ($bad)" test "${bad%% *}" = 0 -a "${bad##* }" -ge 12

# ---- 4. the next job would pass the budget: declined with reason budget ----
spec dp-more 1 "unit = site
l2_clip = 1
epsilon = 16" > "$FL_WORK/more.ini"
before=$(charges site1)
run "$FL_WORK/more.ini"
st=$(fl_ctl --json job status "$job")
echo "$st" | jq -c '.declines'
it_check "the over-budget job did not finish ($state)" test "$state" != done
for s in $sites; do
  it_check "$s declined with reason budget" \
    test "$(echo "$st" | jq --arg s "$s" '[.declines[] | select(.site == $s and .reason == "budget")] | length')" -ge 1
  it_check "$s logged one budget line" test "$(grep -c "privacy budget: declined job $job" "$FL_WORK/$s/agent.log")" -ge 1
done
it_check "job status shows the budget declines" has "$(fl_ctl job status "$job")" "site[1-3] +[^ ]+ +budget "
it_check "no charge was added ($before -> $(charges site1))" test "$(charges site1)" = "$before"
it_done
