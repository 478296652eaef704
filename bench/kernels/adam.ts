/**
 * Kernel lab: Adam with global-norm clipping over one flat parameter buffer (src/nn/adam.ts, adam.wgsl.ts), in
 * llm.c's dev/cuda style (reference, variants, validation and timing in one file). `npm run bench:kernels -- adam`.
 *
 * One step over P parameters:
 *   norm = sqrt(Σ g²); s = min(1, max_grad_norm / (norm + 1e-6))                     (prepare: one workgroup)
 *   m = β1 m + (1 - β1) s g;  v = β2 v + (1 - β2) s² g²;  p -= lr/(1 - β1^t) m / (sqrt(v)/sqrt(1 - β2^t) + ε)
 * Bandwidth-bound: the norm reads g (4P bytes), the update reads p, g, m, v and writes p, m, v (28P bytes), so
 * 32P bytes a step; the report gives GB/s over that count.
 *
 * Variants: the norm in one workgroup (P ≤ SINGLE_PASS_LIMIT) or as sum-of-squares partials first (larger P: one
 * more dispatch). The sizes below cover both: the CartPole agent (about 4.7k), a 2 x 256 agent (about 70k) and 1M.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { Adam } from '../../src/nn/adam.js';
import { SINGLE_PASS_LIMIT } from '../../src/nn/reduction.js';
import { adamStep } from '../../reference/nn.js';
import { rngHost } from '../../shaders/rng.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';
import type { CaseResult } from '../harness.js';

const CONFIG = { learningRate: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-5, maxGradNorm: 0.5 };
export const ADAM_BYTES_PER_PARAMETER = 32;
const VALIDATION_LR = 1e-2;

function values(seed: number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = scale * (2 * rngHost.unit(rngHost.pcg4d([seed, 91, i, 0])[0]) - 1);
  return out;
}

export interface AdamBench {
  count: number;
  adam: Adam;
  params: GPUBuffer;
  grads: GPUBuffer;
  params0: Float32Array;
  grads0: Float32Array;
  destroy(): void;
}

export async function buildAdamBench(gpu: Gpu, count: number): Promise<AdamBench> {
  const params0 = values(1, count, 1);
  const grads0 = values(2, count, 3);
  const params = gpu.buffer({ label: 'AdamBench.params', size: count * 4, data: params0 });
  const grads = gpu.buffer({ label: 'AdamBench.grads', size: count * 4, data: grads0 });
  const adam = await Adam.create(gpu, 'AdamBench.adam', params, grads, count, CONFIG);
  return {
    count,
    adam,
    params,
    grads,
    params0,
    grads0,
    destroy: () => {
      adam.destroy();
      gpu.destroyBuffer(params);
      gpu.destroyBuffer(grads);
    },
  };
}

/**
 * Two steps (two different gradients) on the GPU against torch.optim.Adam's maths in float64 (reference/nn.ts adamStep), from fresh state.
 * At lr = VALIDATION_LR a step moves a parameter by up to about lr, and a change of β1 in the third digit moves it by
 * ~1e-5 to 1e-4; the tolerance |p_gpu - p_ref| ≤ 1e-6 + 2e-4 |p_ref - p_0| is f32 rounding of |p| ≤ 1 and of the
 * step's own arithmetic, with margin. Returns the largest error.
 */
export async function validateAdam(gpu: Gpu, bench: AdamBench): Promise<number> {
  // A learning rate large enough that every hyperparameter moves the parameters well beyond f32 rounding.
  const lr = VALIDATION_LR;
  bench.adam.reset(lr);
  gpu.write(bench.params, 0, bench.params0);
  gpu.write(bench.grads, 0, bench.grads0);
  const reference = Float64Array.from(bench.params0);
  const state = { m: new Float64Array(bench.count), v: new Float64Array(bench.count), step: 0 };
  // Two different gradients: with one gradient repeated, bias correction would hide β1 and β2.
  const gradients = [bench.grads0, values(3, bench.count, 3)];
  for (const g of gradients) {
    gpu.write(bench.grads, 0, g);
    const recorder = new Recorder(gpu, 'AdamBench.validate');
    bench.adam.encodeStep(recorder);
    recorder.submit();
    adamStep(reference, g, state, { lr, beta1: CONFIG.beta1, beta2: CONFIG.beta2, eps: CONFIG.eps, maxGradNorm: CONFIG.maxGradNorm });
  }
  const result = await readFloat32(gpu, bench.params, bench.count);
  let worst = 0;
  for (let i = 0; i < bench.count; i++) {
    const error = Math.abs(result[i]! - reference[i]!);
    const moved = Math.abs(reference[i]! - bench.params0[i]!);
    if (!(error <= 1e-6 + 2e-4 * moved)) {
      throw new Error(`Adam over ${bench.count} parameters: parameter ${i} is ${result[i]} after two steps, the float64 reference ${reference[i]}`);
    }
    worst = Math.max(worst, error);
  }
  return worst;
}

export async function adamLab(gpu: Gpu, options: { counts: number[]; reps: number; target: number; log(line: string): void }): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const count of options.counts) {
    const bench = await checked(gpu, `Adam lab ${count}`, () => buildAdamBench(gpu, count));
    const error = await validateAdam(gpu, bench);
    const variant = count > SINGLE_PASS_LIMIT ? 'two-pass norm' : 'one-pass norm';
    options.log(`adam: ${count} parameters (${variant}) validated (max error ${error.toExponential(1)})`);
    const timer = new SequenceTimer(gpu, `AdamLab.${count}`, (recorder) => bench.adam.encodeStep(recorder));
    await measureInterleaved([timer], options.reps, options.target);
    const { timing, clock } = bestClock(timer.result());
    results.push({
      name: 'kernel.adam',
      params: { kernel: 'adam', variant, count, clock, gbps: (ADAM_BYTES_PER_PARAMETER * count) / timing.median / 1e9 },
      unit: 'ms',
      median: timing.median * 1e3,
      min: timing.min * 1e3,
      max: timing.max * 1e3,
      reps: timing.samples.length,
    });
    timer.destroy();
    bench.destroy();
  }
  return results;
}
