/**
 * Float64 reference of one whole PPO update (one iteration's learning phase), as CleanRL's ppo.py runs it and as
 * the GPU encodes it (src/ppo/update.ts):
 *
 *   lr = annealed learning rate of the iteration
 *   for epoch in 0..E-1:
 *       if epoch > 0 and target_kl > 0 and approx_kl of the previous epoch's last minibatch > target_kl: stop
 *       order = the epoch's sample order (epochOrderHost, the kernel's permutation)
 *       for m in 0..M-1:
 *           minibatch = order[m MB .. (m + 1) MB)
 *           g = d loss / d theta of the minibatch (ppoLossGradient: normalised advantages, clipped surrogate or
 *               KL penalty, clipped or plain value loss, entropy bonus), statistics taken before the step
 *           theta = Adam step of g clipped to global norm max_grad_norm, at lr (adamStep)
 *
 * The KL check before epoch e is CleanRL's `break` after epoch e - 1; the statistics of a minibatch are measured at
 * the parameters its own step starts from, as in CleanRL's loop.
 */
import type { AgentLayout } from '../src/agent/agent.js';
import { epochOrderHost } from '../shaders/permutation.js';
import { adamStep, type AdamReferenceState } from './nn.js';
import { ppoLossGradient, type LossConfig, type LossSample, type LossTerms } from './ppo.js';

export interface PpoUpdateReferenceConfig extends LossConfig {
  updateEpochs: number;
  numMinibatches: number;
  /** The iteration's (annealed) learning rate. */
  learningRate: number;
  adamEps: number;
  beta1?: number;
  beta2?: number;
  /** Global gradient-norm bound; <= 0: no clipping. */
  maxGradNorm: number;
  /** Early stop on approx_kl; <= 0: none. */
  targetKl: number;
  /** The permutation's key: the run's seed and the iteration number (1-based, as in the schedule). */
  seed: number;
  iteration: number;
}

export interface PpoUpdateReferenceResult {
  theta: Float64Array;
  adam: AdamReferenceState;
  /** Epochs whose minibatches took their steps (E, or fewer after a target-KL stop). */
  epochsRun: number;
  /** Statistics of each minibatch that ran, [epoch][minibatch], at the parameters before its step. */
  records: LossTerms[][];
  /** Gradient norm (before clipping) and clip factor of every Adam step, in order. */
  steps: { norm: number; scale: number }[];
  /** Each epoch's sample order that was used. */
  orders: Uint32Array[];
}

/**
 * CleanRL's linear learning-rate schedule, lr_now = (1 - (iteration - 1) / num_iterations) lr, as the trainer
 * applies it (src/ppo/ppo.ts): past the planned iterations it stays at its last value lr / num_iterations.
 */
export function annealedLearningRate(learningRate: number, iteration: number, numIterations: number, anneal: boolean): number {
  if (!anneal) return learningRate;
  return Math.max(1 - (iteration - 1) / numIterations, 1 / numIterations) * learningRate;
}

/**
 * One update from parameters theta0 (and Adam's state, default fresh) on the rollout's samples (indexed by
 * rollout sample s = t * numEnvs + n, as the permutation indexes them). Inputs are not modified.
 */
export function ppoUpdateReference(
  theta0: ArrayLike<number>,
  agent: AgentLayout,
  samples: LossSample[],
  config: PpoUpdateReferenceConfig,
  adam0?: AdamReferenceState,
): PpoUpdateReferenceResult {
  const batch = samples.length;
  const minibatchSize = batch / config.numMinibatches;
  if (!Number.isInteger(minibatchSize)) {
    throw new RangeError(`numMinibatches is ${config.numMinibatches}; expected a divisor of the batch of ${batch} samples`);
  }
  const theta = Float64Array.from(theta0);
  const adam: AdamReferenceState = adam0
    ? { m: Float64Array.from(adam0.m), v: Float64Array.from(adam0.v), step: adam0.step }
    : { m: new Float64Array(theta.length), v: new Float64Array(theta.length), step: 0 };
  const adamConfig = {
    lr: config.learningRate,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    eps: config.adamEps,
    maxGradNorm: config.maxGradNorm,
  };
  const records: LossTerms[][] = [];
  const steps: { norm: number; scale: number }[] = [];
  const orders: Uint32Array[] = [];
  for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
    const last = records[epoch - 1]?.[config.numMinibatches - 1];
    if (last && config.targetKl > 0 && last.approxKl > config.targetKl) break;
    const order = epochOrderHost(config.seed, config.iteration, epoch, batch);
    orders.push(order);
    const epochRecords: LossTerms[] = [];
    for (let m = 0; m < config.numMinibatches; m++) {
      const minibatch = Array.from(order.subarray(m * minibatchSize, (m + 1) * minibatchSize), (s) => samples[s]!);
      const { terms, gradient } = ppoLossGradient(theta, agent, minibatch, config);
      epochRecords.push(terms);
      steps.push(adamStep(theta, gradient, adam, adamConfig));
    }
    records.push(epochRecords);
  }
  return { theta, adam, epochsRun: records.length, records, steps, orders };
}
