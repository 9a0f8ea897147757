#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): accuracy of breast_cancer logistic regression on
# N sites (default 5) with distributed DP at epsilon in $EPS (default
# "4 16 none") over $ROUNDS rounds (default 4), l2_clip $CLIP (default 1).
# Prints one line per epsilon. Usage:
#   FL_BIN=build/bin bash tests/bench/bench_dp_accuracy.sh
source "$(dirname "$0")/../integration/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-5}; ROUNDS=${ROUNDS:-4}; CLIP=${CLIP:-1}; EPS=${EPS:-4 16 none}
REPEAT=${REPEAT:-1}; DATA=${DATA:-breast_cancer}
JOB=${JOB:-$top/deploy/jobs/breast-cancer-logistic.ini}
sites=$(seq -f 'site%g' 1 "$N" | tr '\n' ' ')
# SPLIT=--iid: an IID split (the default, non-IID by label, leaves some of
# 50 breast_cancer sites without rows of one class, or without rows)
bash "$top/deploy/split-csv.sh" "$top/data/$DATA.csv" "$FL_WORK/d" "$N" ${SPLIT:-} >/dev/null
fl_pki $sites
fl_start_coordinator
for s in $sites; do fl_ctl site add "$s" >/dev/null; done
for s in $sites; do fl_start_agent "$s" "$DATA" "$FL_WORK/d/$s.csv"; done
for i in $(seq 1 200); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" = "$N" ] && break
  sleep 0.1
done
for e in $EPS; do
  for r in $(seq 1 "$REPEAT"); do
    { sed -e "s/^rounds = .*/rounds = $ROUNDS/" -e "s/^min_clients = .*/min_clients = $N/" "$JOB"
      [ "$e" = none ] || printf '\n[privacy]\nl2_clip = %s\nepsilon = %s\n' "$CLIP" "$e"; } > "$FL_WORK/j.ini"
    job=$(fl_ctl --json job submit "$FL_WORK/j.ini" | jq -r .job_id)
    for i in $(seq 1 3000); do
      st=$(fl_ctl --json job status "$job" | jq -r .job.state)
      case $st in done|failed|aborted) break ;; esac
      sleep 0.1
    done
    acc=$(fl_ctl --json job status "$job" | jq -r .job.metrics.accuracy)
    echo "dp-accuracy: data $DATA sites $N rounds $ROUNDS l2_clip $CLIP epsilon $e: $st, accuracy $acc"
  done
done
