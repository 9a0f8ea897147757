#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# it_python_client.sh: the Python client (python/fedc) against a real
# coordinator and 3 agents over mutual TLS. The README's Python example is
# run as written: it submits a 3-round MLP job, watches it to the end,
# downloads the model and predicts. Then py_client_check.py reads the job's
# status, rounds, events and ledger through the client, and a bad spec and
# an unknown job must raise FedcError with the coordinator's status and
# message. The model the client downloaded must be byte for byte the one
# `fedctl model get` saves, and its predictions must match fedc's own
# forward pass (onnx_ref) within 1e-9.
# Env: FL_BIN, FL_ONNX_REF (tests/onnx_ref), FL_PYTHON (default
# /usr/bin/python3, Debian's: python3-grpcio, python3-protobuf,
# python3-cryptography, protobuf-compiler).
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ref=${FL_ONNX_REF:?FL_ONNX_REF must name the onnx_ref helper}
py=${FL_PYTHON:-/usr/bin/python3}
export PYTHONPATH=$top/python XDG_CACHE_HOME=$FL_WORK/cache

example=$(awk '/<!-- python example: tested by tests\/integration\/it_python_client.sh -->/ { on = 1; next }
               on && /^```python$/ { inblock = 1; next }
               inblock && /^```$/ { exit }
               inblock { print }' "$top/README.md")
it_check "the README has the Python example" test -n "$example"
printf '%s\n' "$example" >"$FL_WORK/example.py"

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
export FEDC_COORDINATOR=127.0.0.1:$FL_PORT FEDC_CA=$FL_WORK/pki/ca.pem \
  FEDC_CERT=$FL_WORK/pki/operator.pem FEDC_KEY=$FL_WORK/pki/operator.key

spec=$FL_WORK/job.ini
sed -e 's/^model = .*/model = mlp\nhidden = 8, 4/' -e 's/^rounds = .*/rounds = 3/' \
  -e 's/^name = .*/name = python-mlp/' "$top/deploy/jobs/breast-cancer-logistic.ini" >"$spec"
sed -e 's/^model = .*/model = forest/' "$spec" >"$FL_WORK/bad.ini"

rc=0
(cd "$FL_WORK" && timeout 120 "$py" example.py "$spec" "$top/data/breast_cancer.csv") \
  >"$FL_WORK/example.out" 2>"$FL_WORK/example.err" || rc=$?
cat "$FL_WORK/example.out"
it_check "the README example ran to its end (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || cat "$FL_WORK/example.err" >&2
it_check "it printed the training rounds" grep -q '^round 3 (train): done, 3 of 3 sites' "$FL_WORK/example.out"
it_check "it printed the model and 5 predictions" \
  grep -Eq '^<fedc.Model mlp 30-8-4-2 version [0-9]+> predicts \[[01], [01], [01], [01], [01]\]$' \
  "$FL_WORK/example.out"
it_check "the progress line reached the last round" grep -q 'round 3/3 done' "$FL_WORK/example.err"

job=$(fl_ctl --json job list | jq '[.jobs[] | select(.name == "python-mlp") | .job_id] | max')
"$py" "$top/tests/python/py_client_check.py" "$job" "$FL_WORK/python.bin" "$FL_WORK/bad.ini" \
  >"$FL_WORK/check.out" 2>&1 || true
cat "$FL_WORK/check.out"
it_check "py_client_check passed all its checks" \
  bash -c "grep -q '^ok: ' '$FL_WORK/check.out' && ! grep -q '^FAIL' '$FL_WORK/check.out' &&
           ! grep -q Traceback '$FL_WORK/check.out'"

fl_ctl model get "$job" -o "$FL_WORK/fedctl.bin" >/dev/null
it_check "the client's model is byte for byte fedctl's" cmp -s "$FL_WORK/python.bin" "$FL_WORK/fedctl.bin"
"$ref" rows "$FL_WORK/fedctl.bin" "$spec" "$top/data/breast_cancer.csv" 200 \
  "$FL_WORK/input.txt" "$FL_WORK/fedc.txt"
it_check "Python predictions match fedc's within 1e-9" \
  "$py" "$top/tests/python/py_compare.py" "$FL_WORK/python.bin" "$FL_WORK/input.txt" \
  "$FL_WORK/fedc.txt" 1e-9
it_done
