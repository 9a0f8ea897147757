#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: federated statistics without training (fedctl stats).
# Coordinator + 5 agents on loopback, breast_cancer dealt out unevenly by
# class (non-IID). site5's policy allows only training ('allowed_kinds =
# train'), so it refuses the stats job, which completes with site1..site4.
# 1. fedctl stats: the row count, every feature's mean and standard
#    deviation and the label histogram equal a plain computation over the
#    union of site1..site4's CSV files (python3), within quantisation error.
# 2. fedctl job stats ID (text and --json) returns the same figures; a
#    viewer may read them; site5 logged its refusal and kept no record.
# 3. Per-site figures are a property of the job (R9): site1..site4 opted in
#    ([policy] report_own_metrics = true) and a short training job asks for
#    them ([job] site_figures = true). site5 did not opt in and refuses that
#    job with one R9 log line. job status shows site1..site4's figures for
#    every round, and site1's of the final EVAL round equal an offline
#    'fedc-train --eval' of the same global model on site1's file. The stats
#    job (no site_figures) got no figures. job stats also works for the
#    training job.
# 4. fedc-train honours the spec's [train] keys (lr_schedule, class_weights)
#    and refuses a stats-only spec.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 5 \
  '0=5:2:1:1:2;1=1:2:4:3:2' >/dev/null
fl_pki site1 site2 site3 site4 site5
fl_start_coordinator
for s in site1 site2 site3 site4 site5; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3 site4; do
  FL_AGENT_POLICY=$'[policy]\nreport_own_metrics = true' \
    fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"
done
FL_AGENT_POLICY=$'[policy]\nallowed_kinds = train' \
  fl_start_agent site5 breast_cancer "$FL_WORK/data/site5.csv"
for i in $(seq 1 100); do
  n=$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')
  [ "$n" = 5 ] && break
  sleep 0.1
done

features=$(head -1 "$top/data/breast_cancer.csv" | tr ',' '\n' | grep -v '^label$' | paste -sd, -)
t0=$(date +%s)
rc=0
fl_ctl --json stats breast_cancer --features "$features" --label label --labels 0,1 \
  --min-clients 3 --timeout-s 3 --watch > "$FL_WORK/stats.json" 2> "$FL_WORK/stats.err" || rc=$?
echo "fedctl stats: exit $rc in $(( $(date +%s) - t0 )) s; $(cat "$FL_WORK/stats.err" | tr '\n' ' ')"
it_check "fedctl stats exited 0" test "$rc" = 0
it_check "fedctl stats printed progress" grep -q "done" "$FL_WORK/stats.err"
job=$(jq -r .job_id "$FL_WORK/stats.json")

# The plain computation over the union of the participating sites' rows.
cat > "$FL_WORK/ref.py" <<'PY'
import csv, json, math, sys
stats = json.load(open(sys.argv[1]))
rows = []
for path in sys.argv[2:]:
    with open(path) as f:
        r = csv.reader(f)
        head = next(r)
        rows += [dict(zip(head, x)) for x in r if x]
n = len(rows)
bad = []
if stats["count"] != n:
    bad.append("count %s != %d" % (stats["count"], n))
if stats["sites"] != 4:
    bad.append("sites %s != 4" % stats["sites"])
worst = 0.0
for fs in stats["features"]:
    v = [float(r[fs["name"]]) for r in rows]
    mu = sum(v) / n
    sd = math.sqrt(max(sum(x * x for x in v) / n - mu * mu, 0.0))
    # Quantisation: each site's sums travel as fixed point with 2^-16
    # resolution (crypto/fl_upvec.h), so each summed value is off by at most
    # sites * 2^-17; that bounds the mean and, through E[x^2] - mean^2, the
    # variance (|std - sd| = |var' - var| / (std + sd)).
    eps = stats["sites"] * 2.0 ** -17
    dmean = eps / n
    dvar = eps / n + 2 * abs(mu) * dmean + dmean * dmean
    tol_mean = 1.001 * dmean + 1e-15
    tol_std = 1.001 * dvar / (sd + fs["std"]) + 1e-15
    worst = max(worst, abs(fs["mean"] - mu) / tol_mean, abs(fs["std"] - sd) / tol_std)
    if abs(fs["mean"] - mu) > tol_mean or abs(fs["std"] - sd) > tol_std:
        bad.append("%s: mean %.10g std %.10g, expected %.10g %.10g" %
                   (fs["name"], fs["mean"], fs["std"], mu, sd))
if len(stats["features"]) != len(rows[0]) - 1:
    bad.append("%d features" % len(stats["features"]))
hist = {}
for r in rows:
    hist[r["label"]] = hist.get(r["label"], 0) + 1
got = {l["label"]: l["count"] for l in stats["labels"]}
if got != {k: float(v) for k, v in hist.items()}:
    bad.append("histogram %s != %s" % (got, hist))
print("reference: %d rows, histogram %s, largest error / bound %.3f" % (n, hist, worst))
for b in bad:
    print("mismatch:", b)
sys.exit(1 if bad else 0)
PY
it_check "count, means, stds and histogram equal the plain computation over site1..site4" \
  python3 "$FL_WORK/ref.py" "$FL_WORK/stats.json" "$FL_WORK"/data/site{1,2,3,4}.csv

fl_ctl --json job stats "$job" > "$FL_WORK/stats2.json"
it_check "job stats --json returns the same figures" \
  cmp -s <(jq -S . "$FL_WORK/stats.json") <(jq -S . "$FL_WORK/stats2.json")
text=$(fl_ctl job stats "$job")
head -4 <<<"$text"   # not a pipe: under pipefail, head closing it early fails the test
it_check "job stats text shows the rows and sites" grep -q "rows from 4 sites" <<<"$text"
it_check "job stats text shows mean_radius" grep -q "^mean_radius " <<<"$text"
it_check "the job is done with 0 training rounds" \
  test "$(fl_ctl --json job status "$job" | jq -r '.job.state + " " + (.job.rounds_total|tostring)')" = "done 0"
it_check "a viewer may read the statistics" \
  cmp -s <(jq -S . "$FL_WORK/stats.json") <(fl_ctl_as viewer --json job stats "$job" | jq -S .)
it_check "site5 refused the stats job (allowed_kinds = train)" \
  grep -q "policy: refusing job $job round 0 attempt 1 (stats)" "$FL_WORK/site5/agent.log"
it_check "site5 kept no record of job $job" \
  test "$(find "$FL_WORK/site5/records" -name "job$job-*.json" 2>/dev/null | wc -l)" = 0

it_check "no site reported figures for the stats job (no site_figures)" \
  test "$(fl_ctl --json job status "$job" | jq '[.rounds[].site_metrics[]?] | length')" = 0

# ---- 3. per-site figures: the job asks, every participant opted in ----
sed -e 's/^rounds = .*/rounds = 2\nsite_figures = true/' -e 's/^timeout = .*/timeout = 3/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/train.ini"
it_check "the training spec asks for per-site figures" grep -q '^site_figures = true' "$FL_WORK/train.ini"
tjob=$(fl_ctl --json job submit "$FL_WORK/train.ini" | jq -r .job_id)
wrc=0
fl_ctl job watch "$tjob" --interval 200 >/dev/null || wrc=$?
it_check "training job $tjob finished" test "$wrc" = 0
fl_ctl --json job status "$tjob" > "$FL_WORK/tstatus.json"
fl_ctl job status "$tjob" > "$FL_WORK/tstatus.txt"
sed -n '/reported about themselves/,$p' "$FL_WORK/tstatus.txt"
last=$(jq '[.rounds[] | select(.state == "done")] | last' "$FL_WORK/tstatus.json")
it_check "the eval round lists every participant's figures" \
  test "$(jq -c '[.site_metrics[].site]' <<<"$last")" = '["site1","site2","site3","site4"]'
it_check "every training round lists every participant's figures" \
  test "$(jq -c '[.rounds[] | select(.kind == "train" and .state == "done") | [.site_metrics[].site]] | unique' "$FL_WORK/tstatus.json")" = '[["site1","site2","site3","site4"]]'
it_check "the stats round lists none" \
  test "$(jq '[.rounds[] | select(.kind == "stats") | .site_metrics[]] | length' "$FL_WORK/tstatus.json")" = 0
it_check "job status text shows site1's row" grep -q "^site1 " "$FL_WORK/tstatus.txt"
it_check "job status text shows no figures of site5 (refused)" \
  bash -c "! sed -n '/figures the sites reported/,\$p' '$FL_WORK/tstatus.txt' | grep -Eq '^site5 '"
it_check "job status text shows site5's R9 decline" \
  grep -Eq '^site5 +[^ ]+ +policy +R9: ' "$FL_WORK/tstatus.txt"
it_check "site1 logged that it reports its own figures" \
  grep -q "job $tjob round 3 attempt 1 eval: reporting this site's own figures in clear" "$FL_WORK/site1/agent.log"
it_check "site5 (report_own_metrics = false) refused the job under R9" \
  grep -q "refused job $tjob round 0: R9: the job publishes per-site figures and this site's policy does not (report_own_metrics = false)" "$FL_WORK/site5/agent.log"
it_check "site5 reported nothing" bash -c "! grep -q 'reporting this site' '$FL_WORK/site5/agent.log'"
# The same global model evaluated offline on site1's file (same split).
ver=$(jq -r .job.rounds_done "$FL_WORK/tstatus.json")
fl_ctl model get "$tjob" --version "$ver" -o "$FL_WORK/final.model" >/dev/null
"$FL_BIN/fedc-train" --eval "$FL_WORK/final.model" --spec "$FL_WORK/train.ini" \
  --data "$FL_WORK/data/site1.csv" --json > "$FL_WORK/offline.json"
echo "site1 reported: $(jq -c '.site_metrics[] | select(.site == "site1") | .metrics' <<<"$last"); offline: $(cat "$FL_WORK/offline.json")"
it_check "site1's reported eval figures equal fedc-train --eval of model v$ver on its file" \
  python3 - "$FL_WORK/offline.json" <<PY
import json, sys
off = json.load(open(sys.argv[1]))
rep = json.loads('''$(jq -c '.site_metrics[] | select(.site == "site1") | .metrics' <<<"$last")''')
ok = rep["n"] == off["n_test"] and all(
    abs(rep[k] - off[k]) <= 1e-9 * max(1.0, abs(off[k])) for k in ("loss", "accuracy", "macro_f1"))
sys.exit(0 if ok else 1)
PY
fl_ctl --json job stats "$tjob" > "$FL_WORK/tstats.json"
it_check "job stats works for a training job (its STATS round)" \
  test "$(jq -r '[.ready, .sites, (.features | length)] | @csv' "$FL_WORK/tstats.json")" = 'true,4,30'

# ---- 4. fedc-train honours the spec's [train] keys ----
ft() { "$FL_BIN/fedc-train" --spec "$1" --data "$top/data/breast_cancer.csv" --json | jq -r .loss; }
base=$(ft "$FL_WORK/train.ini")
sed -e 's/^l2 = .*/l2 = 0.001\nlr_schedule = exponential\nlr_decay = 0.2/' "$FL_WORK/train.ini" > "$FL_WORK/sched.ini"
sed -e 's/^l2 = .*/l2 = 0.001\nclass_weights = 1, 9/' "$FL_WORK/train.ini" > "$FL_WORK/cw.ini"
sed -e 's/^l2 = .*/l2 = 0.001\nprox_mu = 0.5/' "$FL_WORK/train.ini" > "$FL_WORK/prox.ini"
echo "fedc-train test loss: base $base, lr_schedule $(ft "$FL_WORK/sched.ini"), class_weights $(ft "$FL_WORK/cw.ini"), prox_mu $(ft "$FL_WORK/prox.ini")"
it_check "fedc-train applies lr_schedule" test "$(ft "$FL_WORK/sched.ini")" != "$base"
it_check "fedc-train applies class_weights" test "$(ft "$FL_WORK/cw.ini")" != "$base"
it_check "fedc-train ignores prox_mu (no global model centrally)" test "$(ft "$FL_WORK/prox.ini")" = "$base"
printf '[job]\nname = s\ntype = stats\ndataset = breast_cancer\nlabel = label\nfeatures = mean_radius\n' > "$FL_WORK/stats.ini"
it_check "fedc-train refuses a stats-only spec" \
  bash -c "! '$FL_BIN/fedc-train' --spec '$FL_WORK/stats.ini' --data '$top/data/breast_cancer.csv' 2>'$FL_WORK/ft.err' && grep -q 'statistics-only' '$FL_WORK/ft.err'"

it_done
