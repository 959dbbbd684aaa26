#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dlakit analyze on dla46c_pt_224 int8 (the issue's numbers) and on the bundled MNIST model:
#   MACs, parameters and int8 weight bytes equal an independent count from the ONNX shapes
#   (tests/mcu/check.py oracle, python onnx); int8 weights = 1,292,336 B; weight flash (int8 weights,
#   int32 biases, float scales, tables) <= 105 % of the card's 1266.66 KiB; planned peak within 2 %
#   of the layer-by-layer lower bound; compile's NAME.h macros equal analyze's numbers; --svg draws.
. "$(dirname "$0")/engine_lib.sh"
CHECK="$PY $SRC/tests/mcu/check.py"

m="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"
"$DLAKIT" analyze "$m" --json >"$TMP/mnist.json" || fail "analyze $m"
check_oracle() { $CHECK oracle "$1" "$2" || FAILS=$((FAILS + 1)); }
check_oracle "$m" "$TMP/mnist.json"
"$DLAKIT" analyze "$m" --svg "$TMP/plan.svg" >"$TMP/mnist.txt" || fail "analyze --svg"
# one rectangle per planned buffer of the MNIST program (conv steps need no scratch: the reference kernel)
grep -q "<svg" "$TMP/plan.svg" && [ "$(grep -c '<rect' "$TMP/plan.svg")" -eq 64 ] || fail "the svg has no plan (want 64 rectangles)"
grep -q "^total: 46860800 MACs" "$TMP/mnist.txt" || fail "text output: $(grep total "$TMP/mnist.txt")"
"$DLAKIT" compile "$m" -o "$TMP" --name mn >/dev/null || fail "compile"
$PY - "$TMP/mnist.json" "$TMP/mn.h" <<'PY' || FAILS=$((FAILS + 1))
import json, re, sys
a = json.load(open(sys.argv[1])); h = open(sys.argv[2]).read()
mac = {k: int(v) for k, v in re.findall(r"#define mn_(\w+) (\d+)", h)}
want = {"ARENA_BYTES": a["peak_ram_bytes"], "WEIGHT_BYTES": a["weights_bytes"], "MACS": a["macs"], "IN_H": 64, "IN_W": 64,
        "NUM_CLASSES": 10, "SCRATCH_BYTES": a["scratch_bytes"]}
bad = [k for k in want if mac.get(k) != want[k]]
print(("FAIL " if bad else "ok ") + "mn.h macros equal analyze's numbers: " + ", ".join(f"{k}={mac.get(k)}" for k in want))
sys.exit(1 if bad else 0)
PY

# refusals: a clean message and status 1, nothing written
expect_refusal() {
  local want=$1; shift
  local rc=0
  "$DLAKIT" "$@" >/dev/null 2>"$TMP/err.txt" || rc=$?
  if [ $rc -eq 1 ] && grep -q "$want" "$TMP/err.txt"; then echo "ok refused: dlakit $* -> $(cat "$TMP/err.txt")"
  else fail "dlakit $*: status $rc, stderr '$(cat "$TMP/err.txt")' (wanted '$want')"; fi
}
# a float model: its MACs and parameters are the int8 program's (the same convolutions, BN folded),
# its weights float32 (4 bytes a parameter), and it says that the MCU figures need int8
"$DLAKIT" analyze "$MNIST_MODELS/dla46c_mnist_64.onnx" --json >"$TMP/fa.json" &&
  "$DLAKIT" analyze "$m" --json >"$TMP/qa.json" &&
  $PY - "$TMP/fa.json" "$TMP/qa.json" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
f, q = (json.load(open(p)) for p in sys.argv[1:3])
bad = [k for k in ("macs", "params", "classes") if f[k] != q[k]]
if f["int8"] or not q["int8"] or bad or f["weights_bytes"] != 4 * f["params"] or f["int8_weight_bytes"] != 0:
    print("FAIL analyze of the float model:", bad, f["weights_bytes"], f["params"]); sys.exit(1)
print(f"ok analyze of the float model: {f['macs']} MACs and {f['params']} parameters, as its int8 program's")
PYEOF
"$DLAKIT" analyze "$MNIST_MODELS/dla46c_mnist_64.onnx" | grep -q "need an$" && echo "ok analyze of a float model says the MCU part needs int8" ||
  fail "analyze of a float model does not say that the MCU figures need an int8 model"
expect_refusal "needs an int8 model" compile "$MNIST_MODELS/dla46c_mnist_64.onnx" -o "$TMP" --name f
expect_refusal "not a C identifier" compile "$m" -o "$TMP" --name 9x
# -o DIR is created with its parents; a file in the way is refused
"$DLAKIT" compile "$m" -o "$TMP/missing/dir" --name m >/dev/null || fail "compile into a missing folder"
[ -s "$TMP/missing/dir/m.c" ] && [ -s "$TMP/missing/dir/m.h" ] || fail "compile did not create missing/dir/m.c and m.h"
: >"$TMP/afile"
expect_refusal "afile: is not a folder" compile "$m" -o "$TMP/afile/dir" --name m
expect_refusal "must have shape" analyze "$m" --size 32
[ ! -e "$TMP/f.c" ] || fail "a refused compile wrote f.c"
rc=0; "$DLAKIT" compile "$m" -o "$TMP" --name t --target cortex-m3 >/dev/null 2>"$TMP/err.txt" || rc=$?
[ $rc -eq 2 ] && grep -q "unknown --target 'cortex-m3' (one of generic|cortex-m55|cortex-m7|cortex-m4)" "$TMP/err.txt" && [ ! -e "$TMP/t.c" ] &&
  echo "ok refused: compile --target cortex-m3 -> $(cat "$TMP/err.txt")" || fail "compile --target cortex-m3: status $rc, '$(cat "$TMP/err.txt")'"

if [ -d "$ZOO" ]; then
  z="$ZOO/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx"
  "$DLAKIT" analyze "$z" --json >"$TMP/z.json" || fail "analyze $z"
  check_oracle "$z" "$TMP/z.json"
  $PY - "$TMP/z.json" <<'PY' || FAILS=$((FAILS + 1))
import json, sys
a = json.load(open(sys.argv[1]))
card = 1266.66 * 1024
checks = [
    ("int8 weight bytes == 1,292,336", a["int8_weight_bytes"] == 1292336),
    (f"weight flash {a['weights_bytes']} B = {a['weights_bytes'] / card * 100 - 100:+.2f} % vs the card's 1266.66 KiB (<= +5 %)",
     a["weights_bytes"] <= 1.05 * card),
    (f"peak {a['peak_ram_bytes']} B within 2 % of the lower bound {a['lower_bound_bytes']} B",
     a["lower_bound_bytes"] <= a["peak_ram_bytes"] <= 1.02 * a["lower_bound_bytes"]),
    ("MACs 574,269,440", a["macs"] == 574269440),
    ("parameters 1,297,368", a["params"] == 1297368),
    (f"in place: {sum(l['in_place'] for l in a['layers'])} Adds, {sum(l['concat_slices'] for l in a['layers'])} Concat parts "
     "written by their producers", any(l["in_place"] for l in a["layers"]) and sum(l["concat_slices"] for l in a["layers"]) >= 6),
]
for what, ok in checks:
    print(("ok " if ok else "FAIL ") + what)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
else
  echo "SKIP the dla46c_pt_224 numbers: $ZOO not found"
fi
finish
