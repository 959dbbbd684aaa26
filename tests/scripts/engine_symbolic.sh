#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Models with symbolic input size [batch_size,3,height,width] (tests/fixtures/engine, see its
# README), run at sizes they were not exported with:
#   mnist_sym.onnx (float) on 32 digits at 96x32: max|diff| <= 1e-4 * max|ref| vs ORT, same top-1;
#   mnist_sym_qdq_int8.onnx at 96x32, with --batch 1 and --batch 5 (5+...+2): bit-identical to the
#     ORT QOperator reference, same top-1 as ORT's run of the QDQ file;
#   zoo46c_sym_qdq_int8.onnx (dla46c_pt_224 int8) on the 6 photos at 160x192: bit-identical.
# Needs no ../shared.
. "$(dirname "$0")/engine_lib.sh"
F="$FIX"

if run_ok "$TMP/mf.npy" run "$F/mnist_sym.onnx" --images-npy "$F/mnist_sym_inputs_u8_nhwc.npy" -o "$TMP/mf.npy"; then
  check close "$TMP/mf.npy" "$F/mnist_sym_ort_float.npy" 1e-4 "mnist_sym float 96x32 vs ORT"
else FAILS=$((FAILS + 1)); fi

for b in 1 5; do
  if run_ok "$TMP/mq$b.npy" run "$F/mnist_sym_qdq_int8.onnx" --images-npy "$F/mnist_sym_inputs_u8_nhwc.npy" \
      -o "$TMP/mq$b.npy" --batch $b; then
    check exact "$TMP/mq$b.npy" "$F/mnist_sym_ort_int8_qop.npy" "mnist_sym qdq int8 96x32 --batch $b vs ORT QOp (bits)"
    check argmax "$TMP/mq$b.npy" "$F/mnist_sym_ort_int8.npy" "mnist_sym qdq int8 96x32 --batch $b vs ORT QDQ (top-1)"
  else FAILS=$((FAILS + 1)); fi
done

if run_ok "$TMP/zq.npy" run "$F/zoo46c_sym_qdq_int8.onnx" --images-npy "$F/zoo46c_sym_inputs_u8_nhwc.npy" -o "$TMP/zq.npy"; then
  check exact "$TMP/zq.npy" "$F/zoo46c_sym_ort_int8_qop.npy" "zoo46c_sym qdq int8 160x192 vs ORT QOp (bits)"
  check argmax "$TMP/zq.npy" "$F/zoo46c_sym_ort_int8.npy" "zoo46c_sym qdq int8 160x192 vs ORT QDQ (top-1)"
else FAILS=$((FAILS + 1)); fi
finish
