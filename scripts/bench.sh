#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dlakit against ONNX Runtime 1.30 (scripts/ort_bench.mjs: ../shared/tools/ort/bench.mjs's method with
# the warm-up of `dlakit bench`, 5 runs and at least 0.1 s, for both alike), same machine, same run,
# interleaved: ROUNDS rounds of (ORT, dlakit) per row, batch 1, the same input.
# Rows: dla46c, dla46xc, dla60xc at 224x224 and the MNIST DLA-46-C at 64x64, float and int8 (QDQ),
# each at 1 and 2 threads (THREADS). Per row: the best minimum and the median of the rounds'
# medians for both, and dlakit's speed-up (ORT ms / dlakit ms; > 1 = dlakit faster).
# Float rows also give dlakit's speed at its minimum as a share of this core's 256-bit FMA peak
# ("%fma256": MACs / min time / peak; scripts/fma_peak.c, measured in every round of the same run,
# the best kept; the header line prints it and the 512-bit one).
# Machines of this kind are noisy (and 2-thread figures swing most): compare only ratios from one run.
#   scripts/bench.sh [ROUNDS] [RUNS]     (defaults 3 rounds of 20 runs)
#   env: MODELS (paths under ../shared/models, each "path:HxW"), THREADS ("1 2"), DLAKIT, SHARED
# Needs: node + npm (scripts/deps.sh --ort). Builds (or updates) build/bench: Release, with clang
# when it is installed (its code for our intrinsics kernels runs the zoo's int8 about 15 % and
# float about 3 % faster than gcc 12's here; scripts/test.sh runs the tests on a clang build too),
# else the default compiler. DLAKIT=path benchmarks another binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
RUNS=${2:-20}
SHARED=${SHARED:-../shared}
THREADS=${THREADS:-"1 2"}
if [ -z "${DLAKIT:-}" ]; then
  DLAKIT=build/bench/dlakit
  if [ ! -f build/bench/CMakeCache.txt ]; then
    cc=$(command -v clang || true)
    cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF ${cc:+-DCMAKE_C_COMPILER=$cc} >/dev/null
  fi
  cmake --build build/bench -j "$(nproc)" --target dlakit_cli >/dev/null
fi
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$(dirname "$DLAKIT")/CMakeCache.txt" 2>/dev/null | head -1)
PEAK=build/bench/fma_peak
mkdir -p build/bench
# built with cc (gcc here): clang 14 unrolls the loop 8 times, which measures 2/3 of gcc's figure on
# this machine's Zen 5; the peak is the best any build reaches
if [ ! -x "$PEAK" ] || [ scripts/fma_peak.c -nt "$PEAK" ]; then cc -O2 -o "$PEAK" scripts/fma_peak.c; fi
compiler=$(basename "${compiler:-unknown}")
peaks=() # "fma256 fma512" of every round
peak() { peaks+=("$("$PEAK" 20 | sed -E 's/fma256 ([0-9.]+) GMAC\/s fma512 ([0-9.]+).*/\1 \2/')"); }
peak
sh "$SHARED/tools/ort/install.sh" >/dev/null
Z=zoo
MODELS=${MODELS:-"$Z/dla46c_pt_224/dla46c_pt_224.onnx:224x224 $Z/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx:224x224
$Z/dla46xc_pt_224/dla46xc_pt_224.onnx:224x224 $Z/dla46xc_pt_224/dla46xc_pt_224_qdq_int8.onnx:224x224
$Z/dla60xc_pt_224/dla60xc_pt_224.onnx:224x224 $Z/dla60xc_pt_224/dla60xc_pt_224_qdq_int8.onnx:224x224
mnist/dla46c_mnist_64/dla46c_mnist_64.onnx:64x64 mnist/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx:64x64"}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
isa=$("$DLAKIT" bench "$SHARED/models/mnist/dla46c_mnist_64/dla46c_mnist_64.onnx" --size 64 --runs 1 --warmup 0 --json |
      sed -E 's/.*"isa":"([a-z0-9]+)".*/\1/')
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $cpu, $(nproc) cores; dlakit kernels: $isa, built with $compiler; ORT 1.30.0 CPU;"
echo "# batch 1, $ROUNDS rounds x $RUNS runs interleaved; ms; speed-up = ORT / dlakit (> 1: dlakit faster)"
printf '| %-30s | %2s | %8s | %8s | %8s | %8s | %7s | %7s | %7s |\n' model thr "ORT min" "dlk min" "ORT med" "dlk med" "x min" "x med" "%fma256"
printf '|%s|\n' "--------------------------------|----|----------|----------|----------|----------|---------|---------|---------"
for entry in $MODELS; do
  m=${entry%:*}; hw=${entry##*:}; h=${hw%x*}; w=${hw#*x}
  path="$SHARED/models/$m"
  macs=$("$DLAKIT" bench "$path" --size "${h}x${w}" --runs 1 --warmup 0 --json | sed -E 's/.*"macs":([0-9]+).*/\1/')
  case "$m" in *int8*) macs=0 ;; esac # int8 MACs are not FMAs
  for th in $THREADS; do
    om=() dm=() omed=() dmed=()
    for r in $(seq "$ROUNDS"); do
      o=$(SHARED="$SHARED" node scripts/ort_bench.mjs "$path" "$h" "$w" "$th" "$RUNS")
      peak
      d=$("$DLAKIT" bench "$path" --size "${h}x${w}" --threads "$th" --runs "$RUNS")
      om+=("$(sed -E 's/.*min ([0-9.]+).*/\1/' <<<"$o")"); omed+=("$(sed -E 's/.*median ([0-9.]+).*/\1/' <<<"$o")")
      dm+=("$(sed -E 's/.*min ([0-9.]+).*/\1/' <<<"$d")"); dmed+=("$(sed -E 's/.*median ([0-9.]+).*/\1/' <<<"$d")")
    done
    python3 - "${om[*]}" "${dm[*]}" "${omed[*]}" "${dmed[*]}" "$(basename "$m" .onnx)" "$th" "$macs" "${peaks[*]}" <<'PYEOF'
import sys, statistics as st
om, dm, omed, dmed = ([float(x) for x in a.split()] for a in sys.argv[1:5])
a, b, c, d = min(om), min(dm), st.median(omed), st.median(dmed)
macs, p256 = int(sys.argv[7]), max(float(x) for x in sys.argv[8].split()[0::2])
pk = f"{100 * macs / (b * 1e6) / p256 / int(sys.argv[6]):6.1f}%" if macs else "      -"
print(f"| {sys.argv[5]:<30} | {sys.argv[6]:>2} | {a:8.2f} | {b:8.2f} | {c:8.2f} | {d:8.2f} | {a / b:6.2f}x | {c / d:6.2f}x | {pk} |")
PYEOF
  done
done
peak
python3 - "${peaks[*]}" <<'PYEOF'
import sys
v = [float(x) for x in sys.argv[1].split()]
print(f"# FMA peak of one core, this run (scripts/fma_peak.c, best of {len(v) // 2} measurements): "
      f"256-bit {max(v[0::2]):.1f} GMAC/s, 512-bit {max(v[1::2]):.1f} GMAC/s; %fma256 is per thread")
PYEOF
