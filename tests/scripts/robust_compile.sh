#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 24: the C that `dlakit compile` writes cannot be subverted by a model. The regression models
# of tests/robust (cg_*.onnx: comment injection, colliding and reserved node names, a uint8 input
# QuantizeLinear with int8 activations) and SEEDS random hostile models (tests/robust/compile_diff.py)
# must build with cc -std=c99 -Wall -Wextra -pedantic -Werror and give `dlakit run`'s scores bit for
# bit; --name is checked; an arena over 2 GiB is refused unless --allow-64bit.
#   robust_compile.sh [SEEDS]     (default 8)
. "$(dirname "$0")/engine_lib.sh"
R="$SRC/tests/robust"
DIFF="$PY $R/compile_diff.py"
$DIFF "$DLAKIT" "$TMP/reg" --models "$R"/cg_comment_inject.onnx "$R"/cg_name_collide.onnx "$R"/cg_reserved.onnx \
  "$R"/cg_u8_input_i8_act.onnx || fail "a regression model"
$DIFF "$DLAKIT" "$TMP/rand" --seeds "0:${1:-8}" || fail "a random hostile model"

# the uint8 input really feeds int8 activations (the fixture is what its note says)
mkdir -p "$TMP/u8"
"$DLAKIT" compile "$R/cg_u8_input_i8_act.onnx" -o "$TMP/u8" --name m >/dev/null || fail "compile cg_u8_input_i8_act"
grep -q "QuantizeLinear((u8 / 255 - mean\[c\]) / std\[c\], DLK_Q_U8" "$TMP/u8/m.c" || fail "the input is not quantized as uint8"
for k in maxpool qadd qgavgpool apply_lut; do
  grep -q "dlk_${k}_q8_ref(.*DLK_Q_I8\|dlk_${k}_q8(.*DLK_Q_I8" "$TMP/u8/m.c" || fail "no int8 $k step in cg_u8_input_i8_act"
  ! grep -q "dlk_${k}_q8_ref(.*DLK_Q_U8\|dlk_${k}_q8(.*DLK_Q_U8" "$TMP/u8/m.c" || fail "a $k step on uint8 in cg_u8_input_i8_act"
done
# no node name reaches the C unescaped: the injected text appears only as escaped comment text
mkdir -p "$TMP/inj"
"$DLAKIT" compile "$R/cg_comment_inject.onnx" -o "$TMP/inj" --name m >/dev/null || fail "compile cg_comment_inject"
! grep -q "^#define dlk_requant(a" "$TMP/inj/m.c" || fail "a node name started a preprocessor line"
grep -q '/\* \*\\x2f\\x0a#define dlk_requant(a, b, c, d, e) 0\\x0a/\\x2a: ' "$TMP/inj/m.c" || fail "the injected name is not escaped as expected"

# --name: a C identifier that clashes with nothing
for bad in "" "a b" "9x" "_x" "x_" "a__b" "int" "NULL" "uint8_t" "dlk_net" "DLKx" "INT8" "a*/b" \
  "$(printf 'x%.0s' $(seq 41))"; do
  rc=0; "$DLAKIT" compile "$R/cg_reserved.onnx" -o "$TMP/u8" --name "$bad" >/dev/null 2>"$TMP/err" || rc=$?
  [ $rc -ne 0 ] && grep -q "the name" "$TMP/err" || fail "--name '$bad' accepted (exit $rc)"
done
for good in x image m2 Lenet a_b_c "$(printf 'x%.0s' $(seq 40))"; do
  "$DLAKIT" compile "$R/cg_reserved.onnx" -o "$TMP/u8" --name "$good" >/dev/null || fail "--name '$good' refused"
done

# an arena no 32-bit target can address: refused, nothing written; accepted with --allow-64bit
mkdir -p "$TMP/big"
rc=0; DLAKIT_MAX_TENSOR_BYTES=4000000000 "$DLAKIT" compile "$R/cg_big_arena.onnx" -o "$TMP/big" --size 11000 2>"$TMP/err" || rc=$?
[ $rc -ne 0 ] && grep -q "the arena (2299000000 bytes, 2.14 GiB) is more than a 32-bit microcontroller can address" "$TMP/err" ||
  fail "an arena of 2.14 GiB accepted (exit $rc): $(cat "$TMP/err")"
[ -z "$(ls "$TMP/big")" ] || fail "a refused compile wrote files"
DLAKIT_MAX_TENSOR_BYTES=4000000000 "$DLAKIT" compile "$R/cg_big_arena.onnx" -o "$TMP/big" --size 11000 --allow-64bit >/dev/null ||
  fail "--allow-64bit refused"
grep -q "#define model_ARENA_BYTES 2299000000 " "$TMP/big/model.h" || fail "the arena size with --allow-64bit"
finish
