#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# (label full) All 2004 MNIST test digits through the bundled dla46c_mnist_64 files, 2 threads.
# Asserts: float: 1954 correct (labels.npy), same top-1 as ort_float.npy on every row and
# max|diff| <= 1e-4 * max|ref|; QDQ and QOperator int8: 1949 correct, every element bit-identical
# to ort_int8_qop.npy, same top-1 as ort_int8.npy.
. "$(dirname "$0")/engine_lib.sh"
need_shared
name=dla46c_mnist_64
images="$MNIST/inputs_u8_nhwc.npy"
labels="$MNIST/labels.npy"

if run_ok "$TMP/float.npy" run "$MNIST_MODELS/$name.onnx" --images-npy "$images" -o "$TMP/float.npy" --threads 2; then
  check correct "$TMP/float.npy" "$labels" 1954 "$name float top-1 vs labels"
  check close "$TMP/float.npy" "$MNIST/ort_float.npy" 1e-4 "$name float vs ort_float"
else FAILS=$((FAILS + 1)); fi

for fmt in qdq qop; do
  m="$MNIST_MODELS/${name}_${fmt}_int8.onnx"
  if run_ok "$TMP/$fmt.npy" run "$m" --images-npy "$images" -o "$TMP/$fmt.npy" --threads 2; then
    check correct "$TMP/$fmt.npy" "$labels" 1949 "$name $fmt int8 top-1 vs labels"
    check exact "$TMP/$fmt.npy" "$MNIST/ort_int8_qop.npy" "$name $fmt int8 vs ort_int8_qop (bits)"
    check argmax "$TMP/$fmt.npy" "$MNIST/ort_int8.npy" "$name $fmt int8 vs ort_int8 (top-1)"
  else FAILS=$((FAILS + 1)); fi
done
finish
