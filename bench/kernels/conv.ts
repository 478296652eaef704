/**
 * Kernel lab: the conv encoder in the PPO update's fused loss kernel, at MinAtar Breakout's size.
 * `npm run bench:kernels -- conv [--quick]`.
 *
 * Two agents on 10 x 10 x 4 grids (400 floats), 3 discrete actions, relu, both built through the engine's update:
 *   encoder  MinAtar's network: conv 16 3 x 3 (valid: 8 x 8 x 16 = 1024) → dense 128 → heads, actor and critic each
 *   mlp      the same MLP on the raw 400 floats (no encoder): the kernel without the encoder
 * FLOPs per sample (2 per multiply-add) of the loss kernel, per network:
 *   conv     forward 2 P K²Cin Cout and its per-sample weight gradient 2 P K²Cin Cout (P = 64 positions), the bias
 *            gradient P Cout
 *   mlp      forward 2 Σ K J, backward to the inputs of every layer (the first too when an encoder sits below it)
 * The encoder's own rate is what it adds: (its FLOPs + the growth of the MLP's first layer, 1024 vs 400 inputs)
 * over the difference of the two kernels' times. Each agent's gradient is validated first against the float64
 * analytic gradient of reference/ppo.ts (ppoLossGradient: reference/conv.ts for the encoder). Samples per
 * invocation: the engine's choice and 1.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { lossSamplesFor } from '../../src/ppo/loss.wgsl.js';
import { logSoftmax, networkForward, ppoLossGradient, type LossConfig, type LossSample } from '../../reference/ppo.js';
import { rngHost } from '../../shaders/rng.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';
import { storeLossSample } from './gradients.js';
import type { CaseResult } from '../harness.js';

const ACTION = { type: 'discrete', n: 3 } as const;
const SHAPE = [10, 10, 4];
const OBS = 400;
const LOSS: LossConfig = { algo: 'clip', clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true, clipVloss: true, beta: 0 };

export type ConvLabAgent = 'encoder' | 'mlp';

export function convLabAgent(kind: ConvLabAgent): AgentLayout {
  return new AgentLayout({
    observationSize: OBS,
    action: ACTION,
    hidden: [128],
    activation: 'relu',
    ...(kind === 'encoder' ? { encoder: { conv: [{ channels: 16, kernel: 3 }], observationShape: SHAPE } } : {}),
  });
}

/** FLOPs per sample of the loss kernel, split into the encoder's and the MLPs' (see the header). */
export function lossFlopsPerSample(agent: AgentLayout): { conv: number; mlp: number } {
  let conv = 0;
  for (const layer of [...agent.actorConv, ...agent.criticConv]) {
    const { kernel: K, inChannels, outChannels, outHeight, outWidth } = layer.shape;
    const P = outHeight * outWidth;
    conv += 4 * P * K * K * inChannels * outChannels + P * outChannels;
  }
  let mlp = 0;
  for (const [layers, encoded] of [
    [agent.actor, agent.actorConv.length > 0],
    [agent.critic, agent.criticConv.length > 0],
  ] as const) {
    layers.forEach((layer, l) => {
      const macs = layer.shape.inputs * layer.shape.outputs;
      mlp += 2 * macs + (l > 0 || encoded ? 2 * macs : 0);
    });
  }
  return { conv, mlp };
}

const uniform = (seed: number, index: number, low: number, high: number) => low + (high - low) * rngHost.unit(rngHost.pcg4d([seed, 91, index, 0])[0]);

interface Bench {
  agent: AgentLayout;
  update: PpoUpdate;
  state: RunnerState;
  samples: LossSample[];
  theta: Float32Array;
}

/** An update over one minibatch of `batch` sparse Breakout-like frames near the policy at theta. */
async function build(gpu: Gpu, kind: ConvLabAgent, batch: number, lossSamples: number): Promise<Bench> {
  const agent = convLabAgent(kind);
  const layout = new RolloutLayout({ numEnvs: batch, numSteps: 1, obsSize: OBS, actionWidth: actionWidth(ACTION), policyOutputs: agent.policyOutputs, keepOldDist: false });
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: 1, learningRate: 1e-3, initBeta: 0, seed: 3 }, `ConvLab.${kind}`);
  const theta = agent.initialParameters(3);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.fround(theta[i]! + uniform(9, i, -0.05, 0.05));
  const o = layout.offsets;
  const data = new Float32Array(layout.floats);
  const samples: LossSample[] = [];
  let draw = 0;
  const next = (low: number, high: number) => Math.fround(uniform(5, draw++, low, high));
  for (let s = 0; s < batch; s++) {
    const obs = Array.from({ length: OBS }, () => (next(0, 1) < 0.1 ? 1 : 0));
    obs.forEach((v, f) => (data[o.obs + f * batch + s] = v));
    const action = Math.min(2, Math.floor(next(0, 3)));
    const sample: LossSample = {
      obs,
      action: [action],
      oldLogprob: Math.fround(logSoftmax(networkForward(theta, agent, 'actor', obs))[action]! + next(-0.4, 0.4)),
      oldValue: Math.fround(networkForward(theta, agent, 'critic', obs)[0]! + next(-0.4, 0.4)),
      advantage: next(-1, 2),
      ret: next(-1, 1),
    };
    storeLossSample(data, layout, s, sample);
    samples.push(sample);
  }
  gpu.write(state.storage, 0, data);
  gpu.write(state.params, 0, theta);
  const update = await PpoUpdate.create(gpu, agent, layout, { algo: 'clip', numMinibatches: 1, updateEpochs: 1, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0, lossSamples }, state);
  update.prepare({ clipCoef: LOSS.clipCoef, entCoef: LOSS.entCoef, vfCoef: LOSS.vfCoef, targetKl: -1, normAdv: true, clipVloss: true, iteration: 1, seed: 1, klTarget: 0.01 }, 1e-3);
  const recorder = new Recorder(gpu, 'ConvLab.epoch');
  update.encodeEpochStart(recorder, 0);
  recorder.submit();
  return { agent, update, state, samples, theta };
}

/** The loss and gradient kernels once against the float64 analytic gradient; returns the largest error / max|ref|. */
async function validate(gpu: Gpu, bench: Bench, batch: number): Promise<number> {
  const recorder = new Recorder(gpu, 'ConvLab.validate');
  bench.update.encodeGradient(recorder, 0, 0);
  recorder.submit();
  const [gradient, order] = await Promise.all([readFloat32(gpu, bench.state.grads, bench.agent.table.size), readUint32(gpu, bench.update.permutation, batch)]);
  const reference = ppoLossGradient(bench.theta, bench.agent, Array.from(order, (s) => bench.samples[s]!), LOSS).gradient;
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    const error = Math.abs(gradient[i]! - reference[i]!);
    if (!(error <= 1e-4 * scale + 1e-3 * Math.abs(reference[i]!))) {
      const view = bench.agent.table.views.find((v) => i >= v.offset && i < v.offset + v.size);
      throw new Error(`conv lab: ${view?.name}[${i - (view?.offset ?? 0)}] is ${gradient[i]}, the float64 reference ${reference[i]} (tolerance 1e-4 max|ref| + 1e-3 |ref|)`);
    }
    worst = Math.max(worst, error / scale);
  }
  return worst;
}

export interface ConvLabOptions {
  batch: number;
  reps: number;
  target: number;
  peakGflops: number | undefined;
  log(line: string): void;
}

/** Both agents at the engine's samples per invocation and at 1: validated, then the loss kernel timed alone. */
export async function convLab(gpu: Gpu, options: ConvLabOptions): Promise<CaseResult[]> {
  const { batch } = options;
  const engine = lossSamplesFor(batch);
  const variants = [...new Set([engine, 1])].flatMap((samples) => (['encoder', 'mlp'] as const).map((kind) => ({ kind, samples })));
  const benches: Bench[] = [];
  for (const v of variants) {
    const started = Date.now();
    const bench = await checked(gpu, `conv lab ${v.kind} S=${v.samples}`, () => build(gpu, v.kind, batch, v.samples));
    const error = await validate(gpu, bench, batch);
    options.log(`conv: ${v.kind}, ${v.samples} samples per invocation, batch ${batch}: validated (max error ${error.toExponential(1)} of max|gradient|; build and first run ${((Date.now() - started) / 1e3).toFixed(1)} s)`);
    benches.push(bench);
  }
  const timers = benches.map((bench, b) => new SequenceTimer(gpu, `ConvLab.${variants[b]!.kind}.${variants[b]!.samples}`, (recorder) => bench.update.encodeGradient(recorder, 0, 0, 'loss')));
  const gradientTimers = benches.map((bench, b) => new SequenceTimer(gpu, `ConvLab.${variants[b]!.kind}.${variants[b]!.samples}.gradient`, (recorder) => bench.update.encodeGradient(recorder, 0, 0, 'gradient')));
  await measureInterleaved([...timers, ...gradientTimers], options.reps, options.target);
  const results: CaseResult[] = [];
  const seconds: number[] = [];
  benches.forEach((bench, b) => {
    const { kind, samples } = variants[b]!;
    const flops = lossFlopsPerSample(bench.agent);
    const { timing, clock } = bestClock(timers[b]!.result());
    seconds.push(timing.median);
    const gflops = ((flops.conv + flops.mlp) * batch) / timing.median / 1e9;
    const gradient = bestClock(gradientTimers[b]!.result());
    results.push({
      name: 'kernel.loss.conv',
      params: { kernel: 'loss', agent: kind, samples, engineChoice: samples === engine, batch, clock, gflops, fractionOfPeak: options.peakGflops ? gflops / options.peakGflops : null, gradientMs: gradient.timing.median * 1e3 },
      unit: 'ms',
      median: timing.median * 1e3,
      min: timing.min * 1e3,
      max: timing.max * 1e3,
      reps: timing.samples.length,
    });
  });
  // The encoder's share: what it adds to the kernel, at each samples-per-invocation setting.
  for (let b = 0; b < benches.length; b += 2) {
    const withEncoder = lossFlopsPerSample(benches[b]!.agent);
    const without = lossFlopsPerSample(benches[b + 1]!.agent);
    const added = (withEncoder.conv + withEncoder.mlp - without.mlp) * batch;
    const extra = seconds[b]! - seconds[b + 1]!;
    const gflops = extra > 0 ? added / extra / 1e9 : null;
    results.push({
      name: 'kernel.loss.conv.share',
      params: { kernel: 'loss', agent: 'encoder - mlp', samples: variants[b]!.samples, batch, clock: 'difference', gflops, fractionOfPeak: gflops !== null && options.peakGflops ? gflops / options.peakGflops : null, addedMflopsPerSample: added / batch / 1e6 },
      unit: 'ms',
      median: extra * 1e3,
      min: extra * 1e3,
      max: extra * 1e3,
      reps: 1,
    });
  }
  for (const t of [...timers, ...gradientTimers]) t.destroy();
  for (const bench of benches) {
    bench.update.destroy();
    bench.state.destroy();
  }
  return results;
}
