#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Split in its opset 11 / 13 / 18 forms, float, int8 and uint8 (split_forms.py writes them with
# numpy's np.split as the oracle): `dlakit conform` passes all 6; a Split whose lengths do not sum
# to the axis is refused with a message naming the node.
. "$(dirname "$0")/engine_lib.sh"
$PY "$SRC/tests/scripts/split_forms.py" "$TMP/s" || fail "split_forms.py"
"$DLAKIT" conform "$TMP"/s/* >"$TMP/conform.txt" 2>&1 || fail "dlakit conform"
cat "$TMP/conform.txt"
grep -qx "conform: 6 passed, 0 failed" "$TMP/conform.txt" || fail "expected 6 passed"
cp -r "$TMP/s/split13_input_i8" "$TMP/bad"
$PY - "$TMP/bad/model.onnx" <<'PY'
import sys, onnx, numpy as np
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
m.graph.initializer[0].CopyFrom(numpy_helper.from_array(np.array([1, 1, 9], np.int64), "split"))
onnx.save(m, sys.argv[1])
PY
if "$DLAKIT" conform --verbose "$TMP/bad" >"$TMP/err.txt" 2>&1; then
  fail "a bad split was accepted"
fi
cat "$TMP/err.txt"
grep -q "(Split): the split lengths sum to 11, the axis has 12" "$TMP/err.txt" || fail "message"
finish
