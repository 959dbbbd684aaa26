#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of the compile/analyze tests (tests/scripts/mcu_*.sh).

  check.py images IN.npy OUT.bin [COUNT]      first COUNT uint8 N x H x W x 3 images as raw bytes
  check.py same OUT.bin REF.npy [COUNT]       float32 scores in OUT.bin bit-identical to the first
                                              COUNT rows of REF.npy (exit 1 otherwise)
  check.py oracle MODEL.onnx ANALYZE.json     MACs and parameters counted from the ONNX file's
                                              shapes (onnx shape inference), independently of
                                              dlakit, equal analyze's; per-layer sums equal totals
"""
import json
import sys

import numpy as np


def images(src, dst, count=None):
    x = np.load(src)
    if count is not None:
        x = x[: int(count)]
    assert x.dtype == np.uint8 and x.ndim == 4 and x.shape[3] == 3, x.shape
    np.ascontiguousarray(x).tofile(dst)
    print(f"{len(x)} images {x.shape[1]}x{x.shape[2]} -> {dst}")


def same(out, ref, count=None):
    r = np.load(ref).astype(np.float32)
    if count is not None:
        r = r[: int(count)]
    o = np.fromfile(out, dtype=np.float32)
    if o.size != r.size:
        print(f"FAIL {out}: {o.size} scores, {ref} has {r.size}")
        return 1
    o = o.reshape(r.shape)
    diff = int((o.view(np.uint32) != r.view(np.uint32)).sum())
    if diff:
        i = np.argwhere(o.view(np.uint32) != r.view(np.uint32))[0]
        print(f"FAIL {out} vs {ref}: {diff} of {r.size} scores differ (first at {tuple(i)}: {o[tuple(i)]} vs {r[tuple(i)]})")
        return 1
    print(f"ok {out}: {r.shape[0]} x {r.shape[1]} scores bit-identical to {ref}")
    return 0


def oracle(model, analyze_json):
    import onnx
    from onnx import numpy_helper, shape_inference

    m = shape_inference.infer_shapes(onnx.load(model))
    g = m.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    shapes = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    producer = {o: n for n in g.node for o in n.output}

    def const_behind(name):  # an initializer, possibly through DequantizeLinear
        if name in init:
            return init[name]
        n = producer.get(name)
        if n is not None and n.op_type == "DequantizeLinear" and n.input[0] in init:
            return init[n.input[0]]
        return None

    macs = params = int8w = 0
    for n in g.node:
        if n.op_type not in ("Conv", "QLinearConv"):
            continue
        wname = n.input[1] if n.op_type == "Conv" else n.input[3]
        w = const_behind(wname)
        y = shapes[n.output[0]]
        y[0] = 1
        group = next((a.i for a in n.attribute if a.name == "group"), 1)
        m_out, cin_g, kh, kw = w.shape
        macs += int(np.prod(y)) * cin_g * kh * kw
        params += w.size
        bname = (n.input[2] if len(n.input) > 2 else "") if n.op_type == "Conv" else (n.input[8] if len(n.input) > 8 else "")
        if bname:
            params += const_behind(bname).size
        if w.dtype in (np.int8, np.uint8):
            int8w += w.size
        assert cin_g * group == shapes[n.input[0]][1]
    a = json.load(open(analyze_json))
    fails = 0
    for key, want in (("macs", macs), ("params", params), ("int8_weight_bytes", int8w)):
        ok = a[key] == want
        fails += not ok
        print(f"{'ok' if ok else 'FAIL'} {key}: analyze {a[key]}, counted from the ONNX shapes {want}")
    for key in ("macs", "params", "weights_bytes"):
        s = sum(layer[key] for layer in a["layers"])
        ok = s == a[key]
        fails += not ok
        print(f"{'ok' if ok else 'FAIL'} sum of the layers' {key} {s} == total {a[key]}")
    lb = max(layer["live_bytes"] for layer in a["layers"])
    ok = lb == a["lower_bound_bytes"] and a["peak_ram_bytes"] >= lb
    fails += not ok
    print(f"{'ok' if ok else 'FAIL'} lower bound {a['lower_bound_bytes']} = max live bytes {lb} <= peak {a['peak_ram_bytes']}")
    return 1 if fails else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "images":
        images(*args)
    elif cmd == "same":
        sys.exit(same(*args))
    elif cmd == "oracle":
        sys.exit(oracle(*args))
    else:
        sys.exit(f"unknown command {cmd}")
