/**
 * TRPO's Fisher-vector product on the GPU (src/trpo/samples.wgsl.ts fisher_main + the gradient kernel) for a
 * random direction v, against
 *   (a) the float64 analytic product (1/M) sum_s J_sᵀ M_s J_s v (reference/trpo.ts fisherVectorProduct), and
 *   (b) central differences of the float64 KL gradient, (∇KL(θ_old + h v) - ∇KL(θ_old - h v)) / 2h, h = 1e-4,
 * for categorical and Gaussian heads, batches of 1, 7 and 65 samples, hidden widths [5, 4], and multi-discrete
 * heads [3, 2, 4] with and without random action masks (batch 65, the forward pass cached and recomputed). The float64 analytic
 * product and the differences agree to 1e-6 of the vector's largest entry (the reference checked by itself).
 * GPU tolerance, per entry: |gpu - ref| <= 1e-5 max|ref| + 1e-4 |ref| against (a), and against (b) the same
 * plus the differences' own 1e-6 max|ref|. The batch of 65 also runs in chunks of 16 (the sums over chunks), with
 * the gradient kernel's shared tiling (the one chunks over 512 samples get), and with the forward pass recomputed
 * instead of read from the surrogate pass's scratch rows (TrpoSettings.fisherForward; chunks always recompute).
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { actorIndices, fisherVectorProduct, klGradient } from '../../reference/trpo.js';
import { gpuTest } from '../helpers/gpu.js';
import { bindCase, CATEGORICAL, GAUSSIAN, makeCase, MULTI_DISCRETE, randomDirection, relativeError } from './helpers.js';
import { SHARED_TILING, type GradientTiling } from '../../src/ppo/scratch.js';
import type { ActionSpace } from '../../src/envs/spec.js';

const H = 1e-4;

interface Case {
  name: string;
  action: ActionSpace;
  numEnvs: number;
  numSteps: number;
  chunkLimit?: number;
  gradientTiling?: GradientTiling;
  fisherForward?: 'cached' | 'recompute';
  masked?: boolean;
}

const cases: Case[] = [];
for (const [head, action] of [
  ['categorical', CATEGORICAL],
  ['Gaussian', GAUSSIAN],
] as const) {
  cases.push({ name: `${head}, batch 1`, action, numEnvs: 1, numSteps: 1 });
  cases.push({ name: `${head}, batch 7`, action, numEnvs: 7, numSteps: 1 });
  cases.push({ name: `${head}, batch 65`, action, numEnvs: 13, numSteps: 5 });
  cases.push({ name: `${head}, batch 65, forward recomputed`, action, numEnvs: 13, numSteps: 5, fisherForward: 'recompute' });
  cases.push({ name: `${head}, batch 65 in chunks of 16`, action, numEnvs: 13, numSteps: 5, chunkLimit: 16 });
  cases.push({ name: `${head}, batch 65, shared-tile gradient kernel`, action, numEnvs: 13, numSteps: 5, gradientTiling: SHARED_TILING });
}
for (const masked of [false, true]) {
  const name = `multi-discrete [3, 2, 4]${masked ? ', masked' : ''}, batch 65`;
  cases.push({ name, action: MULTI_DISCRETE, numEnvs: 13, numSteps: 5, masked });
  cases.push({ name: `${name}, forward recomputed`, action: MULTI_DISCRETE, numEnvs: 13, numSteps: 5, masked, fisherForward: 'recompute' });
}

async function check(gpu: Gpu, c: Case, seed: number): Promise<void> {
  const tc = makeCase(seed, { action: c.action, hidden: [5, 4], numEnvs: c.numEnvs, numSteps: c.numSteps, masked: c.masked });
  const indices = actorIndices(tc.agent);
  const v = randomDirection(seed + 1000, tc.agent, indices);
  const bound = await bindCase(gpu, tc, { chunkLimit: c.chunkLimit, gradientTiling: c.gradientTiling, fisherForward: c.fisherForward });
  try {
    expect(bound.update.fisherForward).toBe(c.fisherForward ?? (c.chunkLimit ? 'recompute' : 'cached'));
    bound.update.writeVector('p', v);
    const recorder = new Recorder(gpu, 'FisherTest.encoder');
    // As in the step: the surrogate pass first (the cached forward pass reads what it leaves).
    bound.update.encodeBegin(recorder);
    bound.update.encodeSurrogateGradient(recorder);
    bound.update.encodeFisherProduct(recorder, 'p');
    recorder.submit();
    const fv = await bound.update.readVector('fv');

    const theta = Float64Array.from(tc.theta0);
    const analytic = fisherVectorProduct(theta, tc.agent, tc.samples, v);
    const shifted = (sign: number) => Float64Array.from(theta, (t, i) => t + sign * H * v[i]!);
    const up = klGradient(theta, shifted(1), tc.agent, tc.samples);
    const down = klGradient(theta, shifted(-1), tc.agent, tc.samples);
    const differences = Float64Array.from(up, (u, i) => (u - down[i]!) / (2 * H));

    const self = relativeError(analytic, differences, indices);
    expect(self.error, `${c.name}: float64 analytic F v against the differences`).toBeLessThan(1e-6);
    for (const [what, ref, extra] of [
      ['analytic', analytic, 0],
      ['finite differences', differences, 1e-6],
    ] as const) {
      const scale = relativeError(fv, ref, indices).scale;
      const bad = indices.filter((i) => Math.abs(fv[i]! - ref[i]!) > (1e-5 + extra) * scale + 1e-4 * Math.abs(ref[i]!));
      const worst = bad.map((i) => `[${i}] gpu ${fv[i]} ${what} ${ref[i]}`).slice(0, 4);
      expect(bad.length, `${c.name}: ${bad.length} of ${indices.length} entries of F v off the ${what} product (max |ref| ${scale}): ${worst.join(', ')}`).toBe(0);
    }
    // Entries outside the actor are never written.
    const outside = Array.from(fv).filter((value, i) => !indices.includes(i) && value !== 0);
    expect(outside).toEqual([]);
  } finally {
    bound.destroy();
  }
}

describe('TRPO Fisher-vector product', () => {
  cases.forEach((c, i) => gpuTest(`F v matches the float64 analytic product and differences of the KL gradient: ${c.name}`, (gpu) => check(gpu, c, 300 + i)));
});
