#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The libFuzzer targets on a machine without dlakit's libraries (the `run` device tool, 16 cores).
#   scripts/fuzz_device.sh pack          here: links every target of build/fuzz (scripts/fuzz.sh build,
#                                        seeds) statically against Debian's .a of protobuf-c, libpng,
#                                        libjpeg, zlib, libstdc++; packs them with this glibc's loader,
#                                        libc and libm, the seeds and the dictionaries into
#                                        .fuzzbin/fz.tar.xz (git-ignored; carry it)
#   scripts/fuzz_device.sh run SECONDS   there: every target at once, 16 processes (onnx and compile 3,
#                                        the others 2; one compile process in its differential mode,
#                                        DLK_FUZZ_COMPILE_CC=20, when cc exists), each for SECONDS, new
#                                        corpus entries and findings packed under $OUT (8 files at most)
set -uo pipefail
cd "$(dirname "$0")/.."
TARGETS=(onnx image npy idx labels quantize compile)
case "${1:-}" in
  pack)
    B=${FUZZ_BUILD:-build/fuzz} L=/usr/lib/x86_64-linux-gnu P=$(mktemp -d)
    mkdir -p "$P/lib" .fuzzbin
    for t in "${TARGETS[@]}"; do
      clang -fsanitize=address,undefined -fsanitize=fuzzer "$B/tests/fuzz/CMakeFiles/fuzz_$t.dir/fuzz_$t.c.o" -o "$P/fuzz_$t" \
        "$B/libdlakit_tools.a" "$B/libdlakit.a" $L/libprotobuf-c.a $L/libpng16.a $L/libjpeg.a $L/libz.a -lm -pthread \
        -static-libstdc++ -static-libgcc || exit 1
      strip --strip-debug "$P/fuzz_$t"
      ldd "$P/fuzz_$t" | grep -Ev 'linux-vdso|libc\.so|libm\.so|ld-linux' && { echo "fuzz_$t: other shared libraries" >&2; exit 1; }
    done
    cp /lib64/ld-linux-x86-64.so.2 $L/libc.so.6 $L/libm.so.6 "$P/lib/"
    cp -r "$B/seeds" "$P/seeds" && cp tests/robust/*.onnx "$P/seeds/compile/" && cp tests/fuzz/*.dict "$P/"
    tar -C "$P" -cf - . | xz -T2 -6 >.fuzzbin/fz.tar.xz && rm -rf "$P"
    ls -l .fuzzbin/fz.tar.xz ;;
  run)
    S=${2:?SECONDS}; O=${OUT:-/tmp/fzout}; W=$(mktemp -d)
    tar -C "$W" -xJf .fuzzbin/fz.tar.xz || exit 1
    cd "$W" && mkdir -p logs findings
    { nproc; ldd --version | head -1; command -v cc || echo "no cc"; } >logs/machine.txt 2>&1
    declare -A N=([onnx]=3 [compile]=3)
    for t in "${TARGETS[@]}"; do
      mkdir -p "corpus/$t"
      dn=$t; case $t in quantize|compile) dn=onnx ;; esac
      dict=""; [ -f "$dn.dict" ] && dict="-dict=$dn.dict"
      ml=16384; case $t in onnx|quantize|compile) ml=65536 ;; esac
      for ((j = 0; j < ${N[$t]:-2}; j++)); do
        cc_every=0; [ "$t" = compile ] && [ $j -eq 2 ] && command -v cc >/dev/null && cc_every=20
        ( TIMEFORMAT='%R %U %S'; time DLK_FUZZ_COMPILE_CC=$cc_every ./lib/ld-linux-x86-64.so.2 --library-path ./lib ./fuzz_$t \
            "corpus/$t" "seeds/$t" $dict -max_total_time="$S" -timeout=20 -rss_limit_mb=2048 -max_len=$ml -seed=$((j + 11)) \
            -artifact_prefix="findings/$t-$j-" -print_final_stats=1 >"logs/$t.$j.log" 2>&1; echo "exit $?" >>"logs/$t.$j.log" ) \
          2>"logs/$t.$j.time" &
      done
    done
    wait
    for t in "${TARGETS[@]}"; do
      execs=0 cpu=0
      for f in logs/$t.*.log; do
        e=$(grep -E '^stat::number_of_executed_units' "$f" | awk '{print $2}'); execs=$((execs + ${e:-0}))
        cpu=$(awk -v c="$cpu" '{print c + $2 + $3}' "${f%.log}.time")
      done
      echo "$t: $execs execs, CPU $cpu s, seeds $(ls seeds/$t | wc -l), new corpus $(ls corpus/$t | wc -l), findings $(ls findings | grep -c "^$t-")"
    done | tee logs/summary.txt
    mkdir -p "$O"
    tar -cJf "$O/corpus-a.tar.xz" corpus/onnx corpus/image corpus/npy
    tar -cJf "$O/corpus-b.tar.xz" corpus/idx corpus/labels corpus/quantize corpus/compile
    tar -cJf "$O/findings-logs.tar.xz" findings logs
    cp logs/summary.txt logs/machine.txt "$O/"
    ls -l "$O" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
