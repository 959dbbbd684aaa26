#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The 2004 MNIST test digits (IDX items 7996..9999) at --size 64 must equal the trained model's
# inputs_u8_nhwc.npy byte for byte.
. "$(dirname "$0")/image_common.sh"
need_shared
"$DLAKIT" preprocess --idx "$SHARED/data/mnist/mnist-10k-images-idx3-ubyte" --range 7996:10000 --size 64 \
    -o "$TMP/mnist.npy" || exit 1
"$PY" "$COMPARE" same "$TMP/mnist.npy" "$SHARED/models/mnist/dla46c_mnist_64/inputs_u8_nhwc.npy" "mnist test digits at 64"
