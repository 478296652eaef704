/**
 * Dense kernels against the float64 reference, on seeded random inputs of awkward batch sizes and shapes.
 * Tolerance: atol + rtol·|ref| with atol scaled by the number of f32 terms summed (forward/dX: K or J terms of
 * size <= 1; dW: B terms), since f32 rounding grows with the length of a sum.
 */
import { describe } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { DenseKernels } from '../../src/nn/dense.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import type { Activation } from '../../shaders/activations.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';
import { denseBackward, denseForward } from '../reference/nn.js';

async function checkDense(gpu: Gpu, K: number, J: number, B: number, activation: Activation, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const weightOffset = 4;
  const biasOffset = weightOffset + K * J + 3;
  const params = new Float32Array(biasOffset + J + 5);
  params.set(randomArray(random, K * J, -0.5, 0.5), weightOffset);
  params.set(randomArray(random, J, -0.5, 0.5), biasOffset);
  const x = randomArray(random, K * B);
  const dy = randomArray(random, J * B);
  const kernels = await DenseKernels.create(gpu, { inputs: K, outputs: J, activation });
  const buffer = (role: string, data: Float32Array | number) =>
    gpu.buffer({ label: `DenseTest.${role}`, size: typeof data === 'number' ? data * 4 : data.byteLength, ...(typeof data === 'number' ? {} : { data }) });
  const paramsBuffer = buffer('params', params);
  const xBuffer = buffer('x', x);
  const yBuffer = buffer('y', J * B);
  const dyBuffer = buffer('dy', dy);
  const dxBuffer = buffer('dx', K * B);
  const gradsBuffer = buffer('grads', params.length);
  const binding = kernels.bind(
    'DenseTest',
    { batch: B, strideIn: B, strideOut: B, weightOffset, biasOffset, inputOffset: 0, outputOffset: 0 },
    { params: paramsBuffer, input: xBuffer, output: yBuffer, outputGrad: dyBuffer, inputGrad: dxBuffer, grads: gradsBuffer },
  );
  const recorder = new Recorder(gpu, 'DenseTest.encoder');
  kernels.encodeForward(recorder, binding);
  kernels.encodeBackwardWeights(recorder, binding);
  kernels.encodeBackwardInput(recorder, binding);
  recorder.submit();
  const [y, dx, grads] = await Promise.all([readFloat32(gpu, yBuffer), readFloat32(gpu, dxBuffer), readFloat32(gpu, gradsBuffer)]);

  const w = params.subarray(weightOffset, weightOffset + K * J);
  const bias = params.subarray(biasOffset, biasOffset + J);
  const yRef = denseForward(x, w, bias, K, J, B, activation);
  const what = `K=${K} J=${J} B=${B} ${activation}`;
  expectClose(y, yRef, { atol: 2e-6 * (K + 1), rtol: 1e-5 }, `forward ${what}`);
  // The backward kernels read the GPU's own Y (as in training), so the reference uses it too.
  const ref = denseBackward(x, w, y, dy, K, J, B, activation);
  expectClose(dx, ref.dx, { atol: 2e-6 * J, rtol: 1e-5 }, `dX ${what}`);
  expectClose(grads.subarray(weightOffset, weightOffset + K * J), ref.dw, { atol: 2e-6 * B, rtol: 1e-5 }, `dW ${what}`);
  expectClose(grads.subarray(biasOffset, biasOffset + J), ref.db, { atol: 2e-6 * B, rtol: 1e-5 }, `db ${what}`);
  for (const b of [paramsBuffer, xBuffer, yBuffer, dyBuffer, dxBuffer, gradsBuffer, binding.dims]) b.destroy();
}

describe('dense layer kernels', () => {
  for (const B of [1, 7, 63, 64, 65, 1000, 4097]) {
    gpuTest(`forward, dX, dW, db match the reference at batch ${B} (64 -> 64 tanh)`, (gpu) => checkDense(gpu, 64, 64, B, 'tanh', B));
  }
  const shapes: [number, number, Activation][] = [
    [4, 64, 'tanh'],
    [64, 2, 'identity'],
    [3, 5, 'relu'],
    [65, 7, 'relu'],
    [1, 1, 'identity'],
    [17, 33, 'tanh'],
  ];
  for (const [K, J, act] of shapes) {
    gpuTest(`shape ${K} -> ${J} ${act} at batch 65`, (gpu) => checkDense(gpu, K, J, 65, act, K * 100 + J));
  }
});
