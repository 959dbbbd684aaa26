#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# chelsea.jpg: dlakit's decoding equals Pillow's (same libjpeg-turbo, islow IDCT, fancy upsampling),
# and so does its 224 evaluation crop.
. "$(dirname "$0")/image_common.sh"
need_shared
"$PY" "$COMPARE" jpeg "$DLAKIT" "$SHARED/images/chelsea.jpg" "$TMP"
