// SPDX-License-Identifier: Apache-2.0
// run_onnx.mjs: runs an ONNX model in onnxruntime-node (an independent
// runtime) on the rows of an onnx_ref input file; prints one output row a line.
// usage: node run_onnx.mjs NODE_MODULES_PARENT MODEL.onnx INPUT.txt
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const [dir, modelPath, inputPath] = process.argv.slice(2);
if (!inputPath) {
  console.error('usage: node run_onnx.mjs NODE_MODULES_PARENT MODEL.onnx INPUT.txt');
  process.exit(2);
}
// The package lives in a cache folder, not next to this script.
const ort = createRequire(dir.replace(/\/?$/, '/'))('onnxruntime-node');
const nums = readFileSync(inputPath, 'utf8').trim().split(/\s+/).map(Number);
const [n, d] = nums;
const x = Float32Array.from(nums.slice(2));
if (!(n > 0 && d > 0) || x.length !== n * d || x.some((v) => !Number.isFinite(v))) {
  console.error(`run_onnx: ${inputPath}: expected ${n} x ${d} numbers, got ${x.length}`);
  process.exit(1);
}
const session = await ort.InferenceSession.create(modelPath);
if (session.inputNames.join() !== 'input' || session.outputNames.join() !== 'output') {
  console.error(`run_onnx: unexpected names ${session.inputNames} -> ${session.outputNames}`);
  process.exit(1);
}
const { output } = await session.run({ input: new ort.Tensor('float32', x, [n, d]) });
const k = output.dims[1];
if (output.dims.length !== 2 || output.dims[0] !== n) {
  console.error(`run_onnx: output shape [${output.dims}], expected [${n}, k]`);
  process.exit(1);
}
const lines = [];
for (let i = 0; i < n; i++)
  lines.push(Array.from(output.data.subarray(i * k, (i + 1) * k)).join(' '));
process.stdout.write(lines.join('\n') + '\n');
