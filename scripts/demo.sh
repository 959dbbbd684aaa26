#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Demo: build dlakit (optimized), classify the bundled handwritten digits (data/digits, 30 MNIST
# test images) with the bundled DLA-46-C model (models/dla46c_mnist_64, int8 QDQ file), then
# evaluate it on that folder.
# MODEL=... picks another model file (e.g. models/dla46c_mnist_64/dla46c_mnist_64.onnx, float).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --build
BUILD_DIR=${BUILD_DIR:-build/release}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target dlakit_cli >/dev/null
DLAKIT=$BUILD_DIR/dlakit
MODEL=${MODEL:-models/dla46c_mnist_64/dla46c_mnist_64_qdq_int8.onnx}
echo "== dlakit classify $MODEL data/digits/*/*.png --top 2 --labels data/digits/labels.txt"
"$DLAKIT" classify "$MODEL" data/digits/*/*.png --top 2 --labels data/digits/labels.txt
echo
echo "== dlakit eval $MODEL data/digits"
"$DLAKIT" eval "$MODEL" data/digits
