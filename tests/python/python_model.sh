#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# python_model.sh: the Python package's model decoder and forward pass
# (python/fedc/model.py) against fedc's own, for every model kind and
# native format fedc-train writes: logistic, softmax, linear regression,
# MLP classifier and MLP regression. onnx_ref prints fedc's float64 outputs
# for the first test rows; the Python outputs must match within 1e-9 and
# its predictions must make the same decisions.
# Env: FL_BIN, FL_ONNX_REF (tests/onnx_ref), FL_PYTHON (default
# /usr/bin/python3: Debian's, with python3-protobuf).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${FL_BIN:?FL_BIN must name the folder with the binaries}
ref=${FL_ONNX_REF:?FL_ONNX_REF must name the onnx_ref helper}
py=${FL_PYTHON:-/usr/bin/python3}
work=$(mktemp -d -t fedc-py.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PYTHONPATH=$top/python XDG_CACHE_HOME=$work/cache
fails=0

head -n 3001 "$top/data/shuttle.csv" >"$work/shuttle.csv"
jobs=$top/deploy/jobs
# name|spec|csv|sed edits (fewer rounds: the test needs trained weights, not
# a good model)
cases=(
  "logistic|$jobs/breast-cancer-logistic.ini|$top/data/breast_cancer.csv|s/^rounds = .*/rounds = 3/"
  "softmax|$jobs/shuttle-softmax.ini|$work/shuttle.csv|s/^rounds = .*/rounds = 2/"
  "mlp-classifier|$jobs/shuttle-mlp.ini|$work/shuttle.csv|s/^rounds = .*/rounds = 2/"
  "linear|$jobs/concrete-mlp.ini|$top/data/concrete.csv|s/^model = .*/model = linear/;/^hidden/d;/^loss/d;s/^rounds = .*/rounds = 3/"
  "mlp-regression|$jobs/concrete-mlp.ini|$top/data/concrete.csv|s/^rounds = .*/rounds = 3/"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name spec csv edits <<<"$c"
  sed -e "$edits" "$spec" >"$work/$name.ini"
  if ! "$bin/fedc-train" --spec "$work/$name.ini" --data "$csv" --save "$work/$name.bin" \
      >"$work/$name.train" 2>&1; then
    echo "FAIL: fedc-train $name:"; cat "$work/$name.train"; fails=$((fails + 1)); continue
  fi
  "$ref" rows "$work/$name.bin" "$work/$name.ini" "$csv" 200 "$work/$name.in" "$work/$name.ref"
  printf '%s (%s): ' "$name" "$(head -c 8 "$work/$name.bin")"
  if "$py" "$here/py_compare.py" "$work/$name.bin" "$work/$name.in" "$work/$name.ref" 1e-9; then
    echo "ok: $name"
  else
    echo "FAIL: $name"; fails=$((fails + 1))
  fi
done
# A spec written from a dict (fedc.spec_text, as Client.submit_job sends
# it) parses and trains: every feature of the CSV header, on continuation lines.
"$py" - "$top/data/breast_cancer.csv" >"$work/dict.ini" <<'PY'
import sys, fedc
cols = open(sys.argv[1]).readline().strip().split(",")
print(fedc.spec_text({
    "job": {"name": "from-dict", "dataset": "breast_cancer", "model": "logistic",
            "label": "label", "labels": ["0", "1"], "features": cols[:-1], "rounds": 2},
    "train": {"local_epochs": 1, "lr": 0.05}, "round": {"seed": 0}}), end="")
PY
if "$bin/fedc-train" --spec "$work/dict.ini" --data "$top/data/breast_cancer.csv" \
    >"$work/dict.train" 2>&1 && grep -q "logistic model" "$work/dict.train"; then
  echo "ok: a spec from a dict ($(grep -c '' "$work/dict.ini") lines) trains in fedc-train"
else
  echo "FAIL: fedc-train refused the spec from a dict:"; cat "$work/dict.ini" "$work/dict.train"
  fails=$((fails + 1))
fi
# The comparison can fail: one output off by 1e-6 must be caught.
awk -v CONVFMT=%.17g 'NR == 7 { $1 = $1 + 1e-6 } { print }' "$work/linear.ref" >"$work/bad.ref"
if "$py" "$here/py_compare.py" "$work/linear.bin" "$work/linear.in" "$work/bad.ref" 1e-9 \
    >/dev/null; then
  echo "FAIL: a reference off by 1e-6 passed the comparison"; fails=$((fails + 1))
else
  echo "ok: a reference off by 1e-6 fails the comparison"
fi
echo "$(( ${#cases[@]} + 2 - fails )) passed, $fails failed"
[ "$fails" -eq 0 ]
