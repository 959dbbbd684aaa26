#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Input paths agree bit for bit (first 8 MNIST test digits, bundled float and QDQ int8 files):
#   --images-npy                                   == --input-npy of x = (u8/255 - mean)/std computed
#                                                     in float32 by numpy as run.mjs does (ImageNet mean/std)
#   --images-npy --mean/--std given explicitly     == the default
#   --images-npy --mean 0.5,0.4,0.3 --std 0.25,0.2,0.3  == --input-npy of numpy's tensor for those values
. "$(dirname "$0")/engine_lib.sh"
need_shared
$COMMON slice "$MNIST/inputs_u8_nhwc.npy" "$TMP/img.npy" 0 8
$PY - "$TMP" <<'PYEOF'
import sys, numpy as np
t = sys.argv[1]
u = np.load(f"{t}/img.npy")
def pre(mean, std):  # float32 at every step, as run.mjs's Math.fround chain
    x = u.astype(np.float32) / np.float32(255)
    x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
np.save(f"{t}/x_imagenet.npy", pre([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
np.save(f"{t}/x_custom.npy", pre([0.5, 0.4, 0.3], [0.25, 0.2, 0.3]))
PYEOF

for f in dla46c_mnist_64 dla46c_mnist_64_qdq_int8; do
  m="$MNIST_MODELS/$f.onnx"
  run_ok "$TMP/$f.img.npy" run "$m" --images-npy "$TMP/img.npy" -o "$TMP/$f.img.npy" || { FAILS=$((FAILS + 1)); continue; }
  if run_ok "$TMP/$f.x.npy" run "$m" --input-npy "$TMP/x_imagenet.npy" -o "$TMP/$f.x.npy"; then
    check exact "$TMP/$f.x.npy" "$TMP/$f.img.npy" "$f --input-npy vs --images-npy (bits)"
  else FAILS=$((FAILS + 1)); fi
  if run_ok "$TMP/$f.ms.npy" run "$m" --images-npy "$TMP/img.npy" -o "$TMP/$f.ms.npy" \
      --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225; then
    check exact "$TMP/$f.ms.npy" "$TMP/$f.img.npy" "$f explicit ImageNet --mean/--std vs default (bits)"
  else FAILS=$((FAILS + 1)); fi
  if run_ok "$TMP/$f.c1.npy" run "$m" --images-npy "$TMP/img.npy" -o "$TMP/$f.c1.npy" \
      --mean 0.5,0.4,0.3 --std 0.25,0.2,0.3 &&
     run_ok "$TMP/$f.c2.npy" run "$m" --input-npy "$TMP/x_custom.npy" -o "$TMP/$f.c2.npy"; then
    check exact "$TMP/$f.c1.npy" "$TMP/$f.c2.npy" "$f --mean 0.5,0.4,0.3 --std 0.25,0.2,0.3 vs --input-npy (bits)"
  else FAILS=$((FAILS + 1)); fi
done
finish
