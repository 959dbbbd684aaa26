#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eval on an ImageFolder with an empty, a truncated and a non-image file among good ones: they are
# reported and counted as unreadable, the others evaluated, exit status 0.
source "$(dirname "$0")/engine_lib.sh"
D="$TMP/set"
mkdir -p "$D"
cp -r "$SRC/data/digits/"[0-9] "$D/"
: >"$D/4/empty.png"
head -c 60 "$SRC/data/digits/5/"$(ls "$SRC/data/digits/5" | head -1) >"$D/5/truncated.png"
echo "not a picture" >"$D/6/text.jpg"
"$DLAKIT" eval "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx" "$D" --json >"$TMP/r.json" 2>"$TMP/r.err" || fail "eval exit status $?"
$PY - "$TMP/r.json" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
r = json.load(open(sys.argv[1]))
ok = r['images'] == 33 and r['unreadable'] == 3 and r['top1']['correct'] == 30 and r['predictions'].count(-1) == 3
print(f"33 items: {r['unreadable']} unreadable, top-1 {r['top1']['correct']}: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PYEOF
for f in empty.png truncated.png text.jpg; do grep -q "$f" "$TMP/r.err" && echo "stderr names $f" || fail "stderr does not name $f"; done
# bad arguments: clean usage errors
for args in "" "--idx" "$MNIST_MODELS/dla46c_mnist_64.onnx" "$MNIST_MODELS/dla46c_mnist_64.onnx $D --range 5:2" "$MNIST_MODELS/dla46c_mnist_64.onnx /nonexistent"; do
  rc=0
  "$DLAKIT" eval $args >/dev/null 2>"$TMP/e.err" || rc=$?
  if [ $rc -ge 1 ] && [ $rc -le 2 ] && [ -s "$TMP/e.err" ]; then echo "eval $args: exit $rc with a message"; else fail "eval $args: exit $rc"; fi
done
finish
