/**
 * Float64 references of the PPO machinery: the MLP forward, the distributions, CleanRL's minibatch loss
 * (clipped surrogate or KL penalty, clipped value loss, entropy bonus, per-minibatch advantage normalisation) and
 * GAE, written straight from the formulas of shaders/ppoLoss.ts and shaders/gae.ts.
 */
import type { AgentLayout } from '../../src/algos/agent.js';
import type { MlpLayer } from '../../src/nn/mlp.js';
import { activate, type Act } from './nn.js';

export function mlpForward(theta: ArrayLike<number>, layers: MlpLayer[], x: ArrayLike<number>): number[] {
  let a = Array.from(x);
  for (const layer of layers) {
    const { inputs: K, outputs: J, activation } = layer.shape;
    const out = new Array<number>(J);
    for (let j = 0; j < J; j++) {
      let z = theta[layer.bias.offset + j]!;
      for (let k = 0; k < K; k++) z += theta[layer.weight.offset + k * J + j]! * a[k]!;
      out[j] = activate(activation as Act, z);
    }
    a = out;
  }
  return a;
}

export function logSoftmax(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface LossSample {
  obs: number[];
  /** Discrete: [index]; box: the raw sample. */
  action: number[];
  oldLogprob: number;
  oldValue: number;
  advantage: number;
  ret: number;
  /** pi_old's logits / means (PPO-Penalty). */
  oldHead?: number[];
}

export interface LossConfig {
  algo: 'clip' | 'penalty';
  clipCoef: number;
  entCoef: number;
  vfCoef: number;
  normAdv: boolean;
  clipVloss: boolean;
  beta: number;
  /** pi_old's log-std (box, PPO-Penalty). */
  oldLogstd?: number[];
}

export interface LossTerms {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  clipFraction: number;
  kl: number;
}

/** CleanRL's minibatch loss (means over the samples) at parameters theta. */
export function ppoLoss(theta: ArrayLike<number>, agent: AgentLayout, samples: LossSample[], config: LossConfig): LossTerms {
  const B = samples.length;
  const advantages = samples.map((s) => s.advantage);
  const mean = advantages.reduce((a, b) => a + b, 0) / B;
  const std = B > 1 ? Math.sqrt(advantages.reduce((a, b) => a + (b - mean) ** 2, 0) / (B - 1)) : 0;
  const action = agent.architecture.action;
  const sums = { policyLoss: 0, valueLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipFraction: 0, kl: 0 };
  for (const sample of samples) {
    const head = mlpForward(theta, agent.actor, sample.obs);
    const value = mlpForward(theta, agent.critic, sample.obs)[0]!;
    let newLogprob: number;
    let entropy: number;
    let kl = 0;
    if (action.type === 'discrete') {
      const logp = logSoftmax(head);
      newLogprob = logp[sample.action[0]!]!;
      entropy = -logp.reduce((s, l) => s + Math.exp(l) * l, 0);
      if (config.algo === 'penalty') {
        const oldLogp = logSoftmax(sample.oldHead!);
        kl = oldLogp.reduce((s, l, a) => s + Math.exp(l) * (l - logp[a]!), 0);
      }
    } else {
      const logstd = Array.from({ length: action.size }, (_, d) => theta[agent.logstd!.offset + d]!);
      newLogprob = 0;
      entropy = 0;
      for (let d = 0; d < action.size; d++) {
        const u = (sample.action[d]! - head[d]!) / Math.exp(logstd[d]!);
        newLogprob += -0.5 * u * u - logstd[d]! - HALF_LOG_TWO_PI;
        entropy += logstd[d]! + 0.5 + HALF_LOG_TWO_PI;
        if (config.algo === 'penalty') {
          const oldMean = sample.oldHead![d]!;
          const oldLogstd = config.oldLogstd![d]!;
          kl += logstd[d]! - oldLogstd + (Math.exp(2 * oldLogstd) + (oldMean - head[d]!) ** 2) / (2 * Math.exp(2 * logstd[d]!)) - 0.5;
        }
      }
    }
    const logratio = newLogprob - sample.oldLogprob;
    const ratio = Math.exp(logratio);
    const A = config.normAdv ? (sample.advantage - mean) / (std + 1e-8) : sample.advantage;
    const pg =
      config.algo === 'clip'
        ? Math.max(-A * ratio, -A * Math.min(Math.max(ratio, 1 - config.clipCoef), 1 + config.clipCoef))
        : -A * ratio + config.beta * kl;
    const unclipped = (value - sample.ret) ** 2;
    const clippedValue = sample.oldValue + Math.min(Math.max(value - sample.oldValue, -config.clipCoef), config.clipCoef);
    const valueLoss = config.clipVloss ? 0.5 * Math.max(unclipped, (clippedValue - sample.ret) ** 2) : 0.5 * unclipped;
    sums.policyLoss += pg;
    sums.valueLoss += valueLoss;
    sums.entropy += entropy;
    sums.oldApproxKl += -logratio;
    sums.approxKl += ratio - 1 - logratio;
    sums.clipFraction += Math.abs(ratio - 1) > config.clipCoef ? 1 : 0;
    sums.kl += kl;
  }
  const m = (v: number) => v / B;
  const terms = {
    policyLoss: m(sums.policyLoss),
    valueLoss: m(sums.valueLoss),
    entropy: m(sums.entropy),
    oldApproxKl: m(sums.oldApproxKl),
    approxKl: m(sums.approxKl),
    clipFraction: m(sums.clipFraction),
    kl: m(sums.kl),
  };
  return { ...terms, loss: terms.policyLoss - config.entCoef * terms.entropy + config.vfCoef * terms.valueLoss };
}

/** GAE(lambda), reset at episode ends, bootstrapped from V(s_T) and from V(final obs) on truncation; time-major [t][n]. */
export function gaeReference(input: {
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  finalValues: ArrayLike<number>;
  lastValues: ArrayLike<number>;
  numEnvs: number;
  gamma: number;
  lambda: number;
}): { advantages: Float64Array; returns: Float64Array } {
  const N = input.numEnvs;
  const T = input.rewards.length / N;
  const advantages = new Float64Array(T * N);
  const returns = new Float64Array(T * N);
  for (let n = 0; n < N; n++) {
    let nextValue = input.lastValues[n]!;
    let nextAdvantage = 0;
    for (let t = T - 1; t >= 0; t--) {
      const s = t * N + n;
      const term = input.terminated[s] ? 1 : 0;
      const trunc = input.truncated[s] ? 1 : 0;
      const delta =
        input.rewards[s]! +
        input.gamma * (1 - term) * (1 - trunc) * nextValue +
        input.gamma * (1 - term) * trunc * input.finalValues[s]! -
        input.values[s]!;
      const advantage = delta + input.gamma * input.lambda * (1 - term) * (1 - trunc) * nextAdvantage;
      advantages[s] = advantage;
      returns[s] = advantage + input.values[s]!;
      nextValue = input.values[s]!;
      nextAdvantage = advantage;
    }
  }
  return { advantages, returns };
}
