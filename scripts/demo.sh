#!/usr/bin/env bash
# Demo: build dlakit (optimized) and classify the bundled digits with the bundled DLA-46-C MNIST
# model (models/dla46c_mnist_64, int8 QDQ file).
#   - with data/digits/*.png present and `dlakit classify` available: classifies those images;
#   - otherwise: `dlakit run` on models/dla46c_mnist_64/samples_u8_nhwc.npy (10 preprocessed
#     test digits, 0..9) and prints each one's top-1 next to its label.
# MODEL=... picks another model file (e.g. models/dla46c_mnist_64/dla46c_mnist_64.onnx, float).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --build
BUILD_DIR=${BUILD_DIR:-build/release}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target dlakit_cli >/dev/null
DLAKIT=$BUILD_DIR/dlakit
MODEL=${MODEL:-models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx}
echo "model: $MODEL"

shopt -s nullglob
digits=(data/digits/*.png)
if [ ${#digits[@]} -gt 0 ] && "$DLAKIT" classify --help >/dev/null 2>&1; then
  exec "$DLAKIT" classify "$MODEL" "${digits[@]}"
fi

samples=models/dla46c_mnist_64/samples_u8_nhwc.npy
out=$(mktemp "${TMPDIR:-/tmp}/dlakit-demo.XXXXXX.npy")
trap 'rm -f "$out"' EXIT
echo "dlakit run $MODEL --images-npy $samples"
"$DLAKIT" run "$MODEL" --images-npy "$samples" -o "$out"
PY=${PY:-/usr/bin/python3}
if "$PY" -c 'import numpy' 2>/dev/null; then
  "$PY" - "$out" models/dla46c_mnist_64/samples_labels.npy <<'PYEOF'
import sys, numpy as np
y, lab = np.load(sys.argv[1]), np.load(sys.argv[2])
for i, (r, l) in enumerate(zip(y, lab)):
    print(f"sample {i}: label {l}  predicted {int(np.argmax(r))}  scores {np.array2string(r, precision=2, max_line_width=200)}")
print(f"{int(np.sum(y.argmax(1) == lab))}/{len(lab)} correct")
PYEOF
else
  echo "wrote $out (numpy not available to print it)"
fi
