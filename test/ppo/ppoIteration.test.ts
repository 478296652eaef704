/**
 * One whole PPO update on the GPU (every epoch, minibatch, gradient and Adam step of an iteration, encoded as the
 * trainer encodes it) against the float64 reference of reference/ppoUpdate.ts, on a fixed rollout written
 * straight into the rollout storage: every parameter, Adam's moments and control block, and the minibatch records.
 * PPO-Clip and PPO-Penalty, categorical and Gaussian heads, target_kl off and on (on: crafted so that the stop
 * fires after the first epoch). The reference's analytic gradient is first checked against central finite
 * differences of the independent float64 loss (ppoLoss), and the trainer's learning-rate schedule against the
 * reference's annealedLearningRate (the update test passes that value to the kernels as the trainer would).
 *
 * Sizes: 5 environments x 7 steps = 35 samples, 5 minibatches of 7, 3 epochs, networks 3 -> [5, 4] -> head, tanh;
 * the learning rate annealed at iteration 3 of 5 (factor 0.6).
 */
import { describe, expect, test } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { Ppo } from '../../src/ppo/ppo.js';
import { resolveConfig } from '../../src/config.js';
import { createEnv } from '../../src/envs/create.js';
import type { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { RECORD_DONE, RECORD_WORDS, Stat } from '../../src/ppo/scratch.js';
import { Control } from '../../src/nn/adam.wgsl.js';
import type { ActionSpace } from '../../src/envs/spec.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom, type Tolerance } from '../helpers/random.js';
import { logSoftmax, mlpForward, ppoLoss, ppoLossGradient, type LossConfig, type LossSample } from '../../reference/ppo.js';
import { annealedLearningRate, ppoUpdateReference, type PpoUpdateReferenceConfig, type PpoUpdateReferenceResult } from '../../reference/ppoUpdate.js';

const OBS_SIZE = 3;
const HIDDEN = [5, 4];
const NUM_ENVS = 5;
const NUM_STEPS = 7;
const NUM_MINIBATCHES = 5;
const UPDATE_EPOCHS = 3;
const BASE_LEARNING_RATE = 0.01;
const ITERATION = 3;
const NUM_ITERATIONS = 5;
const SEED = 11;
const ADAM_EPS = 1e-5;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

const DISCRETE: ActionSpace = { type: 'discrete', n: 3 };
const BOX: ActionSpace = { type: 'box', size: 2, low: [-1, -1], high: [1, 1] };

interface Rollout {
  agent: AgentLayout;
  layout: RolloutLayout;
  /** Initial parameters (f32 values), away from CleanRL's near-uniform initial policy. */
  theta0: Float32Array;
  /** The rollout storage's contents. */
  data: Float32Array;
  /** The same samples as the reference reads them (f32 values), indexed by rollout sample. */
  samples: LossSample[];
  /** pi_old's log-std (box), as stored. */
  oldLogstd: number[] | undefined;
}

/**
 * A rollout whose log-probs, values and pi_old are those of theta0 plus noise, so that ratios fall inside and
 * outside the clip range, values inside and outside the value clip, and the KL is well above 0.
 */
function makeRollout(action: ActionSpace, penalty: boolean, seed: number): Rollout {
  const random = seededRandom(seed);
  const agent = new AgentLayout({ observationSize: OBS_SIZE, action, hidden: HIDDEN, activation: 'tanh' });
  const layout = new RolloutLayout({
    numEnvs: NUM_ENVS,
    numSteps: NUM_STEPS,
    obsSize: OBS_SIZE,
    actionWidth: actionWidth(action),
    policyOutputs: agent.policyOutputs,
    keepOldDist: penalty,
  });
  const M = layout.samples;
  const theta0 = agent.initialParameters(seed);
  for (let i = 0; i < theta0.length; i++) theta0[i] = theta0[i]! + 0.3 * (random() - 0.5);
  const logstd = agent.logstd ? Array.from(randomArray(random, agent.logstd.size, -0.5, 0.2)) : undefined;
  if (agent.logstd) theta0.set(logstd!, agent.logstd.offset);
  const oldLogstd = logstd?.map((s) => Math.fround(s + 0.3 * (random() - 0.5)));
  const data = new Float32Array(layout.floats);
  const o = layout.offsets;
  const samples: LossSample[] = [];
  for (let s = 0; s < M; s++) {
    const obs = Array.from(randomArray(random, OBS_SIZE, -2, 2));
    obs.forEach((v, f) => (data[o.obs + f * M + s] = v));
    const head = mlpForward(theta0, agent.actor, obs);
    let actionValues: number[];
    let logprob: number;
    if (action.type === 'discrete') {
      actionValues = [Math.floor(random() * action.n)];
      logprob = logSoftmax(head)[actionValues[0]!]!;
    } else {
      actionValues = head.map((mean, d) => Math.fround(mean + 1.5 * Math.exp(logstd![d]!) * (2 * random() - 1)));
      logprob = actionValues.reduce((sum, a, d) => sum - 0.5 * ((a - head[d]!) / Math.exp(logstd![d]!)) ** 2 - logstd![d]! - HALF_LOG_TWO_PI, 0);
    }
    actionValues.forEach((v, d) => (data[o.actions + d * M + s] = v));
    const oldHead = head.map((v) => Math.fround(v + 0.4 * (random() - 0.5)));
    const oldLogprob = Math.fround(logprob + 0.8 * (random() - 0.5));
    const value = mlpForward(theta0, agent.critic, obs)[0]!;
    const oldValue = Math.fround(value + 0.8 * (random() - 0.5));
    const advantage = Math.fround(3 * (random() - 0.3));
    const ret = Math.fround(value + 2 * (random() - 0.5));
    data[o.logprobs + s] = oldLogprob;
    data[o.values + s] = oldValue;
    data[o.advantages + s] = advantage;
    data[o.returns + s] = ret;
    if (penalty) oldHead.forEach((v, d) => (data[o.oldDist + d * M + s] = v));
    samples.push({ obs, action: actionValues, oldLogprob, oldValue, advantage, ret, oldHead });
  }
  if (penalty && oldLogstd) oldLogstd.forEach((v, d) => (data[o.oldDist + agent.policyOutputs * M + d] = v));
  return { agent, layout, theta0, data, samples, oldLogstd };
}

describe('float64 reference of the PPO update', () => {
  const gradientCases: { name: string; action: ActionSpace; config: Omit<LossConfig, 'oldLogstd'> }[] = [
    { name: 'categorical, clip, clipped value loss', action: DISCRETE, config: { algo: 'clip', clipCoef: 0.2, entCoef: 0.03, vfCoef: 0.6, normAdv: true, clipVloss: true, beta: 0 } },
    { name: 'categorical, penalty, plain value loss', action: DISCRETE, config: { algo: 'penalty', clipCoef: 0.2, entCoef: 0.03, vfCoef: 0.6, normAdv: false, clipVloss: false, beta: 0.7 } },
    { name: 'Gaussian, clip, plain value loss', action: BOX, config: { algo: 'clip', clipCoef: 0.2, entCoef: 0.03, vfCoef: 0.6, normAdv: true, clipVloss: false, beta: 0 } },
    { name: 'Gaussian, penalty, clipped value loss', action: BOX, config: { algo: 'penalty', clipCoef: 0.2, entCoef: 0.03, vfCoef: 0.6, normAdv: true, clipVloss: true, beta: 0.7 } },
  ];
  gradientCases.forEach((c, index) =>
    test(`the analytic minibatch gradient equals central differences of the float64 loss: ${c.name}`, () => {
      const rollout = makeRollout(c.action, c.config.algo === 'penalty', 300 + index);
      const config: LossConfig = { ...c.config, oldLogstd: rollout.oldLogstd };
      const minibatch = rollout.samples.slice(0, 9);
      const theta = Float64Array.from(rollout.theta0);
      const { terms, gradient } = ppoLossGradient(theta, rollout.agent, minibatch, config);
      const direct = ppoLoss(theta, rollout.agent, minibatch, config);
      expect(terms.loss).toBeCloseTo(direct.loss, 12);
      expect(terms.approxKl).toBeCloseTo(direct.approxKl, 12);
      expect(terms.kl).toBeCloseTo(direct.kl, 12);
      // Both clip branches are exercised by this minibatch.
      if (c.config.algo === 'clip') expect(terms.clipFraction).toBeGreaterThan(0);
      if (c.config.algo === 'clip') expect(terms.clipFraction).toBeLessThan(1);
      // h = 1e-6: truncation error ~h² |L'''| ~ 1e-12, rounding ~1e-16 |L| / h ~ 1e-10; no clip kink lies within h.
      const h = 1e-6;
      const numeric = new Float64Array(theta.length);
      for (const view of rollout.agent.table.views) {
        for (let i = view.offset; i < view.offset + view.size; i++) {
          const saved = theta[i]!;
          theta[i] = saved + h;
          const up = ppoLoss(theta, rollout.agent, minibatch, config).loss;
          theta[i] = saved - h;
          const down = ppoLoss(theta, rollout.agent, minibatch, config).loss;
          theta[i] = saved;
          numeric[i] = (up - down) / (2 * h);
        }
      }
      expectClose(gradient, numeric, { atol: 1e-8, rtol: 1e-6 }, `${c.name}: analytic gradient vs central differences`);
    }),
  );
});

interface GpuCase {
  name: string;
  action: ActionSpace;
  algo: 'clip' | 'penalty';
  normAdv: boolean;
  clipVloss: boolean;
  /** 0: no clipping. */
  maxGradNorm: number;
}

const gpuCases: GpuCase[] = [
  { name: 'PPO-Clip, categorical', action: DISCRETE, algo: 'clip', normAdv: true, clipVloss: true, maxGradNorm: 0.3 },
  { name: 'PPO-Clip, Gaussian', action: BOX, algo: 'clip', normAdv: true, clipVloss: false, maxGradNorm: 0.5 },
  { name: 'PPO-Penalty, categorical', action: DISCRETE, algo: 'penalty', normAdv: true, clipVloss: true, maxGradNorm: 0 },
  { name: 'PPO-Penalty, Gaussian', action: BOX, algo: 'penalty', normAdv: false, clipVloss: false, maxGradNorm: 0.3 },
];

/** What one GPU update leaves behind. */
interface GpuResult {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  control: Float32Array;
  records: Float32Array;
}

const hyper = { clipCoef: 0.2, entCoef: 0.02, vfCoef: 0.5, klTarget: 0.01 };

async function runGpuUpdate(gpu: Gpu, update: PpoUpdate, params: GPUBuffer, rollout: Rollout, c: GpuCase, beta: number, targetKl: number, learningRate: number): Promise<GpuResult> {
  gpu.write(params, 0, rollout.theta0);
  update.adam.reset(learningRate);
  // The beta the kernels read (PpoUpdate.state[0]), the same for every run whatever an earlier run left there.
  gpu.write(update.state, 0, new Float32Array([beta, 0, 0, 0]));
  update.prepare({ ...hyper, targetKl, normAdv: c.normAdv, clipVloss: c.clipVloss, iteration: ITERATION, seed: SEED }, learningRate);
  const recorder = new Recorder(gpu, 'PpoIterationTest.update');
  update.encode(recorder);
  recorder.submit();
  const count = rollout.agent.table.size;
  const [values, moments, control, records] = await Promise.all([
    readFloat32(gpu, params, count),
    readFloat32(gpu, update.adam.moments, 2 * count),
    readFloat32(gpu, update.adam.control, Control.words),
    readFloat32(gpu, update.records),
  ]);
  return { params: values, m: moments.subarray(0, count), v: moments.subarray(count), control, records };
}

/**
 * Tolerances, float32 GPU against float64 reference after up to 15 Adam steps. An Adam step moves a parameter by
 * about lr m̂ / sqrt(v̂), at most ~lr whatever the gradient's scale, so parameter errors are counted in units of lr.
 * Float32 rounding and the GPU's transcendental functions (exp, log, tanh) give each gradient component an absolute
 * error of ~1e-6 of the gradient's scale: a relative error of up to ~1e-4 in its smaller components, which Adam
 * passes on to their steps (~1e-4 lr each). Over 15 steps, with the feedback through the parameters, that is a few
 * 1e-4 lr; the tolerance is ten times that, atol = 5e-3 lr, plus rtol = 1e-5 for the float32 rounding of O(1)
 * parameters at each step. A wrong sample order, a missing or extra step, a missing clip or a wrong learning rate
 * moves parameters by a sizeable fraction of lr. The moments, means of gradients and of their squares, carry the
 * gradients' ~1e-6 relative error: compared at 1e-4 of their largest element plus rtol 1e-4. The records
 * (statistics at parameters a few 1e-4 lr apart) at 1e-4 + 1e-3 relative.
 */
function parameterTolerance(learningRate: number): Tolerance {
  return { atol: 5e-3 * learningRate, rtol: 1e-5 };
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

/** The GPU's update against the reference's: parameters, moments, the control block and the minibatch records. */
function expectMatches(gpuResult: GpuResult, ref: PpoUpdateReferenceResult, learningRate: number, what: string): void {
  expectClose(gpuResult.params, ref.theta, parameterTolerance(learningRate), `${what}: parameters`);
  expectClose(gpuResult.m, ref.adam.m, { atol: 1e-4 * maxAbs(ref.adam.m), rtol: 1e-4 }, `${what}: Adam first moment`);
  expectClose(gpuResult.v, ref.adam.v, { atol: 1e-4 * maxAbs(ref.adam.v), rtol: 1e-4 }, `${what}: Adam second moment`);
  const lastStep = ref.steps[ref.steps.length - 1]!;
  expect(gpuResult.control[Control.step], `${what}: Adam steps`).toBe(ref.adam.step);
  expect(gpuResult.control[Control.gradNorm], `${what}: last gradient norm`).toBeCloseTo(lastStep.norm, 4);
  expect(gpuResult.control[Control.clipScale], `${what}: last clip factor`).toBeCloseTo(lastStep.scale, 4);
  for (let epoch = 0; epoch < UPDATE_EPOCHS; epoch++) {
    for (let m = 0; m < NUM_MINIBATCHES; m++) {
      const record = gpuResult.records.subarray((epoch * NUM_MINIBATCHES + m) * RECORD_WORDS, (epoch * NUM_MINIBATCHES + m + 1) * RECORD_WORDS);
      const terms = ref.records[epoch]?.[m];
      expect(record[RECORD_DONE], `${what}: epoch ${epoch} minibatch ${m} done flag`).toBe(terms ? 1 : 0);
      if (!terms) continue;
      for (const name of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'kl'] as const) {
        expect(Math.abs(record[Stat[name]]! - terms[name]), `${what}: epoch ${epoch} minibatch ${m} ${name} gpu ${record[Stat[name]]} reference ${terms[name]}`).toBeLessThan(
          1e-4 + 1e-3 * Math.abs(terms[name]),
        );
      }
    }
  }
}

/** True when `got` is outside `tolerance` of `ref` somewhere (expectClose would fail). */
function differs(got: ArrayLike<number>, ref: ArrayLike<number>, tolerance: Tolerance): boolean {
  for (let i = 0; i < ref.length; i++) if (Math.abs(got[i]! - ref[i]!) > tolerance.atol + tolerance.rtol * Math.abs(ref[i]!)) return true;
  return false;
}

async function checkCase(gpu: Gpu, c: GpuCase, seed: number): Promise<void> {
  const penalty = c.algo === 'penalty';
  const rollout = makeRollout(c.action, penalty, seed);
  const { agent, layout } = rollout;
  const learningRate = annealedLearningRate(BASE_LEARNING_RATE, ITERATION, NUM_ITERATIONS, true);
  expect(learningRate).toBeCloseTo(0.6 * BASE_LEARNING_RATE, 12);
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: UPDATE_EPOCHS, numMinibatches: NUM_MINIBATCHES, learningRate: BASE_LEARNING_RATE, initBeta: 0.7, seed: 1 }, 'PpoIterationTest');
  gpu.write(state.storage, 0, rollout.data);
  gpu.write(state.params, 0, rollout.theta0);
  const { params, grads } = state;
  const update = await PpoUpdate.create(
    gpu,
    agent,
    layout,
    { algo: c.algo, numMinibatches: NUM_MINIBATCHES, updateEpochs: UPDATE_EPOCHS, learningRate: BASE_LEARNING_RATE, adamEps: ADAM_EPS, maxGradNorm: c.maxGradNorm},
    state,
  );
  try {
    // PPO-Penalty's beta as the update kernels read it: PpoUpdate.state[0].
    const beta = penalty ? (await readFloat32(gpu, update.state, 1))[0]! : 0;
    // The reference computes in float64 from the hyperparameters the GPU holds: their float32 values.
    const f32 = Math.fround;
    const config = (targetKl: number): PpoUpdateReferenceConfig => ({
      algo: c.algo,
      clipCoef: f32(hyper.clipCoef),
      entCoef: f32(hyper.entCoef),
      vfCoef: f32(hyper.vfCoef),
      normAdv: c.normAdv,
      clipVloss: c.clipVloss,
      beta,
      oldLogstd: rollout.oldLogstd,
      updateEpochs: UPDATE_EPOCHS,
      numMinibatches: NUM_MINIBATCHES,
      learningRate: f32(learningRate),
      adamEps: f32(ADAM_EPS),
      beta1: f32(update.adam.config.beta1),
      beta2: f32(update.adam.config.beta2),
      maxGradNorm: f32(c.maxGradNorm),
      targetKl: f32(targetKl),
      seed: SEED,
      iteration: ITERATION,
    });

    // target_kl off: every epoch runs.
    const full = ppoUpdateReference(rollout.theta0, agent, rollout.samples, config(-1));
    expect(full.epochsRun).toBe(UPDATE_EPOCHS);
    expect(full.steps).toHaveLength(UPDATE_EPOCHS * NUM_MINIBATCHES);
    if (c.maxGradNorm > 0) expect(full.steps.some((s) => s.scale < 1), `${c.name}: gradient clipping active`).toBe(true);
    const gpuFull = await runGpuUpdate(gpu, update, params, rollout, c, beta, -1, learningRate);
    expectMatches(gpuFull, full, learningRate, `${c.name}, target_kl off`);

    // target_kl on, half the approx_kl of the first epoch's last minibatch: the stop fires after epoch 1.
    const targetKl = 0.5 * full.records[0]![NUM_MINIBATCHES - 1]!.approxKl;
    const stopped = ppoUpdateReference(rollout.theta0, agent, rollout.samples, config(targetKl));
    expect(stopped.epochsRun).toBe(1);
    expect(stopped.adam.step).toBe(NUM_MINIBATCHES);
    const gpuStopped = await runGpuUpdate(gpu, update, params, rollout, c, beta, targetKl, learningRate);
    expectMatches(gpuStopped, stopped, learningRate, `${c.name}, target_kl ${targetKl}`);
    // The stop matters: the full update is outside the tolerance of the stopped one.
    expect(differs(full.theta, stopped.theta, parameterTolerance(learningRate))).toBe(true);
    expect(differs(gpuStopped.params, full.theta, parameterTolerance(learningRate))).toBe(true);
  } finally {
    update.destroy();
    state.destroy();
  }
}

describe('one GPU PPO update against the float64 reference', () => {
  gpuCases.forEach((c, i) => gpuTest(`every parameter, Adam moment and record after E epochs x M minibatches: ${c.name}`, (gpu) => checkCase(gpu, c, 200 + i)));
});

describe('the learning rate of an iteration', () => {
  gpuTest("the trainer writes the reference's annealed learning rate into Adam's control block", async (gpu) => {
    for (const anneal of [true, false]) {
      const config = resolveConfig(
        { env: 'CartPole-v1', num_envs: 4, num_steps: 4, num_minibatches: 2, update_epochs: 1, hidden_sizes: HIDDEN, learning_rate: BASE_LEARNING_RATE, anneal_lr: anneal, seed: 3 },
        false,
      );
      const env = (await createEnv('CartPole-v1', { numEnvs: config.num_envs, seed: config.seed, gpu })) as GpuVecEnv;
      const ppo = await Ppo.create(gpu, env, config);
      try {
        // First, middle and last planned iteration, then one past the plan (the schedule holds its last value).
        for (const iteration of [1, ITERATION, NUM_ITERATIONS, NUM_ITERATIONS + 2]) {
          const read = await ppo.submitIteration(iteration, NUM_ITERATIONS);
          await read();
          const [lr] = await readFloat32(gpu, ppo.update.adam.control, 1, Control.lr);
          expect(lr, `anneal_lr ${anneal}, iteration ${iteration} of ${NUM_ITERATIONS}`).toBe(Math.fround(annealedLearningRate(BASE_LEARNING_RATE, iteration, NUM_ITERATIONS, anneal)));
        }
      } finally {
        ppo.destroy();
        env.destroy();
      }
    }
  });
});
