#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A/B speed of two dlakit binaries (before and after a change), same machine, same run,
# interleaved: ROUNDS rounds per row, the order of A and B alternating between rounds, each a
# `dlakit bench --json` of RUNS timed runs. Per row: both binaries' best minimum and median of the
# rounds' medians, and B's speed-up over A (A ms / B ms; > 1 = B faster).
# Use it after any change that touches kernels, planning or threads: scripts/bench.sh compares with
# ONNX Runtime, this compares dlakit with itself, which is what "no slower" needs.
#   scripts/bench_ab.sh A_DLAKIT B_DLAKIT [ROUNDS] [RUNS]     (defaults 5 rounds of 20 runs)
#   env: MODELS (as scripts/bench.sh: "path:HxW" under SHARED/models), THREADS ("1 2"), SHARED
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 A_DLAKIT B_DLAKIT [ROUNDS] [RUNS]" >&2; exit 2; }
A=$1 B=$2
ROUNDS=${3:-5}
RUNS=${4:-20}
SHARED=${SHARED:-../shared}
THREADS=${THREADS:-"1 2"}
Z=zoo
MODELS=${MODELS:-"$Z/dla46c_pt_224/dla46c_pt_224.onnx:224x224 $Z/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx:224x224
$Z/dla46xc_pt_224/dla46xc_pt_224.onnx:224x224 $Z/dla46xc_pt_224/dla46xc_pt_224_qdq_int8.onnx:224x224
$Z/dla60xc_pt_224/dla60xc_pt_224.onnx:224x224 $Z/dla60xc_pt_224/dla60xc_pt_224_qdq_int8.onnx:224x224
mnist/dla46c_mnist_64/dla46c_mnist_64.onnx:64x64 mnist/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx:64x64"}
for x in "$A" "$B"; do [ -x "$x" ] || { echo "$0: $x: not an executable" >&2; exit 2; }; done
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $cpu, $(nproc) cores; $ROUNDS rounds x $RUNS runs, interleaved"
echo "# A = $A"
echo "# B = $B"
printf '%-34s %3s  %16s  %16s  %s\n' model thr "A min/med ms" "B min/med ms" "B speed-up min (med)"
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }
for spec in $MODELS; do
  model=$SHARED/models/${spec%%:*} size=${spec##*:}
  for th in $THREADS; do
    amin=() amed=() bmin=() bmed=()
    for r in $(seq 1 "$ROUNDS"); do
      if [ $((r % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
      for w in $order; do
        bin=$A; [ "$w" = B ] && bin=$B
        j=$("$bin" bench "$model" --size "$size" --threads "$th" --runs "$RUNS" --json)
        if [ "$w" = A ]; then amin+=("$(field min_ms <<<"$j")"); amed+=("$(field median_ms <<<"$j")")
        else bmin+=("$(field min_ms <<<"$j")"); bmed+=("$(field median_ms <<<"$j")"); fi
      done
    done
    python3 - "$(basename "$model")" "$th" "${amin[*]}" "${amed[*]}" "${bmin[*]}" "${bmed[*]}" <<'EOF'
import sys, statistics as st
name, th = sys.argv[1], sys.argv[2]
amin, amed, bmin, bmed = ([float(v) for v in a.split()] for a in sys.argv[3:7])
a0, am, b0, bm = min(amin), st.median(amed), min(bmin), st.median(bmed)
print(f"{name:34s} {th:>3s}  {a0:7.3f} / {am:7.3f}  {b0:7.3f} / {bm:7.3f}  {a0 / b0:5.3f}x ({am / bm:5.3f}x)")
EOF
  done
done
