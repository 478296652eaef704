/**
 * Kernel lab: the PPO update's minibatch gradient, in llm.c's dev/cuda style (reference, variants, validation and
 * timing in one file). `npm run bench:kernels -- gradients [--quick]`.
 *
 * The operation, for a minibatch of B samples (CartPole's network: actor 4-64-64-2, critic 4-64-64-1, tanh):
 *   loss kernel (src/ppo/loss.wgsl.ts)       per sample: actor and critic forward, CleanRL's clipped loss, backward
 *                                            to every layer's pre-activation gradient dz; writes the layer inputs x
 *                                            and dz to scratch rows [row][B]
 *   gradient kernel (src/ppo/gradients.wgsl.ts)  dW[k][j] = Σ_b x[k][b] dz[j][b], db[j] = Σ_b dz[j][b], for every
 *                                            layer of both networks, as tasks of tileK x tileJ tiles
 * FLOPs per sample (2 per multiply-add): loss kernel ≈ forward F + backward of the hidden layers' inputs;
 * gradient kernel 2 Σ_layers (inputs + 1) outputs. Both are counted from the agent's layer table below.
 *
 * Variants: the gradient kernel's two tilings (src/ppo/scratch.ts), SHARED_TILING (lanes of a workgroup share a
 * task, then reduce in workgroup memory) and DIRECT_TILING (one invocation per task, no barrier); the engine picks
 * one by the chunk size (gradientTilingFor). The loss kernel's layouts LOSS_LAB_LAYOUTS (samples per invocation x
 * outputs per register tile, what the tuner chooses among). The lab validates every variant against the float64
 * analytic gradient of reference/ppo.ts and times each kernel alone, so that the rules can be checked on the
 * adapter in use.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { DIRECT_TILING, gradientTilingFor, SHARED_TILING, type GradientTiling } from '../../src/ppo/scratch.js';
import { logSoftmax, mlpForward, ppoLossGradient, type LossConfig, type LossSample } from '../../reference/ppo.js';
import { rngHost } from '../../shaders/rng.js';
import { defaultChoice, lossLayoutName, tilingName, type LossLayout } from '../../src/tune/choice.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';
import type { CaseResult } from '../harness.js';

export const GRADIENT_VARIANTS: Record<string, GradientTiling> = { shared: SHARED_TILING, direct: DIRECT_TILING };

const ACTION = { type: 'discrete', n: 2 } as const;
const LOSS: LossConfig = { algo: 'clip', clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true, clipVloss: true, beta: 0 };

/** FLOPs per sample of the gradient kernel: 2 (K + 1) J per layer of both networks (the bias row included). */
export function gradientFlopsPerSample(agent: AgentLayout): number {
  return [...agent.actor, ...agent.critic].reduce((sum, layer) => sum + 2 * (layer.shape.inputs + 1) * layer.shape.outputs, 0);
}

/** A deterministic uniform in [low, high) from (seed, index): the lab's inputs do not depend on Math.random. */
function uniform(seed: number, index: number, low: number, high: number): number {
  return low + (high - low) * rngHost.unit(rngHost.pcg4d([seed, 77, index, 0])[0]);
}

/** A synthetic rollout of B samples near the policy at theta, so that ratios fall inside and outside the clip. */
function syntheticRollout(agent: AgentLayout, layout: RolloutLayout, theta: Float32Array, seed: number): { data: Float32Array; samples: LossSample[] } {
  const B = layout.samples;
  const o = layout.offsets;
  const data = new Float32Array(layout.floats);
  const samples: LossSample[] = [];
  let draw = 0;
  const next = (low: number, high: number) => Math.fround(uniform(seed, draw++, low, high));
  for (let s = 0; s < B; s++) {
    const obs = Array.from({ length: 4 }, () => next(-2, 2));
    obs.forEach((v, f) => (data[o.obs + f * B + s] = v));
    const action = next(0, 1) < 0.5 ? 0 : 1;
    const logprob = logSoftmax(mlpForward(theta, agent.actor, obs))[action]!;
    const sample: LossSample = {
      obs,
      action: [action],
      oldLogprob: Math.fround(logprob + next(-0.4, 0.4)),
      oldValue: Math.fround(mlpForward(theta, agent.critic, obs)[0]! + next(-0.4, 0.4)),
      advantage: next(-1, 2),
      ret: next(-1, 1),
    };
    data[o.actions + s] = action;
    data[o.logprobs + s] = sample.oldLogprob;
    data[o.values + s] = sample.oldValue;
    data[o.advantages + s] = sample.advantage;
    data[o.returns + s] = sample.ret;
    samples.push(sample);
  }
  return { data, samples };
}

/** One variant at one minibatch size, built through the engine's own update. */
export interface GradientBench {
  agent: AgentLayout;
  batch: number;
  variant: string;
  update: PpoUpdate;
  state: RunnerState;
  samples: LossSample[];
  theta: Float32Array;
  destroy(): void;
}

/** The loss kernel's layouts the lab times (samples per invocation x outputs per register tile; src/tune/choice.ts). */
export const LOSS_LAB_LAYOUTS: readonly LossLayout[] = [
  { samples: 4, tile: 4 },
  { samples: 4, tile: 8 },
  { samples: 8, tile: 4 },
  { samples: 8, tile: 8 },
];

/**
 * FLOPs per sample of the loss kernel's dense layers: the forward 2 K J per layer of both networks, and the
 * backward to each hidden layer's input 2 K J per layer past the first (the loss and activations not counted).
 */
export function lossFlopsPerSample(agent: AgentLayout): number {
  const layers = (net: typeof agent.actor) => net.reduce((sum, layer, l) => sum + 2 * layer.shape.inputs * layer.shape.outputs * (l > 0 ? 2 : 1), 0);
  return layers(agent.actor) + layers(agent.critic);
}

export async function buildGradientBench(gpu: Gpu, batch: number, variant: string, hidden: number[] = [64, 64], loss?: LossLayout): Promise<GradientBench> {
  const agent = new AgentLayout({ observationSize: 4, action: ACTION, hidden, activation: 'tanh' });
  const layout = new RolloutLayout({ numEnvs: batch, numSteps: 1, obsSize: 4, actionWidth: actionWidth(ACTION), policyOutputs: agent.policyOutputs, keepOldDist: false });
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: 1, learningRate: 1e-3, initBeta: 0, seed: 3 }, `GradientBench.${variant}`);
  const theta = agent.initialParameters(3);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.fround(theta[i]! + uniform(9, i, -0.1, 0.1));
  const { data, samples } = syntheticRollout(agent, layout, theta, 5);
  gpu.write(state.storage, 0, data);
  gpu.write(state.params, 0, theta);
  const update = await PpoUpdate.create(
    gpu,
    agent,
    layout,
    {
      algo: 'clip',
      numMinibatches: 1,
      updateEpochs: 1,
      learningRate: 1e-3,
      adamEps: 1e-5,
      maxGradNorm: 0,
      gradientTiling: GRADIENT_VARIANTS[variant]!,
      ...(loss ? { lossSamples: loss.samples, lossTile: loss.tile } : {}),
    },
    state,
  );
  update.prepare({ clipCoef: LOSS.clipCoef, entCoef: LOSS.entCoef, vfCoef: LOSS.vfCoef, targetKl: -1, normAdv: true, clipVloss: true, iteration: 1, seed: 1, klTarget: 0.01 }, 1e-3);
  // The epoch kernel once: the sample order and the minibatch's advantage statistics the loss kernel reads.
  const recorder = new Recorder(gpu, 'GradientBench.epoch');
  update.encodeEpochStart(recorder, 0);
  recorder.submit();
  return {
    agent,
    batch,
    variant,
    update,
    state,
    samples,
    theta,
    destroy: () => {
      update.destroy();
      state.destroy();
    },
  };
}

/**
 * Runs the loss and gradient kernels once and compares the gradient with the float64 analytic one (the same
 * samples in the kernel's order). Tolerance: |gpu - ref| ≤ 1e-4 max|ref| + 1e-3 |ref| per parameter (f32 sums
 * over B samples). Returns the largest error relative to max|ref|.
 */
export async function validateGradient(gpu: Gpu, bench: GradientBench): Promise<number> {
  const recorder = new Recorder(gpu, 'GradientBench.validate');
  bench.update.encodeGradient(recorder, 0, 0);
  recorder.submit();
  const [gradient, order] = await Promise.all([readFloat32(gpu, bench.state.grads, bench.agent.table.size), readUint32(gpu, bench.update.permutation, bench.batch)]);
  const minibatch = Array.from(order, (s) => bench.samples[s]!);
  const reference = ppoLossGradient(bench.theta, bench.agent, minibatch, LOSS).gradient;
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    const error = Math.abs(gradient[i]! - reference[i]!);
    if (!(error <= 1e-4 * scale + 1e-3 * Math.abs(reference[i]!))) {
      throw new Error(`gradient kernel '${bench.variant}' at batch ${bench.batch}: parameter ${i} is ${gradient[i]}, the float64 reference ${reference[i]} (tolerance 1e-4 max|ref| + 1e-3 |ref|)`);
    }
    worst = Math.max(worst, error / scale);
  }
  return worst;
}

export interface GradientLabOptions {
  batches: number[];
  reps: number;
  /** Seconds per timing sample. */
  target: number;
  peakGflops: number | undefined;
  log(line: string): void;
}

/** Every variant at every batch: validated, then the gradient kernel and the loss kernel timed alone. */
export async function gradientLab(gpu: Gpu, options: GradientLabOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const batch of options.batches) {
    const benches: GradientBench[] = [];
    for (const variant of Object.keys(GRADIENT_VARIANTS)) {
      const bench = await checked(gpu, `gradient lab ${variant} ${batch}`, () => buildGradientBench(gpu, batch, variant));
      const error = await validateGradient(gpu, bench);
      options.log(`gradients: ${variant} at batch ${batch} validated (max error ${error.toExponential(1)} of max|gradient|)`);
      benches.push(bench);
    }
    // The loss kernel in each of its layouts (with the engine's gradient tiling), each validated the same way.
    const lossBenches: GradientBench[] = [];
    const tiling = tilingName(gradientTilingFor(batch));
    for (const layout of LOSS_LAB_LAYOUTS) {
      const bench = await checked(gpu, `gradient lab loss ${lossLayoutName(layout)} ${batch}`, () => buildGradientBench(gpu, batch, tiling, [64, 64], layout));
      const error = await validateGradient(gpu, bench);
      options.log(`gradients: loss kernel ${lossLayoutName(layout)} at batch ${batch} validated (max error ${error.toExponential(1)} of max|gradient|)`);
      lossBenches.push(bench);
    }
    const timers = benches.map((bench) => new SequenceTimer(gpu, `GradientLab.${bench.variant}.gradient`, (recorder) => bench.update.encodeGradient(recorder, 0, 0, 'gradient')));
    const lossTimers = lossBenches.map((bench, i) => new SequenceTimer(gpu, `GradientLab.loss.${lossLayoutName(LOSS_LAB_LAYOUTS[i]!)}`, (recorder) => bench.update.encodeGradient(recorder, 0, 0, 'loss')));
    await measureInterleaved([...timers, ...lossTimers], options.reps, options.target);
    const row = (kernel: 'gradient' | 'loss', variant: string, engineChoice: boolean, timer: SequenceTimer, flops: number): CaseResult => {
      const { timing, clock } = bestClock(timer.result());
      const gflops = flops / timing.median / 1e9;
      return {
        name: `kernel.${kernel}`,
        params: { kernel, variant, batch, engineChoice, clock, gflops, fractionOfPeak: options.peakGflops ? gflops / options.peakGflops : null },
        unit: 'ms',
        median: timing.median * 1e3,
        min: timing.min * 1e3,
        max: timing.max * 1e3,
        reps: timing.samples.length,
      };
    };
    const engineTiling = gradientTilingFor(batch);
    benches.forEach((bench, b) => {
      results.push(row('gradient', bench.variant, GRADIENT_VARIANTS[bench.variant] === engineTiling, timers[b]!, gradientFlopsPerSample(bench.agent) * batch));
    });
    const engineLoss = defaultChoice(batch, 64);
    lossBenches.forEach((bench, i) => {
      const layout = LOSS_LAB_LAYOUTS[i]!;
      const engineChoice = layout.samples === engineLoss.lossSamples && layout.tile === engineLoss.lossTile;
      results.push(row('loss', lossLayoutName(layout), engineChoice, lossTimers[i]!, lossFlopsPerSample(bench.agent) * batch));
    });
    for (const timer of [...timers, ...lossTimers]) timer.destroy();
    for (const bench of [...benches, ...lossBenches]) bench.destroy();
  }
  return results;
}
