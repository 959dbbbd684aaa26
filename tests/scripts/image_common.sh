# SPDX-License-Identifier: Apache-2.0
# Sourced by the image e2e scripts: checks the environment CTest gives (DLAKIT, SHARED, PY, SRC)
# and makes a scratch folder. Exit 77 (CTest's skip code for these tests) when ../shared is absent.
set -u
: "${DLAKIT:?DLAKIT not set}" "${PY:?PY not set}" "${SRC:?SRC not set}"
SHARED=${SHARED:-}
need_shared() {
    if [ -z "$SHARED" ] || [ ! -d "$SHARED/images" ]; then
        echo "SKIP: reference material (shared/) not found at '$SHARED'"
        exit 77
    fi
}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dlk_image.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
COMPARE="$SRC/tests/scripts/image_compare.py"
