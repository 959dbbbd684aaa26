#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The C that `dlakit compile` writes, built on the host as strict C99 (-Wall -Wextra -pedantic
# -Werror) with tests/mcu/driver.c, classifies the shared images bit-identically to
# `dlakit run --images-npy` and to ORT's integer kernels (ort_int8_qop.npy).
#   mcu_host.sh mnist [COUNT]     the bundled MNIST model, first COUNT test digits (default 32)
#   mcu_host.sh zoo NAME          ../shared/models/zoo/NAME, its 6 photos
. "$(dirname "$0")/engine_lib.sh"
need_shared
CHECK="$PY $SRC/tests/mcu/check.py"
CC=${CC:-cc}
case "${1:?mnist|zoo}" in
  mnist) count=${2:-32}; model="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"; refdir="$MNIST" ;;
  zoo) count=""; model="$ZOO/$2/${2}_qdq_int8.onnx"; refdir="$ZOO/$2" ;;
esac
$CHECK images "$refdir/inputs_u8_nhwc.npy" "$TMP/in.bin" $count
$PY -c "import numpy as np, sys; x = np.load(sys.argv[1]); np.save(sys.argv[2], x[:int(sys.argv[3])] if sys.argv[3] else x)" \
  "$refdir/inputs_u8_nhwc.npy" "$TMP/in.npy" "$count"
run_ok "$TMP/run.npy" run "$model" --images-npy "$TMP/in.npy" -o "$TMP/run.npy" --quiet || FAILS=$((FAILS + 1))
"$DLAKIT" compile "$model" -o "$TMP" --name m || fail "compile $model"
t0=$SECONDS
$CC -std=c99 -O1 -Wall -Wextra -pedantic -Werror -ffp-contract=off -I"$TMP" "$TMP/m.c" "$SRC/tests/mcu/driver.c" -lm -o "$TMP/host" ||
  fail "the generated C does not build warning-free as C99"
echo "built the generated C with $CC in $((SECONDS - t0)) s"
(cd "$TMP" && ./host) || fail "the generated program failed"
$CHECK same "$TMP/out.bin" "$TMP/run.npy" || FAILS=$((FAILS + 1))
$CHECK same "$TMP/out.bin" "$refdir/ort_int8_qop.npy" $count || FAILS=$((FAILS + 1))
if [ "$1" = mnist ]; then
  # NAME.h from C++ (extern "C"): a C++ main links against the C object; NAME_ARENA_SECTION puts
  # the arena, exactly m_ARENA_BYTES of it, into the section the firmware names
  ${CXX:-c++} -O1 -Wall -Wextra -Werror -I"$TMP" -x c++ -c - -o "$TMP/main_cxx.o" <<'CXX' || fail "m.h does not compile as C++"
#include "m.h"
static unsigned char image[m_IN_H * m_IN_W * 3];
int main() { float s[m_NUM_CLASSES]; return m_run(image, s); }
CXX
  $CC -std=c99 -O1 -Wall -Wextra -pedantic -Werror -ffp-contract=off '-Dm_ARENA_SECTION=__attribute__((section(".bss.dlk_sram")))' \
    -c "$TMP/m.c" -o "$TMP/m_sec.o" || fail "m.c does not build with m_ARENA_SECTION"
  ${CXX:-c++} "$TMP/main_cxx.o" "$TMP/m_sec.o" -lm -o "$TMP/cxx" || fail "a C++ main does not link with the generated C"
  "$TMP/cxx" || fail "the C++-linked program failed"
  want=$(sed -n 's/^#define m_ARENA_BYTES \([0-9]*\).*/\1/p' "$TMP/m.h")
  got=$(objdump -h "$TMP/m_sec.o" | awk '$2 == ".bss.dlk_sram" { print $3 }')
  [ -n "$got" ] && got=$((16#$got))
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "section .bss.dlk_sram holds '$got' bytes, the arena is '$want'"
  echo "C++ link ok; arena of $got bytes in .bss.dlk_sram"
fi
finish
