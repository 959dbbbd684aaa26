#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# classify on the photos of ../shared/images with the zoo replicas (int8, QDQ and QOperator): the
# top-5 classes and their order equal ORT's (ort_int8_qop.npy; ties by lower index). chelsea.jpg:
# preprocess gives the committed crop, and classify's top-5 equals ORT's on that crop. Unreadable
# images are reported by name and give exit status 1 while the others are still classified.
source "$(dirname "$0")/engine_lib.sh"
need_shared
CK="$PY $SRC/tests/scripts/classify_check.py"
CF="$SRC/tests/fixtures/classify"
IMGS=""
for n in china flower astronaut chelsea coffee rocket; do IMGS="$IMGS $SHARED/images/$n.png"; done
for m in dla46c_pt_224 dla60xc_pt_224; do
  for v in qdq qop; do
    "$DLAKIT" classify "$ZOO/$m/${m}_${v}_int8.onnx" $IMGS --top 5 --json >"$TMP/$m$v.json" || fail "classify $m $v"
    $CK topk "$TMP/$m$v.json" "$ZOO/$m/ort_int8_qop.npy" 5 || FAILS=$((FAILS + 1))
  done
done
# chelsea.jpg
"$DLAKIT" preprocess "$SHARED/images/chelsea.jpg" --size 224 -o "$TMP/chelsea.npy" || fail "preprocess chelsea.jpg"
cmp "$TMP/chelsea.npy" "$CF/chelsea_jpg_u8_224.npy" && echo "chelsea.jpg crop: identical to the fixture" || fail "chelsea.jpg crop differs"
"$DLAKIT" classify "$ZOO/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx" "$SHARED/images/chelsea.jpg" --json >"$TMP/jpg.json" || fail "classify chelsea.jpg"
$CK topk "$TMP/jpg.json" "$CF/chelsea_jpg_ort_int8_qop.npy" 5 || FAILS=$((FAILS + 1))
# names: ImageNet's built in for 1000 classes; text output lists them
"$DLAKIT" classify "$ZOO/dla46c_pt_224/dla46c_pt_224_qop_int8.onnx" "$SHARED/images/chelsea.png" --top 1 >"$TMP/t.txt" || fail "classify text"
want=$($PY -c "
import numpy as np
r = np.load('$ZOO/dla46c_pt_224/ort_int8_qop.npy')[3]
print(open('$SHARED/labels/imagenet_labels.txt').read().split('\n')[int(r.argmax())])")
grep -qF "$want" "$TMP/t.txt" && echo "text output names class '$want'" || fail "text output lacks '$want': $(cat "$TMP/t.txt")"
# a missing and a corrupt image among good ones
head -c 100 "$SHARED/images/china.png" >"$TMP/broken.png"
rc=0
"$DLAKIT" classify "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" "$SRC/data/digits/3/"*.png "$TMP/broken.png" "$TMP/missing.png" \
  --top 1 --json >"$TMP/mix.json" 2>"$TMP/mix.err" || rc=$?
n=$($PY -c "import json; print(len(json.load(open('$TMP/mix.json'))['results']))")
if [ $rc -eq 1 ] && [ "$n" = 3 ] && grep -q broken.png "$TMP/mix.err" && grep -q missing.png "$TMP/mix.err"; then
  echo "bad images: exit 1, both named on stderr, the 3 good ones classified"
else
  fail "bad images: exit $rc, $n results, stderr: $(cat "$TMP/mix.err")"
fi
finish
