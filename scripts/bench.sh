#!/usr/bin/env bash
# dlakit against ONNX Runtime 1.30 (../shared/tools/ort/bench.mjs), same machine, same run,
# interleaved: ROUNDS rounds of (ORT, dlakit) per model, one thread each, batch 1, same input.
# Prints each round's min/median and, per model, the ratio dlakit/ORT of the best minima and of the
# median of medians. Machines of this kind are noisy: compare only ratios from one run.
#   scripts/bench.sh [ROUNDS] [RUNS]     (defaults 3 rounds of 20 runs)
# Needs: a release build (build/release/dlakit, made if missing), node + npm (scripts/deps.sh --ort).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
RUNS=${2:-20}
SHARED=${SHARED:-../shared}
DLAKIT=${DLAKIT:-build/release/dlakit}
if [ ! -x "$DLAKIT" ]; then
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build build/release -j "$(nproc)" --target dlakit_cli >/dev/null
fi
sh "$SHARED/tools/ort/install.sh" >/dev/null
MODELS=${MODELS:-"zoo/dla46c_pt_224/dla46c_pt_224.onnx zoo/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx zoo/dla60xc_pt_224/dla60xc_pt_224.onnx zoo/dla60xc_pt_224/dla60xc_pt_224_qdq_int8.onnx"}
printf '%-36s %10s %10s %10s %10s\n' model ort_min dlk_min ort_med dlk_med
for m in $MODELS; do
  path="$SHARED/models/$m"
  om=() dm=() omed=() dmed=()
  for r in $(seq "$ROUNDS"); do
    o=$(node "$SHARED/tools/ort/bench.mjs" "$path" 224 224 1 "$RUNS")
    d=$("$DLAKIT" bench "$path" --runs "$RUNS")
    om+=("$(sed -E 's/.*min ([0-9.]+).*/\1/' <<<"$o")"); omed+=("$(sed -E 's/.*median ([0-9.]+).*/\1/' <<<"$o")")
    dm+=("$(sed -E 's/.*min ([0-9.]+).*/\1/' <<<"$d")"); dmed+=("$(sed -E 's/.*median ([0-9.]+).*/\1/' <<<"$d")")
    printf '%-36s %10s %10s %10s %10s\n' "$(basename "$m") #$r" "${om[-1]}" "${dm[-1]}" "${omed[-1]}" "${dmed[-1]}"
  done
  python3 - "${om[*]}" "${dm[*]}" "${omed[*]}" "${dmed[*]}" "$(basename "$m")" <<'PYEOF'
import sys, statistics as st
om, dm, omed, dmed = ([float(x) for x in a.split()] for a in sys.argv[1:5])
print(f"{sys.argv[5]}: dlakit/ORT  min {min(dm) / min(om):.2f}x  median {st.median(dmed) / st.median(omed):.2f}x  (>1 = dlakit slower)")
PYEOF
done
