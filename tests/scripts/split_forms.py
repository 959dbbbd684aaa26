#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Split in each of its opset forms, float and int8, as ONNX backend-test folders for `dlakit conform`
(numpy's np.split as the oracle):

  split_forms.py OUTDIR

opset 11: the split attribute and equal parts; opset 13: the split input; opset 18: num_outputs
(chunks of ceil(len / n), the last shorter); int8 and uint8 data; a 4-D channel split with N = 2
(each output several blocks of the input).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TYPES = {np.float32: TensorProto.FLOAT, np.int8: TensorProto.INT8, np.uint8: TensorProto.UINT8}


def case(out, name, opset, x, axis, parts, split=None, as_input=False, num_outputs=None):
    t = TYPES[x.dtype.type]
    outs = np.split(x, np.cumsum(parts)[:-1], axis=axis)
    inputs, inits = ["x"], []
    attrs = {"axis": axis}
    if split is not None and as_input:
        inputs.append("split")
        inits.append(numpy_helper.from_array(np.array(split, np.int64), "split"))
    elif split is not None:
        attrs["split"] = split
    if num_outputs is not None:
        attrs["num_outputs"] = num_outputs
    names = [f"y{k}" for k in range(len(outs))]
    node = helper.make_node("Split", inputs, names, **attrs)
    g = helper.make_graph([node], name, [helper.make_tensor_value_info("x", t, x.shape)],
                          [helper.make_tensor_value_info(n, t, o.shape) for n, o in zip(names, outs)], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(m, os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "test_data_set_0", "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    for k, o in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(o), names[k]).SerializeToString())


def main():
    out = sys.argv[1]
    r = np.random.default_rng(20)
    xf = r.standard_normal((2, 12, 3, 5)).astype(np.float32)
    xi = r.integers(-128, 128, (2, 12, 3, 5)).astype(np.int8)
    xu = r.integers(0, 256, (1, 7, 4)).astype(np.uint8)
    case(out, "split11_attr", 11, xf, 1, [2, 6, 4], split=[2, 6, 4])
    case(out, "split11_equal", 11, xi, 1, [4, 4, 4])
    case(out, "split13_input_i8", 13, xi, 1, [1, 1, 10], split=[1, 1, 10], as_input=True)
    case(out, "split13_equal_u8", 13, xu, -1, [2, 2])
    case(out, "split18_num_outputs", 18, xu, 1, [3, 3, 1], num_outputs=3)
    case(out, "split18_input", 18, xf, 3, [1, 4], split=[1, 4], as_input=True)


if __name__ == "__main__":
    main()
