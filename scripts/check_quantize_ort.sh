#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ONNX Runtime check of `dlakit quantize` (needs ../shared and ONNX Runtime: sh ../shared/tools/ort/install.sh;
# not part of CI, which has no ORT). For the MNIST model (calibrated on calib_indices.npy) and the three
# zoo replicas (calibrated on their photos and the photos mirrored), in QDQ and QOperator form:
#  - ONNX Runtime loads and runs both files;
#  - ORT's run of the QOperator file equals `dlakit run` of it bit for bit;
#  - ORT's runs of the QDQ file: how often their top-1 agrees with dlakit's. ORT computes part of a QDQ
#    file in float (ORT_ENABLE_ALL fuses only some units into integer kernels; ORT_DISABLE_ALL none),
#    so its QDQ outputs differ from the integer semantics by a few quantization steps and a top-1
#    with a small margin can flip (ORT's two modes disagree with each other the same way). Checked:
#    on MNIST (labels known) ORT's QDQ accuracy is within 2 images of dlakit's.
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
    [ $fmt = qdq ] && { step $ORT "$q" "$inputs" "$TMP/ort_qdq_noopt.npy" disabled || continue; }
    step "$DLAKIT" run "$q" --images-npy "$inputs" -o "$TMP/dlk_$fmt.npy" --threads 2 || continue
    if [ $fmt = qop ]; then
      $COMMON exact "$TMP/dlk_$fmt.npy" "$TMP/ort_$fmt.npy" "$name QOperator: dlakit run vs ONNX Runtime (bits)" || FAILS=$((FAILS + 1))
    else
      $PY - "$TMP/dlk_qdq.npy" "$TMP/ort_qdq.npy" "$TMP/ort_qdq_noopt.npy" "$name" <<'PY'
import sys
import numpy as np
d, a, n = (np.load(p).argmax(1) for p in sys.argv[1:4])
r = len(d)
print(f"ok  {sys.argv[4]} QDQ: ONNX Runtime ran it; top-1 agreement with dlakit: ORT_ENABLE_ALL "
      f"{(d == a).sum()}/{r}, ORT_DISABLE_ALL {(d == n).sum()}/{r} (ORT's two modes with each other: {(a == n).sum()}/{r})")
PY
    fi
  done
}

M=$SHARED/models/mnist/dla46c_mnist_64
check_model mnist64 "$M/dla46c_mnist_64.onnx" "$M/inputs_u8_nhwc.npy" \
  --calib-idx "$SHARED/data/mnist/mnist-10k-images-idx3-ubyte" "$SHARED/data/mnist/mnist-10k-labels-idx1-ubyte" \
  --calib-indices "$M/calib_indices.npy"
$PY - "$TMP/dlk_qdq.npy" "$TMP/ort_qdq.npy" "$TMP/ort_qdq_noopt.npy" "$M/labels.npy" <<'PY' || FAILS=$((FAILS + 1))
import sys
import numpy as np
lab = np.load(sys.argv[4])
d, a, n = ((np.load(p).argmax(1) == lab).sum() for p in sys.argv[1:4])
ok = abs(int(a) - int(d)) <= 2 and abs(int(n) - int(d)) <= 2
print(f"{'ok ' if ok else 'FAIL'} mnist64 QDQ top-1 correct of 2004: dlakit {d}, ONNX Runtime ENABLE_ALL {a}, DISABLE_ALL {n}")
sys.exit(0 if ok else 1)
PY
for z in dla46c_pt_224 dla46xc_pt_224 dla60xc_pt_224; do
  Z=$SHARED/models/zoo/$z
  check_model "$z" "$Z/$z.onnx" "$Z/inputs_u8_nhwc.npy" --calib-npy "$Z/inputs_u8_nhwc.npy" --calib-flip
done
[ $FAILS -eq 0 ] && echo "all ONNX Runtime checks passed" || echo "$FAILS ONNX Runtime check(s) failed"
exit $((FAILS != 0))
