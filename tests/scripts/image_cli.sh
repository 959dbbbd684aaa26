#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# dlakit preprocess: exit statuses, messages naming the bad input, nothing written on failure,
# --help, --json, IDX validation, and every decoder fixture refused or accepted as expected.
. "$(dirname "$0")/image_common.sh"
FX="$SRC/tests/fixtures/images"
fails=0 checks=0
check() { # DESCRIPTION EXPECTED_RC GREP_PATTERN(stderr/stdout, may be empty) -- COMMAND...
    local desc=$1 want=$2 pat=$3
    shift 4
    checks=$((checks + 1))
    "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $desc: exit $rc, expected $want"; cat "$TMP/err.txt"; fails=$((fails + 1)); return
    fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$TMP/out.txt" "$TMP/err.txt"; then
        echo "FAIL: $desc: output lacks '$pat'"; cat "$TMP/out.txt" "$TMP/err.txt"; fails=$((fails + 1)); return
    fi
    echo "ok: $desc"
}
nofile() { # PATH: must not exist, nor PATH.tmp
    checks=$((checks + 1))
    if [ -e "$1" ] || [ -e "$1.tmp" ]; then echo "FAIL: $1 was written"; fails=$((fails + 1)); else echo "ok: nothing written at $1"; fi
}

D=$DLAKIT
check "help" 0 "--crop-pct" -- "$D" preprocess --help
for opt in --size -o --resize --crop-pct --aspect --idx --range --float --mean --std --scale --offset --bgr --json Example; do
    checks=$((checks + 1))
    if ! grep -q -- "$opt" "$TMP/out.txt"; then echo "FAIL: help lacks $opt"; fails=$((fails + 1)); fi
done
check "no -o" 2 "required" -- "$D" preprocess "$FX/rgb8.png" --size 8
check "no --size" 2 "required" -- "$D" preprocess "$FX/rgb8.png" -o "$TMP/x.npy"
check "bad --size" 2 "size" -- "$D" preprocess "$FX/rgb8.png" --size 0 -o "$TMP/x.npy"
check "bad --resize" 2 "resize" -- "$D" preprocess "$FX/rgb8.png" --size 8 --resize lanczos -o "$TMP/x.npy"
check "bad --aspect" 2 "aspect" -- "$D" preprocess "$FX/rgb8.png" --size 8 --aspect squash -o "$TMP/x.npy"
check "bad --crop-pct" 2 "crop-pct" -- "$D" preprocess "$FX/rgb8.png" --size 8 --crop-pct 0 -o "$TMP/x.npy"
check "unknown option" 2 "unknown option" -- "$D" preprocess "$FX/rgb8.png" --size 8 --frobnicate -o "$TMP/x.npy"
check "--mean without --float" 2 "float" -- "$D" preprocess "$FX/rgb8.png" --size 8 --mean 1,2,3 -o "$TMP/x.npy"
nofile "$TMP/x.npy"

# one unreadable image among good ones: exit 1, named, nothing written, an existing file kept
for bad in bad_empty.png bad_truncated.png bad_crc.png bad_truncated.jpg bad_garbage.jpg bad_text.png \
           bad_gif.gif bad_huge.png bad_huge.jpg bad_signature_only.png; do
    check "refuses $bad" 1 "$bad" -- "$D" preprocess "$FX/rgb8.png" "$FX/$bad" "$FX/jpeg_gray.jpg" --size 8 -o "$TMP/y.npy"
    nofile "$TMP/y.npy"
done
check "missing file" 1 "no_such.png" -- "$D" preprocess "$FX/no_such.png" --size 8 -o "$TMP/y.npy"
echo keep > "$TMP/keep.npy"
check "failure keeps an existing output" 1 "bad_crc.png" -- "$D" preprocess "$FX/bad_crc.png" --size 8 -o "$TMP/keep.npy"
checks=$((checks + 1))
[ "$(cat "$TMP/keep.npy")" = keep ] || { echo "FAIL: existing output changed"; fails=$((fails + 1)); }
check "unwritable output" 1 "" -- "$D" preprocess "$FX/rgb8.png" --size 8 -o "$TMP/no/such/dir/z.npy"

# every good fixture goes through the whole pipeline; --json describes the batch
goods=()
for f in "$FX"/*.png "$FX"/*.jpg; do case $(basename "$f") in bad_*) ;; *) goods+=("$f") ;; esac; done
check "all ${#goods[@]} fixtures" 0 '"shape": \[' -- "$D" preprocess "${goods[@]}" --size 5x9 --aspect pad --json -o "$TMP/all.npy"
checks=$((checks + 1))
"$PY" - "$TMP/out.txt" "$TMP/all.npy" "${#goods[@]}" <<'PYEOF' || fails=$((fails + 1))
import json, sys, numpy as np
j = json.load(open(sys.argv[1])); a = np.load(sys.argv[2]); n = int(sys.argv[3])
ok = a.shape == (n, 5, 9, 3) and a.dtype == np.uint8 and j["shape"] == [n, 5, 9, 3] and len(j["images"]) == n \
     and all(im["width"] == 13 and im["height"] == 7 for im in j["images"]) and j["aspect"] == "pad"
print("ok: --json and .npy agree" if ok else "FAIL: --json/.npy mismatch: %s %s" % (a.shape, j["shape"]))
sys.exit(0 if ok else 1)
PYEOF

# IDX validation
"$PY" - "$TMP" <<'PYEOF'
import struct, sys
t = sys.argv[1]
imgs = struct.pack(">BBBBIII", 0, 0, 8, 3, 5, 4, 6) + bytes(range(120))
open(t + "/ok.idx3", "wb").write(imgs)
open(t + "/short.idx3", "wb").write(imgs[:-1])
open(t + "/long.idx3", "wb").write(imgs + b"\0")
open(t + "/float.idx3", "wb").write(struct.pack(">BBBBIII", 0, 0, 0x0D, 3, 5, 4, 6) + bytes(480))
open(t + "/labels.idx1", "wb").write(struct.pack(">BBBBI", 0, 0, 8, 1, 3) + b"\1\2\3")
PYEOF
check "idx ok" 0 "" -- "$D" preprocess --idx "$TMP/ok.idx3" --range 1:4 --size 8 -o "$TMP/i.npy"
checks=$((checks + 1))
"$PY" -c "import numpy as np,sys; a=np.load('$TMP/i.npy'); sys.exit(0 if a.shape==(3,8,8,3) else 1)" || { echo "FAIL: idx shape"; fails=$((fails + 1)); }
check "idx open range" 0 "" -- "$D" preprocess --idx "$TMP/ok.idx3" --range 2: --size 8 -o "$TMP/i2.npy"
check "idx truncated" 1 "truncated" -- "$D" preprocess --idx "$TMP/short.idx3" --size 8 -o "$TMP/i3.npy"
check "idx trailing data" 1 "trailing" -- "$D" preprocess --idx "$TMP/long.idx3" --size 8 -o "$TMP/i3.npy"
check "idx float type" 1 "type" -- "$D" preprocess --idx "$TMP/float.idx3" --size 8 -o "$TMP/i3.npy"
check "idx labels file" 1 "idx1" -- "$D" preprocess --idx "$TMP/labels.idx1" --size 8 -o "$TMP/i3.npy"
check "idx bad range" 2 "range" -- "$D" preprocess --idx "$TMP/ok.idx3" --range 3:9 --size 8 -o "$TMP/i3.npy"
check "idx empty range" 2 "range" -- "$D" preprocess --idx "$TMP/ok.idx3" --range 3:3 --size 8 -o "$TMP/i3.npy"
check "idx and files" 2 "either" -- "$D" preprocess "$FX/rgb8.png" --idx "$TMP/ok.idx3" --size 8 -o "$TMP/i3.npy"
check "--range without --idx" 2 "idx" -- "$D" preprocess "$FX/rgb8.png" --range 1:2 --size 8 -o "$TMP/i3.npy"
nofile "$TMP/i3.npy"

echo "image cli: $((checks - fails)) of $checks checks passed"
[ "$fails" = 0 ]
