#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bad inputs to `dlakit run`: each must end with exit status 1..125 (an error, not a signal or a
# crash; 126+ would be a signal), without a sanitizer report, with a message on stderr that names
# the offending file (and, where the brief says so, the problem), and without leaving any file in
# the output's folder (no output, no temporary). Needs no ../shared (bundled model + fixtures).
. "$(dirname "$0")/engine_lib.sh"
M="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"
MF="$MNIST_MODELS/dla46c_mnist_64.onnx"
D="$TMP/in"; mkdir -p "$D"

# inputs
$PY - "$D" "$M" <<'PYEOF'
import sys, numpy as np
d, model = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(20240601)
open(f"{d}/corrupt.onnx", "wb").write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
data = open(model, "rb").read()
open(f"{d}/truncated.onnx", "wb").write(data[: len(data) // 2])
open(f"{d}/empty.onnx", "wb").close()
img = rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
np.save(f"{d}/good.npy", img)
np.save(f"{d}/small8.npy", rng.integers(0, 256, (2, 8, 8, 3), dtype=np.uint8))
np.save(f"{d}/rgba.npy", rng.integers(0, 256, (2, 64, 64, 4), dtype=np.uint8))
np.save(f"{d}/size48x56.npy", rng.integers(0, 256, (2, 48, 56, 3), dtype=np.uint8))
np.save(f"{d}/float_nhwc.npy", img.astype(np.float32))
np.save(f"{d}/int16.npy", img.astype(np.int16))
np.save(f"{d}/rank3.npy", img[0])
np.save(f"{d}/nchw_u8.npy", img.transpose(0, 3, 1, 2).copy())
np.save(f"{d}/nchw_32.npy", rng.standard_normal((2, 3, 32, 32), dtype=np.float32))
np.save(f"{d}/nchw_c1.npy", rng.standard_normal((2, 1, 64, 64), dtype=np.float32))
open(f"{d}/garbage.npy", "wb").write(rng.integers(0, 256, 1000, dtype=np.uint8).tobytes())
good = open(f"{d}/good.npy", "rb").read()
open(f"{d}/short.npy", "wb").write(good[: len(good) - 1000])
PYEOF
cp "$SRC/tests/fixtures/engine/unknown_op.onnx" "$D/unknown_op.onnx"

n=0
# expect_error WHAT MUST_NAME[|ALT] EXTRA_WORD -- ARGS...: "-o OUT" is appended unless ARGS has -o.
expect_error() {
  local what=$1 names=$2 extra=$3; shift 4
  n=$((n + 1))
  local od="$TMP/out$n"; mkdir -p "$od"
  local rc=0 a has_o=0
  for a in "$@"; do if [ "$a" = -o ]; then has_o=1; fi; done
  if [ $has_o -eq 1 ]; then set -- "$@"; else set -- "$@" -o "$od/out.npy"; fi
  "$DLAKIT" "$@" >"$TMP/stdout$n" 2>"$TMP/stderr$n" || rc=$?
  local err; err=$(cat "$TMP/stderr$n")
  local ok=1 why=""
  if [ $rc -eq 0 ]; then ok=0; why="exit status 0"
  elif [ $rc -gt 125 ]; then ok=0; why="exit status $rc (signal/crash)"; fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$TMP/stderr$n"; then
    ok=0; why="$why; sanitizer report"
  fi
  if [ -z "$err" ]; then ok=0; why="$why; nothing on stderr"; fi
  local named=0 alt
  IFS='|' read -ra alts <<<"$names"
  for alt in "${alts[@]}"; do grep -qF -- "$alt" "$TMP/stderr$n" && named=1; done
  [ $named -eq 1 ] || { ok=0; why="$why; stderr does not name ${names//|/ or }"; }
  if [ -n "$extra" ] && ! grep -qiF -- "$extra" "$TMP/stderr$n"; then ok=0; why="$why; stderr does not mention '$extra'"; fi
  if [ -n "$(ls -A "$od")" ]; then ok=0; why="$why; left files: $(ls -A "$od" | tr '\n' ' ')"; fi
  if [ $ok -eq 1 ]; then
    echo "ok  $what: exit $rc; stderr: $(head -c 200 "$TMP/stderr$n" | head -2 | tr '\n' ' ')"
  else
    fail "$what: ${why#; } (dlakit $*)"
    sed 's/^/     stderr: /' "$TMP/stderr$n" | head -15
  fi
}

# model files
expect_error "corrupt model (random bytes)" corrupt.onnx "" -- run "$D/corrupt.onnx" --images-npy "$D/good.npy"
expect_error "truncated model (first half)" truncated.onnx "" -- run "$D/truncated.onnx" --images-npy "$D/good.npy"
expect_error "empty model file" empty.onnx "" -- run "$D/empty.onnx" --images-npy "$D/good.npy"
expect_error "missing model file" missing.onnx "" -- run "$D/missing.onnx" --images-npy "$D/good.npy"
expect_error "model with unknown op FooBar" unknown_op.onnx FooBar -- run "$D/unknown_op.onnx" --images-npy "$D/small8.npy"
expect_error "model path is a folder" "$D" "" -- run "$D" --images-npy "$D/good.npy"
# image inputs
expect_error "images with 4 channels" rgba.npy "" -- run "$M" --images-npy "$D/rgba.npy"
expect_error "images 48x56 for a 64x64 model" "size48x56.npy|dla46c_mnist_64_qdq_int8.onnx" "" -- run "$M" --images-npy "$D/size48x56.npy"
expect_error "images 48x56 for a 64x64 float model" "size48x56.npy|dla46c_mnist_64.onnx" "" -- run "$MF" --images-npy "$D/size48x56.npy"
expect_error "symbolic-size model at 48x56 (not a multiple of 32)" "size48x56.npy|mnist_sym_qdq_int8.onnx" "" -- run "$FIX/mnist_sym_qdq_int8.onnx" --images-npy "$D/size48x56.npy"
expect_error "images float32 instead of uint8" float_nhwc.npy "" -- run "$M" --images-npy "$D/float_nhwc.npy"
expect_error "images int16 instead of uint8" int16.npy "" -- run "$M" --images-npy "$D/int16.npy"
expect_error "images of rank 3" rank3.npy "" -- run "$M" --images-npy "$D/rank3.npy"
expect_error "images npy that is random bytes" garbage.npy "" -- run "$M" --images-npy "$D/garbage.npy"
expect_error "images npy with data cut short" short.npy "" -- run "$M" --images-npy "$D/short.npy"
expect_error "missing images npy" nothere.npy "" -- run "$M" --images-npy "$D/nothere.npy"
# tensor inputs
expect_error "--input-npy uint8" nchw_u8.npy "" -- run "$M" --input-npy "$D/nchw_u8.npy"
expect_error "--input-npy NHWC float" "float_nhwc.npy" "" -- run "$MF" --input-npy "$D/float_nhwc.npy"
expect_error "--input-npy 32x32 for a 64x64 model" "nchw_32.npy|dla46c_mnist_64.onnx" "" -- run "$MF" --input-npy "$D/nchw_32.npy"
expect_error "--input-npy with 1 channel" "nchw_c1.npy|dla46c_mnist_64.onnx" "" -- run "$MF" --input-npy "$D/nchw_c1.npy"
# output
expect_error "output in a missing folder" "nosuchdir" "" -- run "$M" --images-npy "$D/good.npy" -o "$TMP/nosuchdir/x.npy"
echo "$n cases"
finish
