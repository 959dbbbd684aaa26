# SPDX-License-Identifier: Apache-2.0
"""The Python package against the tool, from an installed prefix (tests/scripts/install.sh runs it
with PYTHONPATH=PREFIX/lib/python3/dist-packages): dlakit.Model.run gives `dlakit run`'s scores bit
for bit, preprocess `dlakit preprocess`'s bytes, classify/analyze/quantize/compile what the
commands give, and failures raise dlakit.Error with the library's message. unittest (pytest runs
it too). Environment: DLAKIT (the tool), SRC (the repository), PREFIX, TMP, SHARED."""
import glob
import json
import os
import subprocess
import unittest

import numpy as np

import dlakit

SRC = os.environ["SRC"]
TOOL = os.environ["DLAKIT"]
TMP = os.environ["TMP"]
SHARED = os.environ.get("SHARED", os.path.join(SRC, "..", "shared"))
MNIST = os.path.join(SRC, "models", "dla46c_mnist_64")
FLOAT, QDQ, QOP = (os.path.join(MNIST, f"dla46c_mnist_64{s}.onnx") for s in ("", "_qdq_int8", "_qop_int8"))
DIGITS = sorted(glob.glob(os.path.join(SRC, "data", "digits", "*", "*.png")))


def tool(*args):
    return subprocess.run([TOOL, *args], check=True, capture_output=True, text=True).stdout


class Installed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.npy = os.path.join(TMP, "py_digits.npy")
        tool("preprocess", *DIGITS, "--size", "64", "-o", cls.npy)
        cls.images = np.load(cls.npy)

    def test_from_prefix(self):
        self.assertTrue(os.path.abspath(dlakit.__file__).startswith(os.path.abspath(os.environ["PREFIX"])))
        self.assertEqual("dlakit " + dlakit.__version__, tool("--version").strip())

    def test_run_bits(self):
        self.assertGreaterEqual(len(self.images), 10)
        for model in (FLOAT, QDQ, QOP):
            out = os.path.join(TMP, "py_ref.npy")
            tool("run", model, "--images-npy", self.npy, "-o", out, "--quiet")
            ref = np.load(out)
            with dlakit.Model(model) as m:
                for batch in (1, 4):
                    got = m.run(self.images, batch=batch)
                    self.assertEqual(got.dtype, np.float32)
                    self.assertEqual(got.shape, ref.shape)
                    self.assertEqual(got.tobytes(), ref.tobytes(), f"{model} batch {batch}")

    def test_preprocess_bytes(self):
        got = np.stack([dlakit.preprocess(p, size=64) for p in DIGITS])
        self.assertEqual(got.tobytes(), self.images.tobytes())
        photo = os.path.join(SHARED, "images", "chelsea.jpg")
        if os.path.exists(photo):
            out = os.path.join(TMP, "py_photo.npy")
            tool("preprocess", photo, "--size", "224", "-o", out)
            self.assertEqual(dlakit.preprocess(photo).tobytes(), np.load(out)[0].tobytes())

    def test_classify(self):
        want = json.loads(tool("classify", QDQ, DIGITS[0], DIGITS[-1], "--json"))["results"]
        with dlakit.Model(QDQ) as m:
            for w, path in zip(want, (DIGITS[0], DIGITS[-1])):
                got = m.classify(path)
                self.assertEqual([c for c, _, _ in got], [t["class"] for t in w["top"]])
                self.assertEqual([round(p, 6) for _, p, _ in got], [t["probability"] for t in w["top"]])
            # a preprocessed array ranks as the file does
            self.assertEqual(m.classify(self.images[0]), m.classify(DIGITS[0]))

    def test_analyze(self):
        for model in (QDQ, FLOAT):
            want = json.loads(tool("analyze", model, "--json"))
            got = dlakit.analyze(model)
            for k in ("macs", "params", "weights_bytes", "int8_weight_bytes", "peak_ram_bytes", "lower_bound_bytes"):
                self.assertEqual(got[k], want[k], k)
            self.assertEqual([l["name"] for l in got["layers"]], [l["name"] for l in want["layers"]])

    def test_quantize_same_file(self):
        a, b = os.path.join(TMP, "py_q.onnx"), os.path.join(TMP, "tool_q.onnx")
        calib = os.path.join(SRC, "data", "digits")
        res = dlakit.quantize(FLOAT, a, calib=calib, calib_count=6)
        tool("quantize", FLOAT, "-o", b, "--calib", calib, "--calib-count", "6", "--quiet")
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        self.assertEqual(res["calibration_images"], 6)
        self.assertEqual(res["bytes"], os.path.getsize(a))

    def test_compile_same_files(self):
        da, db = os.path.join(TMP, "py_c"), os.path.join(TMP, "tool_c")
        os.makedirs(da, exist_ok=True)
        os.makedirs(db, exist_ok=True)
        t = dlakit.compile(QDQ, da, name="mnist")
        tool("compile", QDQ, "-o", db, "--name", "mnist")
        for f in ("mnist.c", "mnist.h"):
            with open(os.path.join(da, f), "rb") as fa, open(os.path.join(db, f), "rb") as fb:
                self.assertEqual(fa.read(), fb.read(), f)
        self.assertEqual(t["macs"], dlakit.analyze(QDQ)["macs"])

    def test_errors(self):
        missing = os.path.join(TMP, "no_such.onnx")
        with self.assertRaises(dlakit.Error) as e:
            dlakit.Model(missing)
        self.assertEqual(str(e.exception), f"{missing}: cannot open: No such file or directory")
        with self.assertRaises(dlakit.Error) as e:
            dlakit.quantize(QDQ, os.path.join(TMP, "x.onnx"), calib=os.path.join(SRC, "data", "digits"))
        self.assertIn("already an int8 model", str(e.exception))
        with self.assertRaises(dlakit.Error) as e:
            dlakit.compile(FLOAT, TMP)
        self.assertIn("needs an int8 model", str(e.exception))
        with self.assertRaises(dlakit.Error) as e:
            dlakit.preprocess(os.path.join(SRC, "README.md"))
        self.assertTrue(str(e.exception).startswith(os.path.join(SRC, "README.md") + ": "), str(e.exception))
        self.assertFalse(os.path.exists(os.path.join(TMP, "x.onnx")))


if __name__ == "__main__":
    unittest.main()
