#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compares a QDQ model dlakit quantized with ONNX Runtime's (the reference file): every Conv's
int8 weights and weight scales identical, activation scales within REL (default 1e-4) relative,
zero points and int32 biases within +-1, the same Q/DQ structure (node names, inputs, outputs).
usage: quantize_compare.py OURS.onnx REFERENCE.onnx [REL | weights]
'weights': only the weights, weight scales and the node structure (models calibrated on other data)."""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    m = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return m, init


def main():
    ours_path, ref_path = sys.argv[1], sys.argv[2]
    weights_only = len(sys.argv) > 3 and sys.argv[3] == "weights"
    rel = float(sys.argv[3]) if len(sys.argv) > 3 and not weights_only else 1e-4
    ours, oi = load(ours_path)
    ref, ri = load(ref_path)
    fails = []
    convs = [n for n in ref.graph.node if n.op_type == "Conv"]
    dq_of = {n.output[0]: n for n in ref.graph.node if n.op_type == "DequantizeLinear"}
    w_names, b_names = set(), set()
    for c in convs:
        w_names.add(dq_of[c.input[1]].input[0])
        if len(c.input) > 2:
            b_names.add(dq_of[c.input[2]].input[0])
    stats = {"weights": 0, "weight_scales": 0, "act_scales": 0, "zero_points": 0, "biases": 0}
    max_rel, max_zp, max_bias = 0.0, 0, 0
    missing = sorted(set(ri) - set(oi))
    if missing:
        fails.append(f"{len(missing)} initializers missing, e.g. {missing[:3]}")
    for name, r in ri.items():
        if name not in oi:
            continue
        o = oi[name]
        if o.dtype != r.dtype or o.shape != r.shape:
            fails.append(f"{name}: {o.dtype}{o.shape} vs {r.dtype}{r.shape}")
            continue
        if name in w_names:
            stats["weights"] += 1
            if not np.array_equal(o, r):
                fails.append(f"{name}: {int((o != r).sum())} int8 weights differ")
        elif name in b_names:
            stats["biases"] += 1
            d = int(np.abs(o.astype(np.int64) - r.astype(np.int64)).max()) if o.size else 0
            max_bias = max(max_bias, d)
        elif name.endswith("_scale") and name[: -len("_scale")] + "_quantized" in w_names:
            stats["weight_scales"] += 1
            if not np.array_equal(o, r):
                fails.append(f"{name}: weight scales differ (max rel {float(np.max(np.abs(o / r - 1))):.3g})")
        elif name.endswith("_quantized_scale"):
            pass  # bias scales follow from the input and weight scales
        elif name.endswith("_scale"):
            stats["act_scales"] += 1
            e = float(np.max(np.abs(o.astype(np.float64) / r.astype(np.float64) - 1)))
            max_rel = max(max_rel, e)
        elif name.endswith("_zero_point"):
            stats["zero_points"] += 1
            d = int(np.abs(o.astype(np.int64) - r.astype(np.int64)).max()) if o.size else 0
            max_zp = max(max_zp, d)
    if weights_only:
        max_rel, max_zp, max_bias = 0.0, 0, 0
    if max_rel > rel:
        fails.append(f"activation scale max relative difference {max_rel:.3g} > {rel}")
    if max_zp > 1:
        fails.append(f"zero point max difference {max_zp} > 1")
    if max_bias > 1:
        fails.append(f"int32 bias max difference {max_bias} > 1")
    # structure: the same nodes (names, types, inputs, outputs) in any order
    def nodes(m):
        return {n.name: (n.op_type, tuple(n.input), tuple(n.output)) for n in m.graph.node}
    on, rn = nodes(ours), nodes(ref)
    diff = [k for k in rn if on.get(k) != rn[k]] + [k for k in on if k not in rn]
    if diff:
        fails.append(f"{len(diff)} nodes differ in name, type, inputs or outputs, e.g. {diff[:2]}: "
                     f"{on.get(diff[0])} vs {rn.get(diff[0])}")
    if weights_only:
        print(f"compared {stats['weights']} int8 weights, {stats['weight_scales']} weight scales and {len(rn)} nodes "
              f"(activation parameters not compared)")
    else:
        print(f"compared {stats['weights']} int8 weights (identical: {not any('weights differ' in f for f in fails)}), "
              f"{stats['weight_scales']} weight scales, {stats['act_scales']} activation scales "
              f"(max rel diff {max_rel:.3g}), {stats['zero_points']} zero points (max diff {max_zp}), "
              f"{stats['biases']} int32 biases (max diff {max_bias}), {len(rn)} nodes")
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
