#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: model quality on five sites with non-IID splits, secure
# aggregation on, real processes over mutual TLS. The targets of the
# project's quality issue:
#   shuttle, MLP (deploy/jobs/shuttle-mlp-balanced.ini): accuracy >= 0.99,
#     macro-F1 >= 0.75; sites split by class. The two rarest classes have
#     13 and 10 rows in 58,000, so one split's test parts hold 2-5 of each
#     and a single row moves macro-F1 by up to 0.14 (runs ranged
#     0.69-0.94). The job therefore runs on three splits (seeds 0, 1, 2)
#     and macro-F1 is computed from the pooled per-class counts, as in
#     cross-validation; each run's secure evaluation must also equal
#     fedc-train --eval of its model on the same test rows.
#   shuttle, softmax (deploy/jobs/shuttle-softmax.ini): accuracy >= 0.955
#   concrete, MLP regression (deploy/jobs/concrete-mlp.ini): R^2 >= 0.85;
#     sites split by cement content (each site mostly one range)
#   breast_cancer, logistic (deploy/jobs/breast-cancer-logistic.ini):
#     accuracy >= 0.945; sites split by label
# Prints each job's rounds and wall time beside a centralised reference.
# FL_TARGETS (optional) picks some of: shuttle-mlp shuttle-softmax concrete
# breast-cancer.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
targets=${FL_TARGETS:-shuttle-mlp shuttle-softmax concrete breast-cancer}
sites="site1 site2 site3 site4 site5"

# Non-IID splits. shuttle and breast_cancer by class (deploy/split-csv.sh);
# concrete by a feature range: rows sorted by cement, site i gets most of
# the i-th fifth, every fifth row is dealt round-robin.
bash "$top/deploy/split-csv.sh" "$top/data/shuttle.csv" "$FL_WORK/shuttle" 5 \
  'Rad.Flow=4:3:1:1:1;High=1:5:2:1:1;Bypass=1:1:5:2:1;Fpv.Open=1:1:2:5:1;Fpv.Close=5:1:1:1:2;Bpv.Open=1:1:1:2:5;Bpv.Close=2:1:1:1:5' >/dev/null
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/bc" 5 '0=5:2:1:1:1;1=1:1:2:3:3' >/dev/null
mkdir -p "$FL_WORK/concrete"
tail -n +2 "$top/data/concrete.csv" | sort -t, -k1,1g | awk -v out="$FL_WORK/concrete" -F, '
  { rows[NR] = $0 }
  END { for (i = 1; i <= NR; i++) {
          s = (i % 5 == 0) ? (i / 5) % 5 + 1 : int((i - 1) * 5 / NR) + 1
          print rows[i] > (out "/body" s) } }'
for i in 1 2 3 4 5; do
  { head -n 1 "$top/data/concrete.csv"; cat "$FL_WORK/concrete/body$i"; } > "$FL_WORK/concrete/site$i.csv"
done

fl_pki $sites
fl_start_coordinator
for s in $sites; do fl_ctl site add "$s" >/dev/null; done
for s in $sites; do
  FL_AGENT_EXTRA_DATA="breast_cancer = $FL_WORK/bc/$s.csv
concrete = $FL_WORK/concrete/$s.csv" \
    fl_start_agent "$s" shuttle "$FL_WORK/shuttle/$s.csv"
done

# run TARGET SPEC DATADIR METRIC FLOOR [METRIC2 FLOOR2]
run() {
  local name=$1 spec=$2 dir=$3 m1=$4 f1=$5 m2=${6:-} f2=${7:-} job t0 t1 status v1 v2 central
  sed -e 's/^min_clients = .*/min_clients = 5/' "$spec" > "$FL_WORK/$name.ini"
  t0=$(date +%s.%N)
  job=$(fl_ctl --json job submit "$FL_WORK/$name.ini" | jq -r .job_id)
  timeout 600 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
  t1=$(date +%s.%N)
  status=$(fl_ctl --json job status "$job")
  v1=$(echo "$status" | jq -r ".job.metrics.$m1")
  central=$("$FL_BIN/fedc-train" --json --spec "$FL_WORK/$name.ini" \
    $(for s in $sites; do echo --data "$dir/$s.csv"; done) | jq -r ".$m1")
  printf '%s: state %s, %s rounds, %.1f s wall, %s %s (centralised %s)' "$name" \
    "$(echo "$status" | jq -r .job.state)" "$(echo "$status" | jq -r .job.rounds_done)" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$m1" "$v1" "$central"
  if [ -n "$m2" ]; then
    v2=$(echo "$status" | jq -r ".job.metrics.$m2")
    printf ', %s %s' "$m2" "$v2"
  fi
  echo
  it_check "$name finished" test "$(echo "$status" | jq -r .job.state)" = done
  it_check "$name $m1 $v1 >= $f1" it_ge "$v1" "$f1"
  [ -z "$m2" ] || it_check "$name $m2 $v2 >= $f2" it_ge "$v2" "$f2"
  last=$(echo "$status" | jq '[.rounds[] | select(.state == "done" and .kind == "train")] | last | .survived')
  it_check "$name aggregated all 5 sites (got $last)" test "$last" = 5
}

# run_pooled TARGET SPEC DATADIR ACC_FLOOR F1_FLOOR: the job on three
# splits (seeds 0-2); accuracy and macro-F1 from the pooled per-class test
# counts of the three federated models.
run_pooled() {
  local name=$1 spec=$2 dir=$3 facc=$4 ff1=$5 seed job status ev pooled
  : >"$FL_WORK/$name.pool"
  for seed in 0 1 2; do
    sed -e 's/^min_clients = .*/min_clients = 5/' -e "s/^seed = .*/seed = $seed/" \
      -e "s/^name = .*/name = $name-seed$seed/" "$spec" > "$FL_WORK/$name-$seed.ini"
    job=$(fl_ctl --json job submit "$FL_WORK/$name-$seed.ini" | jq -r .job_id)
    timeout 600 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
      --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
    status=$(fl_ctl --json job status "$job")
    it_check "$name seed $seed finished" test "$(echo "$status" | jq -r .job.state)" = done
    fl_ctl model get "$job" -o "$FL_WORK/$name-$seed.model" >/dev/null
    ev=$("$FL_BIN/fedc-train" --json --eval "$FL_WORK/$name-$seed.model" --spec "$FL_WORK/$name-$seed.ini" \
      $(for s in $sites; do echo --data "$dir/$s.csv"; done))
    echo "$ev" >>"$FL_WORK/$name.pool"
    printf '%s seed %s: %s rounds, secure evaluation accuracy %s macro_f1 %s\n' "$name" "$seed" \
      "$(echo "$status" | jq -r .job.rounds_done)" "$(echo "$status" | jq -r .job.metrics.accuracy)" \
      "$(echo "$status" | jq -r .job.metrics.macro_f1)"
    it_check "$name seed $seed: secure evaluation equals fedc-train --eval" \
      awk -v a="$(echo "$status" | jq -r .job.metrics.macro_f1)" -v b="$(echo "$ev" | jq -r .macro_f1)" \
      'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }'
  done
  # pooled: sum each class's support, predicted and true positives
  pooled=$(jq -s '[.[].classes] | transpose | map({s: (map(.support) | add), p: (map(.predicted) | add),
      t: (map(.tp) | add)}) | {acc: ((map(.t) | add) / (map(.s) | add)),
      f1: (map(select(.s + .p > 0) | 2 * .t / (.s + .p)) | add / length),
      rare: (map("\(.t)/\(.s)") | join(" "))}' "$FL_WORK/$name.pool")
  echo "$name pooled over 3 splits: accuracy $(echo "$pooled" | jq .acc), macro_f1 $(echo "$pooled" | jq .f1) (true positives/test rows per class: $(echo "$pooled" | jq -r .rare))"
  it_check "$name pooled accuracy >= $facc" it_ge "$(echo "$pooled" | jq .acc)" "$facc"
  it_check "$name pooled macro_f1 >= $ff1" it_ge "$(echo "$pooled" | jq .f1)" "$ff1"
}

for t in $targets; do
  case $t in
  shuttle-mlp) run_pooled shuttle-mlp "$top/deploy/jobs/shuttle-mlp-balanced.ini" "$FL_WORK/shuttle" 0.99 0.75 ;;
  shuttle-softmax) run shuttle-softmax "$top/deploy/jobs/shuttle-softmax.ini" "$FL_WORK/shuttle" accuracy 0.955 ;;
  concrete) run concrete "$top/deploy/jobs/concrete-mlp.ini" "$FL_WORK/concrete" r2 0.85 ;;
  breast-cancer) run breast-cancer "$top/deploy/jobs/breast-cancer-logistic.ini" "$FL_WORK/bc" accuracy 0.945 ;;
  *) fl_die "unknown target $t" ;;
  esac
done
it_done
