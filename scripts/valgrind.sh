#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI (issue #9): valgrind over the CLI, no memory errors and no leaks: info / run / classify on the
# bundled MNIST model (float and int8), on the symbolic zoo DLA-46-C fixture at 64x64, zoo (evaluation, chain_qd),
# and the family fixtures (Res2Net Split / AveragePool, ActivationSymmetric, compile with float layers).
#   scripts/valgrind.sh [DLAKIT]    (default build/release/dlakit); prints one line per command and
#                                   "valgrind: N commands, F failed"; exit status 0 when F = 0.
set -uo pipefail
cd "$(dirname "$0")/.."
DLAKIT=${1:-build/release/dlakit}
T=$(mktemp -d "${TMPDIR:-/tmp}/dlakit-vg.XXXXXX")
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$T" <<'PYEOF'
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(3)
np.save(f"{d}/x64.npy", rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8))
np.save(f"{d}/f64.npy", rng.standard_normal((1, 3, 64, 64)).astype(np.float32))
Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)).save(f"{d}/a.png")
PYEOF
M=models/dla46c_mnist_64
Z=tests/fixtures/engine/zoo46c_sym_qdq_int8.onnx
n=0 fail=0
vg() {
  n=$((n + 1))
  local t0=$SECONDS rc=0
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible "$DLAKIT" "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL dlakit $* (exit $rc)"; grep -E '==[0-9]+==' "$T/err" | head -20; fail=$((fail + 1))
  else
    echo "ok   dlakit $* ($((SECONDS - t0)) s)"
  fi
}
vg info "$M/dla46c_mnist_64.onnx"
vg info "$M/dla46c_mnist_64_qdq_int8.onnx" --json
vg run "$M/dla46c_mnist_64.onnx" --images-npy "$T/x64.npy" -o "$T/y.npy" --quiet
vg run "$M/dla46c_mnist_64_qdq_int8.onnx" --images-npy "$T/x64.npy" -o "$T/y.npy" --quiet --threads 2
vg classify "$M/dla46c_mnist_64_qop_int8.onnx" "$T/a.png" tests/fixtures/images/jpeg_progressive.jpg
vg info "$Z"
vg run "$Z" --input-npy "$T/f64.npy" -o "$T/z.npy" --quiet
vg classify "$Z" "$T/a.png" --size 64 --top 3
# issue 20: Split and (QLinear)AveragePool (Res2Net), the Relu tables of ActivationSymmetric, and
# compile with float layers inside an int8 model, into a folder it creates
F=tests/fixtures/family
vg run "$F/dla60_res2net/dla60_res2net.onnx" --images-npy "$T/x64.npy" -o "$T/r.npy" --quiet
vg run "$F/dla60_res2net/dla60_res2net_qdq.onnx" --images-npy "$T/x64.npy" -o "$T/r.npy" --quiet --threads 2
vg run "$F/dla46_c/dla46_c_qdq_actsym.onnx" --images-npy "$T/x64.npy" -o "$T/r.npy" --quiet
vg compile "$F/dla46_c/dla46_c_qdq_actsym_qop.onnx" -o "$T/c/d" --name m
vg analyze "$F/dla60_res2net/dla60_res2net_qop.onnx" --json
# dlakit zoo: the card's config (YAML reader, overrides, interpolation), evaluation of 3 digits, a refusal
mkdir -p "$T/dig/3" && cp data/digits/3/*.png "$T/dig/3/"
vg zoo tests/fixtures/zoo/dla46c_mnist_64_config.yaml operation_mode=evaluation model.model_path="$M/dla46c_mnist_64_qdq_int8.onnx" \
  +dataset.test_path="$T/dig" hydra.run.dir="$T/zoo_\${now:%Y}" --json
vg zoo tests/fixtures/zoo/dla46c_mnist_64_config.yaml operation_mode=chain_qd model.model_path="$M/dla46c_mnist_64.onnx" \
  +dataset.quantization_path="$T/dig" hydra.run.dir="$T/zoo_qd"
echo "valgrind: $n commands, $fail failed"
[ $fail -eq 0 ]
