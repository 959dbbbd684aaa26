#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the hand-made regression inputs of tests/robust (issue #9) next to this script.

Each file reproduces one defect found by the probe or by the fuzzers; README.md says what each
one found and what dlakit must do with it now. The files are committed; this script documents
how they were made (run it with Debian's python3-onnx, python3-numpy, python3-pil).
"""
import io, os, struct, sys, zlib
import numpy as np
import onnx
from onnx import TensorProto as T, helper as h, numpy_helper as nh

D = os.path.dirname(os.path.abspath(__file__))


def save(model, name, opset=13):
    m = h.make_model(model, opset_imports=[h.make_opsetid("", opset)], producer_name="dlakit-robust")
    m.ir_version = 7
    with open(os.path.join(D, name), "wb") as f:
        f.write(m.SerializeToString())  # no checker: several are invalid on purpose


def t(name, arr):
    return nh.from_array(np.asarray(arr), name)


def qdq_conv(name, *, bias_scale_mul=1.0, per_channel=False, w_zp=True, opset=13, x_scale=0.02, y_scale=0.05,
             x_zp=0, zp_raw=None, empty_dq_input=False):
    """x float [1,2,8,8] -> Q -> DQ -> Conv(DQ(w int8), DQ(bias int32)) -> Q -> DQ -> y."""
    rng = np.random.default_rng(7)
    w = rng.integers(-100, 100, (4, 2, 3, 3), dtype=np.int8)
    ws = np.array([0.01, 0.02, 0.015, 0.03], np.float32) if per_channel else np.array(0.01, np.float32)
    xs = np.array(x_scale, np.float32)
    b = rng.integers(-500, 500, 4).astype(np.int32)
    bs = (xs * ws * np.float32(bias_scale_mul)).astype(np.float32)
    inits = [t("xs", xs), t("ys", np.array(y_scale, np.float32)), t("ws", ws), t("w", w), t("b", b), t("bs", bs)]
    if zp_raw is not None:
        z = T()
        z.name, z.data_type = "xz", T.INT8
        z.int32_data.append(zp_raw)  # int8 stored as int32: 300 does not fit
        inits.append(z)
    else:
        inits.append(t("xz", np.array(x_zp, np.int8)))
    inits.append(t("yz", np.array(0, np.int8)))
    wdq_in = ["w", "ws"]
    if w_zp:
        inits.append(t("wz", np.zeros(ws.shape, np.int8)))
        wdq_in.append("wz")
    nodes = [
        h.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="qx"),
        h.make_node("DequantizeLinear", ["" if empty_dq_input else "xq", "xs", "xz"], ["xd"], name="dqx"),
        h.make_node("DequantizeLinear", wdq_in, ["wd"], name="dqw", axis=0),
        h.make_node("DequantizeLinear", ["b", "bs"], ["bd"], name="dqb", axis=0),
        h.make_node("Conv", ["xd", "wd", "bd"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("QuantizeLinear", ["c", "ys", "yz"], ["yq"], name="qy"),
        h.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], name="dqy"),
    ]
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, [1, 2, 8, 8])],
                     [h.make_tensor_value_info("y", T.FLOAT, [1, 4, 8, 8])], inits)
    save(g, name, opset)


def simple(name, nodes, inputs, outputs, inits, opset=13):
    save(h.make_graph(nodes, "g", inputs, outputs, inits), name, opset)


F = T.FLOAT
vi = h.make_tensor_value_info

# 1. crashes
qdq_conv("dq_empty_input.onnx", empty_dq_input=True)
simple("maxpool_int8_scale.onnx", [
    h.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"]),
    h.make_node("DequantizeLinear", ["xq", "s8", "z"], ["xd"]),
    h.make_node("MaxPool", ["xd"], ["p"], kernel_shape=[2, 2]),
    h.make_node("QuantizeLinear", ["p", "s", "z"], ["pq"]),
    h.make_node("DequantizeLinear", ["pq", "s", "z"], ["y"])],
    [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 1, 2, 2])],
    [t("s", np.array(0.1, np.float32)), t("s8", np.array(3, np.int8)), t("z", np.array(0, np.int8))])
simple("reshape_overflow.onnx", [
    h.make_node("Reshape", ["x", "shape"], ["r"]), h.make_node("Softmax", ["r"], ["y"], axis=1)],
    [vi("x", F, [1, 3, 4, 4])], [vi("y", F, None)],
    [t("shape", np.array([2**62 + 3, 4096], np.int64))])
simple("input_overflow.onnx", [h.make_node("Softmax", ["x"], ["y"], axis=1)],
       [vi("x", F, [1, 2**30, 2**17, 2**17])], [vi("y", F, None)], [])
# 3. memory bomb: 381 bytes asking for a 4 GB tensor
simple("conv_pads_4096.onnx", [h.make_node("Conv", ["x", "w"], ["y"], pads=[4096] * 4)],
       [vi("x", F, [1, 3, 1, 1])], [vi("y", F, None)], [t("w", np.ones((16, 3, 1, 1), np.float32))])
# 4. silent wrong results
for nm, sv in (("zero", 0.0), ("negative", -0.02), ("nan", float("nan")), ("inf", float("inf"))):
    qdq_conv(f"scale_{nm}.onnx", x_scale=sv)
qdq_conv("zero_point_300.onnx", zp_raw=300)
qdq_conv("bias_scale_x1000.onnx", bias_scale_mul=1000.0)
qdq_conv("bias_scale_ok.onnx")
simple("maxpool_pads_gt_kernel.onnx", [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], pads=[3, 3, 3, 3])],
       [vi("x", F, [1, 1, 4, 4])], [vi("y", F, None)], [])
simple("avgpool_pads_gt_kernel.onnx", [h.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], pads=[2, 0, 0, 0])],
       [vi("x", F, [1, 1, 4, 4])], [vi("y", F, None)], [])
qdq_conv("per_channel_opset10.onnx", per_channel=True, opset=10)
# 5. valid model refused: per-channel weights without the optional zero point
qdq_conv("per_channel_no_zp.onnx", per_channel=True, w_zp=False)
qdq_conv("per_channel_zp.onnx", per_channel=True, w_zp=True)
# 7. control bytes in names
simple("control_bytes.onnx", [h.make_node("Relu", ["x"], ["y"], name="evil\x1b[31m\x07node"),
                              h.make_node("Bad\x1b]0;title\x07Op", ["y"], ["z"], name="n2")],
       [vi("x", F, [1, 1, 2, 2])], [vi("z", F, None)], [])
# DLA-like size rule: two branches, one downsampled (stride 2) then upsampled... kept simple: Add of a
# stride-2 path and a stride-2 pooled path whose rounding differs on odd sizes
simple("size_rule.onnx", [
    h.make_node("Conv", ["x", "w"], ["a"], strides=[2, 2], pads=[1, 1, 1, 1]),
    h.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
    h.make_node("Conv", ["p", "w1"], ["b"]),
    h.make_node("Add", ["a", "b"], ["y"])],
    [vi("x", F, [1, 3, "height", "width"])], [vi("y", F, None)],
    [t("w", np.ones((4, 3, 3, 3), np.float32) / 27), t("w1", np.ones((4, 3, 1, 1), np.float32) / 3)])


# 3. image bombs: headers only, declaring 16384x16384 (PNG 8-bit gray, 16-bit 32768x8192) and a
# progressive JPEG of 16384x16384
def png_header(w, hgt, depth, ctype):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, hgt, depth, ctype, 0, 0, 0)
    row = bytes(1 + w * (depth // 8) * (3 if ctype == 2 else 1))
    comp = zlib.compressobj(9)
    idat = comp.compress(row * 64) + comp.flush(zlib.Z_SYNC_FLUSH)  # first rows only: truncated on purpose
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)


open(os.path.join(D, "bomb_16384.png"), "wb").write(png_header(16384, 16384, 8, 0))
open(os.path.join(D, "bomb_16bit_32768x8192.png"), "wb").write(png_header(32768, 8192, 16, 2))
from PIL import Image
buf = io.BytesIO()
Image.new("RGB", (16, 16), (10, 20, 30)).save(buf, "JPEG", progressive=True, quality=50)
j = bytearray(buf.getvalue())
k = j.index(b"\xff\xc2")  # SOF2: length(2) precision(1) height(2) width(2)
j[k + 5:k + 9] = struct.pack(">HH", 16384, 16384)
open(os.path.join(D, "bomb_progressive_16384.jpg"), "wb").write(bytes(j))
print("wrote", len(os.listdir(D)), "files in", D)
