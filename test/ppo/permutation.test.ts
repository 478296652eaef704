/**
 * The minibatch order of the PPO update: the epoch kernel's order (PpoUpdate's `permutation` buffer, read after
 * each epoch kernel) is a bijection of [0, batch), equals the host twin epochOrderHost bit for bit, and is a fresh
 * order every epoch and every iteration, at awkward batch sizes. On the host: the round keys of the Feistel
 * network never repeat across (iteration, epoch, round).
 */
import { describe, expect, test } from 'vitest';
import { readUint32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { epochKeyHost, epochOrderHost, feistelRoundKeysHost } from '../../shaders/permutation.js';
import { gpuTest } from '../helpers/gpu.js';
import { randomArray, seededRandom } from '../helpers/random.js';

function expectBijection(order: ArrayLike<number>, count: number, what: string): void {
  expect(order.length, `${what}: length`).toBe(count);
  const seen = new Uint8Array(count);
  for (let j = 0; j < count; j++) {
    const s = order[j]!;
    expect(s < count && seen[s] === 0, `${what}: position ${j} holds ${s} (out of range or repeated)`).toBe(true);
    seen[s] = 1;
  }
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

describe('minibatch order', () => {
  test('epochOrderHost is a bijection of [0, count) for every count up to 300', () => {
    for (let count = 1; count <= 300; count++) expectBijection(epochOrderHost(9, 4, 2, count), count, `count ${count}`);
  });

  test('round keys are distinct across seeds, iterations, epochs and rounds', () => {
    const seen = new Set<string>();
    let keys = 0;
    for (const seed of [0, 1, 7]) {
      for (let iteration = 0; iteration < 40; iteration++) {
        for (let epoch = 0; epoch < 10; epoch++) {
          for (const roundKey of feistelRoundKeysHost(epochKeyHost(seed, iteration, epoch))) {
            seen.add(roundKey.join(','));
            keys += 1;
          }
        }
      }
    }
    expect(seen.size).toBe(keys);
  });

  test('epochOrderHost rejects a count that is not a positive integer', () => {
    expect(() => epochOrderHost(1, 1, 0, 0)).toThrow(/count is 0; expected an integer/);
    expect(() => epochOrderHost(1, 1, 0, 2.5)).toThrow(/count is 2.5/);
  });

  // [batch, num_minibatches]: minibatches of 1, of more than the kernel's 256 lanes, and batches of 2^k ± 1.
  const sizes: [number, number][] = [
    [1, 1],
    [7, 7],
    [63, 3],
    [65, 5],
    [1000, 2],
  ];
  const seed = 23;
  const iterations = [5, 6];
  const epochs = 4;
  gpuTest(
    'the epoch kernel writes epochOrderHost: a fresh bijection every epoch and every iteration',
    async (gpu) => {
      const random = seededRandom(77);
      const action = { type: 'discrete', n: 2 } as const;
      const agent = new AgentLayout({ observationSize: 2, action, hidden: [4], activation: 'tanh' });
      for (const [batch, numMinibatches] of sizes) {
        const layout = new RolloutLayout({ numEnvs: batch, numSteps: 1, obsSize: 2, actionWidth: actionWidth(action), policyOutputs: 2, keepOldDist: false });
        const data = new Float32Array(layout.floats);
        data.set(randomArray(random, batch, -1, 1), layout.offsets.advantages);
        const state = new RunnerState(gpu, { agent, layout, updateEpochs: epochs, numMinibatches: numMinibatches, learningRate: 1e-3, initBeta: 1, seed: 1 }, 'PermutationTest');
        gpu.write(state.storage, 0, data);
        const { params, grads } = state;
        const update = await PpoUpdate.create(
          gpu,
          agent,
          layout,
          { algo: 'clip', numMinibatches, updateEpochs: epochs, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0.5},
          state,
        );
        const orders: Uint32Array[][] = [];
        for (const iteration of iterations) {
          update.prepare(
            { clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, targetKl: -1, normAdv: true, clipVloss: true, iteration, seed, klTarget: 0.01 },
            1e-3,
          );
          const perIteration: Uint32Array[] = [];
          for (let epoch = 0; epoch < epochs; epoch++) {
            const recorder = new Recorder(gpu, 'PermutationTest.encoder');
            update.encodeEpochStart(recorder, epoch);
            recorder.submit();
            const order = await readUint32(gpu, update.permutation, batch);
            const what = `batch ${batch}, iteration ${iteration}, epoch ${epoch}`;
            expectBijection(order, batch, what);
            const host = epochOrderHost(seed, iteration, epoch, batch);
            expect(same(order, host), `${what}: the kernel's order equals epochOrderHost`).toBe(true);
            perIteration.push(order);
          }
          orders.push(perIteration);
        }
        if (batch > 2) {
          const all = orders.flat();
          for (let a = 0; a < all.length; a++) {
            for (let b = a + 1; b < all.length; b++) {
              const where = (k: number) => `iteration ${iterations[Math.floor(k / epochs)]} epoch ${k % epochs}`;
              expect(same(all[a]!, all[b]!), `batch ${batch}: ${where(a)} and ${where(b)} give the same order`).toBe(false);
            }
          }
        }
        update.destroy();
        state.destroy();
      }
    },
    120_000,
  );
});
