#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dlakit zoo's operation modes on the bundled digits (data/digits, 30 MNIST test images) and models:
# each mode's files, log lines and numbers against the dlakit command that makes them; the config
# reader's refusals (bad values with their key path, training, unknown overrides, YAML aliases),
# Hydra overrides and interpolations; eval's natural class order.
source "$(dirname "$0")/engine_lib.sh"
CFG=$SRC/tests/fixtures/zoo/dla46c_mnist_64_config.yaml
M=$SRC/models/dla46c_mnist_64
F=$M/dla46c_mnist_64.onnx
Q=$M/dla46c_mnist_64_qdq_int8.onnx
DIG=$SRC/data/digits
cd "$TMP"
zoo() { "$DLAKIT" zoo "$CFG" "$@" >"$TMP/out" 2>"$TMP/err"; }
expect() { # WHAT STATUS PATTERN: the last zoo call's status and a line of its stderr
  local what=$1 want=$2 pat=$3 rc=$4
  if [ "$rc" -ne "$want" ] || ! grep -qF -- "$pat" "$TMP/err"; then fail "$what: status $rc, stderr: $(head -3 "$TMP/err")"; else echo "ok: $what"; fi
}

# evaluation: the services' default run folder (experiments_outputs/<date-time>) once hydra is deleted
zoo operation_mode=evaluation model.model_path="$Q" +dataset.test_path="$DIG" '~hydra' || fail "evaluation"
RUN=$(ls -d experiments_outputs/*)
[[ $RUN =~ ^experiments_outputs/20[0-9][0-9]_[01][0-9]_[0-3][0-9]_[0-2][0-9]_[0-5][0-9]_[0-6][0-9]$ ]] || fail "run folder $RUN"
"$DLAKIT" eval "$Q" "$DIG" --json >ev.json || fail "eval"
$PY - "$RUN" ev.json <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys, xml.dom.minidom
run, ev = sys.argv[1], json.load(open(sys.argv[2]))
acc = round(ev['top1']['correct'] * 100 / ev['images'], 2)
log = open(run + '/stm32ai_main.log').read()
want = f"operation_mode: evaluation\nquantized onnx model\nEvaluation accuracy: {acc} %\noperation finished: evaluation\n"
rep = json.load(open(run + '/eval_dla46c_mnist_64_qdq_int8_test_set.json'))
svg = open(run + '/quantized_onnx_model_test_set.svg').read(); xml.dom.minidom.parseString(svg)
ok = log == want and rep['predictions'] == ev['predictions'] and svg.count('<rect x=') == 100 and acc == 100.0
print(f"evaluation: {log!r} {'ok' if ok else 'WRONG'}"); sys.exit(0 if ok else 1)
PYEOF

# quantization: the file is dlakit quantize's, named as the services name it; per-tensor -> _pt
zoo operation_mode=quantization model.model_path="$F" +dataset.quantization_path="$DIG" hydra.run.dir=q || fail "quantization"
"$DLAKIT" quantize "$F" -o q.onnx --calib "$DIG" --size 64 >/dev/null 2>&1 || fail "quantize"
cmp -s q/quantized_models/dla46c_mnist_64_quant_qdq_pc.onnx q.onnx && echo "ok: quantization = dlakit quantize" || fail "quantization file"
zoo operation_mode=quantization model.model_path="$F" +dataset.training_path="$DIG" hydra.run.dir=qs \
  +quantization.granularity=per_tensor quantization.export_dir=qm || fail "quantization per_tensor"
"$DLAKIT" quantize "$F" -o qs.onnx --calib "$DIG" --calib-fraction 0.01 --per-tensor >/dev/null 2>&1 || fail "quantize --calib-fraction"
cmp -s qs/qm/dla46c_mnist_64_quant_qdq_pt.onnx qs.onnx && echo "ok: quantization_split 0.01 of training_path, per_tensor" || fail "per_tensor file"
grep -q '"calibration_images": 1,' qs/quantize_dla46c_mnist_64.json || fail "0.01 x 30 images: $(cat qs/quantize_dla46c_mnist_64.json)"

# benchmarking: host time and analyze's MCU figures in the services' log lines
zoo operation_mode=benchmarking model.model_path="$Q" hydra.run.dir=b || fail "benchmarking"
"$DLAKIT" analyze "$Q" --json >an.json || fail "analyze"
$PY - b an.json <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
run, an = sys.argv[1], json.load(open(sys.argv[2]))
bj = json.load(open(run + '/benchmark_host_dla46c_mnist_64_qdq_int8.json'))
want = (f"operation_mode: benchmarking\nBenchmarking board : host (dlakit bench, 1 thread)\nInference_time : {round(bj['median_ms'], 2)} ms\n"
        f"RAM Activations : {round(an['peak_ram_bytes'] / 1024, 2)} KiB\nFlash weights : {round(an['weights_bytes'] / 1024, 2)} KiB\n"
        f"MACCs : {round(an['macs'] / 1e6, 3)} M\noperation finished: benchmarking\n")
log = open(run + '/stm32ai_main.log').read()
ok = log == want and 'RAM Activations : 128.0 KiB' in log and 'MACCs : 46.861 M' in log
print(f"benchmarking: {log!r} {'ok' if ok else 'WRONG, want ' + repr(want)}"); sys.exit(0 if ok else 1)
PYEOF

# deployment: dlakit compile's C in a project folder whose Makefile builds (host; arm-none-eabi-gcc when present)
zoo operation_mode=deployment model.model_path="$Q" hydra.run.dir=d || fail "deployment"
P=d/deployment/dla46c_mnist_64_qdq_int8
mkdir -p cmp && "$DLAKIT" compile "$Q" -o cmp --name dla46c_mnist_64_qdq_int8 >/dev/null || fail "compile"
cmp -s $P/dla46c_mnist_64_qdq_int8.c cmp/dla46c_mnist_64_qdq_int8.c && cmp -s $P/dla46c_mnist_64_qdq_int8.h cmp/dla46c_mnist_64_qdq_int8.h \
  && [ -s $P/README.md ] && echo "ok: deployment = dlakit compile" || fail "deployment files"
make -s -C $P CC=cc AR=ar ARCH= >make.log 2>&1 && [ -s $P/libdla46c_mnist_64_qdq_int8.a ] && echo "ok: Makefile builds on the host" || fail "make (host): $(head -5 make.log)"
if command -v arm-none-eabi-gcc >/dev/null; then
  make -s -C $P clean && make -s -C $P >make.log 2>&1 && arm-none-eabi-objdump -f $P/dla46c_mnist_64_qdq_int8.o | grep -q 'elf32-littlearm' \
    && echo "ok: Makefile builds with arm-none-eabi-gcc" || fail "make (arm): $(head -5 make.log)"
fi

# prediction: classify's report of the folder's images
zoo operation_mode=prediction model.model_path="$Q" +dataset.prediction_path="$DIG/3" hydra.run.dir=p || fail "prediction"
"$DLAKIT" classify "$Q" "$DIG"/3/*.png --json --size 64 >pr.json || fail "classify"
cmp -s p/predictions_dla46c_mnist_64_qdq_int8.json pr.json && echo "ok: prediction = dlakit classify" || fail "prediction report"

# chain_qd: quantize, then deploy the quantized model; chain_qb: quantize, then benchmark it
zoo operation_mode=chain_qd model.model_path="$F" +dataset.quantization_path="$DIG" hydra.run.dir=qd || fail "chain_qd"
cmp -s qd/quantized_models/dla46c_mnist_64_quant_qdq_pc.onnx q.onnx && [ -s qd/deployment/dla46c_mnist_64_quant_qdq_pc/dla46c_mnist_64_quant_qdq_pc.c ] \
  && grep -qx 'operation finished: chain_qd' qd/stm32ai_main.log && echo "ok: chain_qd" || fail "chain_qd files"
zoo operation_mode=chain_qb model.model_path="$F" +dataset.quantization_path="$DIG" hydra.run.dir=qb || fail "chain_qb"
grep -qx 'RAM Activations : 128.0 KiB' qb/stm32ai_main.log && echo "ok: chain_qb" || fail "chain_qb log"

# dataset.data_dir as the services lay it out: data_dir/<dataset_name>/<val_split>, .../<train_split>
# (quantization_split 0.01 of the training images when there is no quantization_path)
mkdir -p dd/mnist && cp -r "$DIG" dd/mnist/val && cp -r "$DIG" dd/mnist/train
zoo model.model_path="$F" dataset.data_dir="$TMP/dd" dataset.val_split=val hydra.run.dir=dd_run || fail "chain_eqe from data_dir"
[ "$(grep -c '^Evaluation accuracy: ' dd_run/stm32ai_main.log)" = 2 ] && grep -q '"calibration_images": 1,' dd_run/quantize_dla46c_mnist_64.json \
  && echo "ok: data_dir/mnist/val and .../train" || fail "data_dir run: $(cat dd_run/stm32ai_main.log)"

# Python literals and interpolations: (64, 64, 3) is 64x64 as [3, 64, 64]; ${...} to another key
zoo operation_mode=evaluation model.model_path="$Q" "model.input_shape=(64, 64, 3)" +dataset.prediction_path="$DIG" \
  '+dataset.test_path=${dataset.prediction_path}' 'hydra.run.dir=lit_${model.framework}' || fail "literals"
grep -qx 'Evaluation accuracy: 100.0 %' lit_torch/stm32ai_main.log && echo "ok: literals and interpolations" || fail "literal run"

# preprocessing: a framework other than torch uses the YAML's rescaling and resizing (nearest, fit),
# torch uses timm's transform with preprocessing.mean/std when given; each as eval's options give it
zoo operation_mode=evaluation model.framework=tf model.model_path="$Q" +dataset.test_path="$DIG" hydra.run.dir=tf || fail "framework tf"
"$DLAKIT" eval "$Q" "$DIG" --json --scale 0.00392156863 --offset 0 --resize nearest --aspect fit >tf.json || fail "eval tf"
zoo operation_mode=evaluation model.model_path="$Q" +dataset.test_path="$DIG" hydra.run.dir=ms \
  '+preprocessing.mean=[0.5, 0.5, 0.5]' '+preprocessing.std=(0.25, 0.25, 0.25)' || fail "torch mean/std"
"$DLAKIT" eval "$Q" "$DIG" --json --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 >ms.json || fail "eval mean/std"
$PY - tf/eval_dla46c_mnist_64_qdq_int8_test_set.json tf.json ms/eval_dla46c_mnist_64_qdq_int8_test_set.json ms.json ev.json <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
a, b, c, d, e = (json.load(open(f))['predictions'] for f in sys.argv[1:6])
ok = a == b and c == d and (a != e or c != e)    # and the options change something
print(f"preprocessing from the config: tf {sum(x == y for x, y in zip(a, b))}/30 as eval, torch mean/std {sum(x == y for x, y in zip(c, d))}/30: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PYEOF

# refusals: nothing is written, the message names the key
rc=0; zoo operation_mode=training model.model_path="$F" hydra.run.dir=t || rc=$?
expect "training" 1 "training is not supported" $rc; [ ! -e t ] || fail "training made a run folder"
rc=0; zoo operation_mode=evaluation preprocessing.rescaling.scale=1/zero hydra.run.dir=t || rc=$?
expect "bad value" 1 "key 'preprocessing.rescaling.scale': '1/zero' is not a number" $rc; [ ! -e t ] || fail "bad value made a run folder"
rc=0; zoo operation_mode=evaluation model.input_shape='[3, 64]' hydra.run.dir=t || rc=$?
expect "bad shape" 1 "key 'model.input_shape'" $rc
rc=0; zoo operation_mode=chain_xyz || rc=$?
expect "bad mode" 1 "key 'operation_mode': 'chain_xyz' is not a mode" $rc
rc=0; zoo dataset.test_path=x || rc=$?
expect "override of a missing key" 2 "to add it: +dataset.test_path=" $rc
rc=0; zoo operation_mode=evaluation model.model_path="$Q" +dataset.test_path="$DIG" +general.colour=1 hydra.run.dir=w || rc=$?
expect "unknown key" 0 "unknown key 'general.colour' (ignored)" $rc
rc=0; zoo '+dataset.test_path=${dataset.test_path}' || rc=$?
expect "interpolation cycle" 1 "nested more than 16 deep" $rc
printf 'a: &x 1\nb: *x\n' >alias.yaml
rc=0; "$DLAKIT" zoo alias.yaml 2>"$TMP/err" || rc=$?
expect "YAML alias" 1 "alias.yaml: line 2: YAML aliases" $rc
printf 'operation_mode: [\n' >broken.yaml
rc=0; "$DLAKIT" zoo broken.yaml 2>"$TMP/err" || rc=$?
expect "broken YAML" 1 "broken.yaml: line 2: invalid YAML" $rc

# eval: timm's natural class order (class2 before class10), --class-order sorted the byte order
mkdir -p nat/class1 nat/class2 nat/class10
cp "$DIG"/1/*.png nat/class1/; cp "$DIG"/2/*.png nat/class2/; cp "$DIG"/0/*.png nat/class10/
"$DLAKIT" eval "$Q" nat --json >nat.json && "$DLAKIT" eval "$Q" nat --json --class-order sorted >srt.json || fail "eval nat"
$PY - nat.json srt.json <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
nat, srt = (json.load(open(f)) for f in sys.argv[1:3])
names = lambda r: [c['name'] for c in r['per_class'] if c['name']]
ok = names(nat) == ['class1', 'class2', 'class10'] and names(srt) == ['class1', 'class10', 'class2']
print(f"class order: natural {names(nat)}, sorted {names(srt)}: {'ok' if ok else 'WRONG'}"); sys.exit(0 if ok else 1)
PYEOF
# ImageNet as users have it (needs ../shared's zoo replica, 1000 classes): WordNet-ID folders map to the
# standard class index whatever subset is there; a flat val/ folder with LOC_val_solution.csv
if [ -d "$ZOO" ]; then
  Z=$ZOO/dla46c_pt_224/dla46c_pt_224.onnx IM=$SHARED/images
  mkdir -p wn/n01440764 wn/n15075141 wn/n02123045 flat/val
  cp "$IM/china.png" "$IM/flower.png" wn/n01440764/; cp "$IM/coffee.png" wn/n15075141/; cp "$IM/chelsea.png" wn/n02123045/
  cp "$IM/china.png" flat/val/ILSVRC2012_val_00000001.png; cp "$IM/coffee.png" flat/val/ILSVRC2012_val_00000002.png
  cp "$IM/chelsea.png" flat/val/ILSVRC2012_val_00000003.png
  printf 'ImageId,PredictionString\nILSVRC2012_val_00000002,n15075141 1 2 3 4 n15075141 5 6 7 8\nILSVRC2012_val_00000001,n01440764 1 2 3 4\nILSVRC2012_val_00000003,n02123045 0 0 9 9\nILSVRC2012_val_00000009,n01443537 1 1 2 2\n' >flat/LOC_val_solution.csv
  "$DLAKIT" eval "$Z" wn --json >wn.json || fail "eval wnid folders"
  "$DLAKIT" eval "$Z" wn --labels "$SHARED/labels/imagenet_labels.txt" --json >wnl.json || fail "eval wnid folders --labels"
  "$DLAKIT" eval "$Z" flat/val --json >flat.json || fail "eval flat val/"
  $PY - wn.json wnl.json flat.json <<'PYEOF' || FAILS=$((FAILS + 1))
import json, sys
wn, wnl, flat = (json.load(open(f)) for f in sys.argv[1:4])
ok = wn['labels'] == [0, 0, 281, 999] and wnl['labels'] == wn['labels'] and flat['labels'] == [0, 999, 281]
ok &= wn['predictions'][:2] == flat['predictions'][:1] + [wn['predictions'][1]] and wn['predictions'][3] == flat['predictions'][1]
names = {c['class']: c['name'] for c in wn['per_class']}
ok &= names[0] == 'tench' and names[281] == 'tabby' and names[999] == 'toilet tissue'
print(f"WordNet-ID folders -> {wn['labels']}, flat val/ + LOC_val_solution.csv -> {flat['labels']}: {'ok' if ok else 'WRONG'}")
sys.exit(0 if ok else 1)
PYEOF
  mkdir -p wn/n00000001; cp "$IM/china.png" wn/n00000001/
  rc=0; "$DLAKIT" eval "$Z" wn 2>"$TMP/err" >/dev/null || rc=$?
  expect "unknown WordNet ID" 1 "class folder 'n00000001' is the WordNet ID of no ImageNet-1k class" $rc
  rm -r wn/n00000001; mkdir -p wn/cats; cp "$IM/china.png" wn/cats/
  rc=0; "$DLAKIT" eval "$Z" wn 2>"$TMP/err" >/dev/null || rc=$?
  expect "a folder among WordNet IDs" 1 "class folder 'cats' is no WordNet ID" $rc
  cp "$IM/rocket.png" flat/val/extra.png
  rc=0; "$DLAKIT" eval "$Z" flat/val 2>"$TMP/err" >/dev/null || rc=$?
  expect "an image the CSV does not name" 1 "extra.png is not in" $rc
  : >ILSVRC2012_validation_ground_truth.txt
  rc=0; "$DLAKIT" eval "$Z" flat/val --ground-truth ILSVRC2012_validation_ground_truth.txt 2>"$TMP/err" >/dev/null || rc=$?
  expect "the devkit's ground truth" 1 "give LOC_val_solution.csv" $rc
else
  echo "SKIP ImageNet folders: no $ZOO"
fi
finish
