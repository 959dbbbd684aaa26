#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the hand-made regression inputs of tests/robust for issue #24 (the second hostile round)
next to this script. README.md ("Round 2") says what each found and what dlakit does now. Run with
Debian's python3-onnx, python3-numpy, python3-pil; the files are committed.
"""
import io, os
import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh
from PIL import Image

D = os.path.dirname(os.path.abspath(__file__))


def save(graph, name):
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)], producer_name="dlakit-robust")
    m.ir_version = 7
    with open(os.path.join(D, name), "wb") as f:
        f.write(m.SerializeToString())


def conv_model(name, **attrs):
    """x [1,3,8,8] -> Conv 3x3 pad 1 (4 filters, mixed-sign weights) -> GAP -> Flatten: scores [1,4]."""
    rng = np.random.default_rng(24)
    w = nh.from_array(rng.normal(0, 1, (4, 3, 3, 3)).astype(np.float32), "w")
    b = nh.from_array(np.array([-2, -1, 0, 1], np.float32), "b")
    nodes = [h.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1], **attrs),
             h.make_node("GlobalAveragePool", ["c"], ["g"], name="gap"),
             h.make_node("Flatten", ["g"], ["y"], name="flat")]
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, [1, 3, 8, 8])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4])], [w, b])
    save(g, name)


# dlakit's own Conv+Relu marker set by a file: `run` applied a Relu the file does not have
conv_model("attr_dlk_relu.onnx", dlk_relu=1)

# any input size: GlobalAveragePool -> Flatten (scores = the channel means)
g = h.make_graph([h.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
                  h.make_node("Flatten", ["g"], ["y"], name="flat")], "g",
                 [h.make_tensor_value_info("x", T.FLOAT, [1, 3, "H", "W"])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 3])])
save(g, "any_size.onnx")

rng = np.random.default_rng(24)
img = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)

# a progressive JPEG whose last scan is repeated: 600 scans (the 2.5 MB file of the probe had 20,000)
b = io.BytesIO()
Image.fromarray(img).save(b, "JPEG", quality=90, progressive=True)
d = b.getvalue()
last_sos = d.rfind(b"\xff\xda")
scan = d[last_sos:-2]
n_scans = d.count(b"\xff\xda")
with open(os.path.join(D, "jpeg_600_scans.jpg"), "wb") as f:
    f.write(d[:-2] + scan * (600 - n_scans) + b"\xff\xd9")

# a baseline JPEG without its end marker (EOI): Debian 12's Pillow 9.4 refuses it
b = io.BytesIO()
Image.fromarray(img).save(b, "JPEG", quality=90)
with open(os.path.join(D, "jpeg_no_eoi.jpg"), "wb") as f:
    f.write(b.getvalue()[:-2])

# labels with ESC, BEL, a tab, an invalid UTF-8 byte and a valid non-ASCII name
with open(os.path.join(D, "labels_control.txt"), "wb") as f:
    f.write(b"zero\nesc\x1b[31mred\nbel\x07\ntab\there\nbad\xff\xfebytes\ncaf\xc3\xa9\n")

# any input size; a 1x1 Conv to 64 channels, then MaxPool 128x128: at 8192x8192 the int8 arena
# is over 4 GiB, which no 32-bit microcontroller addresses (compile)
rng = np.random.default_rng(5)
g = h.make_graph([h.make_node("Conv", ["x", "w", "b"], ["c"], name="conv"),
                  h.make_node("Relu", ["c"], ["r"], name="relu"),
                  h.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[128, 128], strides=[128, 128]),
                  h.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
                  h.make_node("Flatten", ["g"], ["y"], name="flat")], "g",
                 [h.make_tensor_value_info("x", T.FLOAT, [1, 3, "H", "W"])],
                 [h.make_tensor_value_info("y", T.FLOAT, [1, 64])],
                 [nh.from_array(rng.normal(0, 1, (64, 3, 1, 1)).astype(np.float32), "w"),
                  nh.from_array(rng.normal(0, 1, 64).astype(np.float32), "b")])
save(g, "any_size_conv64.onnx")
