#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One model family end to end: float, QDQ int8 and QOperator int8 files, on the reference images.
#   engine_model.sh zoo NAME        shared/models/zoo/NAME (6 photos, 224x224)
#   engine_model.sh mnist [COUNT]   models/dla46c_mnist_64 (bundled copy) on the first COUNT of the
#                                   2004 test digits (default 64)
# Asserts:
#   float: max|out - ort_float| <= 1e-4 * max|ort_float| over the whole array, same top-1 per row;
#   int8 (QDQ and QOperator files): every element bit-identical to ort_int8_qop.npy (ORT's integer
#   kernels: the int8 reference) and the same top-1 as ort_int8.npy (ORT's own run of the QDQ file).
# Runs with the default options (batch 1, default threads).
. "$(dirname "$0")/engine_lib.sh"
need_shared

kind=${1:?usage: engine_model.sh zoo NAME | mnist [COUNT]}
case "$kind" in
  zoo)
    name=${2:?model name}
    mdir="$ZOO/$name"; rdir="$ZOO/$name"
    images="$rdir/inputs_u8_nhwc.npy"
    refs=(ort_float.npy ort_int8_qop.npy ort_int8.npy)
    for r in "${refs[@]}"; do cp "$rdir/$r" "$TMP/$r"; done
    ;;
  mnist)
    count=${2:-64}
    name=dla46c_mnist_64
    mdir="$MNIST_MODELS"; rdir="$MNIST"
    images="$TMP/images.npy"
    $COMMON slice "$rdir/inputs_u8_nhwc.npy" "$images" 0 "$count"
    for r in ort_float.npy ort_int8_qop.npy ort_int8.npy; do
      $COMMON slice "$rdir/$r" "$TMP/$r" 0 "$count"
    done
    echo "mnist: first $count of the 2004 test images"
    ;;
  *) echo "usage: engine_model.sh zoo NAME | mnist [COUNT]" >&2; exit 2 ;;
esac

if run_ok "$TMP/float.npy" run "$mdir/$name.onnx" --images-npy "$images" -o "$TMP/float.npy"; then
  check close "$TMP/float.npy" "$TMP/ort_float.npy" 1e-4 "$name float vs ort_float"
else FAILS=$((FAILS + 1)); fi

for fmt in qdq qop; do
  m="$mdir/${name}_${fmt}_int8.onnx"
  if run_ok "$TMP/$fmt.npy" run "$m" --images-npy "$images" -o "$TMP/$fmt.npy"; then
    check exact "$TMP/$fmt.npy" "$TMP/ort_int8_qop.npy" "$name $fmt int8 vs ort_int8_qop (bits)"
    check argmax "$TMP/$fmt.npy" "$TMP/ort_int8.npy" "$name $fmt int8 vs ort_int8 (top-1)"
  else FAILS=$((FAILS + 1)); fi
done
finish
