// SPDX-License-Identifier: Apache-2.0
// ONNX Runtime's latency on one model, measured the way `dlakit bench` measures ours: batch 1,
// the same input pattern as ../shared/tools/ort/bench.mjs, 5 untimed runs and more until 0.1 s
// has passed (a short model at 2 threads can start with its threads on one busy core), then RUNS
// timed runs. Prints "NAME threads T: min A median B max C ms" like bench.mjs.
//   node scripts/ort_bench.mjs MODEL.onnx H W THREADS RUNS
// ONNX Runtime comes from ../shared/tools/ort/install.sh (SHARED to point elsewhere).
import { createRequire } from 'module';
import { execFileSync } from 'child_process';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.SHARED || join(here, '..', '..', 'shared');
const modules = execFileSync('sh', [join(shared, 'tools', 'ort', 'install.sh')]).toString().trim().split('\n').pop();
const ort = createRequire(import.meta.url)(`${modules}/onnxruntime-node`);

const [model, h, w, threads = '1', runs = '30'] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const data = new Float32Array(3 * h * w).map((_, i) => Math.sin(i) * 1.5);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, +h, +w]) };

const t0 = process.hrtime.bigint();
for (let i = 0; i < 5 || Number(process.hrtime.bigint() - t0) < 1e8; i++) await session.run(feeds);
const ms = [];
for (let i = 0; i < +runs; i++) {
  const a = process.hrtime.bigint();
  await session.run(feeds);
  ms.push(Number(process.hrtime.bigint() - a) / 1e6);
}
ms.sort((a, b) => a - b);
const f = (v) => v.toFixed(2);
console.log(`${model.split('/').pop()} threads ${threads}: min ${f(ms[0])} median ${f(ms[ms.length >> 1])} max ${f(ms[ms.length - 1])} ms`);
