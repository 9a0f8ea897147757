# SPDX-License-Identifier: Apache-2.0
"""py_compare: the Python client's forward pass against fedc's own.
  py_compare.py MODEL INPUT REF TOL [SPEC-LABELS]
MODEL: a native model file; INPUT, REF: what `onnx_ref rows` wrote (rows
rounded to float32, and fedc's float64 outputs for them). Exits 0 iff the
model decodes, fedc.outputs() gives as many numbers as REF, max |fedc -
python| <= TOL, and fedc.predict() agrees with the decision REF implies."""
import struct
import sys

import fedc


def f32(v):
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def main(model_path, input_path, ref_path, tol):
    with open(model_path, "rb") as f:
        m = fedc.decode_model(f.read())
    with open(input_path) as f:
        n, d = (int(t) for t in f.readline().split())
        rows = [[f32(t) for t in line.split()] for line in f]
    with open(ref_path) as f:
        ref = [[float(t) for t in line.split()] for line in f]
    assert len(rows) == n and all(len(r) == d for r in rows), "bad input file"
    out = fedc.outputs(m, rows)
    if len(out) != len(ref) or any(len(a) != len(b) for a, b in zip(out, ref)):
        print("FAIL: %d output rows, fedc gave %d" % (len(out), len(ref)))
        return 1
    worst = max(abs(a - b) for ro, rr in zip(out, ref) for a, b in zip(ro, rr))
    pred = fedc.predict(m, rows)
    if m.is_regression:
        want = [r[0] for r in ref]
        agree = all(abs(p - w) <= tol for p, w in zip(pred, want))
    elif m.kind == fedc.ModelKind.LOGISTIC:
        # P >= 0.5 is z >= 0; skip rows on the boundary (rounding may differ)
        agree = all(p == (1 if r[0] >= 0.5 else 0) for p, r in zip(pred, ref)
                    if abs(r[0] - 0.5) > tol)
    else:
        agree = all(p == r.index(max(r)) for p, r in zip(pred, ref)
                    if sorted(r)[-1] - sorted(r)[-2] > tol)
    print("%r: %d rows, max |fedc - python| = %.3g (tolerance %g), decisions %s" %
          (m, n, worst, tol, "agree" if agree else "DIFFER"))
    return 0 if worst <= tol and agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
