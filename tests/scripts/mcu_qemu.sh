#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The generated C on a Cortex-M under QEMU (semihosting): `compile --target T` (default generic),
# cross-built with arm-none-eabi-gcc -O2 for the target's board (generic and cortex-m55: mps3-an547;
# cortex-m7: mps2-an500; cortex-m4: mps2-an386), fed the shared images, scores bit-identical to
# the generic C built on the host and to ort_int8_qop.npy. Prints flash (.text + .rodata) and RAM
# (.data + .bss + stack) from the link map, the model's own share (m.o), the stack actually used,
# and instructions per inference with a per-layer table (tests/mcu/profile.c: SysTick under
# -icount shift=0, 1 instruction = 1 ns; instructions, not cycles). Semihosted clock() is not used:
# QEMU answers it with its own host CPU time.
#   mcu_qemu.sh [--target T] mnist|zoo ...
# Skipped (77) only when arm-none-eabi-gcc, newlib or qemu-system-arm is missing.
#   mcu_qemu.sh mnist [COUNT]   bundled MNIST model (default 4 digits)
#   mcu_qemu.sh zoo NAME [COUNT] ../shared/models/zoo/NAME (default 1 photo)
#   mcu_qemu.sh family ARCH TAG  tests/fixtures/family/ARCH/ARCH_TAG.onnx, its 3 images, against
#                                ort_TAG.npy (a QOperator file: ORT's integer kernels)
. "$(dirname "$0")/engine_lib.sh"
need_shared
CHECK="$PY $SRC/tests/mcu/check.py"
B="$SRC/tests/mcu/m55"
for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh installs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm)"; exit 77; }
done
[ -n "$(arm-none-eabi-gcc -print-file-name=rdimon.specs | grep /)" ] || { echo "SKIP: newlib (libnewlib-arm-none-eabi) not installed"; exit 77; }
ref=ort_int8_qop.npy
target=generic
if [ "${1:-}" = --target ]; then target=$2; shift 2; fi
case $target in
  generic | cortex-m55) CPU="-mcpu=cortex-m55"; BOARD=mps3-an547; LD="$B/link.ld"; HZ=32000000 ;;
  cortex-m7) CPU="-mcpu=cortex-m7 -mfpu=fpv5-sp-d16"; BOARD=mps2-an500; LD="$SRC/tests/mcu/an500/link.ld"; HZ=25000000 ;;
  cortex-m4) CPU="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16"; BOARD=mps2-an386; LD="$SRC/tests/mcu/an386/link.ld"; HZ=25000000 ;;
  *) fail "unknown target $target"; finish ;;
esac
case "${1:?mnist|zoo|family}" in
  mnist) count=${2:-4}; model="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"; refdir="$MNIST"; label=dla46c_mnist_64 ;;
  zoo) count=${3:-1}; model="$ZOO/$2/${2}_qdq_int8.onnx"; refdir="$ZOO/$2"; label=$2 ;;
  family) count=3; refdir="$SRC/tests/fixtures/family/$2"; model="$refdir/${2}_$3.onnx"; label="${2}_$3"; ref="ort_$3.npy" ;;
esac
"$DLAKIT" compile "$model" -o "$TMP" --name m --target $target || fail "compile"
if [ $target != generic ]; then # every convolution on the target's kernels (these models: int8, symmetric weights)
  nconv=$(grep -c ': QLinearConv ' "$TMP/m.c" || true); nfast=$(grep -c '^    mcu_conv_q8(&' "$TMP/m.c" || true)
  [ "$nconv" -gt 0 ] && [ "$nconv" = "$nfast" ] && echo "ok all $nconv convolutions call the $target kernel" ||
    fail "$nfast of $nconv convolutions call the $target kernel"
fi
mkdir -p "$TMP/generic"
"$DLAKIT" compile "$model" -o "$TMP/generic" --name m || fail "compile (generic)"
$CHECK images "$refdir/inputs_u8_nhwc.npy" "$TMP/in.bin" "$count"
ARM="arm-none-eabi-gcc $CPU -mfloat-abi=hard -O2 -std=c99 -ffp-contract=off -Wall -Wextra -Werror"
t0=$SECONDS
$ARM -pedantic -Dm_PROFILE -c "$TMP/m.c" -o "$TMP/m.o" -fstack-usage &&
  $ARM -DPROFILE_HZ=$HZ -c "$SRC/tests/mcu/profile.c" -o "$TMP/profile.o" &&
  $ARM -I"$TMP" -c "$SRC/tests/mcu/driver.c" -o "$TMP/driver.o" &&
  $ARM -c "$SRC/tests/mcu/start.c" -o "$TMP/start.o" &&
  $ARM --specs=rdimon.specs -nostartfiles -T "$LD" "$TMP/start.o" "$TMP/driver.o" "$TMP/m.o" "$TMP/profile.o" -lm \
    -Wl,-Map="$TMP/app.map" -o "$TMP/app.elf" || { fail "cross build"; finish; }
echo "cross-built in $((SECONDS - t0)) s"
cc -std=c99 -O2 -ffp-contract=off -I"$TMP/generic" "$TMP/generic/m.c" "$SRC/tests/mcu/driver.c" -lm -o "$TMP/host" || fail "host build"
(cd "$TMP" && ./host >/dev/null && mv out.bin host.bin) || fail "host run"
t0=$SECONDS
(cd "$TMP" && timeout 600 qemu-system-arm -M $BOARD -nographic -icount shift=0 \
  -semihosting-config enable=on,target=native -kernel app.elf) >"$TMP/qemu.txt" 2>&1 || fail "qemu run: $(grep -v '^prof ' "$TMP/qemu.txt")"
grep -v '^prof ' "$TMP/qemu.txt"
echo "qemu ran in $((SECONDS - t0)) s"
$CHECK same "$TMP/out.bin" "$refdir/$ref" "$count" || FAILS=$((FAILS + 1))
cmp -s "$TMP/out.bin" "$TMP/host.bin" && echo "ok $target scores on $BOARD == generic C's on the host (bytes)" || fail "$target and host scores differ"
$PY - "$TMP/app.map" "$TMP/qemu.txt" "$TMP/m.h" "$count" "$label on $target ($BOARD)" "$SRC/tests/mcu/mapsize.py" <<'PY' || FAILS=$((FAILS + 1))
import importlib.util, re, sys
spec = importlib.util.spec_from_file_location("mapsize", sys.argv[6]); ms = importlib.util.module_from_spec(spec); spec.loader.exec_module(ms)
m = ms.parse(sys.argv[1], "m.o")
q = open(sys.argv[2]).read(); h = open(sys.argv[3]).read(); n = int(sys.argv[4])
mac = {k: int(v) for k, v in re.findall(r"#define m_(\w+) (\d+)", h)}
stack = int(re.search(r"stack used (\d+)", q).group(1))
prof = [(int(s), name, int(m), float(i)) for s, name, m, i in re.findall(r"^prof (\d+) (\S+) (\d+) (\S+)$", q, re.M)]
ins = sum(p[3] for p in prof) / n
macs = sum(p[2] for p in prof) / n
layers = {}
for st, name, mc, i in prof:
    layers.setdefault((st, name), [0, 0.0])[0] = mc
    layers[(st, name)][1] += i / n
print("per layer (instructions, not cycles; MAC/instruction against 16 = VMLADAVA.S8 bound, 8.7 = load-bound):")
for (st, name), (mc, i) in sorted(layers.items(), key=lambda kv: -kv[1][1])[:12]:
    print(f"  {name:44s} {mc / 1e6:8.2f} M MACs {i / 1e6:8.2f} M instructions {mc / i if i else 0:5.2f} MAC/instruction")
img = mac["IN_H"] * mac["IN_W"] * 3
K = lambda b: f"{b / 1024:.1f} KiB"
print(f"{sys.argv[5]}: program flash {K(m['flash'])} (text {m['text']} + rodata {m['rodata']}), model m.o flash "
      f"{K(m['model']['flash'])}; RAM: arena {K(mac['ARENA_BYTES'])} + input {K(img)} + stack used {stack} B = "
      f"{K(mac['ARENA_BYTES'] + img + stack)} (whole program data+bss+stack region {K(m['ram'])}); "
      f"{ins / 1e6:.1f} M instructions per inference, {macs / ins:.2f} MAC/instruction ({n} image(s); instructions, not cycles)")
ok = m["model"]["bss"] == mac["ARENA_BYTES"] and stack <= mac["STACK_BYTES"] and m["model"]["rodata"] >= mac["WEIGHT_BYTES"]
print(("ok" if ok else "FAIL") + f": m.o bss {m['model']['bss']} == m_ARENA_BYTES {mac['ARENA_BYTES']}, stack used {stack} <= m_STACK_BYTES {mac['STACK_BYTES']}")
sys.exit(0 if ok else 1)
PY
finish
