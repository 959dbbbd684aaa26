#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# (label full) dlakit quantize on the shared MNIST model, calibrated as ORT calibrated it (the 256
# training images of calib_indices.npy, in that order), against ORT's quantize_static file:
#  - every Conv's int8 weights and weight scales identical, activation scales within 1e-4
#    relative, zero points and int32 biases within +-1, the same Q/DQ nodes (quantize_compare.py);
#  - int8 top-1 on the 2004 test digits within 2 of the ORT file's 1949;
#  - the QOperator file has ORT's QOperator file's nodes (names, types, domains, inputs, outputs,
#    attributes) and initializer names, and computes the same bits as the QDQ file (2004 digits);
#  - the zoo replicas (calibrated on their photos, so only weights and structure compare): every
#    int8 weight and weight scale identical to ORT's file, the same nodes;
#  - percentile and entropy calibration: top-1 printed (README), at least 1900.
. "$(dirname "$0")/engine_lib.sh"
need_shared
M="$MNIST/dla46c_mnist_64.onnx"
IDX="$SHARED/data/mnist/mnist-10k-images-idx3-ubyte $SHARED/data/mnist/mnist-10k-labels-idx1-ubyte"
CAL="--calib-idx $IDX --calib-indices $MNIST/calib_indices.npy"

top1() { # MODEL: correct count on the test split
  "$DLAKIT" eval "$1" --idx $IDX --range 7996:10000 --threads 2 --json 2>/dev/null |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["top1"]["correct"])'
}

if run_ok "$TMP/qdq.onnx" quantize "$M" -o "$TMP/qdq.onnx" $CAL --threads 2; then
  $PY "$SRC/tests/scripts/quantize_compare.py" "$TMP/qdq.onnx" "$MNIST/dla46c_mnist_64_qdq_int8.onnx" 1e-4 ||
    FAILS=$((FAILS + 1))
  n=$(top1 "$TMP/qdq.onnx")
  echo "minmax int8 top-1: $n / 2004 (ORT's file: 1949)"
  [ "${n:-0}" -ge 1947 ] && [ "${n:-0}" -le 1951 ] || fail "minmax top-1 $n not within 2 of 1949"
  if run_ok "$TMP/qop.onnx" quantize "$M" -o "$TMP/qop.onnx" $CAL --format qop --threads 2 &&
     run_ok "$TMP/qdq.npy" run "$TMP/qdq.onnx" --images-npy "$MNIST/inputs_u8_nhwc.npy" -o "$TMP/qdq.npy" --threads 2 &&
     run_ok "$TMP/qop.npy" run "$TMP/qop.onnx" --images-npy "$MNIST/inputs_u8_nhwc.npy" -o "$TMP/qop.npy" --threads 2; then
    check exact "$TMP/qop.npy" "$TMP/qdq.npy" "quantized QOperator vs QDQ (bits)"
    $PY - "$TMP/qop.onnx" "$MNIST/dla46c_mnist_64_qop_int8.onnx" <<'PY' || FAILS=$((FAILS + 1))
import sys, onnx
o, r = onnx.load(sys.argv[1]), onnx.load(sys.argv[2])
def nodes(m):
    return {n.name: (n.op_type, n.domain, tuple(n.input), tuple(n.output),
                     tuple(sorted((a.name, str(onnx.helper.get_attribute_value(a))) for a in n.attribute)))
            for n in m.graph.node}
on, rn = nodes(o), nodes(r)
d = [k for k in rn if on.get(k) != rn[k]] + [k for k in on if k not in rn]
ni = {t.name for t in o.graph.initializer} ^ {t.name for t in r.graph.initializer}
print(f"QOperator file vs ORT's: {len(on)} / {len(rn)} nodes, {len(d)} differ; {len(ni)} initializer names differ")
sys.exit(1 if d or ni else 0)
PY
  else FAILS=$((FAILS + 1)); fi
else FAILS=$((FAILS + 1)); fi

for z in dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224; do
  Z="$ZOO/$z"
  if run_ok "$TMP/$z.onnx" quantize "$Z/$z.onnx" -o "$TMP/$z.onnx" --calib-npy "$Z/inputs_u8_nhwc.npy" --calib-flip --threads 2; then
    $PY "$SRC/tests/scripts/quantize_compare.py" "$TMP/$z.onnx" "$Z/${z}_qdq_int8.onnx" weights || FAILS=$((FAILS + 1))
  else FAILS=$((FAILS + 1)); fi
done

for method in percentile entropy; do
  if run_ok "$TMP/$method.onnx" quantize "$M" -o "$TMP/$method.onnx" $CAL --method $method --threads 2; then
    n=$(top1 "$TMP/$method.onnx")
    echo "$method int8 top-1: $n / 2004"
    [ "${n:-0}" -ge 1900 ] || fail "$method top-1 $n < 1900"
  else FAILS=$((FAILS + 1)); fi
done
finish
