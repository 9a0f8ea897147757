# SPDX-License-Identifier: Apache-2.0
"""fedc's native model files (FLMODEL1..4, common/fl_model.h) and the
forward pass of its built-in models, as fedc computes them (float64).

Layout, little-endian: magic (8 bytes), kind u32, d u32, k u32, version u32,
nparams u64 (32 bytes). FLMODEL2 (mlp) adds nhidden u32 and hidden[3] u32.
FLMODEL3 (a label histogram) has the FLMODEL2 header for every kind, then
ncounts u32 and 0 u32, mean[d], scale[d], counts[ncounts], w. FLMODEL4 (a
regression label standardisation) has the FLMODEL2 header, y_mean f64,
y_scale f64, then mean, scale, w. FLMODEL1/2: mean[d], scale[d], w.
w: linear kinds W (d x k, row-major) then bias (k); mlp, for each layer
d -> hidden... -> k, W (in x out, row-major) then bias (out).
"""
import math
import struct

from .enums import MODEL_KIND_IDS, ModelKind

_HDR = 32
_MLP = 16
MAX_CLASSES = 256
MAX_HIDDEN = 3
MAX_UNITS = 4096
MAX_PARAMS = 64 * 1024 * 1024


class ModelFormatError(ValueError):
    """The bytes are not a valid fedc model file."""


class Model:
    """A decoded model. kind: ModelKind; d inputs; k outputs (1 for linear,
    logistic and mlp regression, the class count otherwise); version: the
    round that produced it; mean, scale: the feature standardisation
    x' = (x - mean) / scale; layers: [(W, b)] with W a list of `in` rows of
    `out` floats (one layer for the linear kinds); hidden: the mlp hidden
    sizes; label_counts: the consortium's label histogram or None; y_mean,
    y_scale: a regression's label standardisation (predictions are
    z * y_scale + y_mean); raw: the file's bytes."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def is_regression(self):
        return self.kind == ModelKind.LINEAR or (self.kind == ModelKind.MLP and self.k == 1)

    @property
    def nclasses(self):
        if self.is_regression:
            return 0
        return 2 if self.kind == ModelKind.LOGISTIC else self.k

    def __repr__(self):
        shape = "-".join(str(n) for n in [self.d] + list(self.hidden) + [self.k])
        return "<fedc.Model %s %s version %d>" % (self.kind.value, shape, self.version)

    def to_numpy(self):
        """The parameters as NumPy arrays (needs numpy): a dict with mean,
        scale, layers [(W, b)], label_counts (or None)."""
        import numpy as np
        return {
            "mean": np.array(self.mean), "scale": np.array(self.scale),
            "layers": [(np.array(w), np.array(b)) for w, b in self.layers],
            "label_counts": None if self.label_counts is None else np.array(self.label_counts),
        }


def _u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


def _f64s(b, off, n, what):
    vals = list(struct.unpack_from("<%dd" % n, b, off))
    if not all(math.isfinite(v) for v in vals):
        raise ModelFormatError("%s holds a value that is not finite" % what)
    return vals, off + 8 * n


def _header(b):
    if len(b) < _HDR:
        raise ModelFormatError("%d bytes are too short for a model header" % len(b))
    magic = bytes(b[:8])
    if magic not in (b"FLMODEL1", b"FLMODEL2", b"FLMODEL3", b"FLMODEL4"):
        raise ModelFormatError("not a fedc model file (magic %r)" % magic)
    kind_id, d, k, version = struct.unpack_from("<4I", b, 8)
    nparams = struct.unpack_from("<Q", b, 24)[0]
    fmt = int(magic[7:8])
    if kind_id not in MODEL_KIND_IDS:
        raise ModelFormatError("unknown model kind %d" % kind_id)
    kind = MODEL_KIND_IDS[kind_id]
    mlp = kind == ModelKind.MLP
    if d == 0 or k == 0 or (fmt == 1 and mlp) or (fmt == 2 and not mlp):
        raise ModelFormatError("bad shape for %s (%s, d %d, k %d)" % (magic, kind, d, k))
    return fmt, kind, d, k, version, nparams


def _sizes(b, fmt, kind, d, k):
    """Hidden layer sizes; checks the zero fields of non-mlp FLMODEL3/4."""
    if fmt == 1:
        return []
    if len(b) < _HDR + _MLP:
        raise ModelFormatError("truncated header")
    words = struct.unpack_from("<4I", b, _HDR)
    if kind != ModelKind.MLP:
        if any(words):
            raise ModelFormatError("layer sizes set for kind %s" % kind.value)
        return []
    nh = words[0]
    if not 1 <= nh <= MAX_HIDDEN or k > MAX_CLASSES:
        raise ModelFormatError("bad mlp shape (%d hidden layers, k %d)" % (nh, k))
    for i in range(3):
        h = words[1 + i]
        if (i < nh and not 1 <= h <= MAX_UNITS) or (i >= nh and h != 0):
            raise ModelFormatError("bad hidden layer size %d" % h)
    return list(words[1:1 + nh])


def decode(b):
    """Decodes a native model file (bytes); checks every length and value as
    fedc does. Raises ModelFormatError."""
    b = bytes(b)
    fmt, kind, d, k, version, nparams = _header(b)
    hidden = _sizes(b, fmt, kind, d, k)
    if kind == ModelKind.MLP:
        sizes = [d] + hidden + [k]
    else:
        if kind == ModelKind.SOFTMAX and not 2 <= k <= MAX_CLASSES:
            raise ModelFormatError("softmax with %d classes" % k)
        if kind != ModelKind.SOFTMAX and k != 1:
            raise ModelFormatError("%s with k %d" % (kind.value, k))
        sizes = [d, k]
    want_np = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    if want_np > MAX_PARAMS:
        raise ModelFormatError("%d parameters are over the cap" % want_np)
    if nparams != want_np:
        raise ModelFormatError("nparams %d, the shape needs %d" % (nparams, want_np))
    off = _HDR + (_MLP if fmt >= 2 else 0)
    nc, y_mean, y_scale = 0, 0.0, 1.0
    if fmt == 3:
        if len(b) < off + 8:
            raise ModelFormatError("truncated header")
        nc, zero = struct.unpack_from("<2I", b, off)
        want = {ModelKind.LOGISTIC: 2, ModelKind.SOFTMAX: k}.get(
            kind, k if kind == ModelKind.MLP and k >= 2 else 0)
        if nc == 0 or nc != want or zero != 0:
            raise ModelFormatError("bad label histogram length %d" % nc)
        off += 8
    elif fmt == 4:
        if len(b) < off + 16:
            raise ModelFormatError("truncated header")
        (y_mean, y_scale), off = _f64s(b, off, 2, "the label standardisation")
        regression = kind == ModelKind.LINEAR or (kind == ModelKind.MLP and k == 1)
        if not regression or not y_scale > 0 or (y_mean == 0.0 and y_scale == 1.0):
            raise ModelFormatError("bad label standardisation")
    if len(b) != off + 8 * (2 * d + nc + nparams):
        raise ModelFormatError("%d bytes, the shape needs %d" %
                               (len(b), off + 8 * (2 * d + nc + nparams)))
    mean, off = _f64s(b, off, d, "mean")
    scale, off = _f64s(b, off, d, "scale")
    counts = None
    if nc:
        counts, off = _f64s(b, off, nc, "the label histogram")
        if any(c < 0 for c in counts):
            raise ModelFormatError("negative label count")
    if not all(s > 0 for s in scale):
        raise ModelFormatError("a feature scale is not > 0")
    w, off = _f64s(b, off, nparams, "the weights")
    layers, p = [], 0
    for i in range(len(sizes) - 1):
        nin, nout = sizes[i], sizes[i + 1]
        W = [w[p + r * nout:p + (r + 1) * nout] for r in range(nin)]
        p += nin * nout
        layers.append((W, w[p:p + nout]))
        p += nout
    return Model(kind=kind, kind_id=next(i for i, v in MODEL_KIND_IDS.items() if v == kind),
                 d=d, k=k, version=version, mean=mean, scale=scale, layers=layers,
                 hidden=hidden, label_counts=counts, y_mean=y_mean, y_scale=y_scale,
                 raw=b)


def _rows(rows, d):
    if hasattr(rows, "tolist"):   # numpy arrays
        rows = rows.tolist()
    out = []
    for i, r in enumerate(rows):
        r = [float(v) for v in r]
        if len(r) != d:
            raise ValueError("row %d has %d values, the model takes %d" % (i, len(r), d))
        out.append(r)
    return out


def logits(model, rows):
    """The model's raw outputs z (k per row) for rows of d raw feature
    values: standardised, then the linear map or the mlp's ReLU layers."""
    out = []
    last = len(model.layers) - 1
    for x in _rows(rows, model.d):
        a = [(v - m) / s for v, m, s in zip(x, model.mean, model.scale)]
        for li, (W, bias) in enumerate(model.layers):
            z = list(bias)
            for j, aj in enumerate(a):
                if aj != 0.0:
                    wr = W[j]
                    for c in range(len(z)):
                        z[c] += aj * wr[c]
            a = z if li == last else [v if v > 0.0 else 0.0 for v in z]
        out.append(a)
    return out


def outputs(model, rows):
    """What fedc's head gives per row: the value in the label's units
    (regression), P(class 1) (logistic, one number) or the class
    probabilities (softmax, mlp classifier)."""
    res = []
    for z in logits(model, rows):
        if model.is_regression:
            res.append([z[0] * model.y_scale + model.y_mean])
        elif model.kind == ModelKind.LOGISTIC:
            res.append([1.0 / (1.0 + math.exp(-z[0]))])
        else:
            mx = max(z)
            e = [math.exp(v - mx) for v in z]
            s = sum(e)
            res.append([v / s for v in e])
    return res


def predict(model, rows, labels=None):
    """fedc's prediction per row (fl_model_predict_row): the value in the
    label's units for regression, else the class id (logistic: z >= 0; the
    first largest logit otherwise). labels (the spec's labels, in order)
    turns class ids into label names."""
    res = []
    for z in logits(model, rows):
        if model.is_regression:
            res.append(z[0] * model.y_scale + model.y_mean)
            continue
        if model.kind == ModelKind.LOGISTIC:
            c = 1 if z[0] >= 0.0 else 0
        else:
            c = 0
            for i in range(1, len(z)):
                if z[i] > z[c]:
                    c = i
        res.append(labels[c] if labels is not None else c)
    return res


def predict_proba(model, rows):
    """Class probabilities per row (classifiers only)."""
    if model.is_regression:
        raise ValueError("a regression model has no class probabilities")
    out = outputs(model, rows)
    if model.kind == ModelKind.LOGISTIC:
        return [[1.0 - o[0], o[0]] for o in out]
    return out
