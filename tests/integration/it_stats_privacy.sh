#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: noisy statistics jobs ([privacy] bounds and max_rows,
# crypto/fl_dp_stats.h). Coordinator + 4 agents on loopback, breast_cancer
# split across them. site1..site3 hold the data under two names
# (breast_cancer and bc3), site4 only under breast_cancer, so a job on bc3
# runs over the same sites but one factory. Every site's budget is
# max_epsilon = 20 at delta 1e-6 (rho 4.40); a noisy stats job at noise
# multiplier 0.5 spends about rho 2 (epsilon 12.5 alone, 18.9 for two;
# budgets are kept per dataset name).
#   1. Two noisy stats jobs (breast_cancer over site1..site4, bc3 over
#      site1..site3). The difference of their noisy sums is no longer
#      site4's count, sums, sums of squares and label histogram (the test
#      computes them from site4's CSV): not every value equals site4's,
#      and every value is within 6 sd of it (sd from the noise shares that
#      the sites logged, plus the integer rounding). The coordinator
#      reports the noise: sigma = z x max_rows x sqrt(2 + 2d), the spec's
#      arithmetic; the text report says the figures are noisy. The ledger
#      records the stats rounds' noise parameters.
#   2. A stats job whose epsilon cannot be met is refused at submit, with
#      the arithmetic.
#   3. A lying coordinator (test hook FEDC_TEST_SA_T) that tells the sites
#      t = 1 in job 3 (each would count on fewer survivors) gets no upload:
#      every site refuses it and charges nothing. Every share in the test
#      keeps n_min x S >= (z D)^2.
#   4. A noisy job on bc3 at noise multiplier 0.35 (rho 4.08 more: 6.08 >
#      4.40) would pass site1..site3's budgets: they decline it with
#      reason budget.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
export FL_AGENT_TRUST="colluders = 0
max_epsilon = 20
delta = 1e-6"

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 >/dev/null
fl_pki site1 site2 site3 site4
FL_COORD_ENV="FEDC_TEST_SA_T=1:3" fl_start_coordinator
for s in site1 site2 site3 site4; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do
  FL_AGENT_EXTRA_DATA="bc3 = $FL_WORK/data/$s.csv" \
    fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done
fl_start_agent site4 breast_cancer "$FL_WORK/data/site4.csv"
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" = 4 ] && break
  sleep 0.1
done
has() { grep -qE -- "$2" <<<"$1"; }   # has TEXT REGEX
features=$(head -1 "$top/data/breast_cancer.csv" | tr ',' '\n' | grep -v '^label$' | paste -sd, -)
# bounds: each column's range over the whole file, so nothing is clamped
# and the true values are plain sums
bounds=$(python3 - "$top/data/breast_cancer.csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = [c for c in rows[0] if c != "label"]
print(", ".join("%g:%g" % (math.floor(min(float(r[c]) for r in rows)),
                           math.ceil(max(float(r[c]) for r in rows)) or 1) for c in cols))
PY
)
# spec NAME DATASET MIN_CLIENTS PRIVACY-LINES
spec() {
  printf '[job]\nname = %s\ntype = stats\ndataset = %s\nlabel = label\nlabels = 0, 1\n' "$1" "$2"
  printf 'features = %s\nmin_clients = %s\n[round]\ntimeout = 10\n' "$features" "$3"
  printf '[privacy]\nunit = site\ndelta = 1e-6\nmax_rows = 400\nbounds = %s\n%s\n' "$bounds" "$4"
}
run() {   # run SPECFILE: submits, waits for the end; sets job, state
  job=$(fl_ctl --json job submit "$1" | jq -r .job_id)
  for i in $(seq 1 300); do
    state=$(fl_ctl --json job status "$job" | jq -r .job.state)
    case $state in done|failed|aborted) break ;; esac
    sleep 0.1
  done
}
charges() { tail -n +2 "$FL_WORK/$1/privacy/$2.budget" 2>/dev/null | wc -l; }

# ---- 1. two noisy jobs over site sets that differ by site4 ----
spec all4 breast_cancer 4 "noise_multiplier = 0.5" > "$FL_WORK/all4.ini"
spec less4 bc3 3 "noise_multiplier = 0.5" > "$FL_WORK/less4.ini"
run "$FL_WORK/all4.ini"; jobA=$job
it_check "job $jobA (4 sites) done ($state)" test "$state" = done
run "$FL_WORK/less4.ini"; jobB=$job
it_check "job $jobB (site1..site3) done ($state)" test "$state" = done
fl_ctl --json job stats "$jobA" > "$FL_WORK/a.json"
fl_ctl --json job stats "$jobB" > "$FL_WORK/b.json"
jq -c '{count, sites, noise: (.noise | {sigma, epsilon, note})}' "$FL_WORK/a.json"
it_check "job $jobA summed 4 sites, job $jobB 3" \
  test "$(jq .sites "$FL_WORK/a.json") $(jq .sites "$FL_WORK/b.json")" = "4 3"
# every site's logged share for a job: "S n_min"
shares() { cat "$FL_WORK"/site*/agent.log | grep "dp: job $1 round 0 " |
  sed -E 's/.*noise share S=([0-9]+) for n_min=([0-9]+) .*/\1 \2/'; }
shares "$jobA" > "$FL_WORK/sa.txt"; shares "$jobB" > "$FL_WORK/sb.txt"
it_check "4 + 3 sites logged their noise shares" \
  test "$(wc -l < "$FL_WORK/sa.txt") $(wc -l < "$FL_WORK/sb.txt")" = "4 3"
cat > "$FL_WORK/diff.py" <<'PY'
import csv, json, math, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
va = sum(int(l.split()[0]) for l in open(sys.argv[3]))
vb = sum(int(l.split()[0]) for l in open(sys.argv[4]))
rows = list(csv.DictReader(open(sys.argv[5])))
bounds = [tuple(float(x) for x in s.strip().split(":")) for s in sys.argv[6].split(",")]
z, m = 0.5, 400
feats = [f["name"] for f in a["features"]]
d = len(feats)
# the true vector of site4: count, sums, sums of squares, histogram
true = [len(rows)] + [sum(float(r[f]) for r in rows) for f in feats] + \
       [sum(float(r[f]) ** 2 for r in rows) for f in feats] + \
       [sum(1 for r in rows if r["label"] == c) for c in ("0", "1")]
B = [max(abs(lo), abs(hi)) for lo, hi in bounds]
step = [1.0] + B + [x * x for x in B] + [1.0, 1.0]
na, nb = a["noise"]["noisy_sums"], b["noise"]["noisy_sums"]
diff = [x - y for x, y in zip(na, nb)]
sd = math.sqrt(va + vb)            # of the difference, in integer units
sigma = z * m * math.sqrt(2 + 2 * d)
bad, exact, worst = [], 0, 0.0
for i, (g, t) in enumerate(zip(diff, true)):
    rnd = 3.5 * step[i]            # 7 sites' rounding of sum / step
    if abs(g - t) <= rnd:
        exact += 1
    dev = (abs(g - t) - rnd) / (sd * step[i])
    worst = max(worst, dev)
    if dev > 6:
        bad.append("value %d: difference %.6g, site4's %.6g (sd %.3g)" % (i, g, t, sd * step[i]))
print("difference vs site4: %d of %d values equal to within the rounding; largest "
      "deviation %.2f sd; summed noise sd %.1f (count units), reported sigma %.4f, "
      "expected %.4f" % (exact, len(true), worst, sd, a["noise"]["sigma"], sigma))
ok = len(diff) == len(true) == 1 + 2 * d + 2
ok &= exact < len(true)
ok &= not bad
ok &= abs(a["noise"]["sigma"] - sigma) < 1e-9 * sigma and abs(b["noise"]["sigma"] - sigma) < 1e-9 * sigma
for x in bad:
    print(x)
sys.exit(0 if ok else 1)
PY
it_check "the difference no longer gives site4's figures, and is off by about the noise; sigma is the spec's" \
  python3 "$FL_WORK/diff.py" "$FL_WORK/a.json" "$FL_WORK/b.json" "$FL_WORK/sa.txt" \
  "$FL_WORK/sb.txt" "$FL_WORK/data/site4.csv" "$bounds"
text=$(fl_ctl job stats "$jobA")
head -3 <<<"$text"   # not a pipe: under pipefail, head closing it early fails the test
it_check "the text report says the figures are noisy" has "$text" "about [0-9-]+ rows \(\+- [0-9]+\) .*noisy"
it_check "the count is never shown negative" it_ge "$(jq .count "$FL_WORK/a.json")" 0
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
it_check "both stats rounds' ledger entries record their noise" \
  test "$(grep -Ec '"kind":"stats".*"dp":\{"z":0\.5,"sigma":1574\.8[0-9]*,' "$FL_WORK/ledger.txt" || true)" = 2
pv=$(fl_ctl --json job status "$jobA" | jq -c .privacy)
echo "job status privacy: $pv"
it_check "job status counts the noisy stats attempt" \
  test "$(echo "$pv" | jq '.noisy_attempts == 1 and .epsilon_spent > 12 and .epsilon_spent < 13')" = true

# ---- 2. an epsilon the noise cannot meet: refused at submit ----
spec over breast_cancer 4 "noise_multiplier = 0.5
epsilon = 5" > "$FL_WORK/over.ini"
out=$(fl_ctl job submit "$FL_WORK/over.ini" 2>&1) && rc=0 || rc=$?
echo "over: $out"
it_check "over-epsilon stats job refused at submit (rc $rc)" test "$rc" -ne 0
it_check "the refusal shows the arithmetic" has "$out" \
  "statistics over epsilon: rho 2(\.0+[0-9]*)? \(noise multiplier 0\.5, max_rows 400 x sqrt\(62\)\), epsilon = rho \+ 2 sqrt\(rho ln\(1/delta\)\) = 12\.5[0-9]* at delta 1e-06 > 5; raise noise_multiplier or lower max_rows"

# ---- 3. a coordinator that lies about t ----
spec lowered breast_cancer 4 "noise_multiplier = 0.5" > "$FL_WORK/lowered.ini"
before=$(charges site4 breast_cancer)
job=$(fl_ctl --json job submit "$FL_WORK/lowered.ini" | jq -r .job_id)
it_check "the lowered job is job 3" test "$job" = 3
for i in $(seq 1 200); do
  n=0
  for s in site1 site2 site3 site4; do
    grep -q "job $job round 0 attempt 1 stats advertise: unusable secure-aggregation parameters (client [0-9] of n 4, t 1" "$FL_WORK/$s/agent.log" && n=$((n + 1))
  done
  [ $n = 4 ] && break
  sleep 0.1
done
it_check "every site refused t = 1 in job $job ($n of 4)" test "$n" = 4
it_check "no charge for job $job ($before -> $(charges site4 breast_cancer))" \
  test "$(charges site4 breast_cancer)" = "$before"
it_check "no site logged a noise share for job $job" \
  test "$(cat "$FL_WORK"/site*/agent.log | grep -c "dp: job $job ")" = 0
fl_ctl job abort "$job" >/dev/null 2>&1 || true
bad=$(cat "$FL_WORK"/site*/agent.log | grep "dp: job .* stats: noise share" |
  sed -E 's/.*S=([0-9]+) for n_min=([0-9]+) .*sigma ([0-9.e+-]+) of the summed count.*/\1 \2 \3/' |
  awk '{ if ($2 * $1 < $3 * $3 * 0.9999) b++; n++ } END { print b + 0, n + 0 }')
it_check "every noise share reaches sigma with n_min sites ($bad)" test "${bad%% *}" = 0 -a "${bad##* }" -ge 7

# ---- 4. past the sites' budgets: declined with reason budget ----
spec more bc3 3 "noise_multiplier = 0.35" > "$FL_WORK/more.ini"
before=$(charges site1 bc3)
run "$FL_WORK/more.ini"
st=$(fl_ctl --json job status "$job")
it_check "the over-budget job did not finish ($state)" test "$state" != done
for s in site1 site2 site3; do
  it_check "$s declined with reason budget" \
    test "$(echo "$st" | jq --arg s "$s" '[.declines[] | select(.site == $s and .reason == "budget")] | length')" -ge 1
done
it_check "no charge was added ($before -> $(charges site1 bc3))" test "$(charges site1 bc3)" = "$before"

# ---- 5. a training job with bounds: its STATS and EVAL rounds are noisy ----
{ sed -e 's/^name = .*/name = dptrain/' -e 's/^rounds = .*/rounds = 2/' \
    -e 's/^min_clients = .*/min_clients = 4/' -e 's/^timeout = .*/timeout = 10/' \
    "$top/deploy/jobs/breast-cancer-logistic.ini"
  printf '\n[privacy]\nl2_clip = 0.3\nnoise_multiplier = 2\nmax_rows = 400\nbounds = %s\n' "$bounds"
} > "$FL_WORK/train.ini"
run "$FL_WORK/train.ini"
it_check "the DP training job with bounds is done ($state)" test "$state" = done
pv=$(fl_ctl --json job status "$job" | jq -c .privacy)
echo "job status privacy: $pv"
it_check "its noisy attempts: stats, 2 train, eval" test "$(echo "$pv" | jq .noisy_attempts)" = 4
it_check "every site logged its eval noise share" \
  test "$(cat "$FL_WORK"/site*/agent.log | grep -c "dp: job $job round 3 attempt 1 eval: noise share")" = 4
fl_ctl ledger export --job "$job" -o "$FL_WORK/ledger5.txt" >/dev/null
it_check "its stats and eval ledger entries record their noise (sigma 2 x 400 sqrt(62), 2 x 400 sqrt(5))" \
  test "$(grep -Ec '"kind":"stats".*"dp":\{"z":2,"sigma":6299\.2[0-9]*,|"kind":"eval".*"dp":\{"z":2,"sigma":1788\.8[0-9]*,' "$FL_WORK/ledger5.txt" || true)" = 2
it_done
