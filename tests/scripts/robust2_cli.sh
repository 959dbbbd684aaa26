#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue #24, the second hostile round on the newer surfaces: outputs that destroyed inputs or devices
# or lost errors, stdout write errors, allocations an input controlled (resized image, JPEG scans,
# calibration folders, bins, reading before the format check), zero calibration images, internal
# attributes from a file, raw control bytes on stdout and in JSON, a too-large arena compiled, files
# eval skipped without a word. Exact exit statuses and messages (tests/robust/README.md, "Round 2").
. "$(dirname "$0")/engine_lib.sh"
M="$MNIST_MODELS/dla46c_mnist_64.onnx"
Q="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"
R="$SRC/tests/robust"
D="$TMP/d"; mkdir -p "$D"
cp "$M" "$D/f.onnx"; cp "$Q" "$D/q.onnx"
$PY - "$D" <<'PYEOF'
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(24)
np.save(f"{d}/cal.npy", rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8))
np.save(f"{d}/cal128.npy", rng.integers(0, 256, (1, 128, 128, 3), dtype=np.uint8))
np.save(f"{d}/empty.npy", np.zeros((0, 64, 64, 3), np.uint8))
np.save(f"{d}/noidx.npy", np.zeros((0,), np.int64))
open(f"{d}/img.idx3", "wb").write(bytes([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 28, 0, 0, 0, 28]) + rng.integers(0, 256, 4 * 784, dtype=np.uint8).tobytes())
open(f"{d}/lbl.idx1", "wb").write(bytes([0, 0, 8, 1, 0, 0, 0, 4]) + bytes([1, 2, 3, 4]))
for p in ("a.png", "b.png"):
    Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(f"{d}/{p}")
PYEOF

. "$(dirname "$0")/robust_lib.sh"
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
sum_f=$(cksum <"$D/f.onnx"); sum_c=$(cksum <"$D/cal.npy")

# --- outputs that were inputs (each once overwrote it, exit 0) ---
check "quantize -o MODEL" 2 "dlakit quantize: -o $D/f.onnx is one of the inputs; it would be overwritten" -- \
  quantize "$D/f.onnx" -o "$D/f.onnx" --calib-npy "$D/cal.npy"
check "quantize --report MODEL" 2 "dlakit quantize: --report $D/f.onnx is one of the inputs; it would be overwritten" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --report "$D/f.onnx" --calib-npy "$D/cal.npy"
check "quantize -o CALIB.npy" 2 "dlakit quantize: -o $D/cal.npy is one of the inputs; it would be overwritten" -- \
  quantize "$D/f.onnx" -o "$D/cal.npy" --calib-npy "$D/cal.npy"
check "quantize --report = -o" 2 "dlakit quantize: --report and -o name the same file" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --report "$D/o.onnx" --calib-npy "$D/cal.npy"
check "analyze --svg MODEL" 2 "dlakit analyze: --svg $D/q.onnx is one of the inputs; it would be overwritten" -- \
  analyze "$D/q.onnx" --svg "$D/q.onnx"
mkdir -p "$D/cc"; cp "$Q" "$D/cc/model.h"
check "compile D/model.h -o D" 2 "dlakit compile: -o $D/cc/model.h is one of the inputs; it would be overwritten" -- \
  compile "$D/cc/model.h" -o "$D/cc"
cmp -s "$Q" "$D/cc/model.h" || fail "compile: the model was overwritten"
mkdir -p "$D/ev/cat"; cp "$D/a.png" "$D/ev/cat/"; cp "$D/a.png" "$D/a_keep.png"
check "eval --confusion IMAGE" 2 "dlakit eval: --confusion $D/ev/cat/a.png is one of the inputs; it would be overwritten" -- \
  eval "$M" "$D/ev" --confusion "$D/ev/cat/a.png"
cmp -s "$D/a_keep.png" "$D/ev/cat/a.png" || fail "eval: the image was overwritten"
[ "$(cksum <"$D/f.onnx")" = "$sum_f" ] && [ "$(cksum <"$D/cal.npy")" = "$sum_c" ] || fail "an input was changed"
check "compile -o ''" 2 "dlakit compile: -o needs a folder name (it is empty)" -- compile "$Q" -o ""
check "compile -o NEW/a/b" 0 "" -- compile "$Q" -o "$D/new/a/b"
[ -s "$D/new/a/b/model.c" ] && [ -s "$D/new/a/b/model.h" ] || fail "compile -o NEW/a/b: no files"
# a failed compile writes neither file (model.h is a folder: nothing renamed, no temporary left)
mkdir -p "$D/half/model.h"
check "compile: model.h is a folder" 1 "dlakit compile: $D/half/model.h: is a directory" -- compile "$Q" -o "$D/half"
[ -z "$(ls "$D/half" | grep -v '^model.h$')" ] || fail "compile left files: $(ls "$D/half")"

# --- devices: never replaced, their errors reported ---
if [ -w /dev/full ]; then
  check "quantize --report /dev/full" 1 "dlakit quantize: /dev/full: write failed: No space left on device" -- \
    quantize "$D/f.onnx" -o "$D/o.onnx" --calib-npy "$D/cal.npy" --report /dev/full
  check "quantize -o /dev/full" 1 "dlakit quantize: /dev/full: write failed: No space left on device" -- \
    quantize "$D/f.onnx" -o /dev/full --calib-npy "$D/cal.npy"
  check "run -o /dev/full" 1 "dlakit run: /dev/full: write failed: No space left on device" -- \
    run "$M" --images-npy "$D/cal.npy" -o /dev/full --quiet
  check "analyze --svg /dev/full" 1 "dlakit analyze: /dev/full: write failed: No space left on device" -- \
    analyze "$Q" --svg /dev/full
  # stdout: every command's output checked when it ends
  for c in "info $M" "analyze $Q --json" "classify $M $D/a.png --json" "eval $M --idx $D/img.idx3 $D/lbl.idx1 --json" \
           "bench $Q --runs 1 --json" "--help"; do
    n=$((n + 1)); rc=0
    # shellcheck disable=SC2086
    "$DLAKIT" $c >/dev/full 2>"$TMP/e$n" || rc=$?
    if [ $rc = 1 ] && grep -qxF "dlakit: cannot write the standard output: No space left on device" "$TMP/e$n"; then
      echo "ok   ${c%% *} >/dev/full"
    else fail "${c%% *} >/dev/full: exit $rc"; head -3 "$TMP/e$n"; fi
  done
fi
check "quantize --report /dev/null" 0 "" -- quantize "$D/f.onnx" -o "$D/o.onnx" --calib-npy "$D/cal.npy" --report /dev/null
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
[ -z "$(ls -a "$D" | grep '\.tmp')" ] || fail "temporary files left: $(ls -a "$D" | grep '\.tmp')"

# --- memory and time ---
# the resized image counts against --max-image-pixels: 40x40 -> 16000x16000 for --size 2x14000
check "classify --size 2x14000" 1 "dlakit classify: $D/a.png: resizing 40x40 to 16000x16000 would take 256640000 pixels, over the limit of 89478485 pixels (raise it with --max-image-pixels or DLAKIT_MAX_IMAGE_PIXELS)" -- \
  classify "$R/any_size.onnx" "$D/a.png" --size 2x14000
check "preprocess JPEG of 600 scans" 1 "dlakit preprocess: $R/jpeg_600_scans.jpg: invalid or truncated JPEG: more than 500 scans (the limit: encoders write about 10)" -- \
  preprocess "$R/jpeg_600_scans.jpg" --size 16 -o "$D/s.npy"
t0=$(date +%s%N)
check "info /dev/zero" 1 "dlakit info: /dev/zero: not an ONNX model (its first byte 0x00 does not start a protobuf field)" -- info /dev/zero
check "classify /dev/zero" 1 "dlakit classify: /dev/zero: not a PNG or JPEG file (unrecognized first bytes)" -- classify "$M" /dev/zero
ms=$((($(date +%s%N) - t0) / 1000000)); [ $ms -lt 20000 ] || fail "/dev/zero took $ms ms (it read gigabytes)"
check "--num-bins 16385" 2 "dlakit quantize: invalid --num-bins '16385' (a number from 2 to 16384)" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --calib-npy "$D/cal.npy" --method entropy --num-bins 16385
# a calibration folder with a symlink loop, a link to a sibling folder and a hard link: 2 images
# (before: the loop was followed 8 levels deep, every image counted once per path)
mkdir -p "$D/cal/x" "$D/cal/y"; cp "$D/a.png" "$D/cal/x/"; cp "$D/b.png" "$D/cal/y/"
ln -s .. "$D/cal/x/up"; ln -s ../y "$D/cal/x/y2"; ln "$D/cal/y/b.png" "$D/cal/y/b2.png"
check "quantize --calib DIR with links" 0 "dlakit quantize: $D/cal: 3 links to a folder or image already seen skipped (each image counts once)" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --calib "$D/cal" --json
grep -q '"calibration_images": 2,' "$TMP/o$n" || fail "quantize --calib DIR: not 2 images: $(cat "$TMP/o$n")"

# --- zero calibration images (ASan heap-buffer-overflow before) ---
check "quantize empty --calib-npy" 1 "dlakit quantize: $D/empty.npy: no images: calibration needs at least one" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --calib-npy "$D/empty.npy"
check "quantize empty --calib-indices" 1 "dlakit quantize: $D/noidx.npy: no indices: no calibration images" -- \
  quantize "$D/f.onnx" -o "$D/o.onnx" --calib-idx "$D/img.idx3" "$D/lbl.idx1" --calib-indices "$D/noidx.npy" --size 64

# --- trust and clarity ---
check "dlk_relu from a file" 1 "dlakit info: $R/attr_dlk_relu.onnx: node 'conv' (Conv): attribute 'dlk_relu': names starting with 'dlk_' are dlakit's internal markers and are not accepted from a file" -- \
  info "$R/attr_dlk_relu.onnx"
# JPEG without EOI: refused, as the reference Pillow (Debian 12's 9.4) refuses it
check "JPEG without EOI" 1 "dlakit preprocess: $R/jpeg_no_eoi.jpg: invalid or truncated JPEG: Premature end of JPEG file" -- \
  preprocess "$R/jpeg_no_eoi.jpg" --size 16 -o "$D/s.npy"
if $PY -c "from PIL import Image; Image.open('$R/jpeg_no_eoi.jpg').load()" 2>/dev/null; then
  fail "Pillow decodes jpeg_no_eoi.jpg: dlakit must decode it as Pillow does"
fi
# labels and class folder names with ESC, BEL, tab and invalid UTF-8: escaped on stdout, valid JSON
{ cat "$R/labels_control.txt"; printf 'six\nseven\neight\nnine\n'; } >"$D/labels.txt"
check "classify --labels (control bytes)" 0 "" -- classify "$M" "$D/a.png" --labels "$D/labels.txt" --top 10
grep -qF 'esc\x1b[31mred' "$TMP/o$n" && grep -qF 'bad\xff\xfebytes' "$TMP/o$n" && grep -qF 'café' "$TMP/o$n" || fail "classify: names not escaped as \\xNN: $(cat "$TMP/o$n")"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\xff]' "$TMP/o$n"; then fail "classify: raw control or invalid bytes on stdout"; fi
check "classify --labels --json" 0 "" -- classify "$M" "$D/a.png" --labels "$D/labels.txt" --top 10 --json
$PY - "$TMP/o$n" <<'PYEOF' || fail "classify --json: not valid JSON with the names"
import json, sys
names = {t["name"] for t in json.load(open(sys.argv[1], encoding="utf-8"))["results"][0]["top"]}
assert {"café", "esc\\x1b[31mred", "bad\\xff\\xfebytes", "tab\\x09here"} <= names, names
PYEOF
mkdir -p "$D/evc/cat"$'\x1b'"[2J" "$D/evc/dog"$'\xff'; cp "$D/a.png" "$D/evc/cat"$'\x1b'"[2J/"; cp "$D/b.png" "$D/evc/dog"$'\xff/'
check "eval class folders with control bytes" 0 "" -- eval "$M" "$D/evc"
grep -qF 'cat\x1b[2J' "$TMP/o$n" && grep -qF 'dog\xff' "$TMP/o$n" || fail "eval: class names not escaped: $(cat "$TMP/o$n")"
if LC_ALL=C grep -q $'[\x1b\xff]' "$TMP/o$n"; then fail "eval: raw ESC or 0xff on stdout"; fi
check "eval --json class folders" 0 "" -- eval "$M" "$D/evc" --json
$PY -c "import json,sys; json.load(open(sys.argv[1],encoding='utf-8'))" "$TMP/o$n" || fail "eval --json: not valid UTF-8 JSON"
# eval says what it skips: a broken link, a FIFO, a nested folder
mkdir -p "$D/evs/cat/nested"; cp "$D/a.png" "$D/evs/cat/"; ln -s nowhere.png "$D/evs/cat/broken.png"; mkfifo "$D/evs/cat/fifo.png"
check "eval skips, and says so" 0 "dlakit eval: $D/evs/cat: skipped 1 broken link, 1 FIFO or other special file, 1 nested folder" -- eval "$M" "$D/evs"
# an arena over 2 GiB: no 32-bit MCU builds it
check "quantize any_size_conv64" 0 "" -- quantize "$R/any_size_conv64.onnx" --size 128 --calib-npy "$D/cal128.npy" -o "$D/q64.onnx"
check "compile: arena over 2 GiB" 1 "dlakit compile: $D/q64.onnx: the arena (4496293888 bytes, 4.19 GiB) is more than a 32-bit microcontroller can address (2 GiB); give a smaller --size, or --allow-64bit to write C for a 64-bit target (x86-64: build it with -mcmodel=medium)" -- \
  --max-arena-bytes 16G --max-tensor-bytes 16G compile "$D/q64.onnx" --size 8192 -o "$D/big"
[ ! -e "$D/big" ] || fail "compile: a refused model created its folder"
"$DLAKIT" --help | grep -qF "at most 32768 pixels a side, JPEG at most 500 scans" || fail "--help does not document the fixed image limits"

echo "robust2_cli: $n checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
