#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 22's "done when": the model zoo card's chain_eqe config (tests/fixtures/zoo, the shape of
# dla46c_pt_224_onnx_config.yaml) pointed at the shared MNIST float model, the 2004 test digits as
# an ImageFolder and the 256 calibration digits ORT used as a quantization folder. stm32ai_main.log
# holds the services' lines with the float accuracy 97.5 % (1954/2004) and the int8 accuracy, both
# equal to `dlakit eval` of the same model on the same folder; quantized_models/
# dla46c_mnist_64_quant_qdq_pc.onnx is byte-identical to `dlakit quantize --calib` of that folder
# and to `dlakit quantize --calib-idx --calib-indices` of ORT's calibration images
# (its ONNX Runtime check: scripts/check_quantize_ort.sh covers dlakit quantize's files).
source "$(dirname "$0")/engine_lib.sh"
need_shared
$PY - "$SHARED/data/mnist" "$MNIST/calib_indices.npy" "$TMP/test" "$TMP/calib" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
src, ci, test, calib = sys.argv[1:5]
img = np.frombuffer(open(os.path.join(src, 'mnist-10k-images-idx3-ubyte'), 'rb').read()[16:], np.uint8).reshape(-1, 28, 28)
lab = np.frombuffer(open(os.path.join(src, 'mnist-10k-labels-idx1-ubyte'), 'rb').read()[8:], np.uint8)
def put(root, i):
    d = os.path.join(root, str(lab[i])); os.makedirs(d, exist_ok=True)
    Image.fromarray(img[i], 'L').save(os.path.join(d, f'{i:05d}.png'))
for i in range(7996, 10000): put(test, i)
for i in np.load(ci): put(calib, int(i))
PYEOF
CFG=$SRC/tests/fixtures/zoo/dla46c_mnist_64_config.yaml
F=$MNIST/dla46c_mnist_64.onnx
mkdir -p "$TMP/cwd" && cd "$TMP/cwd"
"$DLAKIT" zoo "$CFG" model.model_path="$F" +dataset.test_path="$TMP/test" +dataset.quantization_path="$TMP/calib" \
  hydra.run.dir=run --threads 2 --json >"$TMP/zoo.json" 2>"$TMP/zoo.err" || { cat "$TMP/zoo.err"; fail "dlakit zoo chain_eqe"; finish; }
Q=run/quantized_models/dla46c_mnist_64_quant_qdq_pc.onnx
[ -s "$Q" ] || fail "no $Q"
"$DLAKIT" eval "$F" "$TMP/test" --threads 2 --json >"$TMP/ef.json" || fail "eval float"
"$DLAKIT" eval "$Q" "$TMP/test" --threads 2 --json >"$TMP/eq.json" || fail "eval int8"
"$DLAKIT" quantize "$F" -o "$TMP/q.onnx" --calib "$TMP/calib" --threads 2 >/dev/null 2>&1 || fail "quantize"
cmp -s "$Q" "$TMP/q.onnx" && echo "quantized model byte-identical to dlakit quantize --calib" || fail "quantized models differ"
# the folder holds ORT's calibration digits: the same file as calibrating from the IDX files
"$DLAKIT" quantize "$F" -o "$TMP/qi.onnx" --calib-indices "$MNIST/calib_indices.npy" \
  --calib-idx "$SHARED/data/mnist/mnist-10k-images-idx3-ubyte" "$SHARED/data/mnist/mnist-10k-labels-idx1-ubyte" >/dev/null 2>&1 || fail "quantize --calib-idx"
cmp -s "$Q" "$TMP/qi.onnx" && echo "and to dlakit quantize --calib-idx --calib-indices" || fail "folder and IDX calibration differ"
$PY - run "$TMP/ef.json" "$TMP/eq.json" "$TMP/zoo.json" <<'PYEOF' || FAILS=$((FAILS + 1))
import json, os, sys
import onnx
run, ef, eq, zj = sys.argv[1:5]
ef, eq, z = json.load(open(ef)), json.load(open(eq)), json.load(open(zj))
acc = lambda r: round(r['top1']['correct'] * 100 / r['images'], 2)
want = ("operation_mode: chain_eqe\nfloat onnx model\nEvaluation accuracy: %s %%\nquantized onnx model\n"
        "Evaluation accuracy: %s %%\noperation finished: chain_eqe\n" % (acc(ef), acc(eq)))
log = open(os.path.join(run, 'stm32ai_main.log')).read()
ok = log == want and ef['top1']['correct'] == 1954 and ef['images'] == 2004 and acc(ef) == 97.5
steps = z['steps']
ok &= [s['step'] for s in steps] == ['evaluation', 'quantization', 'evaluation']
ok &= steps[0]['correct'] == 1954 and steps[2]['correct'] == eq['top1']['correct'] and z['warnings'] == 0
m = onnx.load(os.path.join(run, 'quantized_models/dla46c_mnist_64_quant_qdq_pc.onnx'))
ok &= sum(n.op_type == 'QuantizeLinear' for n in m.graph.node) > 0
for t in ('float', 'quantized'):
    svg = open(os.path.join(run, f'{t}_onnx_model_test_set.svg')).read()
    import xml.dom.minidom; xml.dom.minidom.parseString(svg)
    ok &= svg.count('<rect x=') == 100
print(log, end='')
print(f"float {ef['top1']['correct']}/2004 = {acc(ef)} %, int8 {eq['top1']['correct']}/2004 = {acc(eq)} %: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PYEOF
finish
