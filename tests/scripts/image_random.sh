#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Random images, output sizes (square and not), filters (nearest, bilinear, bicubic), aspect modes
# (crop, fit, pad) and crop_pct values against a reference built on Pillow's Image.resize and
# timm/torchvision's size and crop rules. Needs no shared/.
. "$(dirname "$0")/image_common.sh"
"$PY" "$COMPARE" random "$DLAKIT" "$TMP" 20240611 300
