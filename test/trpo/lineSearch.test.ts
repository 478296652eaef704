/**
 * TRPO's line search on the GPU (src/trpo/lineSearch.wgsl.ts candidates, solver.wgsl.ts search_decide and
 * apply_step) on crafted steps: after the surrogate pass (which stores π_old and L(θ_old)), the test writes a
 * direction x and a step scale into the step's state and runs the 10 tries. With q = sqrt(2 max_kl / gᵀFg) the
 * step along g whose quadratic KL model is max_kl:
 *
 *   full step      x = g, scale 0.5 q: KL ~ max_kl / 4 at f = 1, accepted at once
 *   backtracking   x = g, scale 3 q: KL ~ 9, 2.25, 0.56 max_kl at f = 1, 1/2, 1/4: accepted at a fraction < 1
 *   none (gain)    x = -g, scale 0.5 q: the surrogate falls at every fraction, nothing accepted
 *   none (KL)      x = g, scale 4000 q: KL > max_kl even at f = 2^-9, nothing accepted
 *
 * Each outcome (accepted or not, tries, fraction) equals the float64 reference's (reference/trpo.ts lineSearch),
 * whose deciding quantities are checked to be well away from the thresholds (so float32 cannot flip them); the
 * last candidate's KL and improvement match the reference to 1e-3 relative + 1e-6 absolute (1e-4 of max_kl: at
 * tiny steps the float32 Gaussian KL, a sum of order-1 terms, is only good to ~1e-7), the parameters to 1e-6
 * absolute + 1e-5 relative, and a rejected search leaves them bit for bit.
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { TrpoState } from '../../src/trpo/state.js';
import { actorDot, actorIndices, fisherVectorProduct, lineSearch, meanKl, surrogate, surrogateGradient } from '../../reference/trpo.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { bindCase, CATEGORICAL, GAUSSIAN, makeCase, MULTI_DISCRETE } from './helpers.js';
import type { ActionSpace } from '../../src/envs/spec.js';

const MAX_KL = 0.01;
const TRIES = 10;
const SHRINK = 0.5;

interface Case {
  name: string;
  action: ActionSpace;
  /** Direction: +g or -g. */
  sign: 1 | -1;
  /** Step scale in units of q. */
  scale: number;
  expect: 'full' | 'backtrack' | 'none';
  masked?: boolean;
}

const cases: Case[] = [];
for (const [head, action, masked] of [
  ['categorical', CATEGORICAL, false],
  ['Gaussian', GAUSSIAN, false],
  ['multi-discrete [3, 2, 4] with action masks', MULTI_DISCRETE, true],
] as const) {
  cases.push({ name: `${head}: the full step is accepted`, action, sign: 1, scale: 0.5, expect: 'full', masked });
  cases.push({ name: `${head}: KL too large at f = 1, accepted after backtracking`, action, sign: 1, scale: 3, expect: 'backtrack', masked });
  cases.push({ name: `${head}: the surrogate falls at every fraction, nothing accepted`, action, sign: -1, scale: 0.5, expect: 'none', masked });
  cases.push({ name: `${head}: KL too large at every fraction, nothing accepted`, action, sign: 1, scale: 4000, expect: 'none', masked });
}

async function check(gpu: Gpu, c: Case, seed: number): Promise<void> {
  const tc = makeCase(seed, { action: c.action, hidden: [5, 4], numEnvs: 13, numSteps: 5, masked: c.masked });
  const indices = actorIndices(tc.agent);
  const theta = Float64Array.from(tc.theta0);
  const g = surrogateGradient(theta, tc.agent, tc.samples, true);
  const direction = new Float32Array(theta.length);
  for (const i of indices) direction[i] = c.sign * g[i]!;
  const q = Math.sqrt((2 * MAX_KL) / actorDot(tc.agent, g, fisherVectorProduct(theta, tc.agent, tc.samples, g)));
  const stepScale = Math.fround(c.scale * q);
  const config = { maxKl: MAX_KL, lineSearchTries: TRIES, lineSearchShrink: SHRINK, normAdv: true };
  const reference = lineSearch(theta, direction, stepScale, tc.agent, tc.samples, config);

  // The crafted case is what it says, and every decision is far from its threshold.
  const before = surrogate(theta, tc.agent, tc.samples, true);
  for (let t = 0, f = 1; t < reference.tries; t++, f *= SHRINK) {
    const candidate = Float64Array.from(theta, (v, i) => v + f * stepScale * direction[i]!);
    const kl = meanKl(theta, candidate, tc.agent, tc.samples);
    const gain = surrogate(candidate, tc.agent, tc.samples, true) - before;
    expect(Math.abs(kl / MAX_KL - 1), `${c.name}: try ${t}: KL ${kl} too close to max_kl`).toBeGreaterThan(0.05);
    expect(Math.abs(gain), `${c.name}: try ${t}: improvement ${gain} too close to 0`).toBeGreaterThan(1e-5 * Math.abs(before) + 1e-6);
  }
  if (c.expect === 'full') expect([reference.accepted, reference.tries]).toEqual([true, 1]);
  if (c.expect === 'backtrack') {
    expect(reference.accepted).toBe(true);
    expect(reference.tries).toBeGreaterThan(1);
  }
  if (c.expect === 'none') expect([reference.accepted, reference.tries]).toEqual([false, TRIES]);

  const bound = await bindCase(gpu, tc, { maxKl: MAX_KL, lineSearchTries: TRIES, lineSearchShrink: SHRINK });
  try {
    const first = new Recorder(gpu, 'LineSearchTest.surrogate');
    bound.update.encodeBegin(first);
    bound.update.encodeSurrogateGradient(first);
    first.submit();
    const started = { ...(await bound.update.readState()), step_scale: stepScale, coef: stepScale, fraction: 1, tries: 0, accepted: 0, search_done: 0, kl: 0, improvement: 0 };
    TrpoState.writeTo(gpu, bound.update.state, started);
    bound.update.writeVector('x', direction);
    const second = new Recorder(gpu, 'LineSearchTest.search');
    bound.update.encodeLineSearch(second);
    second.submit();
    const [state, params] = await Promise.all([bound.update.readState(), bound.read(bound.params)]);

    expect({ accepted: state.accepted === 1, tries: state.tries, fraction: state.fraction, done: state.search_done }, c.name).toEqual({
      accepted: reference.accepted,
      tries: reference.tries,
      fraction: reference.fraction,
      done: 1,
    });
    expectClose([state.kl, state.improvement], [reference.kl, reference.improvement], { atol: 1e-6, rtol: 1e-3 }, `${c.name}: KL and improvement`);
    if (reference.accepted) {
      expectClose(params, Float64Array.from(reference.theta, Math.fround), { atol: 1e-6, rtol: 1e-5 }, `${c.name}: parameters`);
    } else {
      expect(Array.from(params), `${c.name}: parameters unchanged`).toEqual(Array.from(tc.theta0));
    }
  } finally {
    bound.destroy();
  }
}

describe('TRPO line search', () => {
  cases.forEach((c, i) => gpuTest(c.name, (gpu) => check(gpu, c, 500 + i)));
});
