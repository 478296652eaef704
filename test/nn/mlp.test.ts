/**
 * The MLP end to end: analytic gradients of the GPU backward pass against central finite differences of a float64
 * reference loss, orthogonal initialisation, and the MLP fitting a small regression problem on the GPU.
 */
import { describe, expect, test } from 'vitest';
import { Regressor } from '../../src/nn/regressor.js';
import { orthogonal, initRng } from '../../src/nn/init.js';
import { gpuTest } from '../helpers/gpu.js';
import { randomArray, seededRandom } from '../helpers/random.js';
import { denseForward, type Act } from '../reference/nn.js';
import type { MlpLayer } from '../../src/nn/mlp.js';

/** Float64 MSE of an MLP whose flat parameters are `theta`; x row-major [B][inputs], t row-major [B][outputs]. */
function referenceLoss(theta: Float64Array, layers: MlpLayer[], x: Float32Array, t: Float32Array, B: number): number {
  let a: Float64Array = new Float64Array(layers[0]!.shape.inputs * B);
  const K0 = layers[0]!.shape.inputs;
  for (let b = 0; b < B; b++) for (let k = 0; k < K0; k++) a[k * B + b] = x[b * K0 + k]!;
  for (const layer of layers) {
    const { inputs: K, outputs: J, activation } = layer.shape;
    a = denseForward(a, theta.subarray(layer.weight.offset, layer.weight.offset + K * J), theta.subarray(layer.bias.offset, layer.bias.offset + J), K, J, B, activation as Act);
  }
  const J = layers[layers.length - 1]!.shape.outputs;
  let sum = 0;
  for (let b = 0; b < B; b++) for (let j = 0; j < J; j++) sum += (a[j * B + b]! - t[b * J + j]!) ** 2;
  return sum / (B * J);
}

describe('MLP', () => {
  for (const activation of ['tanh', 'relu'] as const) {
    gpuTest(`backward gradients match central finite differences (${activation}, 3-5-4-2, batch 7)`, async (gpu) => {
      const B = 7;
      const regressor = await Regressor.create(gpu, { inputs: 3, hidden: [5, 4], outputs: 2, activation }, { seed: 3, capacity: 8, learningRate: 1e-3 });
      const random = seededRandom(42);
      const x = randomArray(random, B * 3);
      const t = randomArray(random, B * 2);
      regressor.setData(x, t, B);
      // Biases away from zero so relu units are not all at a kink.
      const theta32 = await regressor.readParameters();
      for (const layer of regressor.layers) theta32.set(randomArray(random, layer.bias.size, -0.3, 0.3), layer.bias.offset);
      regressor.writeParameters(theta32);
      const { loss, grads } = await regressor.gradient();
      const theta = Float64Array.from(theta32);
      expect(Math.abs(loss - referenceLoss(theta, regressor.layers, x, t, B))).toBeLessThan(1e-6);
      const h = 1e-4;
      let checked = 0;
      for (const view of regressor.table.views) {
        for (let i = view.offset; i < view.offset + view.size; i++) {
          const saved = theta[i]!;
          theta[i] = saved + h;
          const up = referenceLoss(theta, regressor.layers, x, t, B);
          theta[i] = saved - h;
          const down = referenceLoss(theta, regressor.layers, x, t, B);
          theta[i] = saved;
          const numeric = (up - down) / (2 * h);
          // f32 analytic gradient vs float64 central difference (truncation error ~h² · f''' is ~1e-8 here).
          expect(Math.abs(grads[i]! - numeric), `${view.name}[${i - view.offset}]: gpu ${grads[i]}, numeric ${numeric}`).toBeLessThan(2e-5 + 1e-3 * Math.abs(numeric));
          checked++;
        }
      }
      expect(checked).toBe(3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2);
      regressor.destroy();
    });
  }

  gpuTest('fits y = sin(3x1)·cos(2x2) on the GPU (loss falls below 10% of its start)', async (gpu) => {
    const B = 512;
    const random = seededRandom(7);
    const x = randomArray(random, B * 2);
    const t = new Float32Array(B);
    for (let b = 0; b < B; b++) t[b] = Math.sin(3 * x[2 * b]!) * Math.cos(2 * x[2 * b + 1]!);
    const regressor = await Regressor.create(gpu, { inputs: 2, hidden: [32, 32], outputs: 1 }, { seed: 1, capacity: B, learningRate: 1e-2 });
    regressor.setData(x, t, B);
    const first = await regressor.train(1);
    let last = first;
    for (let round = 0; round < 6; round++) last = await regressor.train(50);
    expect(last).toBeLessThan(0.1 * first);
    regressor.destroy();
  });
});

describe('orthogonal initialisation', () => {
  test.each([
    [4, 64],
    [64, 64],
    [64, 2],
    [7, 3],
  ])('a %i x %i weight has orthonormal columns or rows, times the gain', (inputs, outputs) => {
    const gain = Math.SQRT2;
    const w = orthogonal(inputs, outputs, gain, initRng(5, 0));
    // W is [inputs][outputs]; Wᵀ W = gain² I when inputs >= outputs, W Wᵀ = gain² I otherwise.
    const n = Math.min(inputs, outputs);
    for (let a = 0; a < n; a++) {
      for (let c = 0; c < n; c++) {
        let dot = 0;
        if (inputs >= outputs) for (let k = 0; k < inputs; k++) dot += w[k * outputs + a]! * w[k * outputs + c]!;
        else for (let j = 0; j < outputs; j++) dot += w[a * outputs + j]! * w[c * outputs + j]!;
        expect(dot).toBeCloseTo(a === c ? gain * gain : 0, 10);
      }
    }
  });
});
