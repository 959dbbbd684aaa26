#!/usr/bin/env bash
# ONNX Runtime check of `dlakit quantize` (needs ../shared and ONNX Runtime: sh ../shared/tools/ort/install.sh;
# not part of CI, which has no ORT). For the MNIST model (calibrated on calib_indices.npy) and the three
# zoo replicas (calibrated on their photos and the photos mirrored), in QDQ and QOperator form:
#  - ONNX Runtime loads and runs both files;
#  - ORT's run of the QOperator file equals `dlakit run` of it bit for bit;
#  - ORT's run of the QDQ file (ORT_ENABLE_ALL) has the same top-1 as dlakit's on every image.
# usage: scripts/check_quantize_ort.sh [BUILD_DIR (default build/release)]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DLAKIT=${DLAKIT:-$ROOT/${1:-build/release}/dlakit}
SHARED=${SHARED:-$ROOT/../shared}
PY=${PY:-/usr/bin/python3}
ORT="node $SHARED/tools/ort/run.mjs"
COMMON="$PY $ROOT/tests/scripts/common.py"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dlakit-qort.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
[ -x "$DLAKIT" ] || { echo "no dlakit at $DLAKIT"; exit 2; }
FAILS=0
step() { echo "+ $*"; "$@" >"$TMP/log" 2>&1 || { echo "FAIL: $*"; tail -5 "$TMP/log"; FAILS=$((FAILS + 1)); return 1; }; }

check_model() { # NAME FLOAT.onnx INPUTS.npy CALIB-ARGS...
  local name=$1 model=$2 inputs=$3; shift 3
  for fmt in qdq qop; do
    local q="$TMP/${name}_$fmt.onnx"
    step "$DLAKIT" quantize "$model" -o "$q" --format $fmt "$@" || continue
    step $ORT "$q" "$inputs" "$TMP/ort_$fmt.npy" all || continue
    step "$DLAKIT" run "$q" --images-npy "$inputs" -o "$TMP/dlk_$fmt.npy" --threads 2 || continue
    if [ $fmt = qop ]; then
      $COMMON exact "$TMP/dlk_$fmt.npy" "$TMP/ort_$fmt.npy" "$name QOperator: dlakit run vs ONNX Runtime (bits)" || FAILS=$((FAILS + 1))
    else
      $COMMON argmax "$TMP/dlk_$fmt.npy" "$TMP/ort_$fmt.npy" "$name QDQ: dlakit run vs ONNX Runtime (top-1)" || FAILS=$((FAILS + 1))
    fi
  done
}

M=$SHARED/models/mnist/dla46c_mnist_64
check_model mnist64 "$M/dla46c_mnist_64.onnx" "$M/inputs_u8_nhwc.npy" \
  --calib-idx "$SHARED/data/mnist/mnist-10k-images-idx3-ubyte" "$SHARED/data/mnist/mnist-10k-labels-idx1-ubyte" \
  --calib-indices "$M/calib_indices.npy"
$COMMON correct "$TMP/ort_qdq.npy" "$M/labels.npy" 1950 "mnist64 QDQ (ONNX Runtime) top-1 vs labels" || FAILS=$((FAILS + 1))
for z in dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224; do
  Z=$SHARED/models/zoo/$z
  check_model "$z" "$Z/$z.onnx" "$Z/inputs_u8_nhwc.npy" --calib-npy "$Z/inputs_u8_nhwc.npy" --calib-flip
done
[ $FAILS -eq 0 ] && echo "all ONNX Runtime checks passed" || echo "$FAILS ONNX Runtime check(s) failed"
exit $((FAILS != 0))
