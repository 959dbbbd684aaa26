#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The MNIST test split written out as an ImageFolder of PNG files (by Pillow) and evaluated from
# there: the same 1954 / 1949 correct and the same predictions as from the IDX files.
source "$(dirname "$0")/engine_lib.sh"
need_shared
CK="$PY $SRC/tests/scripts/classify_check.py"
$PY - "$SHARED/data/mnist" "$TMP/folder" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
src, dst = sys.argv[1:3]
raw = open(os.path.join(src, 'mnist-10k-images-idx3-ubyte'), 'rb').read()
img = np.frombuffer(raw[16:], np.uint8).reshape(-1, 28, 28)
lab = np.frombuffer(open(os.path.join(src, 'mnist-10k-labels-idx1-ubyte'), 'rb').read()[8:], np.uint8)
for i in range(7996, 10000):
    d = os.path.join(dst, str(lab[i]))
    os.makedirs(d, exist_ok=True)
    Image.fromarray(img[i], 'L').save(os.path.join(d, f'{i:05d}.png'))
print(f'wrote 2004 PNG files to {dst}')
PYEOF
for v in "float: :1954:ort_float" "qdq:_qdq_int8:1949:ort_int8_qop"; do
  IFS=: read -r name suf want ref <<<"$v"
  "$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64${suf# }.onnx" "$TMP/folder" --threads 2 --json >"$TMP/$name.json" || fail "eval $name"
  # folder order is by class, then file name: reorder the ORT rows the same way
  $PY - "$TMP/$name.json" "$MNIST/$ref.npy" "$MNIST/labels.npy" "$want" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
import numpy as np
rep = json.load(open(sys.argv[1])); ref = np.load(sys.argv[2]); lab = np.load(sys.argv[3]); want = int(sys.argv[4])
order = np.lexsort((np.arange(len(lab)), lab))          # class, then index (= file name order)
ok = rep['top1']['correct'] == want and rep['images'] == 2004 and rep['unreadable'] == 0
same = int((np.array(rep['predictions']) == ref.argmax(1)[order]).sum())
ok &= same == 2004 and rep['labels'] == [int(x) for x in lab[order]]
print(f"{sys.argv[1]}: top-1 {rep['top1']['correct']}/2004 (want {want}), predictions equal to ORT argmax {same}/2004")
sys.exit(0 if ok else 1)
PYEOF
done
# per-class counts add up, confusion matrix rows sum to the class sizes
"$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" "$TMP/folder" --limit 300 --confusion "$TMP/conf.csv" --json >"$TMP/lim.json" || fail "eval --confusion"
$PY - "$TMP/lim.json" "$TMP/conf.csv" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
import numpy as np
rep = json.load(open(sys.argv[1]))
rows = [l.strip().split(',') for l in open(sys.argv[2])]
m = np.array([[int(x) for x in r[1:]] for r in rows[1:]])
lab = np.array(rep['labels']); pred = np.array(rep['predictions'])
ok = rep['images'] == 300 and m.shape == (10, 10) and m.sum() == 300 and int(np.trace(m)) == rep['top1']['correct']
for c in range(10):
    ok &= m[c].sum() == (lab == c).sum() and all(m[c, p] == ((lab == c) & (pred == p)).sum() for p in range(10))
print(f"--limit 300 --confusion: {m.sum()} entries, trace {np.trace(m)} = top-1 {rep['top1']['correct']}: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PYEOF
finish
