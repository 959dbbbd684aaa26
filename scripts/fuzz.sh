#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets of tests/fuzz: build, seed corpora, run.
#   scripts/fuzz.sh build                 clang -DDLK_FUZZ=ON build in build/fuzz
#   scripts/fuzz.sh seeds                 seed corpora in build/fuzz/corpus/TARGET (small files from
#                                         ../shared, tests/fixtures, tests/robust, libonnx-testdata)
#   scripts/fuzz.sh smoke [SECONDS]       CI's bounded, deterministic run: each target from its seeds with
#                                         -seed=1 and a fixed number of inputs (at most 3 x SECONDS)
#   scripts/fuzz.sh run TARGET SECONDS    one long run (nice -n 19), corpus kept in build/fuzz/corpus/TARGET
# Targets: onnx image npy idx labels quantize compile zooconf. A crash leaves crash-*/timeout-*/leak-* in build/fuzz/findings;
# the exit status is then 1. Each run prints "fuzz TARGET: N execs in S s (CPU S s)".
# Memory limit 2 GB; 20 s per input counts as a hang (the limit is wall-clock time: a loaded machine
# slows inputs that take milliseconds; scripts/mutate.sh checks the 2 s bound, best of three).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${FUZZ_BUILD:-build/fuzz}
SHARED=${SHARED:-$ROOT/../shared}
TARGETS=(onnx image npy idx labels quantize compile zooconf)
NODE=/usr/share/libonnx-testdata/data/node

build() {
  cmake -S "$ROOT" -B "$B" -DCMAKE_C_COMPILER=clang -DDLK_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="-O1" \
    -DDLK_WERROR=ON -DBUILD_TESTING=OFF >"$B.log" 2>&1 &&
    cmake --build "$B" -j "${JOBS:-2}" --target "${TARGETS[@]/#/fuzz_}" >>"$B.log" 2>&1 \
    || { tail -20 "$B.log"; return 1; }
}

seeds() {
  local C="$B/seeds"
  rm -rf "$C"; mkdir -p "$C"/{onnx,image,npy,idx,labels,quantize,compile,zooconf}
  # quantize: tiny float DLA-like models; compile: their int8 versions (tests/fuzz/make_seeds.py)
  cp tests/fuzz/seeds/quantize/*.onnx "$C/quantize/"
  cp tests/fuzz/seeds/compile/*.onnx tests/robust/cg_*.onnx "$C/compile/"
  # ONNX: node tests of the operators dlakit runs, the robust inputs, the small fixtures
  local op
  for op in conv maxpool averagepool globalaveragepool relu sigmoid clip softmax add sub mul div concat flatten \
            reshape identity gemm matmul qlinearconv qlinearmatmul quantizelinear dequantizelinear; do
    for d in "$NODE"/test_${op}*; do
      [ -f "$d/model.onnx" ] && cp "$d/model.onnx" "$C/onnx/$(basename "$d").onnx"
    done
  done
  cp tests/robust/*.onnx tests/fixtures/engine/unknown_op.onnx "$C/onnx/"
  # images: every small fixture (valid and broken), the robust bombs, 24x24 crops of the shared photos
  cp tests/fixtures/images/*.png tests/fixtures/images/*.jpg tests/robust/*.png tests/robust/*.jpg "$C/image/" 2>/dev/null
  /usr/bin/python3 - "$SHARED/images" "$C/image" <<'PYEOF'
import sys, os
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for f in sorted(os.listdir(src)) if os.path.isdir(src) else []:
    im = Image.open(os.path.join(src, f)).convert("RGB").resize((24, 24))
    b = os.path.splitext(f)[0]
    im.save(f"{dst}/{b}.png"); im.save(f"{dst}/{b}_prog.jpg", progressive=True, quality=60)
    im.convert("L").save(f"{dst}/{b}_gray.jpg"); im.convert("P").save(f"{dst}/{b}_pal.png")
    im.convert("CMYK").save(f"{dst}/{b}_cmyk.jpg")
PYEOF
  # the image target's first byte selects options: prefix each seed with one
  local f i=0
  for f in "$C"/image/*; do { printf "\\x$(printf %02x $((i * 37 % 256)))"; cat "$f"; } >"$f.seed" && mv "$f.seed" "$f"; i=$((i + 1)); done
  # npy: small fixtures; IDX: the first items of the shared MNIST files; labels: the shared list
  cp tests/fixtures/images/*.npy "$C/npy/" 2>/dev/null
  /usr/bin/python3 - "$SHARED/data/mnist" "$C" <<'PYEOF'
import sys, os, struct
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
for i, (shape, dt) in enumerate([((2, 3), "<f4"), ((1, 4, 4, 3), "|u1"), ((5,), "<i8"), ((2, 2), "<i4"), ((0, 3), "|i1")]):
    np.save(f"{dst}/npy/s{i}.npy", np.arange(int(np.prod(shape)), dtype=dt).reshape(shape))
img, lbl = os.path.join(src, "mnist-10k-images-idx3-ubyte"), os.path.join(src, "mnist-10k-labels-idx1-ubyte")
if os.path.exists(img):
    d = open(img, "rb").read(16 + 3 * 784)
    open(f"{dst}/idx/images3.idx3", "wb").write(d[:4] + struct.pack(">I", 3) + d[8:])
    l = open(lbl, "rb").read(8 + 3)
    open(f"{dst}/idx/labels3.idx1", "wb").write(l[:4] + struct.pack(">I", 3) + l[8:])
PYEOF
  [ -f "$SHARED/labels/imagenet_labels.txt" ] && head -c 2000 "$SHARED/labels/imagenet_labels.txt" >"$C/labels/imagenet_head.txt"
  printf 'zero\none\r\ntwo\n\nfour' >"$C/labels/small.txt"
  # zooconf: an override line, then a config (tests/fuzz/seeds/zooconf and the card's shape)
  cp tests/fuzz/seeds/zooconf/* "$C/zooconf/"
  { echo '+dataset.test_path=${dataset.data_dir}/val'; cat tests/fixtures/zoo/dla46c_mnist_64_config.yaml; } >"$C/zooconf/card.txt"
  local t
  for t in "${TARGETS[@]}"; do echo "seeds $t: $(ls "$C/$t" | wc -l) files, $(du -sk "$C/$t" | cut -f1) KB"; done
}

# run_one TARGET SECONDS: corpus in $B/corpus/TARGET (grown from the seeds), findings in $B/findings
run_one() {
  local t=$1 s=$2 dict="" extra=("${@:3}")
  local corpus="$B/corpus/$t" find="$B/findings"
  mkdir -p "$corpus" "$find"
  local dn=$t; case $t in quantize|compile) dn=onnx ;; esac   # their inputs are ONNX files too
  [ -f "tests/fuzz/$dn.dict" ] && dict="-dict=tests/fuzz/$dn.dict"
  local log="$B/fuzz_$t.log" rc=0 TIMEFORMAT='%R %U %S'
  { time nice -n 19 "$B/tests/fuzz/fuzz_$t" "$corpus" "$B/seeds/$t" $dict -max_total_time="$s" -timeout=20 \
      -rss_limit_mb=2048 -max_len=$(case $t in onnx|quantize|compile) echo 65536 ;; *) echo 16384 ;; esac) -artifact_prefix="$find/$t-" \
      -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 || rc=$?; } 2>"$log.time"
  local execs wall cpu
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  read -r wall u sy <"$log.time"
  cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN{printf "%.0f", u + s}')
  echo "fuzz $t: ${execs:-0} execs in ${wall%.*} s, CPU $cpu s, exit $rc"
  echo "$(date -u +%FT%TZ) $t ${execs:-0} $cpu" >>"$B/fuzz_history.txt"
  if [ $rc -ne 0 ]; then grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5; return 1; fi
}

case "${1:-}" in
  build) build ;;
  seeds) seeds ;;
  smoke)
    # CI's run is deterministic: a fixed seed and a fixed number of inputs per target from the seeds
    # alone (about 20 s each on a 2-core machine), with SECONDS as a cap; the kept corpus is not used.
    s=${2:-25}; fail=0
    build || exit 1
    seeds >/dev/null
    declare -A RUNS=([onnx]=800000 [image]=50000 [npy]=1500000 [idx]=1500000 [labels]=700000 [quantize]=15000 [compile]=250000 [zooconf]=300000)
    for t in "${TARGETS[@]}"; do
      rm -rf "$B/corpus/$t"
      run_one "$t" "$((s * 3))" -seed=1 -runs="${RUNS[$t]}" || fail=1
    done
    exit $fail ;;
  run)
    [ $# -eq 3 ] || { echo "usage: $0 run TARGET SECONDS" >&2; exit 2; }
    [ -x "$B/tests/fuzz/fuzz_$2" ] || build || exit 1
    [ -d "$B/seeds/$2" ] || seeds >/dev/null
    run_one "$2" "$3" ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
