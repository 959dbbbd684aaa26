#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dlakit eval of the bundled MNIST model on the test split (--idx, --range 7996:10000): exactly
# 1954/2004 float and 1949/2004 int8 (QDQ and QOperator), each prediction equal to ORT's argmax;
# the text report prints the accuracy line; --threads 1 and 2 give the same predictions.
source "$(dirname "$0")/engine_lib.sh"
need_shared
IDX="--idx $SHARED/data/mnist/mnist-10k-images-idx3-ubyte $SHARED/data/mnist/mnist-10k-labels-idx1-ubyte --range 7996:10000"
CK="$PY $SRC/tests/scripts/classify_check.py"
for v in "float: :1954:ort_float" "qdq:_qdq_int8:1949:ort_int8_qop" "qop:_qop_int8:1949:ort_int8_qop"; do
  IFS=: read -r name suf want ref <<<"$v"
  model="$MNIST_MODELS/dla46c_mnist_64${suf# }.onnx"
  "$DLAKIT" eval "$model" $IDX --threads 2 --json >"$TMP/$name.json" || fail "eval $name exit status $?"
  $CK eval "$TMP/$name.json" "$want" 2004 "$MNIST/$ref.npy" || FAILS=$((FAILS + 1))
done
# ORT's own QDQ run (partly float on x86) has the same top-1 everywhere
$CK eval "$TMP/qdq.json" 1949 2004 "$MNIST/ort_int8.npy" || FAILS=$((FAILS + 1))
# text report and thread independence (first 500 items, 1 thread)
"$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" $IDX >"$TMP/text.txt" || fail "text eval"
grep -qx 'top-1   1949/2004 = 97.26 %' "$TMP/text.txt" && echo "text report: top-1   1949/2004 = 97.26 %" || fail "text report: $(grep top-1 "$TMP/text.txt")"
"$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" $IDX --threads 1 --json >"$TMP/t1.json" || fail "eval --threads 1"
$CK same-predictions "$TMP/qdq.json" "$TMP/t1.json" || FAILS=$((FAILS + 1))
# --compare: float vs int8 agreement equals the count from the two reports
"$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" $IDX --threads 2 --compare "$MNIST_MODELS/dla46c_mnist_64.onnx" --json >"$TMP/cmp.json" || fail "eval --compare"
$PY - "$TMP/cmp.json" "$TMP/qdq.json" "$TMP/float.json" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
c, q, f = (json.load(open(p)) for p in sys.argv[1:4])
agree = sum(a == b for a, b in zip(q['predictions'], f['predictions']))
ok = c['compare']['agree'] == agree and c['compare']['top1']['correct'] == 1954 and c['top1']['correct'] == 1949
print(f"--compare: agree {c['compare']['agree']} (recomputed {agree}), float {c['compare']['top1']['correct']}, int8 {c['top1']['correct']}")
sys.exit(0 if ok else 1)
PYEOF
finish
