/**
 * The PPO update kernels against the float64 reference loss: the gradient that the fused loss kernel and the
 * gradient kernel produce for a minibatch equals central finite differences of CleanRL's minibatch loss (clip and
 * penalty, and TRPO's critic regression, whose actor entries stay 0; discrete and Gaussian policies, with and without
 * value clipping and advantage normalisation), the minibatch records hold the reference statistics, and the epoch's
 * sample order is a permutation.
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { RECORD_WORDS, SHARED_TILING, Stat, type GradientTiling } from '../../src/ppo/scratch.js';
import type { ActionSpace } from '../../src/envs/spec.js';
import { gpuTest } from '../helpers/gpu.js';
import { randomArray, seededRandom } from '../helpers/random.js';
import { headsLogSoftmax, maskLogits, ppoLoss, type LossConfig, type LossSample } from '../../reference/ppo.js';
import { networkForward } from '../../reference/conv.js';
import { categoricalHeads } from '../../src/envs/spec.js';

/** A head's mask: each choice allowed with probability 2/3, and one forced allowed if none was. */
function randomHeadMask(random: () => number, n: number): number[] {
  const mask = Array.from({ length: n }, () => (random() < 2 / 3 ? 1 : 0));
  if (!mask.includes(1)) mask[Math.floor(random() * n)] = 1;
  return mask;
}

interface Case {
  name: string;
  action: ActionSpace;
  algo: 'clip' | 'penalty' | 'critic';
  normAdv: boolean;
  clipVloss: boolean;
  numMinibatches: number;
  /** Samples per invocation of the loss kernel (the multi-sample register tiles), when not the default. */
  lossSamples?: number;
  /** Outputs per register tile of the loss kernel, when not the default (4 at these small chunks). */
  lossTile?: number;
  /** Hidden widths; default [5, 4]. Wider than a tile of 8, they give full tiles and a remainder. */
  hidden?: number[];
  /** Tiling of the gradient kernel, when not the default (the direct one, at these small chunks). */
  gradientTiling?: GradientTiling;
  /** Random action masks (at least one allowed choice per head), the actions drawn among the allowed. */
  masked?: boolean;
  /** Grid observations [H, W, C] through a convolutional encoder of these channels and kernel (hidden [7]). */
  conv?: { grid: [number, number, number]; channels: number; kernel: number };
}

const cases: Case[] = [
  { name: 'discrete, clip, clipped value loss', action: { type: 'discrete', n: 3 }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2 },
  { name: 'discrete, penalty, plain value loss', action: { type: 'discrete', n: 2 }, algo: 'penalty', normAdv: false, clipVloss: false, numMinibatches: 1 },
  { name: 'Gaussian, clip, clipped value loss', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 3 },
  { name: 'Gaussian, penalty', action: { type: 'box', size: 1, low: [-2], high: [2] }, algo: 'penalty', normAdv: true, clipVloss: true, numMinibatches: 1 },
  { name: 'discrete, clip, 4 samples per invocation', action: { type: 'discrete', n: 3 }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2, lossSamples: 4 },
  { name: 'discrete, clip, 4 samples x 8 outputs per tile, hidden [11, 9]', action: { type: 'discrete', n: 3 }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2, lossSamples: 4, lossTile: 8, hidden: [11, 9] },
  { name: 'Gaussian, clip, 2 samples x 8 outputs per tile, hidden [11, 9]', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 1, lossSamples: 2, lossTile: 8, hidden: [11, 9] },
  { name: 'discrete, clip, shared-tile gradient kernel', action: { type: 'discrete', n: 3 }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2, gradientTiling: SHARED_TILING },
  { name: 'discrete, critic regression (TRPO), clipped value loss', action: { type: 'discrete', n: 3 }, algo: 'critic', normAdv: true, clipVloss: true, numMinibatches: 2 },
  { name: 'Gaussian, critic regression (TRPO)', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'critic', normAdv: false, clipVloss: false, numMinibatches: 1 },
  { name: 'multi-discrete [3, 2, 4], clip', action: { type: 'multiDiscrete', nvec: [3, 2, 4] }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2 },
  { name: 'discrete, masked, penalty', action: { type: 'discrete', n: 4 }, algo: 'penalty', normAdv: true, clipVloss: false, numMinibatches: 1, masked: true },
  { name: 'multi-discrete [3, 5], masked, clip, 4 samples per invocation', action: { type: 'multiDiscrete', nvec: [3, 5] }, algo: 'clip', normAdv: false, clipVloss: true, numMinibatches: 2, masked: true, lossSamples: 4 },
  { name: 'multi-discrete [2, 3], masked, penalty', action: { type: 'multiDiscrete', nvec: [2, 3] }, algo: 'penalty', normAdv: true, clipVloss: true, numMinibatches: 1, masked: true },
  { name: 'conv encoder, discrete, clip', action: { type: 'discrete', n: 3 }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 1, conv: { grid: [3, 3, 1], channels: 1, kernel: 2 } },
  { name: 'conv encoder [5, 4, 3] x 6 channels, multi-discrete [3, 2], masked, clip', action: { type: 'multiDiscrete', nvec: [3, 2] }, algo: 'clip', normAdv: true, clipVloss: true, numMinibatches: 2, masked: true, conv: { grid: [5, 4, 3], channels: 6, kernel: 3 } },
  { name: 'conv encoder [5, 4, 3], Gaussian, penalty, 4 samples per invocation', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'penalty', normAdv: false, clipVloss: false, numMinibatches: 1, lossSamples: 4, conv: { grid: [5, 4, 3], channels: 6, kernel: 3 } },
  { name: 'conv encoder [5, 4, 3], multi-discrete [2, 3], masked, penalty, shared-tile gradient kernel', action: { type: 'multiDiscrete', nvec: [2, 3] }, algo: 'penalty', normAdv: true, clipVloss: false, numMinibatches: 2, masked: true, gradientTiling: SHARED_TILING, conv: { grid: [5, 4, 3], channels: 6, kernel: 3 } },
  { name: 'conv encoder [5, 4, 3], discrete, critic regression (TRPO)', action: { type: 'discrete', n: 3 }, algo: 'critic', normAdv: true, clipVloss: true, numMinibatches: 2, conv: { grid: [5, 4, 3], channels: 6, kernel: 3 } },
  { name: 'Gaussian, penalty, shared-tile gradient kernel', action: { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, algo: 'penalty', normAdv: true, clipVloss: false, numMinibatches: 1, gradientTiling: SHARED_TILING },
];

async function checkCase(gpu: Gpu, c: Case, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const obsSize = c.conv ? c.conv.grid.reduce((a, b) => a * b, 1) : 3;
  const numEnvs = 4;
  const numSteps = 3;
  const agent = new AgentLayout(
    c.conv
      ? { observationSize: obsSize, action: c.action, hidden: [7], activation: 'relu', encoder: { inputShape: c.conv.grid, conv: [{ channels: c.conv.channels, kernel: c.conv.kernel }] } }
      : { observationSize: obsSize, action: c.action, hidden: c.hidden ?? [5, 4], activation: 'tanh' },
  );
  const layout = new RolloutLayout({
    numEnvs,
    numSteps,
    obsSize,
    actionWidth: actionWidth(c.action),
    policyOutputs: agent.policyOutputs,
    keepOldDist: c.algo === 'penalty',
    masked: c.masked ?? false,
  });
  const M = layout.samples;
  const heads = categoricalHeads(c.action);
  // Parameters away from CleanRL's near-uniform initial policy, so ratios and entropies vary.
  const theta0 = agent.initialParameters(seed);
  for (let i = 0; i < theta0.length; i++) theta0[i] = theta0[i]! + 0.3 * (random() - 0.5);
  if (agent.logstd) theta0.set(randomArray(random, agent.logstd.size, -0.5, 0.2), agent.logstd.offset);

  // A rollout whose log-probs and values are those of theta0 plus noise: ratios both inside and outside the clip.
  const data = new Float32Array(layout.floats);
  const o = layout.offsets;
  const samples: LossSample[] = [];
  const width = actionWidth(c.action);
  const oldLogstd = agent.logstd ? Array.from(theta0.subarray(agent.logstd.offset, agent.logstd.offset + agent.logstd.size)) : undefined;
  for (let s = 0; s < M; s++) {
    const obs = Array.from(randomArray(random, obsSize, -2, 2));
    obs.forEach((v, f) => (data[o.obs + f * M + s] = v));
    const head = networkForward(theta0, agent, 'actor', obs);
    const oldHead = head.map((v) => v + 0.3 * (random() - 0.5));
    let action: number[];
    let logprob: number;
    let mask: number[] | undefined;
    if (heads) {
      // A mask with at least one allowed choice per head (about a third masked), the action among the allowed.
      mask = c.masked ? heads.flatMap((n) => randomHeadMask(random, n)) : undefined;
      const logp = headsLogSoftmax(maskLogits(head, mask), heads);
      let start = 0;
      action = heads.map((n) => {
        const allowed = Array.from({ length: n }, (_, a) => a).filter((a) => !mask || mask[start + a] === 1);
        const a = allowed[Math.floor(random() * allowed.length)]!;
        start += n;
        return a;
      });
      logprob = 0;
      start = 0;
      heads.forEach((n, h) => {
        logprob += logp[start + action[h]!]!;
        start += n;
      });
      mask?.forEach((v, j) => (data[o.masks + j * M + s] = v));
    } else {
      action = head.map((m, d) => m + Math.exp(oldLogstd![d]!) * (2 * random() - 1));
      logprob = 0;
    }
    action.forEach((v, d) => (data[o.actions + d * M + s] = v));
    const oldLogprob = Math.fround(logprob + 0.8 * (random() - 0.5));
    const value = networkForward(theta0, agent, 'critic', obs)[0]!;
    const oldValue = Math.fround(value + 0.8 * (random() - 0.5));
    const advantage = Math.fround(3 * (random() - 0.3));
    const ret = Math.fround(value + 2 * (random() - 0.5));
    data[o.logprobs + s] = oldLogprob;
    data[o.values + s] = oldValue;
    data[o.advantages + s] = advantage;
    data[o.returns + s] = ret;
    // The rollout stores π_old's logits after the mask (as the rollout kernels do); the reference masks them itself.
    if (c.algo === 'penalty') maskLogits(oldHead, mask).forEach((v, d) => (data[o.oldDist + d * M + s] = v));
    samples.push({ obs: obs.map(Math.fround), action: action.map(Math.fround), oldLogprob, oldValue, advantage, ret, oldHead: oldHead.map(Math.fround), ...(mask ? { mask } : {}) });
  }
  if (c.algo === 'penalty' && oldLogstd) oldLogstd.forEach((v, d) => (data[o.oldDist + agent.policyOutputs * M + d] = v));
  expect(width).toBeGreaterThan(0);

  const beta = 0.7;
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: c.numMinibatches, learningRate: 1e-3, initBeta: beta, seed: 1 }, 'PpoUpdateTest');
  gpu.write(state.storage, 0, data);
  gpu.write(state.params, 0, theta0);
  const { params, grads } = state;
  const update = await PpoUpdate.create(
    gpu,
    agent,
    layout,
    { algo: c.algo, numMinibatches: c.numMinibatches, updateEpochs: 1, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0, ...(c.lossSamples ? { lossSamples: c.lossSamples } : {}), ...(c.lossTile ? { lossTile: c.lossTile } : {}), ...(c.gradientTiling ? { gradientTiling: c.gradientTiling } : {}) },
    state,
  );
  const config: LossConfig = { algo: c.algo, clipCoef: 0.2, entCoef: 0.03, vfCoef: 0.6, normAdv: c.normAdv, clipVloss: c.clipVloss, beta, oldLogstd };
  update.prepare(
    { clipCoef: config.clipCoef, entCoef: config.entCoef, vfCoef: config.vfCoef, targetKl: -1, normAdv: c.normAdv, clipVloss: c.clipVloss, iteration: 3, seed: 11, klTarget: 0.01 },
    1e-3,
  );
  const MB = M / c.numMinibatches;
  const theta = Float64Array.from(theta0);
  for (let mb = 0; mb < c.numMinibatches; mb++) {
    const recorder = new Recorder(gpu, 'PpoUpdateTest.encoder');
    if (mb === 0) {
      recorder.clear(update.records);
      update.encodeEpochStart(recorder, 0);
    }
    update.encodeGradient(recorder, 0, mb);
    recorder.submit();
    const [gradient, perm, records] = await Promise.all([
      readFloat32(gpu, grads, agent.table.size),
      readUint32(gpu, update.permutation, M),
      readFloat32(gpu, update.records),
    ]);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: M }, (_, i) => i));
    const minibatch = Array.from(perm.subarray(mb * MB, (mb + 1) * MB), (s) => samples[s]!);
    const ref = ppoLoss(theta, agent, minibatch, config);
    const record = records.subarray(mb * RECORD_WORDS, (mb + 1) * RECORD_WORDS);
    const stat = (name: keyof typeof Stat) => record[Stat[name]]!;
    for (const [name, value] of [
      ['policyLoss', ref.policyLoss],
      ['valueLoss', ref.valueLoss],
      ['entropy', ref.entropy],
      ['oldApproxKl', ref.oldApproxKl],
      ['approxKl', ref.approxKl],
      ['clipFraction', ref.clipFraction],
      ['kl', ref.kl],
    ] as const) {
      expect(Math.abs(stat(name) - value), `${c.name}, minibatch ${mb}: ${name} gpu ${stat(name)} reference ${value}`).toBeLessThan(2e-5 + 1e-4 * Math.abs(value));
    }
    // Central differences of the float64 loss in every parameter.
    const h = 1e-6;
    for (const view of agent.table.views) {
      for (let i = view.offset; i < view.offset + view.size; i++) {
        const saved = theta[i]!;
        theta[i] = saved + h;
        const up = ppoLoss(theta, agent, minibatch, config).loss;
        theta[i] = saved - h;
        const down = ppoLoss(theta, agent, minibatch, config).loss;
        theta[i] = saved;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(gradient[i]! - numeric), `${c.name}, minibatch ${mb}: d loss / d ${view.name}[${i - view.offset}] gpu ${gradient[i]} numeric ${numeric}`).toBeLessThan(
          5e-5 + 1e-3 * Math.abs(numeric),
        );
      }
    }
  }
  update.destroy();
  state.destroy();
}

describe('PPO update kernels', () => {
  cases.forEach((c, i) => gpuTest(`minibatch gradients match finite differences of the float64 loss: ${c.name}`, (gpu) => checkCase(gpu, c, 100 + i), c.conv ? 120_000 : undefined));
});
