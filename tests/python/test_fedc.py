# SPDX-License-Identifier: Apache-2.0
"""Unit tests of the Python package without a coordinator: the native model
formats (hand-made FLMODEL1 and FLMODEL2 files with known outputs; bad
files), spec text from a dict, spec signatures, metrics and enums."""
import math
import struct
import unittest

import fedc
from fedc import spec as fs


def header(magic, kind, d, k, version, nparams):
    return magic + struct.pack("<4IQ", kind, d, k, version, nparams)


def f64(*v):
    return struct.pack("<%dd" % len(v), *v)


# linear, d 2: mean (1, 2), scale (2, 4), W (3, -1), bias 0.5
LINEAR = header(b"FLMODEL1", 1, 2, 1, 7, 3) + f64(1, 2) + f64(2, 4) + f64(3, -1, 0.5)
# mlp 2-2-1 regression: W1 = [[1, -1], [2, 1]], b1 = (0, 0.5); W2 = (1, 2), b2 = -1
MLP = (header(b"FLMODEL2", 4, 2, 1, 2, 9) + struct.pack("<4I", 1, 2, 0, 0) +
       f64(0, 0) + f64(1, 1) + f64(1, -1, 2, 1, 0, 0.5) + f64(1, 2, -1))
# softmax d 1, k 3: W (1, 0, -1), bias 0
SOFTMAX = header(b"FLMODEL1", 3, 1, 3, 1, 6) + f64(0) + f64(1) + f64(1, 0, -1, 0, 0, 0)


class ModelTest(unittest.TestCase):
    def test_linear(self):
        m = fedc.decode_model(LINEAR)
        self.assertEqual((m.kind, m.d, m.k, m.version), (fedc.ModelKind.LINEAR, 2, 1, 7))
        # x = (3, 6): x' = (1, 1); z = 3 - 1 + 0.5
        self.assertEqual(fedc.predict(m, [[3, 6]]), [2.5])
        self.assertEqual(m.raw, LINEAR)

    def test_mlp_relu(self):
        m = fedc.decode_model(MLP)
        self.assertEqual(m.hidden, [2])
        # x = (1, 1): h = relu(1 + 2, -1 + 1 + 0.5) = (3, 0.5); z = 3 + 1 - 1
        self.assertEqual(fedc.predict(m, [[1, 1]]), [3.0])
        # x = (-1, 0): h = relu(-1, 1.5) = (0, 1.5); z = 3 - 1
        self.assertEqual(fedc.predict(m, [[-1, 0]]), [2.0])

    def test_softmax(self):
        m = fedc.decode_model(SOFTMAX)
        self.assertEqual(fedc.predict(m, [[2], [-2], [0]]), [0, 2, 0])
        self.assertEqual(fedc.predict(m, [[-2]], labels=["a", "b", "c"]), ["c"])
        p = fedc.predict_proba(m, [[1]])[0]
        e = [math.e, 1, 1 / math.e]
        for a, b in zip(p, e):
            self.assertAlmostEqual(a, b / sum(e), places=15)
        with self.assertRaises(ValueError):
            fedc.predict(m, [[1, 2]])   # wrong width

    def test_numpy(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("python3-numpy is not installed (optional)")
        m = fedc.decode_model(MLP)
        a = m.to_numpy()
        self.assertEqual(a["layers"][0][0].shape, (2, 2))
        self.assertEqual(a["layers"][1][0].tolist(), [[1.0], [2.0]])
        self.assertEqual(fedc.predict(m, np.array([[1.0, 1.0], [-1.0, 0.0]])), [3.0, 2.0])

    def test_bad_files(self):
        bad = {
            "truncated": LINEAR[:-1],
            "too long": LINEAR + b"\0" * 8,
            "magic": b"FLMODEL9" + LINEAR[8:],
            "kind": LINEAR[:8] + struct.pack("<I", 9) + LINEAR[12:],
            "nparams": LINEAR[:24] + struct.pack("<Q", 4) + LINEAR[32:],
            "nan": LINEAR[:-8] + f64(float("nan")),
            "scale 0": header(b"FLMODEL1", 1, 2, 1, 7, 3) + f64(1, 2) + f64(2, 0) +
                       f64(3, -1, 0.5),
            "mlp as FLMODEL1": b"FLMODEL1" + MLP[8:],
            "hidden 0": MLP[:32] + struct.pack("<4I", 1, 0, 0, 0) + MLP[48:],
            "empty": b"",
        }
        for what, b in bad.items():
            with self.assertRaises(fedc.ModelFormatError, msg=what):
                fedc.decode_model(b)


class SpecTest(unittest.TestCase):
    def test_dict(self):
        feats = ["feature_%d" % i for i in range(60)]
        text = fedc.spec_text({"job": {"name": "x", "features": feats, "rounds": 3},
                               "round": {"seed": 0, "shuffle": True}})
        self.assertTrue(text.startswith("[job]\nname = x\nfeatures = feature_0, "))
        self.assertIn("\n\n[round]\nseed = 0\nshuffle = true\n", text)
        self.assertTrue(all(len(line) <= 100 for line in text.splitlines()))
        joined = " ".join(text.split("[round]")[0].split("features =")[1]
                          .split("rounds")[0].split())
        self.assertEqual(joined, ", ".join(feats))
        self.assertEqual(fedc.spec_text("[job]\n"), "[job]\n")

    def test_sign(self):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        sig = fs.sign("[job]\nname = x\n", pem)
        key.public_key().verify(sig, b"fedc-spec-v1\n[job]\nname = x\n",
                                ec.ECDSA(hashes.SHA256()))
        other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        with self.assertRaises(ValueError):
            fs.sign("x", other)


class MiscTest(unittest.TestCase):
    def test_metrics(self):
        nan = float("nan")
        m = fedc.control_pb2.Metrics(present=True, n=10, loss=0.5, accuracy=0.9,
                                     macro_f1=0.8, r2=nan)
        self.assertEqual(fedc.metrics(m), {"n": 10, "loss": 0.5, "accuracy": 0.9,
                                           "macro_f1": 0.8, "r2": None})
        self.assertIsNone(fedc.metrics(fedc.control_pb2.Metrics()))

    def test_enums(self):
        self.assertIs(fedc.enums.parse(fedc.JobState, "done"), fedc.JobState.DONE)
        self.assertTrue(fedc.JobState.ABORTED.final)
        self.assertEqual(fedc.enums.parse(fedc.JobState, "paused"), "paused")
        names = fedc.agent_pb2.DeclineReason.keys()
        self.assertEqual([n[len("DECLINE_"):] for n in names],
                         [r.name for r in fedc.DeclineReason])


if __name__ == "__main__":
    unittest.main()
