/** Reductions (any length) and Adam with global-norm clipping against float64 references. */
import { describe, expect, test } from 'vitest';
import { Reduction } from '../../src/nn/reduction.js';
import { Adam } from '../../src/nn/adam.js';
import { Control, ControlBlock } from '../../src/nn/adam.wgsl.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';
import { adamStep } from '../../reference/nn.js';
import type { ReduceOp } from '../../shaders/reductions.js';

describe('reductions', () => {
  for (const op of ['sum', 'sumsq', 'max'] as ReduceOp[]) {
    gpuTest(`${op} over lengths 1, 7, 63, 64, 65, 1000, 4097, 100003`, async (gpu) => {
      const reduction = await Reduction.create(gpu, op);
      for (const n of [1, 7, 63, 64, 65, 1000, 4097, 100003]) {
        const data = randomArray(seededRandom(n), n + 3, -2, 1);
        const input = gpu.buffer({ label: 'ReductionTest.input', size: data.byteLength, data });
        const output = gpu.buffer({ label: 'ReductionTest.output', size: 16 });
        // Offsets 3 in and 1 out, to check they are honoured.
        const plan = reduction.plan('ReductionTest', input, 3, n, output, 1);
        const recorder = new Recorder(gpu, 'ReductionTest.encoder');
        plan.encode(recorder);
        recorder.submit();
        const got = (await readFloat32(gpu, output))[1]!;
        let ref = op === 'max' ? -Infinity : 0;
        for (let i = 3; i < n + 3; i++) ref = op === 'max' ? Math.max(ref, data[i]!) : ref + (op === 'sumsq' ? data[i]! ** 2 : data[i]!);
        // f32 sums of n terms of size <= 4: rounding grows like sqrt(n); 1e-6 n is a safe bound.
        expectClose([got], [ref], { atol: op === 'max' ? 0 : 1e-6 * n, rtol: 1e-6 }, `${op} of ${n}`);
        input.destroy();
        output.destroy();
      }
    });
  }
});

describe('Adam', () => {
  for (const [count, maxGradNorm] of [[1, 0], [65, 0.5], [4097, 0], [20000, 1.0]] as const) {
    gpuTest(`three steps over ${count} parameters${maxGradNorm ? `, clipped to norm ${maxGradNorm}` : ''} match torch.optim.Adam`, async (gpu) => {
      const random = seededRandom(count);
      const params0 = randomArray(random, count);
      const params = gpu.buffer({ label: 'AdamTest.params', size: count * 4, data: params0 });
      const grads = gpu.buffer({ label: 'AdamTest.grads', size: count * 4 });
      const config = { learningRate: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-5, maxGradNorm };
      const adam = await Adam.create(gpu, 'AdamTest.adam', params, grads, count, config);
      const ref = Float64Array.from(params0);
      const state = { m: new Float64Array(count), v: new Float64Array(count), step: 0 };
      for (let step = 0; step < 3; step++) {
        const g = randomArray(random, count, -3, 3);
        gpu.write(grads, 0, g);
        const recorder = new Recorder(gpu, 'AdamTest.encoder');
        adam.encodeStep(recorder);
        recorder.submit();
        const { norm } = adamStep(ref, g, state, { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-5, maxGradNorm });
        const control = await readFloat32(gpu, adam.control, Control.words);
        expect(control[Control.step]).toBe(step + 1);
        expect(Math.abs(control[Control.gradNorm]! - norm) / norm).toBeLessThan(1e-5);
      }
      // Each step moves a parameter by at most ~lr; f32 rounding of the moments keeps errors far below that.
      expectClose(await readFloat32(gpu, params), ref, { atol: 2e-6, rtol: 1e-5 }, 'parameters after 3 steps');
      adam.destroy();
      params.destroy();
      grads.destroy();
    });
  }

  gpuTest('a non-finite gradient is flagged and leaves the parameters untouched; skip stops updates', async (gpu) => {
    const params0 = new Float32Array([1, 2, 3, 4]);
    const params = gpu.buffer({ label: 'AdamTest.params', size: 16, data: params0 });
    const grads = gpu.buffer({ label: 'AdamTest.grads', size: 16, data: new Float32Array([0.1, Number.NaN, 0.3, 0.4]) });
    const adam = await Adam.create(gpu, 'AdamTest.adam', params, grads, 4, { learningRate: 0.1 });
    let recorder = new Recorder(gpu, 'AdamTest.encoder');
    adam.encodeStep(recorder);
    recorder.submit();
    expect([...(await readFloat32(gpu, params))]).toEqual([...params0]);
    expect((await readUint32(gpu, adam.control))[Control.nonfinite]).toBe(1);
    // Finite gradients, but the skip flag is set (as PPO's early stop does): still no update, no step.
    adam.reset();
    gpu.write(grads, 0, new Float32Array([0.1, 0.2, 0.3, 0.4]));
    gpu.write(adam.control, Control.skip * 4, new Uint32Array([1]));
    recorder = new Recorder(gpu, 'AdamTest.encoder');
    adam.encodeStep(recorder);
    recorder.submit();
    expect([...(await readFloat32(gpu, params))]).toEqual([...params0]);
    expect((await readFloat32(gpu, adam.control))[Control.step]).toBe(0);
    adam.destroy();
    params.destroy();
    grads.destroy();
  });
});

describe('Adam control block', () => {
  // Checkpoints store the block as 8 raw words (optimizer.control): its word layout is a file format.
  test('keeps the checkpoint word layout: lr, step, grad_norm, clip_scale, skip, nonfinite in 8 words', () => {
    expect(ControlBlock.layout.map((f) => [f.name, f.type, f.offset / 4])).toEqual([
      ['lr', 'f32', 0],
      ['step', 'f32', 1],
      ['grad_norm', 'f32', 2],
      ['clip_scale', 'f32', 3],
      ['skip', 'u32', 4],
      ['nonfinite', 'u32', 5],
    ]);
    expect(Control).toEqual({ lr: 0, step: 1, gradNorm: 2, clipScale: 3, skip: 4, nonfinite: 5, words: 8 });
  });
});
