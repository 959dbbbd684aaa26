#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue #9, the command line: output paths (devices written directly, an input never overwritten,
# symlinks kept), eval --range and --mean/--std validation, limits (flags and environment), messages
# (control bytes escaped, conform on an empty folder). Exact exit statuses and messages. Needs no
# ../shared (bundled MNIST model, tests/robust inputs).
. "$(dirname "$0")/engine_lib.sh"
M="$MNIST_MODELS/dla46c_mnist_64.onnx"
R="$SRC/tests/robust"
D="$TMP/d"; mkdir -p "$D"
$PY - "$D" <<'PYEOF'
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(9)
np.save(f"{d}/x.npy", rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8))
Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(f"{d}/a.png")
# IDX: 20 images of 28x28, 20 labels
open(f"{d}/img.idx3", "wb").write(bytes([0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28]) + rng.integers(0, 256, 20 * 784, dtype=np.uint8).tobytes())
open(f"{d}/lbl.idx1", "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 20]) + rng.integers(0, 10, 20, dtype=np.uint8).tobytes())
PYEOF

. "$(dirname "$0")/robust_lib.sh"

# 6. output paths
check "run -o /dev/null" 0 "" -- run "$M" --images-npy "$D/x.npy" -o /dev/null --quiet
check "run -o /dev/stdout" 0 "" -- run "$M" --images-npy "$D/x.npy" -o /dev/stdout --quiet
head -c 6 "$TMP/o$n" | grep -q NUMPY || { echo "FAIL run -o /dev/stdout: no .npy on stdout"; FAILS=$((FAILS + 1)); }
mkfifo "$D/fifo"; (cat "$D/fifo" >"$D/fifo.out" &)
check "run -o FIFO" 0 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/fifo" --quiet
sleep 0.2; [ -s "$D/fifo.out" ] || { echo "FAIL run -o FIFO: nothing came through the pipe"; FAILS=$((FAILS + 1)); }
cp "$M" "$D/m.onnx"; sum0=$(cksum <"$D/m.onnx")
check "run -o MODEL" 2 "dlakit run: -o $D/m.onnx is one of the inputs; it would be overwritten" -- \
  run "$D/m.onnx" --images-npy "$D/x.npy" -o "$D/m.onnx"
check "run -o INPUT" 2 "dlakit run: -o $D/x.npy is one of the inputs; it would be overwritten" -- \
  run "$D/m.onnx" --images-npy "$D/x.npy" -o "$D/x.npy"
[ "$(cksum <"$D/m.onnx")" = "$sum0" ] || { echo "FAIL the model was changed"; FAILS=$((FAILS + 1)); }
check "preprocess a.png -o a.png" 2 "dlakit preprocess: -o $D/a.png is one of the inputs; it would be overwritten" -- \
  preprocess "$D/a.png" --size 64 -o "$D/a.png"
check "eval --confusion MODEL" 2 "dlakit eval: --confusion $D/m.onnx is one of the inputs; it would be overwritten" -- \
  eval "$D/m.onnx" --idx "$D/img.idx3" "$D/lbl.idx1" --size 64 --confusion "$D/m.onnx"
[ "$(cksum <"$D/m.onnx")" = "$sum0" ] || { echo "FAIL the model was changed"; FAILS=$((FAILS + 1)); }
: >"$D/target.npy"; ln -s target.npy "$D/link.npy"
check "run -o SYMLINK" 0 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/link.npy" --quiet
if [ ! -L "$D/link.npy" ] || [ ! -s "$D/target.npy" ]; then echo "FAIL run -o SYMLINK: link replaced or target empty"; FAILS=$((FAILS + 1)); fi
[ -z "$(ls "$D" | grep '\.tmp$')" ] || { echo "FAIL temporary files left"; FAILS=$((FAILS + 1)); }

# 4. eval --range past the end, --mean inf, --std nan
check "eval --range past the end" 2 "dlakit eval: invalid --range '10:30' (A:B with 0 <= A < B <= 20)" -- \
  eval "$M" --idx "$D/img.idx3" "$D/lbl.idx1" --size 64 --range 10:30
check "eval --range 3:3" 2 "dlakit eval: invalid --range '3:3' (A:B with 0 <= A < B <= 20)" -- \
  eval "$M" --idx "$D/img.idx3" "$D/lbl.idx1" --size 64 --range 3:3
check "eval --range 18:" 0 "" -- eval "$M" --idx "$D/img.idx3" "$D/lbl.idx1" --size 64 --range 18:
check "run --mean inf" 2 "dlakit run: invalid --mean 'inf,0,0' (three finite numbers: a,b,c)" -- \
  run "$M" --images-npy "$D/x.npy" -o "$D/y.npy" --mean inf,0,0
check "run --std nan" 2 "dlakit run: invalid --std '1,nan,1' (three finite numbers: a,b,c)" -- \
  run "$M" --images-npy "$D/x.npy" -o "$D/y.npy" --std 1,nan,1
check "preprocess --mean inf" 2 "dlakit preprocess: invalid --mean 'inf,0,0' (three finite numbers: a,b,c)" -- \
  preprocess "$D/a.png" --size 64 --float --mean inf,0,0 -o "$D/y.npy"
check "classify --top without a value" 2 "dlakit classify: option '--top' needs a value" -- classify "$M" "$D/a.png" --top
check "eval --idx with one value" 2 "dlakit eval: option '--idx' needs two values" -- eval "$M" --idx "$D/img.idx3"

mkdir -p "$D/evaldir/cat"
check "eval on a folder without images" 1 "dlakit eval: $D/evaldir: no images to evaluate" -- eval "$M" "$D/evaldir" --size 64
{ printf '\x00\x00\x08\x01\x00\x00\x00\x14'; head -c 19 /dev/zero; printf '\x0c'; } >"$D/lbl12.idx1"
check "eval label out of range" 1 "dlakit eval: $D/lbl12.idx1: item 19 has label 12, the model has 10 classes" -- \
  eval "$M" --idx "$D/img.idx3" "$D/lbl12.idx1" --size 64

# 3. limits: refused by default, accepted when raised by flag or environment
check "image bomb" 1 "" -- classify "$M" "$R/bomb_16384.png"
grep -qF "bomb_16384.png: image of 16384x16384 = 268435456 pixels exceeds the limit of 89478485 pixels (a possible decompression bomb; raise it with --max-image-pixels or DLAKIT_MAX_IMAGE_PIXELS)" "$TMP/e$n" \
  || { echo "FAIL image bomb message"; cat "$TMP/e$n"; FAILS=$((FAILS + 1)); }
check "--max-image-pixels 1000 refuses 40x40" 1 "" -- classify "$M" "$D/a.png" --max-image-pixels 1000
grep -qF "a.png: image of 40x40 = 1600 pixels exceeds the limit of 1000 pixels" "$TMP/e$n" || { echo "FAIL pixel flag"; FAILS=$((FAILS + 1)); }
DLAKIT_MAX_IMAGE_PIXELS=1K check "DLAKIT_MAX_IMAGE_PIXELS=1K" 1 "" -- classify "$M" "$D/a.png"
grep -qF "exceeds the limit of 1024 pixels" "$TMP/e$n" || { echo "FAIL pixel env"; FAILS=$((FAILS + 1)); }
# (16K: the 73x73 resize of the 40x40 image, with its intermediate rows, counts against the limit too)
DLAKIT_MAX_IMAGE_PIXELS=1K check "flag beats env" 0 "" -- classify "$M" "$D/a.png" --max-image-pixels 16K
DLAKIT_MAX_ARENA_BYTES=lots check "invalid env" 2 "dlakit: DLAKIT_MAX_ARENA_BYTES='lots' is not a positive size (a number, optionally followed by K, M, G or T)" -- info "$M"
check "invalid flag" 2 "dlakit: --max-tensor-bytes needs a positive size (a number, optionally followed by K, M, G or T)" -- info "$M" --max-tensor-bytes 0
check "--max-arena-bytes 256K" 1 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/y.npy" --max-arena-bytes 256K
grep -qF "the limit is 262144 bytes (raise it with --max-arena-bytes or DLAKIT_MAX_ARENA_BYTES)" "$TMP/e$n" || { echo "FAIL arena flag"; cat "$TMP/e$n"; FAILS=$((FAILS + 1)); }
check "--max-tensor-bytes 64K" 1 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/y.npy" --max-tensor-bytes 64K
grep -qF "dla46c_mnist_64.onnx: initializer 'onnx::Conv_541' would take 147456 bytes; the limit is 65536 bytes (raise it with --max-tensor-bytes or DLAKIT_MAX_TENSOR_BYTES)" "$TMP/e$n" || { echo "FAIL tensor flag"; cat "$TMP/e$n"; FAILS=$((FAILS + 1)); }

# 2. time that grew without bound: a 50,000-node chain stored in reverse (info took 11 s) and a
# chain of 20,000 QDQ Conv units (re-indexing the graph after each fusion: about 20 s)
$PY - "$D" <<'PYEOF'
import sys, numpy as np
from onnx import helper as h, TensorProto as T, numpy_helper as nh
d = sys.argv[1]
def save(nodes, inits, name):
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, [1, 1, 4, 4])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)]); m.ir_version = 7
    open(f"{d}/{name}", "wb").write(m.SerializeToString())
N = 50000
save([h.make_node("Relu", [f"v{i}" if i else "x"], [f"v{i+1}" if i + 1 < N else "y"]) for i in range(N)][::-1], [], "chain_reverse.onnx")
N = 20000
inits = [nh.from_array(np.array(0.05, np.float32), "s"), nh.from_array(np.array(0, np.int8), "z"),
         nh.from_array(np.ones((1, 1, 1, 1), np.int8), "w"), nh.from_array(np.array(0.01, np.float32), "ws")]
nodes = [h.make_node("QuantizeLinear", ["x", "s", "z"], ["q0"]), h.make_node("DequantizeLinear", ["w", "ws", "z"], ["wd"])]
for i in range(N):
    nodes += [h.make_node("DequantizeLinear", [f"q{i}", "s", "z"], [f"d{i}"]), h.make_node("Conv", [f"d{i}", "wd"], [f"c{i}"]),
              h.make_node("QuantizeLinear", [f"c{i}", "s", "z"], [f"q{i+1}"])]
nodes.append(h.make_node("DequantizeLinear", [f"q{N}", "s", "z"], ["y"]))
save(nodes, inits, "qdq_chain.onnx")
# the same without zero points (uint8): every fusion adds zero-point constants, whose unique names
# were searched from suffix 0 each time (6.5 minutes for 20,000 units)
inits = [nh.from_array(np.array(0.05, np.float32), "s"), nh.from_array(np.ones((1, 1, 1, 1), np.uint8), "w"),
         nh.from_array(np.array(0.01, np.float32), "ws")]
nodes = [h.make_node("QuantizeLinear", ["x", "s"], ["q0"]), h.make_node("DequantizeLinear", ["w", "ws"], ["wd"])]
for i in range(N):
    nodes += [h.make_node("DequantizeLinear", [f"q{i}", "s"], [f"d{i}"]), h.make_node("Conv", [f"d{i}", "wd"], [f"c{i}"]),
              h.make_node("QuantizeLinear", [f"c{i}", "s"], [f"q{i+1}"])]
nodes.append(h.make_node("DequantizeLinear", [f"q{N}", "s"], ["y"]))
save(nodes, inits, "qdq_chain_nozp.onnx")
PYEOF
for f in chain_reverse qdq_chain_nozp qdq_chain; do
  t0=$(date +%s%N)
  check "info $f.onnx" 0 "" -- info "$D/$f.onnx"
  ms=$((($(date +%s%N) - t0) / 1000000))
  if [ $ms -gt 60000 ]; then echo "FAIL info $f.onnx took $ms ms (over 60 s in the sanitizer build; 0.2 s optimized, minutes when quadratic)"; FAILS=$((FAILS + 1)); fi
done
grep -qF "opset 13, 60003 nodes (20002 after dlakit's passes)" "$TMP/o$n" || { echo "FAIL qdq_chain: not fused"; FAILS=$((FAILS + 1)); }

# 7. messages
check "control bytes" 1 "dlakit info: $R/control_bytes.onnx: node 'n2': operator 'Bad\\x1b]0;title\\x07Op' is not supported by dlakit" -- info "$R/control_bytes.onnx"
if grep -q $'\x1b' "$TMP/e$n"; then echo "FAIL raw ESC on stderr"; FAILS=$((FAILS + 1)); fi
mkdir -p "$D/empty"
check "conform empty folder" 1 "dlakit conform: $D/empty: no model.onnx and no test folders in it" -- conform "$D/empty"

# 8. a new user's mistakes (issue 21): suggestions, values, help COMMAND, DLAKIT_ISA, --json, int8 input
Q="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"
check "mistyped command" 2 "dlakit: unknown command 'clasify'; did you mean 'classify'?" -- clasify "$M" "$D/a.png"
check "mistyped option" 2 "dlakit classify: unknown option '--tpo'; did you mean '--top'?" -- classify "$M" "$D/a.png" --tpo 3
check "option without its value" 2 "dlakit classify: option '--top' needs a value" -- classify "$M" "$D/a.png" --top
check "help COMMAND" 0 "" -- help eval
"$DLAKIT" eval --help | cmp -s - "$TMP/o$n" && echo "ok dlakit help eval = dlakit eval --help" || { echo "FAIL help eval differs from eval --help"; FAILS=$((FAILS + 1)); }
DLAKIT_ISA=avx3 check "unknown DLAKIT_ISA" 2 "dlakit: DLAKIT_ISA='avx3' is not a kernel set: use ref, avx2, avx2vnni, avx512 or neon (or unset it)" -- info "$M"
check "quantize an int8 model" 1 "" -- quantize "$Q" -o "$D/q.onnx" --calib-npy "$D/x.npy"
grep -qE "^dlakit quantize: $Q: already an int8 model \(node '.*' is (QuantizeLinear|DequantizeLinear)\): quantize takes a float model\$" "$TMP/e$n" &&
  [ ! -e "$D/q.onnx" ] && echo "ok quantize refuses an int8 model" || { echo "FAIL quantize of an int8 model: $(cat "$TMP/e$n")"; FAILS=$((FAILS + 1)); }
check "cannot write: errno" 1 "dlakit run: $D/missing/out.npy: cannot write: No such file or directory" -- run "$M" --images-npy "$D/x.npy" -o "$D/missing/out.npy"
check "run --json" 0 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/run.npy" --json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["shape"] == [2, 10] and d["output"] == sys.argv[2], d' "$TMP/o$n" "$D/run.npy" &&
  echo "ok run --json: shape [2, 10]" || { echo "FAIL run --json: $(cat "$TMP/o$n")"; FAILS=$((FAILS + 1)); }
check "run summary" 0 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/run.npy"
grep -qxF "$D/run.npy: 2 x 10 float32 outputs of $M" "$TMP/o$n" && echo "ok run prints a one-line summary" || { echo "FAIL run summary: $(cat "$TMP/o$n")"; FAILS=$((FAILS + 1)); }
check "run --quiet" 0 "" -- run "$M" --images-npy "$D/x.npy" -o "$D/run.npy" --quiet
[ ! -s "$TMP/o$n" ] && [ ! -s "$TMP/e$n" ] && echo "ok run --quiet prints nothing" || { echo "FAIL run --quiet printed"; FAILS=$((FAILS + 1)); }
mkdir -p "$D/c"
check "compile --json" 0 "" -- compile "$Q" -o "$D/c" --name m --json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["classes"] == 10 and d["input"] == [64, 64, 3] and d["macs"] == 46860800, d' "$TMP/o$n" &&
  echo "ok compile --json" || { echo "FAIL compile --json: $(cat "$TMP/o$n")"; FAILS=$((FAILS + 1)); }

echo "robust_cli: $n checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
