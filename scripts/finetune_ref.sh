#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The reference task of issue 23 (../shared/models/finetune/dla46c_mnist04_64): a DLA-46-C trained
# on MNIST 0-4 fine-tuned on 500 training digits 5-9 (finetune_train_idx.npy), tested on the 975
# test-split digits 5-9 (IDX 7996-9999). Both sets are written as ImageFolders of PNGs in a temp dir.
# For each mode: finetune (wall and CPU time), eval of the float model, quantize (calibrated on
# the training folder), eval of the int8 model, and where ONNX Runtime is installed
# (../shared/tools/ort) ORT's top-1 of the float and int8 files against dlakit's.
# usage: scripts/finetune_ref.sh [BUILD_DIR (default build/rel)]   MODES="head last all" THREADS=2
set -euo pipefail
cd "$(dirname "$0")/.."
DLAKIT=${DLAKIT:-$PWD/${1:-build/rel}/dlakit}
SHARED=${SHARED:-$PWD/../shared}
PY=${PY:-/usr/bin/python3}
THREADS=${THREADS:-2}
FT=$SHARED/models/finetune/dla46c_mnist04_64
D=$SHARED/data/mnist
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dlakit-ft.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
$PY tests/scripts/mnist_folder.py "$D/mnist-10k-images-idx3-ubyte" "$D/mnist-10k-labels-idx1-ubyte" "$TMP/train" \
  --indices "$FT/finetune_train_idx.npy" --digits 5,6,7,8,9
$PY tests/scripts/mnist_folder.py "$D/mnist-10k-images-idx3-ubyte" "$D/mnist-10k-labels-idx1-ubyte" "$TMP/test" \
  --range 7996:10000 --digits 5,6,7,8,9
declare -A OPTS=(
  [head]="--epochs 30 --lr 3e-3"
  [last]="--epochs 30 --lr 1e-3 --schedule cosine --augment shift"
  [all]="--epochs 15 --lr 1e-3 --schedule cosine --augment shift"
)
top1() { "$DLAKIT" eval "$1" "$TMP/test" --threads "$THREADS" | sed -n 's/^top-1 *//p'; }
ORT_OK=0
if command -v node > /dev/null && sh "$SHARED/tools/ort/install.sh" > /dev/null 2>&1; then ORT_OK=1; fi
"$DLAKIT" preprocess "$TMP"/test/*/*.png --size 64 -o "$TMP/test.npy" > /dev/null
for mode in ${MODES:-head last all}; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "$mode: %e s wall, %U s CPU" "$DLAKIT" finetune "$FT/dla46c_mnist04_64.onnx" "$TMP/train" -o "$TMP/$mode.onnx" \
    --train $mode ${OPTS[$mode]} --seed 0 --threads "$THREADS" --plot "$TMP/$mode.svg" > "$TMP/$mode.log"
  tail -2 "$TMP/$mode.log" | head -1
  "$DLAKIT" quantize "$TMP/$mode.onnx" -o "$TMP/${mode}_int8.onnx" --calib "$TMP/train" > /dev/null 2>&1
  echo "$mode (${OPTS[$mode]}): float top-1 $(top1 "$TMP/$mode.onnx"); int8 top-1 $(top1 "$TMP/${mode}_int8.onnx")"
  if [ "$ORT_OK" = 1 ]; then
    for f in "$mode" "${mode}_int8"; do
      node "$SHARED/tools/ort/run.mjs" "$TMP/$f.onnx" "$TMP/test.npy" "$TMP/$f.ort.npy" > /dev/null
      "$DLAKIT" run "$TMP/$f.onnx" --images-npy "$TMP/test.npy" -o "$TMP/$f.dlk.npy" --quiet
      $PY - "$TMP/$f.ort.npy" "$TMP/$f.dlk.npy" "$f" <<'PYEOF'
import sys
import numpy as np
o, d = np.load(sys.argv[1]), np.load(sys.argv[2])
print("  %s: ONNX Runtime's top-1 equals dlakit's on %d of %d digits" % (sys.argv[3], (o.argmax(1) == d.argmax(1)).sum(), len(o)))
PYEOF
    done
  fi
done
