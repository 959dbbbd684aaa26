"""Seed models of the quantize and compile fuzz targets (tests/fuzz/seeds), made with Debian's
python3-onnx: tiny float DLA-like graphs (Conv+Relu stems, residual Add, Concat "aggregation" nodes,
MaxPool, GlobalAveragePool, Flatten/Reshape, a classifier Conv or Gemm) at 8x8 or symbolic sizes,
a few channels each, so that one calibration run takes well under a millisecond.
  /usr/bin/python3 tests/fuzz/make_seeds.py tests/fuzz/seeds
writes quantize/*.onnx (a 2-byte option prefix + the float model, see fuzz_quantize.c); the int8
seeds of compile are these models quantized by `dlakit quantize` (scripts/fuzz.sh seeds makes them
with the tool when it is built, see tests/fuzz/README-seeds in that script)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/seeds"


def conv(nodes, inits, name, x, cin, cout, k=3, stride=1, relu=True, group=1):
    w = (rng.standard_normal((cout, cin // group, k, k)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
    inits += [numpy_helper.from_array(w, name + ".weight"), numpy_helper.from_array(b, name + ".bias")]
    y = name + "_out"
    nodes.append(helper.make_node("Conv", [x, name + ".weight", name + ".bias"], [y], name=name + "/Conv",
                                  kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, group=group))
    if relu:
        nodes.append(helper.make_node("Relu", [y], [name + "_relu"], name=name + "/Relu"))
        y = name + "_relu"
    return y


def model(nodes, inits, out_name, classes, hw, opset=13):
    h, w = hw
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, h, w])
    y = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", classes])
    g = helper.make_graph(nodes, "tiny", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_seeds.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m.SerializeToString()


def head(nodes, inits, x, c, classes, use_gemm=False):
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="/global_pool/GlobalAveragePool"))
    if use_gemm:
        nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="/Flatten", axis=1))
        w = (rng.standard_normal((classes, c)) * 0.3).astype(np.float32)
        inits.append(numpy_helper.from_array(w, "fc.weight"))
        nodes.append(helper.make_node("Gemm", ["flat", "fc.weight"], ["scores"], name="/fc/Gemm", transB=1))
        return "scores"
    y = conv(nodes, inits, "fc", "gap", c, classes, k=1, relu=False)
    nodes.append(helper.make_node("Flatten", [y], ["scores"], name="/Flatten", axis=1))
    return "scores"


def dla_tiny(hw, c=4, classes=5, gemm=False, opset=13):
    nodes, inits = [], []
    s = conv(nodes, inits, "base", "input", 3, c)
    a = conv(nodes, inits, "l1a", s, c, c, stride=2)
    b = conv(nodes, inits, "l1b", a, c, c, relu=False)
    nodes.append(helper.make_node("Add", [b, a], ["res"], name="/l1/Add"))
    nodes.append(helper.make_node("Relu", ["res"], ["res_relu"], name="/l1/Relu"))
    p = "pool"
    nodes.append(helper.make_node("MaxPool", [s], [p], name="/l1/MaxPool", kernel_shape=[2, 2], strides=[2, 2]))
    nodes.append(helper.make_node("Concat", ["res_relu", p], ["cat"], name="/root/Concat", axis=1))
    r = conv(nodes, inits, "root", "cat", 2 * c, c, k=1)
    y = head(nodes, inits, r, c, classes, gemm)
    return model(nodes, inits, y, classes, hw, opset)


def chain(hw):
    nodes, inits = [], []
    x = conv(nodes, inits, "c0", "input", 3, 3, k=1)
    x = conv(nodes, inits, "c1", x, 3, 6, k=3, stride=2, group=3)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="/gap"))
    shape = numpy_helper.from_array(np.array([1, -1], np.int64), "shape")
    inits.append(shape)
    nodes.append(helper.make_node("Reshape", ["gap", "shape"], ["scores"], name="/Reshape"))
    return model(nodes, inits, "scores", 6, hw)


os.makedirs(f"{out}/quantize", exist_ok=True)
seeds = {
    "dla_tiny_8x8": (dla_tiny((8, 8)), 0x00, 0x04),
    "dla_tiny_sym_pct": (dla_tiny(("height", "width")), 0x01 | 0x80, 0x04),
    "dla_tiny_qop_entropy": (dla_tiny((8, 8), c=3), 0x02 | 0x04, 0x04),
    "dla_tiny_gemm_excl": (dla_tiny((8, 8), gemm=True), 0x40, 0x04),
    "dla_tiny_u8_sym": (dla_tiny((8, 8), opset=17), 0x20 | 0x10 | 0x08, 0x24),
    "chain_16x16": (chain((16, 16)), 0x04 | 0x08, 0x0c),
}
for name, (data, b0, b1) in seeds.items():
    with open(f"{out}/quantize/{name}.onnx", "wb") as f:
        f.write(bytes([b0, b1]) + data)
    with open(f"{out}/{name}.float.onnx", "wb") as f:
        f.write(data)
    print(name, len(data) + 2, "bytes")
