/** computeGae (the trainer's GAE kernel on typed arrays) against the float64 reference, and its input errors. */
import { describe, expect, test } from 'vitest';
import { computeGae } from '../../src/ppo/gae.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose } from '../helpers/random.js';
import { randomScanInput } from '../helpers/rollouts.js';
import { gaeReference } from '../../reference/ppo.js';

describe('GAE', () => {
  for (const [N, T] of [[1, 1], [1, 33], [7, 5], [64, 16], [65, 7], [1000, 3], [4097, 2]] as const) {
    gpuTest(`matches the reference with terminations and truncations, ${N} envs x ${T} steps`, async (gpu) => {
      const input = randomScanInput(N, T, N * 131 + T);
      const got = await computeGae({ ...input, gpu });
      const ref = gaeReference(input);
      // A_t sums up to T discounted terms of size <= ~12 in f32.
      expectClose(got.advantages, ref.advantages, { atol: 1e-5 * (T + 1), rtol: 1e-5 }, 'advantages');
      expectClose(got.returns, ref.returns, { atol: 1e-5 * (T + 1), rtol: 1e-5 }, 'returns');
    });
  }

  gpuTest('bootstraps from finalValues only where truncated and not terminated', async (gpu) => {
    // One env, three steps: truncated at t=0 (bootstrap 10), terminated and truncated at t=1 (no bootstrap).
    const got = await computeGae({
      rewards: new Float32Array([1, 1, 1]),
      values: new Float32Array([0, 0, 0]),
      terminated: new Uint8Array([0, 1, 0]),
      truncated: new Uint8Array([1, 1, 0]),
      finalValues: new Float32Array([10, 20, 30]),
      lastValues: new Float32Array([100]),
      numEnvs: 1,
      gamma: 0.5,
      lambda: 1,
      gpu,
    });
    expect([...got.advantages]).toEqual([1 + 0.5 * 10, 1, 1 + 0.5 * 100]);
  });

  gpuTest('frees every buffer it makes, the bound scan its parameter uniform included', async (gpu) => {
    const before = gpu.bytesAllocated;
    await computeGae({ ...randomScanInput(5, 3, 2), gpu });
    expect(gpu.bytesAllocated).toBe(before);
  });

  test('rejects inputs of the wrong length or range with the field name', async () => {
    const input = randomScanInput(3, 4, 1);
    await expect(computeGae({ ...input, values: new Float32Array(5) })).rejects.toThrow(/values has length 5; expected 12/);
    await expect(computeGae({ ...input, lastValues: new Float32Array(2) })).rejects.toThrow(/lastValues has length 2; expected 3/);
    await expect(computeGae({ ...input, numEnvs: 5 })).rejects.toThrow(/multiple of numEnvs/);
    await expect(computeGae({ ...input, gamma: 1.5 })).rejects.toThrow(/gamma is 1.5/);
  });
});
