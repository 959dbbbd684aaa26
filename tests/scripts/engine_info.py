#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`dlakit info MODEL --json` and `dlakit info MODEL` (env DLAKIT, SHARED, SRC as in E2E_ENV).

For the 3 zoo float models and the bundled dla46c_mnist_64 float model: exit 0, stdout is one JSON
object with file (the path given, or ending with its name), opset 20, inputs [{name "input", dtype
float32, shape [batch, 3, H, W]}], outputs [{name "output", shape [batch, classes]}], ops equal to
the op-type counts of the file's nodes (python3-onnx; dla46c also against hard-coded counts),
parameters = elements of the float initializers (hard-coded 1297368 / 1063000 / 1312600 /
1042938 and recomputed from the file), weight_bytes a positive integer, quantization an object.
For the QDQ and QOperator files: exit 0, JSON, ops equal to the file's counts, quantization a
non-empty object. For the symbolic-size fixture: dims 2 and 3 reported as unknown (not positive
integers). The plain-text form exits 0 and prints something. info on an empty file fails cleanly.
"""
import collections
import json
import os
import subprocess
import sys

import numpy as np
import onnx

DLAKIT, SRC = os.environ["DLAKIT"], os.environ["SRC"]
SHARED = os.environ.get("SHARED", os.path.join(SRC, "..", "shared"))
fails = []

DLA46C_OPS = {"Conv": 49, "Relu": 45, "MaxPool": 6, "Add": 12, "Concat": 6, "GlobalAveragePool": 1,
              "Flatten": 1}
PARAMS = {"dla46c_pt_224": 1297368, "dla46xc_pt_224": 1063000, "dla60xc_pt_224": 1312600,
          "dla46c_mnist_64": 1042938}


def fail(msg):
    print(f"FAIL {msg}")
    fails.append(msg)


def expect(cond, what, got, want):
    if cond:
        print(f"ok  {what}: {got!r}")
    else:
        fail(f"{what}: got {got!r}, expected {want!r}")


def info_json(path):
    p = subprocess.run([DLAKIT, "info", path, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"dlakit info {path} --json: exit status {p.returncode}; stderr: {p.stderr.strip()[:500]}")
        return None
    try:
        j = json.loads(p.stdout)
    except ValueError as e:
        fail(f"dlakit info {path} --json: stdout is not JSON ({e}): {p.stdout[:300]!r}")
        return None
    if not isinstance(j, dict):
        fail(f"dlakit info {path} --json: not a JSON object")
        return None
    return j


def file_facts(path):
    """Op-type counts of the file's nodes, and the float initializers' element count."""
    m = onnx.load(path)
    ops = dict(collections.Counter(n.op_type for n in m.graph.node))
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer if t.data_type == onnx.TensorProto.FLOAT)
    return ops, params


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_common(path, j, classes, hw):
    tag = os.path.basename(path)
    f = j.get("file")
    expect(isinstance(f, str) and (f == path or f.endswith(tag)), f"{tag} file", f, path)
    expect(j.get("opset") == 20, f"{tag} opset", j.get("opset"), 20)
    ins, outs = j.get("inputs"), j.get("outputs")
    if not (isinstance(ins, list) and len(ins) == 1 and isinstance(ins[0], dict)):
        fail(f"{tag} inputs: {ins!r}, expected one input")
    else:
        i = ins[0]
        expect(i.get("name") == "input", f"{tag} input name", i.get("name"), "input")
        expect(str(i.get("dtype")).lower() in ("float32", "float"), f"{tag} input dtype", i.get("dtype"), "float32")
        s = i.get("shape")
        ok = isinstance(s, list) and len(s) == 4 and s[1] == 3
        if ok and hw is not None:
            ok = s[2:] == list(hw)
        elif ok:  # symbolic: reported as a name, null or a negative number, never a size
            ok = all(not (is_int(d) and d > 0) for d in s[2:])
        expect(ok, f"{tag} input shape", s, ["batch", 3] + (list(hw) if hw else ["height", "width"]))
    if not (isinstance(outs, list) and len(outs) == 1 and isinstance(outs[0], dict)):
        fail(f"{tag} outputs: {outs!r}, expected one output")
    else:
        o = outs[0]
        expect(o.get("name") == "output", f"{tag} output name", o.get("name"), "output")
        s = o.get("shape")
        expect(isinstance(s, list) and len(s) == 2 and s[1] == classes, f"{tag} output shape", s, ["batch", classes])
    ops, params = file_facts(path)
    # ops of a non-default domain may be reported as "domain:Op" (com.microsoft:QLinearAdd)
    got = j.get("ops")
    if isinstance(got, dict):
        norm = collections.Counter()
        for k, v in got.items():
            norm[str(k).rsplit(":", 1)[-1]] += v if is_int(v) else 0
        got = dict(norm)
    expect(got == ops, f"{tag} ops", j.get("ops"), ops)
    expect(isinstance(j.get("quantization"), dict), f"{tag} quantization is an object", j.get("quantization"), {})
    return ops, params


def check_float(path, name, classes, hw):
    j = info_json(path)
    if j is None:
        return
    ops, params = check_common(path, j, classes, hw)
    if name.startswith("dla46c"):
        expect(ops == DLA46C_OPS, f"{name} file op counts (fixture sanity)", ops, DLA46C_OPS)
        expect(j.get("ops") == DLA46C_OPS, f"{name} ops (hard-coded)", j.get("ops"), DLA46C_OPS)
    expect(params == PARAMS[name], f"{name} float initializer elements (fixture sanity)", params, PARAMS[name])
    expect(j.get("parameters") == PARAMS[name], f"{name} parameters", j.get("parameters"), PARAMS[name])
    wb = j.get("weight_bytes")
    expect(is_int(wb) and wb >= PARAMS[name], f"{name} weight_bytes", wb, ">= parameters")
    p = subprocess.run([DLAKIT, "info", path], capture_output=True, text=True)
    expect(p.returncode == 0 and p.stdout.strip() != "", f"{name} plain info", f"exit {p.returncode}, "
           f"{len(p.stdout)} chars", "exit 0, some text")


def check_int8(path, classes, hw):
    j = info_json(path)
    if j is None:
        return
    check_common(path, j, classes, hw)
    q = j.get("quantization")
    expect(isinstance(q, dict) and len(q) > 0, f"{os.path.basename(path)} quantization non-empty", q, "{...}")


def main():
    if not os.access(DLAKIT, os.X_OK):
        print(f"FAIL: dlakit tool not found at {DLAKIT}")
        return 1
    mn = os.path.join(SRC, "models", "dla46c_mnist_64")
    check_float(os.path.join(mn, "dla46c_mnist_64.onnx"), "dla46c_mnist_64", 10, (64, 64))
    for fmt in ("qdq", "qop"):
        check_int8(os.path.join(mn, f"dla46c_mnist_64_{fmt}_int8.onnx"), 10, (64, 64))
    check_int8(os.path.join(SRC, "tests", "fixtures", "engine", "mnist_sym_qdq_int8.onnx"), 10, None)
    zoo = os.path.join(SHARED, "models", "zoo")
    if os.path.isdir(zoo):
        for name in ("dla46c_pt_224", "dla46xc_pt_224", "dla60xc_pt_224"):
            check_float(os.path.join(zoo, name, f"{name}.onnx"), name, 1000, (224, 224))
        check_int8(os.path.join(zoo, "dla46c_pt_224", "dla46c_pt_224_qdq_int8.onnx"), 1000, (224, 224))
    else:
        print(f"note: {zoo} absent, zoo models not checked")
    # a bad file: clean failure naming it
    empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"dlakit-info-empty-{os.getpid()}.onnx")
    open(empty, "wb").close()
    try:
        p = subprocess.run([DLAKIT, "info", empty, "--json"], capture_output=True, text=True)
        expect(1 <= p.returncode <= 125 and os.path.basename(empty) in p.stderr,
               "info on an empty file fails naming it", f"exit {p.returncode}, stderr {p.stderr.strip()[:200]!r}",
               "exit 1..125, file named on stderr")
    finally:
        os.unlink(empty)
    if fails:
        print(f"{len(fails)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
