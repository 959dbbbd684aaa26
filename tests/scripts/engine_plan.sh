#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One liveness module (plan/liveness.h) plans both the runtime context and the compiled program:
# under DLAKIT_ISA=ref (the kernels the program runs) `dlakit bench --json`'s arena_bytes equals
# `dlakit analyze --json`'s peak_ram_bytes for every shared int8 model (zoo QDQ and QOperator,
# MNIST in ../shared and in models/), and for the symbolic fixtures at sizes other than 224.
. "$(dirname "$0")/engine_lib.sh"
need_shared

same_arena() { # MODEL [HxW]
  local m=$1 size=${2:-} a b
  local opt=()
  [ -n "$size" ] && opt=(--size "$size")
  a=$("$DLAKIT" analyze "$m" "${opt[@]}" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["peak_ram_bytes"])') || { fail "analyze $m"; return; }
  b=$(DLAKIT_ISA=ref "$DLAKIT" bench "$m" "${opt[@]}" --runs 1 --warmup 0 --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["arena_bytes"])') || { fail "bench $m"; return; }
  if [ "$a" = "$b" ] && [ "$a" -gt 0 ]; then
    echo "ok $(basename "$m") ${size:-default size}: bench arena_bytes = analyze peak_ram_bytes = $a"
  else
    fail "$(basename "$m") ${size:-default size}: bench arena_bytes $b, analyze peak_ram_bytes $a"
  fi
}

n=0
for m in "$ZOO"/*/*_int8.onnx "$MNIST"/*_int8.onnx "$MNIST_MODELS"/*_int8.onnx; do
  same_arena "$m"
  n=$((n + 1))
done
[ "$n" -eq 10 ] || fail "expected 10 int8 models, found $n"
same_arena "$FIX/mnist_sym_qdq_int8.onnx" 96x32
same_arena "$FIX/zoo46c_sym_qdq_int8.onnx" 64x96
same_arena "$FIX/mnist_sym_qdq_int8.onnx" 160x32
finish
