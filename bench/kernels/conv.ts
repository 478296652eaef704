/**
 * Kernel lab: the convolutional encoder in the PPO update at MinAtar Breakout's sizes (grid [10, 10, 4], conv 16
 * 3x3 -> 8 x 8 x 16 = 1024, dense 128 ReLU, 3 logits / 1 value; actor and critic each with their own encoder), in
 * llm.c's dev/cuda style: validated against the float64 gradient of reference/ppo.ts, then each kernel timed alone.
 * `npm run bench:kernels -- conv [--quick]`.
 *
 * FLOPs per sample (2 per multiply-add), each network, P = 64 positions, Q = 3·3·4 = 36 taps, Cout = 16, J = 128:
 *   loss kernel      encoder forward 2·P·Cout·Q (conv) + 2·P·Cout·J (fused dense layer 0), the rest of the MLP's
 *                    forward, the backward of layers >= 1, and the convolution's dL/dz 2·P·Cout·J
 *   gradient kernel  2 (K + 1) J for every dense layer (layer 0: K = P·Cout = 1024)
 *   conv gradient    2·P·(Q + 1)·Cout (the weight and bias sums over positions and samples)
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32, readUint32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { logSoftmax, ppoLossGradient, type LossConfig, type LossSample } from '../../reference/ppo.js';
import { networkForward } from '../../reference/conv.js';
import { rngHost } from '../../shaders/rng.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';
import type { CaseResult } from '../harness.js';

const ACTION = { type: 'discrete', n: 3 } as const;
const LOSS: LossConfig = { algo: 'clip', clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true, clipVloss: true, beta: 0 };
const GRID: [number, number, number] = [10, 10, 4];

function uniform(seed: number, index: number): number {
  return rngHost.unit(rngHost.pcg4d([seed, 91, index, 0])[0]);
}

/** FLOPs per sample of each kernel (see the header). */
export function convFlopsPerSample(agent: AgentLayout): { loss: number; gradient: number; convGradient: number } {
  let loss = 0;
  let convGradient = 0;
  for (const [conv, mlp] of [
    [agent.actorConv, agent.actor],
    [agent.criticConv, agent.critic],
  ] as const) {
    const { outHeight, outWidth, outputChannels: Co, kernel, inputChannels } = conv[0]!.shape;
    const P = outHeight * outWidth;
    const Q = kernel * kernel * inputChannels;
    const J = mlp[0]!.shape.outputs;
    loss += 2 * P * Co * Q + 2 * P * Co * J + 2 * P * Co * J;
    for (const layer of mlp.slice(1)) loss += 2 * 2 * layer.shape.inputs * layer.shape.outputs;
    convGradient += 2 * P * (Q + 1) * Co;
  }
  const gradient = [...agent.actor, ...agent.critic].reduce((sum, layer) => sum + 2 * (layer.shape.inputs + 1) * layer.shape.outputs, 0);
  return { loss, gradient, convGradient };
}

export interface ConvLabOptions {
  batch: number;
  reps: number;
  target: number;
  peakGflops: number | undefined;
  log(line: string): void;
}

export async function convLab(gpu: Gpu, options: ConvLabOptions): Promise<CaseResult[]> {
  const B = options.batch;
  const agent = new AgentLayout({ observationSize: 400, action: ACTION, hidden: [128], activation: 'relu', encoder: { inputShape: GRID, conv: [{ channels: 16, kernel: 3 }] } });
  const layout = new RolloutLayout({ numEnvs: B, numSteps: 1, obsSize: 400, actionWidth: actionWidth(ACTION), policyOutputs: agent.policyOutputs, keepOldDist: false });
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: 1, learningRate: 1e-3, initBeta: 0, seed: 3 }, 'ConvLab');
  const theta = agent.initialParameters(3);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.fround(theta[i]! + 0.05 * (uniform(9, i) - 0.5));
  const o = layout.offsets;
  const data = new Float32Array(layout.floats);
  const samples: LossSample[] = [];
  let draw = 0;
  const next = () => uniform(5, draw++);
  for (let s = 0; s < B; s++) {
    // MinAtar-like: sparse 0/1 channels.
    const obs = Array.from({ length: 400 }, () => (next() < 0.15 ? 1 : 0));
    obs.forEach((v, f) => (data[o.obs + f * B + s] = v));
    const action = Math.floor(next() * 3);
    const sample: LossSample = {
      obs,
      action: [action],
      oldLogprob: Math.fround(logSoftmax(networkForward(theta, agent, 'actor', obs))[action]! + 0.8 * (next() - 0.5)),
      oldValue: Math.fround(networkForward(theta, agent, 'critic', obs)[0]! + 0.8 * (next() - 0.5)),
      advantage: Math.fround(3 * next() - 1),
      ret: Math.fround(2 * next() - 1),
    };
    data[o.actions + s] = action;
    data[o.logprobs + s] = sample.oldLogprob;
    data[o.values + s] = sample.oldValue;
    data[o.advantages + s] = sample.advantage;
    data[o.returns + s] = sample.ret;
    samples.push(sample);
  }
  gpu.write(state.storage, 0, data);
  gpu.write(state.params, 0, theta);
  // The engine's update (lossSamplesFor), and the loss kernel with one sample per invocation beside it.
  const update = await checked(gpu, 'conv lab', () =>
    PpoUpdate.create(gpu, agent, layout, { algo: 'clip', numMinibatches: 1, updateEpochs: 1, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0 }, state),
  );
  const single = await checked(gpu, 'conv lab, one sample per invocation', () =>
    PpoUpdate.create(gpu, agent, layout, { algo: 'clip', numMinibatches: 1, updateEpochs: 1, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0, lossSamples: 1 }, state),
  );
  try {
    for (const u of [single, update]) {
    update.prepare({ clipCoef: LOSS.clipCoef, entCoef: LOSS.entCoef, vfCoef: LOSS.vfCoef, targetKl: -1, normAdv: true, clipVloss: true, iteration: 1, seed: 1, klTarget: 0.01 }, 1e-3);
    const recorder = new Recorder(gpu, 'ConvLab.validate');
    u.encodeEpochStart(recorder, 0);
    u.encodeGradient(recorder, 0, 0);
    recorder.submit();
    const [gradient, order] = await Promise.all([readFloat32(gpu, state.grads, agent.table.size), readUint32(gpu, u.permutation, B)]);
    const reference = ppoLossGradient(theta, agent, Array.from(order, (s) => samples[s]!), LOSS).gradient;
    const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
    let worst = 0;
    for (let i = 0; i < reference.length; i++) {
      const error = Math.abs(gradient[i]! - reference[i]!);
      if (!(error <= 1e-4 * scale + 1e-3 * Math.abs(reference[i]!))) {
        throw new Error(`conv lab: parameter ${i} is ${gradient[i]}, the float64 reference ${reference[i]} (tolerance 1e-4 max|ref| + 1e-3 |ref|)`);
      }
      worst = Math.max(worst, error / scale);
    }
    options.log(`conv: batch ${B}, ${u.lossSamples} samples per loss invocation, validated against the float64 gradient (max error ${worst.toExponential(1)} of max|gradient|)`);
    }
    const kernels = [
      ['loss', single, 'loss (1 sample per invocation)'],
      ['loss', update, `loss (${update.lossSamples} samples per invocation, the engine's)`],
      ['gradient', update, 'gradient'],
      ['convGradient', update, 'convGradient'],
    ] as const;
    const timers = kernels.map(([only, u, label]) => new SequenceTimer(gpu, `ConvLab.${label}`, (r) => u.encodeGradient(r, 0, 0, only)));
    await measureInterleaved(timers, options.reps, options.target);
    const flops = convFlopsPerSample(agent);
    return kernels.map(([kernelName, , label], k) => {
      const kernel = kernelName;
      const { timing, clock } = bestClock(timers[k]!.result());
      const gflops = (flops[kernel] * B) / timing.median / 1e9;
      return {
        name: 'kernel.conv',
        params: { kernel: label, batch: B, clock, gflops, fractionOfPeak: options.peakGflops ? gflops / options.peakGflops : null, flopsPerSample: flops[kernel] },
        unit: 'ms',
        median: timing.median * 1e3,
        min: timing.min * 1e3,
        max: timing.max * 1e3,
        reps: timing.samples.length,
      };
    });
  } finally {
    update.destroy();
    single.destroy();
    state.destroy();
  }
}
