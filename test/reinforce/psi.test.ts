/**
 * REINFORCE's ψ, read out of GAE's scan (src/reinforce/psi.ts, src/ppo/gae.wgsl.ts), against the float64 reference written from the definitions
 * (reference/psi.ts), for every ψ, on random rollouts with terminations, truncations and episodes cut by the
 * rollout's end; the reference itself against values worked out by hand on a crafted rollout.
 */
import { describe, expect, test } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { PSIS, type Psi as PsiName } from '../../src/config.js';
import type { GaeRegions } from '../../src/ppo/gae.js';
import { Gae } from '../../src/ppo/gae.js';
import { psiScan } from '../../src/reinforce/psi.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { randomScanInput } from '../helpers/rollouts.js';
import { psiReference } from '../../reference/psi.js';
import type { ScanInput } from '../../reference/ppo.js';

/** Runs the trainer's scan for one ψ on a packed buffer laid out like the rollout storage's regions. */
async function gpuPsi(gpu: Gpu, psi: PsiName, input: ScanInput): Promise<{ psi: Float32Array; targets: Float32Array }> {
  const N = input.numEnvs;
  const M = input.rewards.length;
  const regions: GaeRegions = { rewards: 0, values: M, dones: 2 * M + N, finalValues: 3 * M + N, advantages: 4 * M + N, returns: 5 * M + N };
  const packed = new Float32Array(6 * M + N);
  packed.set(Array.from(input.rewards), regions.rewards);
  packed.set(Array.from(input.values), regions.values);
  packed.set(Array.from(input.lastValues), regions.values + M);
  for (let s = 0; s < M; s++) packed[regions.dones + s] = (input.terminated[s] ? 1 : 0) + (input.truncated[s] ? 2 : 0);
  packed.set(Array.from(input.finalValues), regions.finalValues);
  const data = gpu.buffer({ label: 'PsiTest.data', size: packed.byteLength, data: packed });
  const { lambda, readout } = psiScan(psi, input.lambda);
  const bound = (await Gae.create(gpu)).bind('PsiTest', data, N, M / N, regions, input.gamma, lambda, readout);
  try {
    const recorder = new Recorder(gpu, 'PsiTest.encoder');
    bound.encode(recorder);
    recorder.submit();
    const out = await readFloat32(gpu, data, 2 * M, regions.advantages);
    return { psi: out.slice(0, M), targets: out.slice(M) };
  } finally {
    bound.destroy();
    gpu.destroyBuffer(data);
  }
}

describe('the float64 reference of ψ', () => {
  // One environment, 5 steps, γ = 0.5, V = 1 everywhere: terminated at t = 1, truncated at t = 3 with V(final) = 10,
  // cut by the rollout's end at t = 4 with V(s_5) = 20. Segments [0, 1], [2, 3], [4].
  const crafted: ScanInput = {
    rewards: [1, 2, 3, 4, 5],
    values: [1, 1, 1, 1, 1],
    terminated: [0, 1, 0, 0, 0],
    truncated: [0, 0, 0, 1, 0],
    finalValues: [0, 0, 0, 10, 0],
    lastValues: [20],
    numEnvs: 1,
    gamma: 0.5,
    lambda: 1,
  };
  const byHand: Record<PsiName, number[]> = {
    total_return: [2, 2, 5, 5, 5],
    reward_to_go: [2, 2, 5, 4, 5],
    // G = [2, 2, 7.5, 9, 15] bootstrapped from 10 and 20, minus V = 1.
    baseline: [1, 1, 6.5, 8, 14],
    q_value: [1.5, 2, 3.5, 9, 15],
    td_error: [0.5, 1, 2.5, 8, 14],
    // λ = 1 with the critic: the same as the baseline.
    advantage: [1, 1, 6.5, 8, 14],
  };
  for (const psi of PSIS) {
    test(`${psi} on a crafted rollout with a termination, a truncation and a cut`, () => {
      expect(Array.from(psiReference(psi, crafted).psi)).toEqual(byHand[psi]);
    });
  }
});

describe('the ψ pass on the GPU', () => {
  for (const [N, T] of [[1, 1], [1, 33], [7, 5], [65, 7], [300, 3]] as const) {
    gpuTest(`every ψ matches the reference, ${N} envs x ${T} steps`, async (gpu) => {
      const input = { ...randomScanInput(N, T, N * 17 + T), gamma: 0.97, lambda: 0.9 };
      for (const psi of PSIS) {
        const got = await gpuPsi(gpu, psi, input);
        const ref = psiReference(psi, input);
        // Sums of up to T discounted terms of size <= ~12 in f32.
        expectClose(got.psi, ref.psi, { atol: 1e-5 * (T + 1), rtol: 1e-5 }, `${psi}: ψ`);
        expectClose(got.targets, ref.targets, { atol: 1e-5 * (T + 1), rtol: 1e-5 }, `${psi}: critic target`);
      }
    });
  }
});
