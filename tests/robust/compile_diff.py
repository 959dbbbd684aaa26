#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Differential test of `dlakit compile` (issue 24): random small int8 QOperator classifiers with
hostile node names and a random program name; the generated C must build with
`cc -std=c99 -Wall -Wextra -pedantic -Werror` and give the scores of `dlakit run` bit for bit.

  compile_diff.py DLAKIT WORK --seeds A:B [--cc CC]   random models A..B-1 (seeded: reproducible)
  compile_diff.py DLAKIT WORK --models F.onnx...       given models (tests/robust/cg_*.onnx)
  compile_diff.py --regressions DIR                    writes the regression models cg_*.onnx

Each model: QuantizeLinear (int8 or uint8) -> a random chain of QLinearConv (each output int8 or
uint8, per-channel weights, groups, strides), MaxPool, QLinearAdd, QLinearConcat,
QLinearGlobalAveragePool -> a 1x1 QLinearConv classifier -> Flatten -> DequantizeLinear. A model
compile refuses must be refused with a message (counted, not a failure). Prints one line per model
and a summary; exit 1 on any mismatch, build failure or crash. The failing model stays in WORK."""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HOSTILE = [
    "conv", "conv_w", "conv_b", "conv_scale", "conv_wzp", "conv_lut0", "conv_1", "conv_2", "level1/conv", "level1_conv",
    "level1__conv", "arena", "arena_words", "image", "scores", "input_table", "quantize_input", "x", "c", "i", "len", "step",
    "scale", "zero_point", "plane", "NULL", "uint8_t", "int8_t", "size_t", "int32_t", "memcpy", "memset", "strlen", "int",
    "for", "return", "static", "bool", "true", "_Bool", "__x", "_X", "errno", "EDOM", "INT8_MAX", "UINT8_C", "SIZE_MAX",
    "sin", "sinf", "floorf", "lrintf", "y1", "main", "dlk_conv_q8_ref", "dlk_requant", "ld_q8", "st_q8", "clamp_round",
    "dlk_qconv_params", "DLK_Q_I8", "L1_x", "L2", "0abc", "123", "", "_", "*/", "a*/b", "/*", "*/\n#define x 1\n/*",
    "*/ #define dlk_requant(a,b,c,d,e) 0 /*", "??/", "a??=b", "back\\slash", "\\", "new\nline", "tab\there", "\x01\x02",
    "caf\u00e9", "\u2028", "x" * 200, "NAME_IN_H", "NAME_run", "NAME_dlk_requant", "NAME", "isnan", "total", "strange",
    "memo", "offsetof", "assert", "complex", "I", "restrict", "inline", "M_PI", "PRIu8", "FP_NAN", "signbit",
]
NAMES = ["m", "net", "model_a", "L", "K9", "Lenet", "mnist2", "x", "isle", "conv"]


class Gen:
    def __init__(self, seed, name, hostile=True):
        self.r = np.random.default_rng(seed)
        self.nodes, self.inits, self.k, self.name, self.hostile = [], [], 0, name, hostile

    def nm(self, base):
        if self.hostile and self.r.random() < 0.8:
            s = HOSTILE[self.r.integers(len(HOSTILE))]
            return s.replace("NAME", self.name)
        return base

    def const(self, arr):
        self.k += 1
        t = f"c{self.k}"
        self.inits.append(numpy_helper.from_array(arr, t))
        return t

    def qparams(self, typ):
        s = np.float32(self.r.uniform(0.005, 0.08))
        zp = int(self.r.integers(0, 256)) if typ == "u8" else int(self.r.integers(-128, 128))
        return s, zp

    def sc(self, s):
        return self.const(np.array(s, dtype=np.float32))

    def zp(self, z, typ):
        return self.const(np.array(z, dtype=np.uint8 if typ == "u8" else np.int8))

    def node(self, op, ins, name, domain=None, **attrs):
        self.k += 1
        out = f"t{self.k}"
        self.nodes.append(helper.make_node(op, ins, [out], name=self.nm(name), domain=domain, **attrs))
        return out

    # values: dict(t=tensor, c, h, w, typ, s, zp)
    def conv(self, v, cout=None, k=None, stride=None, typ=None, final=False):
        r = self.r
        cin = v["c"]
        cout = cout or int(r.integers(1, 9))
        k = k or int(r.choice([1, 3])) if not final else 1
        stride = stride or (1 if final or min(v["h"], v["w"]) < 3 else int(r.choice([1, 1, 2])))
        group = 1
        if not final and r.random() < 0.3:
            g = int(r.choice([d for d in range(1, cin + 1) if cin % d == 0]))
            cout = g * max(1, cout // g)
            group = g
        pad = k // 2 if r.random() < 0.8 else 0
        typ = typ or str(r.choice(["i8", "u8"]))
        wt = "u8" if r.random() < 0.15 else "i8"
        if wt == "i8":
            w = r.integers(-127, 128, (cout, cin // group, k, k)).astype(np.int8)
            wzp = np.zeros(cout, np.int8)
        else:
            w = r.integers(0, 256, (cout, cin // group, k, k)).astype(np.uint8)
            wzp = np.full(cout, 128, np.uint8)
        ws = r.uniform(0.002, 0.02, cout).astype(np.float32)
        b = r.integers(-2000, 2000, cout).astype(np.int32)
        ys, yz = self.qparams(typ)
        ins = [v["t"], self.sc(v["s"]), self.zp(v["zp"], v["typ"]), self.const(w), self.const(ws), self.const(wzp),
               self.sc(ys), self.zp(yz, typ)]
        if r.random() < 0.8:
            ins.append(self.const(b))
        t = self.node("QLinearConv", ins, "conv", kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)
        h = (v["h"] + 2 * pad - k) // stride + 1
        w_ = (v["w"] + 2 * pad - k) // stride + 1
        return dict(t=t, c=cout, h=h, w=w_, typ=typ, s=ys, zp=yz)

    def wide(self, v):
        return self.conv(v, cout=16, k=1, stride=1, typ="i8")

    def maxpool(self, v):
        if min(v["h"], v["w"]) >= 2 and self.r.random() < 0.6:
            t = self.node("MaxPool", [v["t"]], "pool", kernel_shape=[2, 2], strides=[2, 2])
            return dict(v, t=t, h=v["h"] // 2, w=v["w"] // 2)
        t = self.node("MaxPool", [v["t"]], "pool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
        return dict(v, t=t)

    def add(self, v):
        b = self.conv(v, cout=v["c"], k=1, stride=1, typ=v["typ"])
        if (b["h"], b["w"]) != (v["h"], v["w"]):
            return b
        cs, cz = self.qparams(v["typ"])
        t = self.node("QLinearAdd", [b["t"], self.sc(b["s"]), self.zp(b["zp"], v["typ"]), v["t"], self.sc(v["s"]),
                                     self.zp(v["zp"], v["typ"]), self.sc(cs), self.zp(cz, v["typ"])], "add",
                      domain="com.microsoft")
        return dict(v, t=t, s=cs, zp=cz)

    def concat(self, v):
        b = self.conv(v, k=1, stride=1, typ=v["typ"])
        if self.r.random() < 0.4:
            ys, yz = v["s"], v["zp"]  # the first part copied as it is
        else:
            ys, yz = self.qparams(v["typ"])
        ins = [self.sc(ys), self.zp(yz, v["typ"])]
        for p in (v, b):
            ins += [p["t"], self.sc(p["s"]), self.zp(p["zp"], p["typ"])]
        t = self.node("QLinearConcat", ins, "cat", domain="com.microsoft", axis=1)
        return dict(v, t=t, c=v["c"] + b["c"], s=ys, zp=yz)

    def gap(self, v):
        ys, yz = self.qparams(v["typ"])
        t = self.node("QLinearGlobalAveragePool", [v["t"], self.sc(v["s"]), self.zp(v["zp"], v["typ"]), self.sc(ys),
                                                   self.zp(yz, v["typ"])], "gap", domain="com.microsoft", channels_last=0)
        return dict(v, t=t, h=1, w=1, s=ys, zp=yz)

    def model(self, size=None, in_typ=None, ops=None, symbolic=False, gap=None):
        r = self.r
        size = size or int(r.integers(4, 13))
        in_typ = in_typ or str(r.choice(["i8", "u8"]))
        s, z = np.float32(r.uniform(0.01, 0.04)), (int(r.integers(100, 156)) if in_typ == "u8" else int(r.integers(-28, 28)))
        t = self.node("QuantizeLinear", ["input", self.sc(s), self.zp(z, in_typ)], "quant")
        v = dict(t=t, c=3, h=size, w=size, typ=in_typ, s=s, zp=z)
        if ops is None:
            ops = [str(r.choice(["conv", "maxpool", "add", "concat"])) for _ in range(int(r.integers(1, 6)))]
        for op in ops:
            v = getattr(self, op)(v)
        if r.random() < 0.7 if gap is None else gap:
            v = self.gap(v)
        classes = int(r.integers(2, 11))
        v = self.conv(v, cout=classes, final=True)
        t = self.node("Flatten", [v["t"]], "flatten", axis=1)
        ds, dz = self.sc(v["s"]), self.zp(v["zp"], v["typ"])
        self.nodes.append(helper.make_node("DequantizeLinear", [t, ds, dz], ["output"], name=self.nm("dequant")))
        dims = [1, 3, "height", "width"] if symbolic else [1, 3, size, size]
        g = helper.make_graph(self.nodes, "cgdiff", [helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="dlakit compile_diff.py")
        m.ir_version = 7
        return m, size


DRIVER = r"""#include "NAME.h"
#include <stdio.h>
static uint8_t image[NAME_IN_H * NAME_IN_W * 3];
static float scores[NAME_NUM_CLASSES];
int main(void)
{
    FILE *in = fopen("in.bin", "rb"), *out = fopen("out.bin", "wb");
    if (!in || !out) return 2;
    while (fread(image, 1, sizeof image, in) == sizeof image) {
        if (NAME_run(image, scores) != 0) return 1;
        if (fwrite(scores, sizeof scores[0], NAME_NUM_CLASSES, out) != NAME_NUM_CLASSES) return 1;
    }
    fclose(in);
    return fclose(out) != 0;
}
"""


def check(dlakit, work, path, name, size, seed, cc):
    """'ok', 'refused' or a failure message."""
    d = os.path.join(work, "gen")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    imgs = np.random.default_rng(seed + 1000).integers(0, 256, (3, size, size, 3), dtype=np.uint8)
    np.save(os.path.join(work, "in.npy"), imgs)
    imgs.tofile(os.path.join(d, "in.bin"))
    r = subprocess.run([dlakit, "run", path, "--images-npy", os.path.join(work, "in.npy"), "-o", os.path.join(work, "run.npy"),
                        "--quiet"], capture_output=True, text=True, errors="replace")
    c = subprocess.run([dlakit, "compile", path, "-o", d, "--name", name], capture_output=True, text=True, errors="replace")
    if c.returncode < 0 or r.returncode < 0:
        return f"crash: run {r.returncode}, compile {c.returncode}: {c.stderr.strip()}"
    if c.returncode != 0:
        if not c.stderr.strip():
            return "compile refused without a message"
        return "refused" if r.returncode != 0 or "not supported" in c.stderr or "compile needs" in c.stderr else \
            f"compile refused a model run accepts: {c.stderr.strip()}"
    if r.returncode != 0:
        return f"run failed on a model compile accepts: {r.stderr.strip()}"
    with open(os.path.join(d, "driver.c"), "w") as f:
        f.write(DRIVER.replace("NAME", name))
    b = subprocess.run([cc, "-std=c99", "-O0", "-Wall", "-Wextra", "-pedantic", "-Werror", "-ffp-contract=off", "-I", d,
                        os.path.join(d, name + ".c"), os.path.join(d, "driver.c"), "-lm", "-o", os.path.join(d, "host")],
                       capture_output=True, text=True, errors="replace")
    if b.returncode != 0:
        return "the generated C does not build: " + b.stderr.strip()[:600]
    e = subprocess.run(["./host"], cwd=d, capture_output=True)
    if e.returncode != 0:
        return f"the generated program failed ({e.returncode})"
    want = np.load(os.path.join(work, "run.npy")).astype(np.float32)
    got = np.fromfile(os.path.join(d, "out.bin"), dtype=np.float32)
    if got.size != want.size or got.tobytes() != want.reshape(-1).tobytes():
        diff = int((got != want.reshape(-1)).sum()) if got.size == want.size else -1
        return f"scores differ from `dlakit run` ({diff} of {want.size} values)"
    return "ok"


# The regression models of tests/robust (README.md says what each one was).
REGRESSIONS = {
    "cg_comment_inject": dict(seed=1, names=["*/\n#define dlk_requant(a, b, c, d, e) 0\n/*", "a*/b", "/*", "??/", "\\",
                                             "new\nline", "\x01\x1f\x7f", "caf\u00e9", "x" * 300]),
    "cg_name_collide": dict(seed=2, names=["conv", "conv_w", "conv_b", "level1/conv", "level1_conv", "conv_3", "conv_3_w",
                                           "0abc", "", "L1_x", "L4"]),
    "cg_reserved": dict(seed=3, names=["arena", "image", "scores", "NULL", "uint8_t", "int", "memcpy", "m_IN_H", "m_run",
                                       "dlk_conv_q8_ref", "input_table", "quantize_input", "len", "scale", "sinf", "INT8_MAX",
                                       "__x", "_X", "for", "size_t", "ld_q8", "m_dlk_requant", "static"]),
    "cg_u8_input_i8_act": dict(seed=4, names=None),
    "cg_big_arena": dict(seed=5, names=None),
}


def regression(tag, spec):
    ops = ["conv", "maxpool", "add", "concat", "conv", "maxpool"]
    if tag == "cg_u8_input_i8_act":
        # a uint8 input QuantizeLinear, every activation int8: MaxPool, Add, Concat, GAP on int8 values
        g = Gen(spec["seed"], "m", hostile=False)
        orig = g.conv

        def conv_i8(v, **kw):
            kw["typ"] = "i8"
            return orig(v, **kw)
        g.conv = conv_i8
        g.r = np.random.default_rng(spec["seed"])
        m, _ = g.model(size=8, in_typ="u8", ops=ops)
        assert m.graph.node[0].op_type == "QuantizeLinear"
        return m
    if tag == "cg_big_arena":  # symbolic H x W: compile --size 11000 plans a 2.3 GB arena (3 + 16 channels, 2,299,000,000 bytes)
        m, _ = Gen(spec["seed"], "m", hostile=False).model(size=8, in_typ="i8", ops=["wide"], symbolic=True, gap=False)
        return m
    g = Gen(spec["seed"], "m", hostile=False)
    m, _ = g.model(size=8, in_typ="i8", ops=ops + ["concat", "add"])
    names = spec["names"]
    for i, n in enumerate(m.graph.node):
        n.name = names[i % len(names)]
    return m


def main(argv):
    if argv[1:2] == ["--regressions"]:
        for tag, spec in REGRESSIONS.items():
            onnx.save(regression(tag, spec), os.path.join(argv[2], tag + ".onnx"))
        return 0
    dlakit, work = os.path.abspath(argv[1]), argv[2]
    cc = argv[argv.index("--cc") + 1] if "--cc" in argv else os.environ.get("CC", "cc")
    os.makedirs(work, exist_ok=True)
    jobs = []
    if argv[3] == "--seeds":
        a, b = (int(x) for x in argv[4].split(":"))
        for seed in range(a, b):
            name = NAMES[seed % len(NAMES)]
            m, size = Gen(seed, name).model()
            path = os.path.join(work, f"seed{seed}.onnx")
            onnx.save(m, path)
            jobs.append((f"seed {seed}", path, name, size, seed))
    else:
        for i, path in enumerate(argv[4:]):
            size = onnx.load(path).graph.input[0].type.tensor_type.shape.dim[2].dim_value or 8
            jobs.append((os.path.basename(path), path, "m", size, i))
    counts, bad = {}, 0
    for what, path, name, size, seed in jobs:
        res = check(dlakit, work, path, name, size, seed, cc)
        kind = res if res in ("ok", "refused") else "FAIL"
        counts[kind] = counts.get(kind, 0) + 1
        print(f"{what} (--name {name}, {size}x{size}): {res}", flush=True)
        if kind == "FAIL":
            bad += 1
        elif path.startswith(work):
            os.remove(path)
    print("compile_diff: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
