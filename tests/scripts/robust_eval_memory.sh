#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue #9: `dlakit eval --threads N` must not hold N decoded images at once. Four legal 3000x3000
# PNGs (9 M pixels: 27 MB of RGB plus 27 MB of decoded rows each) with the pixel limit lowered to
# exactly one of them: the workers share that many pixels, so 4 threads peak at about the memory of
# 1 thread. Before the decode budget (image/decode.c) each worker decoded its own image: +3 images (about
# 160 MB) at 4 threads. Peak RSS from getrusage of each run; ASan's quarantine is turned off so that
# freed images are given back as in the optimized build.
. "$(dirname "$0")/engine_lib.sh"
M="$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx"
mkdir -p "$TMP/big/3"
$PY - "$TMP/big/3" <<'PYEOF'
import sys, numpy as np
from PIL import Image
h = w = 3000
y, x = np.arange(h, dtype=np.uint32)[:, None], np.arange(w, dtype=np.uint32)[None, :]
for i in range(4):
    a = np.stack(np.broadcast_arrays((x + 7 * i) % 256, (3 * y) % 256, ((x ^ y) + i) % 256), -1).astype(np.uint8)
    Image.fromarray(a).save(f"{sys.argv[1]}/img{i}.png", compress_level=1)
PYEOF
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
# peak RSS (KB) of one run of dlakit ARGS, which must evaluate all 4 images
rss() {
  $PY - "$DLAKIT" "$@" <<'PYEOF'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if r.returncode != 0 or "/4 = " not in r.stdout:
    sys.exit(f"dlakit {' '.join(sys.argv[2:])}: exit {r.returncode}\n{r.stdout}{r.stderr}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PYEOF
}
one=$(rss eval "$M" "$TMP/big" --threads 1 --max-image-pixels 9000000)
four=$(rss eval "$M" "$TMP/big" --threads 4 --max-image-pixels 9000000)
delta=$(( (four - one) / 1024 ))
echo "peak RSS: 1 thread $((one / 1024)) MB, 4 threads $((four / 1024)) MB (+$delta MB; one image is about 54 MB)"
# one image's pixels, half of its memory: 4 threads may not hold a second image
if [ $delta -ge 27 ]; then
  echo "FAIL: 4 threads held $delta MB more than 1 thread: more than one image at once"
  exit 1
fi
# with the default limit (89 M pixels) all four fit in the budget together: nothing waits, same result
r1=$("$DLAKIT" eval "$M" "$TMP/big" --threads 4 | grep top-1)
r2=$("$DLAKIT" eval "$M" "$TMP/big" --threads 1 --max-image-pixels 9000000 | grep top-1)
[ "$r1" = "$r2" ] || { echo "FAIL: '$r1' vs '$r2'"; exit 1; }
echo "PASS"
