#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The six photos at --size 224 must equal the model zoo replicas' inputs_u8_nhwc.npy byte for byte
# (order: china, flower, astronaut, chelsea, coffee, rocket; see shared/README.md).
. "$(dirname "$0")/image_common.sh"
need_shared
imgs=()
for n in china flower astronaut chelsea coffee rocket; do imgs+=("$SHARED/images/$n.png"); done
"$DLAKIT" preprocess "${imgs[@]}" --size 224 -o "$TMP/zoo.npy" || exit 1
"$PY" "$COMPARE" same "$TMP/zoo.npy" "$SHARED/models/zoo/dla46c_pt_224/inputs_u8_nhwc.npy" "zoo photos at 224"
