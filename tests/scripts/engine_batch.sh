#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Batching and threads change nothing: outputs with --batch 4 (11 images: 4+4+3), --batch 3
# (3+3+3+2, a short last batch) and --batch 16 (one batch larger than the input) are bit-identical
# to --batch 1, for the float, QDQ and QOperator dla46c_mnist_64 files on the first 11 test digits;
# for the int8 files also with --threads 2. Zoo dla46c_pt_224 (6 photos), float and QDQ int8:
# --batch 4 (4+2) bit-identical to --batch 1.
. "$(dirname "$0")/engine_lib.sh"
need_shared

# compare_batches TAG MODEL IMAGES BATCHES [--int8]
compare_batches() {
  local tag=$1 model=$2 images=$3 batches=$4 int8=${5:-}
  local base="$TMP/$tag.b1.npy"
  if ! run_ok "$base" run "$model" --images-npy "$images" -o "$base" --batch 1; then
    FAILS=$((FAILS + 1)); return
  fi
  for b in $batches; do
    local o="$TMP/$tag.b$b.npy"
    if run_ok "$o" run "$model" --images-npy "$images" -o "$o" --batch "$b"; then
      check exact "$o" "$base" "$tag --batch $b vs --batch 1 (bits)"
    else FAILS=$((FAILS + 1)); fi
  done
  if [ -n "$int8" ]; then
    local o="$TMP/$tag.t2.npy"
    if run_ok "$o" run "$model" --images-npy "$images" -o "$o" --batch 4 --threads 2; then
      check exact "$o" "$base" "$tag --batch 4 --threads 2 vs --batch 1 (bits)"
    else FAILS=$((FAILS + 1)); fi
  fi
}

$COMMON slice "$MNIST/inputs_u8_nhwc.npy" "$TMP/mnist11.npy" 0 11
m="$MNIST_MODELS/dla46c_mnist_64"
compare_batches mnist.float "$m.onnx" "$TMP/mnist11.npy" "4 3 16"
compare_batches mnist.qdq "${m}_qdq_int8.onnx" "$TMP/mnist11.npy" "4 3 16" --int8
compare_batches mnist.qop "${m}_qop_int8.onnx" "$TMP/mnist11.npy" "4 3 16" --int8

z="$ZOO/dla46c_pt_224"
compare_batches zoo.float "$z/dla46c_pt_224.onnx" "$z/inputs_u8_nhwc.npy" "4"
compare_batches zoo.qdq "$z/dla46c_pt_224_qdq_int8.onnx" "$z/inputs_u8_nhwc.npy" "4"
finish
