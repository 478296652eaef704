/**
 * The conv encoder's forward in the acting code paths against the float64 reference (reference/ppo.ts
 * networkForward: reference/conv.ts then the MLP): GpuPolicy.act (the WGSL actor_run the rollout, evaluation and
 * batch KL kernels share) and CpuPolicy.head / actSync, on grids with one and two conv layers and channel counts
 * that leave register-tile remainders. A box space with bounds far outside the means makes the deterministic
 * action the mean itself, so the GPU's forward is compared value by value; a discrete space compares argmaxes.
 */
import { describe, expect } from 'vitest';
import { AgentLayout } from '../../src/agent/agent.js';
import { initialNormStats } from '../../src/agent/normalizer.js';
import { CpuPolicy } from '../../src/cpuPolicy.js';
import type { EnvSpec } from '../../src/envs/spec.js';
import type { EncoderSpec } from '../../src/nn/conv.js';
import { GpuPolicy } from '../../src/policy.js';
import { networkForward } from '../../reference/ppo.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';

interface Case {
  name: string;
  shape: [number, number, number];
  encoder: EncoderSpec;
  hidden: number[];
  action: EnvSpec['action'];
}

const WIDE = 1e6;
const cases: Case[] = [
  { name: 'grid [4, 3, 2], conv 2 x 3 x 3, box 3', shape: [4, 3, 2], encoder: { conv: [{ channels: 2, kernel: 3 }] }, hidden: [5], action: { type: 'box', size: 3, low: [-WIDE, -WIDE, -WIDE], high: [WIDE, WIDE, WIDE] } },
  {
    name: 'grid [6, 5, 3], conv 5 x 2 x 2 then 6 x 3 x 3, box 2',
    shape: [6, 5, 3],
    encoder: { conv: [{ channels: 5, kernel: 2 }, { channels: 6, kernel: 3 }] },
    hidden: [7, 4],
    action: { type: 'box', size: 2, low: [-WIDE, -WIDE], high: [WIDE, WIDE] },
  },
  { name: 'grid [7, 6, 2], conv 8 x 3 x 3, discrete 3', shape: [7, 6, 2], encoder: { conv: [{ channels: 8, kernel: 3 }] }, hidden: [16], action: { type: 'discrete', n: 3 } },
];

describe('conv encoder forward: GPU act and CPU actSync against the float64 reference', () => {
  cases.forEach((c, index) =>
    gpuTest(c.name, async (gpu) => {
      const O = c.shape.reduce((a, b) => a * b, 1);
      const spec: EnvSpec = { id: 'Grid-v0', observationSize: O, observationShape: [...c.shape], action: c.action, maxEpisodeSteps: 100, rewardThreshold: null };
      const agent = new AgentLayout({ observationSize: O, action: c.action, hidden: c.hidden, activation: 'tanh', encoder: { ...c.encoder, observationShape: [...c.shape] } });
      const random = seededRandom(40 + index);
      // Random parameters (biases too) so that about half the conv outputs are cut by the ReLU.
      const theta = randomArray(random, agent.table.size, -0.6, 0.6);
      const params = gpu.buffer({ label: 'ConvForwardTest.params', size: agent.table.byteSize, data: theta });
      const stats = initialNormStats(O);
      const norm = gpu.buffer({ label: 'ConvForwardTest.norm', size: stats.byteLength, data: stats });
      const gpuPolicy = await GpuPolicy.create(gpu, spec, agent, { params, norm }, undefined);
      const slice = (v: { offset: number; size: number }) => theta.slice(v.offset, v.offset + v.size);
      const cpuPolicy = new CpuPolicy(
        spec,
        agent.actor.map((l) => ({ ...l.shape, weight: slice(l.weight), bias: slice(l.bias) })),
        agent.logstd ? slice(agent.logstd) : undefined,
        0,
        undefined,
        agent.actorConv.map((l) => ({ ...l.shape, weight: slice(l.weight), bias: slice(l.bias) })),
      );
      const rows = 9;
      const obs = randomArray(random, rows * O, -1, 1);
      const reference = Array.from({ length: rows }, (_, b) => networkForward(theta, agent, 'actor', obs.subarray(b * O, (b + 1) * O)));
      const cpuHeads = Array.from({ length: rows }, (_, b) => [...cpuPolicy.head(obs, b * O)]);
      expectClose(cpuHeads.flat(), reference.flat(), { atol: 1e-9, rtol: 1e-9 }, 'CpuPolicy.head');
      const gpuActions = await gpuPolicy.act(obs, { deterministic: true });
      const cpuActions = cpuPolicy.actSync(obs, { deterministic: true });
      if (c.action.type === 'box') {
        expectClose(gpuActions, reference.flat(), { atol: 2e-5, rtol: 1e-4 }, 'GpuPolicy.act means');
        expectClose(cpuActions, reference.flat(), { atol: 1e-6, rtol: 1e-6 }, 'CpuPolicy.actSync means');
      } else {
        const argmax = (z: number[]) => z.indexOf(Math.max(...z));
        expect([...gpuActions]).toEqual(reference.map(argmax));
        expect([...cpuActions]).toEqual(reference.map(argmax));
        // The logits must differ enough between rows for the argmax comparison to mean something.
        expect(new Set(reference.map(argmax)).size).toBeGreaterThan(1);
      }
      gpuPolicy.destroy();
      gpu.destroyBuffer(params);
      gpu.destroyBuffer(norm);
    }),
  );
});
