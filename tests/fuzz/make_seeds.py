#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tiny float DLA-like classifiers: the seeds of the quantize fuzz target (tests/fuzz/seeds/quantize);
their int8 versions (QDQ and QOperator, written by `dlakit quantize`) seed the compile target.
  /usr/bin/python3 tests/fuzz/make_seeds.py OUTDIR     (then scripts/fuzz.sh's note: quantize them)
Each model has the operators of the DLA family: Conv (+Relu), MaxPool, Add, Concat,
GlobalAveragePool, a 1x1 Conv classifier and Flatten, on a 3 x 16 x 16 input, a few hundred weights."""
import sys, os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

rng = np.random.default_rng(7)


def conv(nodes, inits, name, x, cin, cout, k, stride=1, relu=True, group=1):
    w = (rng.standard_normal((cout, cin // group, k, k)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, name + ".w"), numpy_helper.from_array(b, name + ".b")]
    y = name + ".y"
    nodes.append(helper.make_node("Conv", [x, name + ".w", name + ".b"], [y], name=name, kernel_shape=[k, k],
                                  strides=[stride, stride], pads=[k // 2] * 4, group=group))
    if relu:
        nodes.append(helper.make_node("Relu", [y], [name + ".r"], name=name + "_relu"))
        return name + ".r"
    return y


def model(kind):
    nodes, inits = [], []
    x = conv(nodes, inits, "stem", "input", 3, 8, 3)
    if kind >= 1:
        p = "pool.y"
        nodes.append(helper.make_node("MaxPool", [x], [p], name="pool", kernel_shape=[2, 2], strides=[2, 2]))
        x = p
    c = 8
    if kind >= 2:  # a residual block
        a = conv(nodes, inits, "b1", x, c, c, 3, group=4 if kind == 3 else 1)
        a = conv(nodes, inits, "b2", a, c, c, 1, relu=False)
        nodes.append(helper.make_node("Add", [a, x], ["add.y"], name="add"))
        nodes.append(helper.make_node("Relu", ["add.y"], ["add.r"], name="add_relu"))
        nodes.append(helper.make_node("Concat", ["add.r", x], ["cat.y"], name="cat", axis=1))
        x = conv(nodes, inits, "root", "cat.y", 2 * c, c, 1)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap.y"], name="gap"))
    fc = conv(nodes, inits, "fc", "gap.y", c, 10, 1, relu=False)
    nodes.append(helper.make_node("Flatten", [fc], ["output"], name="flatten", axis=1))
    g = helper.make_graph(nodes, f"tiny{kind}", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="dlakit make_seeds.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for kind in range(4):
    onnx.save(model(kind), os.path.join(out, f"tiny{kind}.onnx"))
np.save(os.path.join(out, "calib.npy"), rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8))


# tiny4_gemm: a Flatten + Gemm + Softmax head, which quantize cannot handle: the target's --exclude
# path (made after the others, so that their bytes do not change)
def model_gemm():
    nodes, inits = [], []
    x = conv(nodes, inits, "stem", "input", 3, 8, 3)
    a = conv(nodes, inits, "b1", x, 8, 8, 3, stride=2)
    nodes.append(helper.make_node("GlobalAveragePool", [a], ["gap.y"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap.y"], ["flat.y"], name="flatten", axis=1))
    w = (rng.standard_normal((10, 8)) * 0.3).astype(np.float32)
    inits.append(numpy_helper.from_array(w, "fc.w"))
    nodes.append(helper.make_node("Gemm", ["flat.y", "fc.w"], ["fc.y"], name="fc", transB=1))
    nodes.append(helper.make_node("Softmax", ["fc.y"], ["output"], name="softmax", axis=1))
    g = helper.make_graph(nodes, "tiny4_gemm", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="dlakit make_seeds.py")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


onnx.save(model_gemm(), os.path.join(out, "tiny4_gemm.onnx"))
