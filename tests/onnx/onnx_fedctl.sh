#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# onnx_fedctl.sh: issue 5 end to end. A coordinator and 3 agents (real
# processes, mutual TLS on loopback) train an MLP federatedly; then
# `fedctl model get JOB --format onnx -o model.onnx` must give a graph that
# onnxruntime-node runs on raw rows with max |fedc - onnx| <= 1e-5 against
# fedc's own forward pass on the native model from `fedctl model get`.
# Env: FL_BIN, FL_ONNX_REF, FL_ONNX_NPM_DIR (as onnx_check.sh).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/it_lib.sh"
top=$(cd "$here/../.." && pwd)
ref=${FL_ONNX_REF:?FL_ONNX_REF must name the onnx_ref helper}
source "$here/onnx_npm.sh"
onnx_npm_install "${FL_ONNX_NPM_DIR:?FL_ONNX_NPM_DIR must name a cache folder}"

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

spec=$FL_WORK/bc-mlp.ini
sed -e 's/^model = .*/model = mlp\nhidden = 8, 4/' -e 's/^rounds = .*/rounds = 3/' \
  -e 's/^name = .*/name = onnx-mlp/' "$top/deploy/jobs/breast-cancer-logistic.ini" >"$spec"
job=$(fl_ctl --json job submit "$spec" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" \
  >/dev/null || true
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "federated MLP job $job finished (state $state)" test "$state" = "done"

out=$(fl_ctl model get "$job" --format onnx -o "$FL_WORK/model.onnx")
echo "$out"
it_check "fedctl model get --format onnx saved the file" test -s "$FL_WORK/model.onnx"
it_check "fedctl reports the ONNX export" grep -q "as ONNX to" <<<"$out"
fl_ctl model get "$job" -o "$FL_WORK/model.bin" >/dev/null
it_check "fedctl --format onnx without -o is a usage error" \
  test "$(fl_ctl model get "$job" --format onnx >/dev/null 2>&1; echo $?)" = 2
it_check "the JSON summary names the format and size" \
  test "$(fl_ctl --json model get "$job" --format onnx -o "$FL_WORK/m2.onnx" | jq -r .format)" = onnx
it_check "two exports of the same model are identical" cmp -s "$FL_WORK/model.onnx" "$FL_WORK/m2.onnx"

"$ref" rows "$FL_WORK/model.bin" "$spec" "$top/data/breast_cancer.csv" 200 \
  "$FL_WORK/input.txt" "$FL_WORK/fedc.txt"
node "$here/run_onnx.mjs" "$FL_ONNX_NPM_DIR" "$FL_WORK/model.onnx" "$FL_WORK/input.txt" \
  >"$FL_WORK/onnx.txt"
it_check "onnxruntime-node gives one output row per input row" \
  test "$(wc -l <"$FL_WORK/onnx.txt")" = "$(cut -d' ' -f1 "$FL_WORK/input.txt" | head -1)"
it_check "onnxruntime-node matches fedc within 1e-5" \
  "$ref" compare "$FL_WORK/fedc.txt" "$FL_WORK/onnx.txt" 1e-5
it_done
