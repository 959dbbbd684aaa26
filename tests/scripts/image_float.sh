#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --float: normalized NCHW float32 output is bit-identical to f32(f32(u8 / 255) - mean) / std, and
# --scale/--offset/--bgr to u8 * scale + offset in B, G, R order.
. "$(dirname "$0")/image_common.sh"
"$PY" -c "
import numpy as np; from PIL import Image
Image.fromarray((np.arange(90*70*3) * 7 % 256).astype(np.uint8).reshape(70, 90, 3)).save('$TMP/in.png')"
"$PY" "$COMPARE" float "$DLAKIT" "$TMP/in.png" "$TMP"
