#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# onnx_check.sh: the ONNX acceptance test. Trains models centrally with
# fedc-train, exports them with --export-onnx, runs each export in
# onnxruntime-node (an independent runtime, pinned in package-lock.json) on
# up to 200 test rows and requires max |fedc - onnx| <= 1e-5 on the probabilities
# (1e-4 on the values of a regression MLP). Needs node and npm; without them,
# or without the npm registry, the test FAILS (it never skips).
# Env: FL_BIN (fedc-train), FL_ONNX_REF (tests/onnx/onnx_ref), FL_ONNX_NPM_DIR
# (cache folder for node_modules, e.g. <build>/onnx-npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
FL_BIN=${FL_BIN:?FL_BIN must name the folder with the binaries}
ref=${FL_ONNX_REF:?FL_ONNX_REF must name the onnx_ref helper}
npm_dir=${FL_ONNX_NPM_DIR:?FL_ONNX_NPM_DIR must name a cache folder for node_modules}
work=$(mktemp -d -t fedc-onnx.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
checks=0

source "$here/onnx_npm.sh"
onnx_npm_install "$npm_dir"

check() {   # check NAME SPEC CSV EPOCHS TOL
  local name=$1 spec=$2 csv=$3 epochs=$4 tol=$5 d=$work/$1
  checks=$((checks + 1))
  mkdir -p "$d"
  if "$FL_BIN/fedc-train" --spec "$spec" --data "$csv" --epochs "$epochs" \
       --save "$d/model.bin" --export-onnx "$d/model.onnx" >"$d/train.log" 2>&1 &&
     "$ref" rows "$d/model.bin" "$spec" "$csv" 200 "$d/input.txt" "$d/fedc.txt" &&
     node "$here/run_onnx.mjs" "$npm_dir" "$d/model.onnx" "$d/input.txt" >"$d/onnx.txt" &&
     [ "$(wc -l <"$d/onnx.txt")" -eq "$(cut -d' ' -f1 "$d/input.txt" | head -1)" ] &&
     "$ref" compare "$d/fedc.txt" "$d/onnx.txt" "$tol"; then
    echo "ok: $name: onnxruntime-node matches fedc on $(wc -l <"$d/onnx.txt") rows ($(head -1 "$d/train.log"))"
  else
    echo "FAIL: $name (see above; train log: $(cat "$d/train.log"))" >&2
    fails=$((fails + 1))
  fi
}

jobs=$root/deploy/jobs
data=$root/data
check shuttle-mlp "$jobs/shuttle-mlp.ini" "$data/shuttle.csv" 2 1e-5
check shuttle-softmax "$jobs/shuttle-softmax.ini" "$data/shuttle.csv" 2 1e-5
check breast-cancer-logistic "$jobs/breast-cancer-logistic.ini" "$data/breast_cancer.csv" 20 1e-5
# A regression MLP (squared loss, no head): values, not probabilities.
cat >"$work/concrete-mlp.ini" <<'INI'
[job]
name = concrete-mlp
dataset = concrete
model = mlp
hidden = 16, 8
loss = squared
label = compressive_strength
[train]
lr = 0.01
INI
check concrete-mlp-regression "$work/concrete-mlp.ini" "$data/concrete.csv" 30 1e-4

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
