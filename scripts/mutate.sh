#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On demand (issue #9): N seeded mutations (default 10,000) of every shared model file and image,
# each taken through what `info`, `run` and `classify` do. Two passes over the same mutants (same
# seed): an optimized build (build/release) where none may take over 2 s, then an AddressSanitizer +
# UBSan build (build/mutate, -O2; N_ASAN mutations, default N; 20 s bound there) where none may
# produce a report. The in-process driver is tests/robust/mutate_driver.c (dlk_mutate); every 100th
# mutant is also fed to the real CLI of the sanitizer build (dlakit info / run / classify), which
# must exit below 126 without a sanitizer report.
#   scripts/mutate.sh [N]          environment: N_ASAN, SHARED (default ../shared), JOBS
# Prints one line per file and pass, then "mutate: ..., F failures"; exit status 0 when F = 0.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
N_ASAN=${N_ASAN:-$N}
SHARED=${SHARED:-$PWD/../shared}
B=build/mutate
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$B" build/release
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >build/release/mutate-build.log 2>&1 &&
  cmake --build build/release -j "${JOBS:-2}" --target dlk_mutate >>build/release/mutate-build.log 2>&1 || { tail -20 build/release/mutate-build.log; exit 1; }
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON -DDLK_SANITIZE=ON -DCMAKE_C_FLAGS_RELEASE="-O2 -g" >"$B/build.log" 2>&1 &&
  cmake --build "$B" -j "${JOBS:-2}" --target dlk_mutate dlakit_cli >>"$B/build.log" 2>&1 || { tail -20 "$B/build.log"; exit 1; }
CLS="$SHARED/models/mnist/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx"
[ -f "$CLS" ] || { echo "mutate: $SHARED not found"; exit 1; }
mapfile -t FILES < <(find "$SHARED/models" "$SHARED/images" -type f \( -name '*.onnx' -o -name '*.png' -o -name '*.jpg' \) | sort)
CLI="$B/cli"; rm -rf "$CLI"; mkdir -p "$CLI"
LOG="$B/mutate.log"; : >"$LOG"
fail=0 t0=$SECONDS
for f in "${FILES[@]}"; do
  echo -n "release: " | tee -a "$LOG"
  build/release/tests/dlk_mutate -n "$N" --classifier "$CLS" "$f" 2>>"$LOG" | tee -a "$LOG" || fail=$((fail + 1))
done
for f in "${FILES[@]}"; do
  echo -n "asan+ubsan: " | tee -a "$LOG"
  "$B/tests/dlk_mutate" -n "$N_ASAN" --max-seconds 20 --classifier "$CLS" --cli-dir "$CLI" "$f" 2>>"$LOG" | tee -a "$LOG" || fail=$((fail + 1))
done
# the real CLI on every 100th mutant (2 s each at most)
ncli=0
for m in "$CLI"/*; do
  case "$m" in
    *.onnx) cmds=("info $m" "run $m --input-npy $B/x.npy -o /dev/null --quiet") ;;
    *) cmds=("classify $CLS $m") ;;
  esac
  [ -f "$B/x.npy" ] || /usr/bin/python3 -c "import numpy as np; np.save('$B/x.npy', np.zeros((1, 3, 224, 224), np.float32))"
  for c in "${cmds[@]}"; do
    ncli=$((ncli + 1)); rc=0
    # shellcheck disable=SC2086
    timeout 10 "$B/dlakit" $c >/dev/null 2>"$B/cli.err" || rc=$?
    if [ $rc -ge 124 ] || grep -qE 'Sanitizer|runtime error:' "$B/cli.err"; then
      echo "FAIL dlakit $c: exit $rc"; head -5 "$B/cli.err"; fail=$((fail + 1)); cp "$m" "$B/failed_$(basename "$m")"
    fi
  done
done
echo "mutate: ${#FILES[@]} files, $N mutations each (release), $N_ASAN (ASan + UBSan), $ncli CLI runs, $((SECONDS - t0)) s, $fail failures" | tee -a "$LOG"
grep -E 'Sanitizer|runtime error:|took|failed' "$LOG" | head -10
[ $fail -eq 0 ]
