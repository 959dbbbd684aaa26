#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`dlakit bench` (env DLAKIT, SRC as in E2E_ENV) on the bundled dla46c_mnist_64 float model, 64x64.

--profile --json: one profile entry per node of the fused graph (63: 49 Conv, 6 MaxPool, 6 Concat,
GlobalAveragePool, Flatten; the Relus and Adds are fused), the nodes' MACs adding up to "macs",
which equals an independent count from the ONNX file's conv shapes (46,860,800); min <= median <=
max, images_per_s = 1000 / median. Kernels: with the AVX-512 set, the stem "avx512-fma", level 1
"avx512-bcast nchw>16c" (NCHW in, channel-blocked out), every MaxPool "16c>16c"; with
DLAKIT_LAYOUT=nchw no "16c" anywhere; with DLAKIT_ISA=ref every kernel "". The text form has a
"kernel" column and one line per node.
"""
import collections
import json
import os
import subprocess
import sys

import onnx
from onnx import shape_inference

DLAKIT, SRC = os.environ["DLAKIT"], os.environ["SRC"]
MODEL = os.path.join(SRC, "models", "dla46c_mnist_64", "dla46c_mnist_64.onnx")
fails = []


def expect(cond, what, got, want):
    print(f"{'ok ' if cond else 'FAIL'} {what}: {got!r}" + ("" if cond else f" (want {want!r})"))
    if not cond:
        fails.append(what)


def bench(extra_env, *args):
    env = dict(os.environ, **extra_env)
    r = subprocess.run([DLAKIT, "bench", MODEL, "--size", "64", "--runs", "3", "--warmup", "0", "--profile", *args],
                       capture_output=True, text=True, env=env)
    expect(r.returncode == 0, f"bench {' '.join(args)} {extra_env} exit", r.returncode, 0)
    return r.stdout


def conv_macs():
    m = onnx.load(MODEL)
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    inf = shape_inference.infer_shapes(m)
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(inf.graph.value_info) + list(inf.graph.output) + list(inf.graph.input)}
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    total = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            y, w = shapes[n.output[0]], inits[n.input[1]]
            total += y[0] * y[1] * y[2] * y[3] * w[1] * w[2] * w[3]
    return total


d = json.loads(bench({}, "--json"))
prof = d["profile"]
ops = collections.Counter(p["op"] for p in prof)
expect(len(prof) == 63, "profile entries", len(prof), 63)
want_ops = {"Conv": 49, "MaxPool": 6, "Concat": 6, "GlobalAveragePool": 1, "Flatten": 1}
expect(dict(ops) == want_ops, "profile ops", dict(ops), want_ops)
macs = conv_macs()
expect(macs == 46860800, "MACs counted from the ONNX file", macs, 46860800)
expect(d["macs"] == macs, "bench macs", d["macs"], macs)
expect(sum(p["macs"] for p in prof) == macs, "profile MACs add up", sum(p["macs"] for p in prof), macs)
expect(d["min_ms"] <= d["median_ms"] <= d["max_ms"], "min <= median <= max",
       (d["min_ms"], d["median_ms"], d["max_ms"]), "ordered")
expect(abs(d["images_per_s"] - 1000 / d["median_ms"]) <= 0.01 * d["images_per_s"] + 0.1, "images/s = 1000 / median",
       d["images_per_s"], 1000 / d["median_ms"])
kern = {p["node"]: p["kernel"] for p in prof}
if d["isa"] == "avx512" and os.environ.get("DLAKIT_LAYOUT") != "nchw":
    expect(kern["/base_layer/base_layer.0/Conv"] == "avx512-fma", "stem kernel", kern["/base_layer/base_layer.0/Conv"],
           "avx512-fma")
    expect(kern["/level1/level1.0/Conv"] == "avx512-bcast nchw>16c", "level 1 kernel", kern["/level1/level1.0/Conv"],
           "avx512-bcast nchw>16c")
    pools = sorted({p["kernel"] for p in prof if p["op"] == "MaxPool"})
    expect(pools == ["16c>16c"], "MaxPool kernels", pools, ["16c>16c"])
    flat = json.loads(bench({"DLAKIT_LAYOUT": "nchw"}, "--json"))["profile"]
    blocked = [p["node"] for p in flat if "16c" in p["kernel"]]
    expect(blocked == [], "DLAKIT_LAYOUT=nchw: channel-blocked nodes", blocked, [])
else:
    print(f"kernels {d['isa']}: the AVX-512 kernel names are not checked")
ref = json.loads(bench({"DLAKIT_ISA": "ref"}, "--json"))
expect(ref["isa"] == "ref", "DLAKIT_ISA=ref isa", ref["isa"], "ref")
# the reference table's convs are named "ref"; no other operator names a kernel, nothing is channel-blocked
ref_kernels = {(p["op"], p["kernel"]) for p in ref["profile"]}
want_ref = {(op, "ref" if op == "Conv" else "") for op, _ in ref_kernels}
expect(ref_kernels == want_ref, "DLAKIT_ISA=ref kernels", ref_kernels, want_ref)
text = bench({}).splitlines()
expect(text[1].split()[:6] == ["ms", "share", "cum", "GMAC/s", "op", "kernel"], "text header", text[1].split()[:6],
       ["ms", "share", "cum", "GMAC/s", "op", "kernel"])
expect(len(text) == 2 + 63 + 1, "text lines", len(text), 66)
sys.exit(1 if fails else 0)
