/**
 * One whole TRPO actor step on the GPU (TrpoUpdate.encode: advantage statistics, surrogate gradient, 10 CG
 * iterations on (F + 0.1 I) x = g, the step scale, the 10-try line search, the update) against the float64
 * reference step (reference/trpo.ts trpoStep) from the same float32 parameters and rollout:
 *
 *   - every actor parameter: |gpu - ref| <= 1e-4 max_i |θ_ref,i - θ_old,i| + 4e-7 |ref| (the direction's error
 *     times the step, and θ's float32 rounding); the critic's (and the padding) bit for bit unchanged
 *   - the line search's outcome (accepted, tries, fraction) exactly; x to 1e-4 of max |x|; xᵀ(F + λI)x, the step
 *     scale, and the accepted candidate's KL and improvement to 1e-3 relative; L(θ_old) to 1e-6 + 1e-3 relative
 *   - the encoded dispatch count matches dispatchesPerStep
 *
 * The 10-iteration CG iterate is a stable function of g in exact arithmetic, but float32 rounding inside the
 * recurrences (products, dot products or updates alike) moves it, for some data (Gaussian heads, larger networks)
 * far more than the x tolerance here; a float32 emulation of the same CG with exact products moves as much, so
 * that is float32 CG, not these kernels. The seeds here are fixed, and the tolerances hold on them with margin.
 *
 * Cases: categorical and Gaussian heads with hidden widths [5, 4] on 65 samples (stored log-probabilities off
 * the policy's own, so ratios vary), the Gaussian one also in chunks of 16, the categorical one also with the
 * gradient kernel's shared tiling, the Gaussian one also without advantage normalisation, and CartPole's actor
 * (4-64-64-2) on 256 samples with ratios of 1, as in training; multi-discrete heads [3, 2, 4] with and without
 * action masks (the masked one also in chunks of 16). And a batch whose advantages are all zero: g = 0,
 * CG stops before any product, the step scale is not finite, the parameters stay as they were.
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { actorIndices, trpoStep, type TrpoReferenceConfig } from '../../reference/trpo.js';
import { TRPO_SETTINGS } from '../../src/trpo/update.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { bindCase, CATEGORICAL, GAUSSIAN, makeCase, MULTI_DISCRETE, relativeError, type CaseSpec } from './helpers.js';
import { SHARED_TILING, type GradientTiling } from '../../src/ppo/scratch.js';

interface Case {
  name: string;
  spec: CaseSpec;
  chunkLimit?: number;
  gradientTiling?: GradientTiling;
  normAdv?: boolean;
}

const cases: Case[] = [
  { name: 'categorical, [5, 4], 65 samples', spec: { action: CATEGORICAL, hidden: [5, 4], numEnvs: 13, numSteps: 5 } },
  { name: 'Gaussian, [5, 4], 65 samples', spec: { action: GAUSSIAN, hidden: [5, 4], numEnvs: 13, numSteps: 5 } },
  { name: 'Gaussian, [5, 4], 65 samples in chunks of 16', spec: { action: GAUSSIAN, hidden: [5, 4], numEnvs: 13, numSteps: 5 }, chunkLimit: 16 },
  { name: 'categorical, [5, 4], 65 samples, shared-tile gradient kernel', spec: { action: CATEGORICAL, hidden: [5, 4], numEnvs: 13, numSteps: 5 }, gradientTiling: SHARED_TILING },
  { name: 'Gaussian, [5, 4], 65 samples, advantages not normalised', spec: { action: GAUSSIAN, hidden: [5, 4], numEnvs: 13, numSteps: 5 }, normAdv: false },
  {
    name: "CartPole's actor 4-64-64-2, 256 samples, ratios of 1",
    spec: { action: { type: 'discrete', n: 2 }, hidden: [64, 64], obsSize: 4, numEnvs: 8, numSteps: 32, logprobNoise: 0, paramNoise: 0.2 },
  },
  { name: 'multi-discrete [3, 2, 4], [5, 4], 65 samples', spec: { action: MULTI_DISCRETE, hidden: [5, 4], numEnvs: 13, numSteps: 5 } },
  { name: 'multi-discrete [3, 2, 4] with action masks, [5, 4], 65 samples', spec: { action: MULTI_DISCRETE, hidden: [5, 4], numEnvs: 13, numSteps: 5, masked: true } },
  { name: 'multi-discrete [3, 2, 4] with action masks, 65 samples in chunks of 16', spec: { action: MULTI_DISCRETE, hidden: [5, 4], numEnvs: 13, numSteps: 5, masked: true }, chunkLimit: 16 },
];

async function check(gpu: Gpu, c: Case, seed: number): Promise<void> {
  const tc = makeCase(seed, c.spec);
  const config: TrpoReferenceConfig = { ...TRPO_SETTINGS, normAdv: c.normAdv ?? true };
  const reference = trpoStep(Float64Array.from(tc.theta0), tc.agent, tc.samples, config);
  expect(reference.search.accepted, `${c.name}: the reference accepts a step`).toBe(true);
  const bound = await bindCase(gpu, tc, { chunkLimit: c.chunkLimit, gradientTiling: c.gradientTiling, normAdv: config.normAdv });
  try {
    const recorder = new Recorder(gpu, 'TrpoStepTest.encoder');
    bound.update.encode(recorder);
    const dispatches = recorder.dispatches;
    recorder.submit();
    const [params, x, state] = await Promise.all([bound.read(bound.params), bound.update.readVector('x'), bound.update.readState()]);
    expect(dispatches).toBe(bound.update.dispatchesPerStep);

    expect({ accepted: state.accepted === 1, tries: state.tries, fraction: state.fraction }, c.name).toEqual({
      accepted: reference.search.accepted,
      tries: reference.search.tries,
      fraction: reference.search.fraction,
    });
    const indices = actorIndices(tc.agent);
    expect(relativeError(x, reference.x, indices).error, `${c.name}: x, max |gpu - ref| / max |ref|`).toBeLessThan(1e-4);
    expectClose(
      [state.xax, state.step_scale, state.kl, state.improvement],
      [reference.xAx, reference.stepScale, reference.search.kl, reference.search.improvement],
      { atol: 0, rtol: 1e-3 },
      `${c.name}: xᵀAx, step scale, KL, improvement`,
    );
    // L(θ_old) is 0 with ratios of 1 (the mean of normalised advantages): absolute against unit-std advantages.
    expectClose([state.surrogate_old], [reference.surrogateOld], { atol: 1e-6, rtol: 1e-3 }, `${c.name}: L(θ_old)`);
    const actor = new Set(indices);
    const step = Math.max(...indices.map((i) => Math.abs(reference.theta[i]! - tc.theta0[i]!)));
    const expected = Float64Array.from(tc.theta0, (v, i) => (actor.has(i) ? reference.theta[i]! : v));
    // float32 rounding of θ, plus the CG direction's float32 error times the step.
    expectClose(params, expected, { atol: 1e-4 * step, rtol: 4e-7 }, `${c.name}: parameters after the step (largest change ${step})`);
    const moved = Array.from(params).filter((v, i) => !actor.has(i) && v !== tc.theta0[i]);
    expect(moved, `${c.name}: critic and padding entries changed`).toEqual([]);
  } finally {
    bound.destroy();
  }
}

describe('TRPO actor step', () => {
  cases.forEach((c, i) => gpuTest(`one step matches the float64 reference: ${c.name}`, (gpu) => check(gpu, c, 700 + i)));

  gpuTest('advantages all zero: g = 0, CG stops before any product, no step is taken', async (gpu) => {
    const tc = makeCase(750, { action: CATEGORICAL, hidden: [5, 4], numEnvs: 7, numSteps: 3 });
    tc.data.fill(0, tc.layout.offsets.advantages, tc.layout.offsets.advantages + tc.layout.samples);
    for (const sample of tc.samples) sample.advantage = 0;
    const reference = trpoStep(Float64Array.from(tc.theta0), tc.agent, tc.samples, { ...TRPO_SETTINGS });
    expect([reference.xAx, reference.search.accepted]).toEqual([0, false]);
    const bound = await bindCase(gpu, tc);
    try {
      const recorder = new Recorder(gpu, 'TrpoStepTest.zero');
      bound.update.encode(recorder);
      recorder.submit();
      const [params, state] = await Promise.all([bound.read(bound.params), bound.update.readState()]);
      expect({ cg_done: state.cg_done, cg_iterations: state.cg_iterations, xax: state.xax, step_scale: state.step_scale, search_done: state.search_done, accepted: state.accepted, tries: state.tries }).toEqual({
        cg_done: 1,
        cg_iterations: 0,
        xax: 0,
        step_scale: 0,
        search_done: 1,
        accepted: 0,
        tries: 0,
      });
      expect(Array.from(params)).toEqual(Array.from(tc.theta0));
    } finally {
      bound.destroy();
    }
  });
});
