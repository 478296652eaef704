/**
 * The convolutional encoder of grid observations: the configuration (MinAtar's network the default on a grid; bad
 * kernels, channels, a kernel larger than the grid, an encoder on a flat observation and TRPO refused, naming the
 * field), the float64 reference's gradient against central finite differences, and on the GPU: Breakout trains
 * with the default grid network, its policy file records the convolution and loads it, the GPU policy's actions
 * (its fused forward) match the float64 reference and the CPU policy's, and a checkpoint resumes it.
 */
import { describe, expect, test } from 'vitest';
import { AgentLayout } from '../src/agent/agent.js';
import { ConfigError, resolveConfig } from '../src/config.js';
import { createTrainer } from '../src/createTrainer.js';
import { exportPolicy, loadPolicy, loadTrainer, saveTrainer } from '../src/checkpoint.js';
import { readFloat32 } from '../src/gpu/readback.js';
import { ppoLoss, ppoLossGradient, type LossConfig, type LossSample } from '../reference/ppo.js';
import { networkForward } from '../reference/conv.js';
import { gpuTest } from './helpers/gpu.js';
import { randomArray, seededRandom } from './helpers/random.js';
import type { ActionSpace } from '../src/envs/spec.js';

const BREAKOUT = 'MinAtar/Breakout-v1';
const GRID = [10, 10, 4];

describe('encoder configuration', () => {
  test("grid environments default to MinAtar's network; flat ones and TRPO to none", () => {
    expect(resolveConfig({ env: BREAKOUT }, false, GRID)).toMatchObject({ encoder: { conv: [{ channels: 16, kernel: 3 }] }, hidden_sizes: [128], activation: 'relu' });
    expect(resolveConfig({ env: 'CartPole-v1' }, false)).toMatchObject({ encoder: null, hidden_sizes: [64, 64], activation: 'tanh' });
    expect(resolveConfig({ env: BREAKOUT, algo: 'trpo' }, false, GRID).encoder).toBeNull();
    expect(resolveConfig({ env: BREAKOUT, encoder: null }, false, GRID).encoder).toBeNull();
  });

  test.each([
    [{ env: BREAKOUT, encoder: { conv: [{ channels: 16, kernel: 0 }] } }, GRID, "'encoder.conv[0].kernel' is 0; expected a positive integer"],
    [{ env: BREAKOUT, encoder: { conv: [{ channels: 16, kernel: 2.5 }] } }, GRID, "'encoder.conv[0].kernel' is 2.5"],
    [{ env: BREAKOUT, encoder: { conv: [{ channels: 16, kernel: 11 }] } }, GRID, "'encoder.conv[0].kernel' is 11; expected at most 10: the grid is 10 x 10"],
    [{ env: BREAKOUT, encoder: { conv: [{ channels: 0, kernel: 3 }] } }, GRID, "'encoder.conv[0].channels' is 0; expected an integer in 1..256"],
    [{ env: BREAKOUT, encoder: { conv: [{ channels: 16, kernel: 3, stride: 2 }] } }, GRID, "'encoder.conv[0].stride' is 2; expected no such key"],
    [{ env: BREAKOUT, encoder: { conv: [] } }, GRID, "'encoder.conv' is []; expected an array of one convolution"],
    [{ env: BREAKOUT, encoder: { layers: [] } }, GRID, "'encoder.layers' is []; expected no such key"],
    [{ env: BREAKOUT, encoder: 3 }, GRID, "'encoder' is 3; expected null or an object"],
    [{ env: 'CartPole-v1', encoder: { conv: [{ channels: 16, kernel: 3 }] } }, undefined, "expected null for environment 'CartPole-v1', which gives a flat observation vector"],
    [{ env: BREAKOUT, algo: 'trpo', encoder: { conv: [{ channels: 16, kernel: 3 }] } }, GRID, "expected null with algo 'trpo'"],
  ] as const)('%j is refused', (config, shape, message) => {
    const resolve = () => resolveConfig(config as never, false, shape);
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(message);
  });
});

describe('float64 reference of the encoder', () => {
  const cases: { name: string; action: ActionSpace; algo: 'clip' | 'penalty' }[] = [
    { name: 'discrete, clip', action: { type: 'discrete', n: 3 }, algo: 'clip' },
    { name: 'Gaussian, penalty', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'penalty' },
  ];
  test.each(cases)('backpropagation through conv and dense layers matches central differences: $name', ({ action, algo }) => {
    const random = seededRandom(7);
    const agent = new AgentLayout({ observationSize: 60, action, hidden: [7], activation: 'relu', encoder: { inputShape: [5, 4, 3], conv: [{ channels: 6, kernel: 3 }] } });
    const theta = Float64Array.from(agent.initialParameters(3), (v) => v + 0.3 * (random() - 0.5));
    const samples: LossSample[] = Array.from({ length: 5 }, () => {
      const obs = Array.from(randomArray(random, 60, -1, 2));
      const head = networkForward(theta, agent, 'actor', obs);
      return {
        obs,
        action: action.type === 'discrete' ? [Math.floor(random() * 3)] : head.map((m) => m + random() - 0.5),
        oldLogprob: -1 + random() - 0.5,
        oldValue: random() - 0.5,
        advantage: 2 * random() - 0.7,
        ret: random() * 2 - 1,
        oldHead: head.map((v) => v + 0.2 * (random() - 0.5)),
      };
    });
    const config: LossConfig = { algo, clipCoef: 0.2, entCoef: 0.02, vfCoef: 0.5, normAdv: true, clipVloss: true, beta: 0.5, oldLogstd: [0.1, -0.2] };
    const { gradient } = ppoLossGradient(theta, agent, samples, config);
    const h = 1e-6;
    for (const view of agent.table.views) {
      for (let i = view.offset; i < view.offset + view.size; i++) {
        const saved = theta[i]!;
        theta[i] = saved + h;
        const up = ppoLoss(theta, agent, samples, config).loss;
        theta[i] = saved - h;
        const down = ppoLoss(theta, agent, samples, config).loss;
        theta[i] = saved;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(gradient[i]! - numeric), `${view.name}[${i - view.offset}]: backprop ${gradient[i]} numeric ${numeric}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric));
      }
    }
    expect(agent.table.views.map((v) => v.name)).toContain('actor.conv0.weight');
  });
});

describe('the encoder on the GPU', () => {
  gpuTest(
    'A2C, REINFORCE and PPO-Penalty train Breakout with the encoder (the shared update path)',
    async (gpu) => {
      for (const algo of ['a2c', 'reinforce', 'ppo-penalty'] as const) {
        const trainer = await createTrainer({ env: BREAKOUT, algo, num_envs: 8, num_steps: 16, seed: 2, ...(algo === 'ppo-penalty' ? { num_minibatches: 2, update_epochs: 1 } : {}) }, { gpu });
        try {
          expect(trainer.config.encoder, algo).toEqual({ conv: [{ channels: 16, kernel: 3 }] });
          const view = trainer.algorithm.agent.table.view('actor.conv0.weight');
          const before = await readFloat32(gpu, trainer.algorithm.state.params, trainer.algorithm.agent.table.size);
          await trainer.train({ totalSteps: 2 * 8 * 16 });
          const after = await readFloat32(gpu, trainer.algorithm.state.params, trainer.algorithm.agent.table.size);
          expect(after.every(Number.isFinite), algo).toBe(true);
          expect(after.subarray(view.offset, view.offset + view.size).some((v, i) => v !== before[view.offset + i]), `${algo}: actor.conv0.weight changed`).toBe(true);
        } finally {
          trainer.destroy();
        }
      }
    },
    300_000,
  );

  gpuTest(
    'Breakout trains with the default grid network; its policy file carries the convolution; GPU, CPU and reference agree',
    async (gpu) => {
      const trainer = await createTrainer({ env: BREAKOUT, num_envs: 8, num_steps: 16, num_minibatches: 2, update_epochs: 2, seed: 5 }, { gpu });
      try {
        expect(trainer.config).toMatchObject({ encoder: { conv: [{ channels: 16, kernel: 3 }] }, hidden_sizes: [128] });
        const agent = trainer.algorithm.agent;
        expect(agent.table.view('actor.conv0.weight').shape).toEqual([3, 3, 4, 16]);
        expect(agent.table.view('critic.conv0.bias').shape).toEqual([16]);
        const before = await readFloat32(gpu, trainer.algorithm.state.params, agent.table.size);
        const summary = await trainer.train({ totalSteps: 2 * 8 * 16 });
        expect(summary.totalSteps).toBe(256);
        const params = await readFloat32(gpu, trainer.algorithm.state.params, agent.table.size);
        expect(params.every(Number.isFinite)).toBe(true);
        // The update moved the convolutions of both networks.
        for (const name of ['actor.conv0.weight', 'critic.conv0.weight', 'critic.conv0.bias']) {
          const view = agent.table.view(name);
          const moved = params.subarray(view.offset, view.offset + view.size).some((v, i) => v !== before[view.offset + i]);
          expect(moved, `${name} changed`).toBe(true);
        }

        const file = await exportPolicy(trainer);
        const gpuPolicy = await loadPolicy(file, { gpu });
        const cpuPolicy = await loadPolicy(file, { backend: 'cpu' });
        expect(cpuPolicy.conv?.outputChannels).toBe(16);
        const random = seededRandom(21);
        const rows = 64;
        const obs = Float32Array.from({ length: rows * 400 }, () => (random() < 0.2 ? 1 : 0));
        const [fromGpu, fromTrainer] = await Promise.all([gpuPolicy.act(obs), trainer.policy.act(obs)]);
        const fromCpu = cpuPolicy.actSync(obs);
        const theta = Float64Array.from(params);
        let compared = 0;
        for (let b = 0; b < rows; b++) {
          const row = obs.subarray(b * 400, (b + 1) * 400);
          const head = networkForward(theta, agent, 'actor', row);
          const cpuHead = cpuPolicy.head(row);
          head.forEach((v, j) => expect(Math.abs(cpuHead[j]! - v), `row ${b} logit ${j}`).toBeLessThan(1e-5 + 1e-5 * Math.abs(v)));
          const sorted = [...head].sort((x, y) => y - x);
          // Rows whose best two logits are within float32 rounding of each other may differ; the others may not.
          if (sorted[0]! - sorted[1]! < 1e-5) continue;
          const best = head.indexOf(sorted[0]!);
          expect(fromGpu[b], `row ${b}: GPU policy`).toBe(best);
          expect(fromTrainer[b], `row ${b}: trainer's policy`).toBe(best);
          expect(fromCpu[b], `row ${b}: CPU policy`).toBe(best);
          compared++;
        }
        expect(compared).toBeGreaterThan(rows / 2);
        gpuPolicy.destroy();

        // A checkpoint resumes the encoder's run: the same configuration and bit-identical parameters.
        const resumed = await loadTrainer(await saveTrainer(trainer), { gpu });
        try {
          expect(resumed.config.encoder).toEqual({ conv: [{ channels: 16, kernel: 3 }] });
          expect(resumed.algorithm.agent.architecture.encoder).toEqual({ inputShape: [10, 10, 4], conv: [{ channels: 16, kernel: 3 }] });
          expect([...(await readFloat32(gpu, resumed.algorithm.state.params, agent.table.size))]).toEqual([...params]);
        } finally {
          resumed.destroy();
        }
      } finally {
        trainer.destroy();
      }
    },
    300_000,
  );
});
