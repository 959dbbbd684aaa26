#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue #9, found by the quantize fuzz target's --exclude path: Convs b1 and b2 share the bias 'b1.b'
# (tests/robust/fuzz-quantize-shared-bias-excluded.onnx). With one of them left in float, the QDQ
# rewrite named the other's bias DequantizeLinear output 'b1.b' too, and dlakit refused the model it
# had written ("output 'b1.b' is produced twice"). Now the float Conv keeps the float 'b1.b' and the
# quantized one reads 'b1.b_DequantizeLinear_Output'; without --exclude the name stays 'b1.b' (ORT's).
. "$(dirname "$0")/engine_lib.sh"
R="$SRC/tests/robust/fuzz-quantize-shared-bias-excluded.onnx"
$PY -c "import numpy as np; np.save('$TMP/cal.npy', np.random.default_rng(1).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8))"
for ex in b1 b2 none; do
  args=(); [ $ex = none ] || args=(--exclude $ex)
  if ! "$DLAKIT" quantize "$R" -o "$TMP/q_$ex.onnx" --calib-npy "$TMP/cal.npy" "${args[@]}" >"$TMP/out" 2>&1; then
    echo "FAIL quantize --exclude $ex:"; cat "$TMP/out"; FAILS=$((FAILS + 1)); continue
  fi
  $PY - "$TMP/q_$ex.onnx" "$ex" <<'PYEOF' || FAILS=$((FAILS + 1))
import sys, onnx
m = onnx.load(sys.argv[1]); ex = sys.argv[2]
bias = {n.name: n.input[2] for n in m.graph.node if n.op_type == "Conv" and n.name in ("b1", "b2")}
inits = {i.name for i in m.graph.initializer}
want = {c: ("b1.b" if c == ex else ("b1.b" if ex == "none" else "b1.b_DequantizeLinear_Output")) for c in ("b1", "b2")}
assert bias == want, (ex, bias, want)
if ex != "none":
    assert "b1.b" in inits, "the float Conv's bias is not kept"
print(f"--exclude {ex}: biases {bias}")
PYEOF
done
[ $FAILS -eq 0 ] && echo PASS || { echo "$FAILS failed"; exit 1; }
