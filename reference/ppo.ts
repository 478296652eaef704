/**
 * Float64 references of the PPO machinery: the MLP forward, the distributions, CleanRL's minibatch loss
 * (clipped surrogate or KL penalty, clipped value loss, entropy bonus, per-minibatch advantage normalisation), its
 * gradient by backpropagation, and GAE, written straight from the formulas of src/ppo/loss.wgsl.ts and src/ppo/gae.wgsl.ts.
 */
import type { AgentLayout } from '../src/agent/agent.js';
import { categoricalHeads, type BoxSpace } from '../src/envs/spec.js';
import type { MlpLayer } from '../src/nn/mlp.js';
import { activate, activationGrad, type Act } from './nn.js';
import { networkActivations, networkBackward, networkForward } from './conv.js';
import { mlpActivations, mlpBackward, mlpForward } from './mlp.js';

export { mlpActivations, mlpBackward, mlpForward };

export function logSoftmax(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
/** A masked action's logit, as the kernels set it. */
const MASKED_LOGIT = -1e30;

/** The first logit of each categorical head. */
function headStarts(heads: readonly number[]): number[] {
  return heads.map((_, h) => heads.slice(0, h).reduce((a, b) => a + b, 0));
}

export interface LossSample {
  obs: number[];
  /** Discrete: [index]; box: the raw sample. */
  action: number[];
  oldLogprob: number;
  oldValue: number;
  advantage: number;
  ret: number;
  /** pi_old's logits / means (PPO-Penalty; the unmasked logits: the mask is applied here). */
  oldHead?: number[];
  /** Categorical policies with action masks: 1 allowed, 0 not, per logit. */
  mask?: number[];
}

export interface LossConfig {
  /** 'critic': TRPO's critic regression, L = vf_coef L_V alone (the policy's terms are 0). */
  algo: 'clip' | 'penalty' | 'critic';
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

type TermSums = Omit<LossTerms, 'loss'>;

function emptySums(): TermSums {
  return { policyLoss: 0, valueLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipFraction: 0, kl: 0 };
}

/** One sample's terms into the sums; CleanRL's KL estimators and clip fraction from its log-ratio. */
function addTerms(sums: TermSums, sample: { policyLoss: number; valueLoss: number; entropy: number; logratio: number; kl: number }, clipCoef: number): void {
  const ratio = Math.exp(sample.logratio);
  sums.policyLoss += sample.policyLoss;
  sums.valueLoss += sample.valueLoss;
  sums.entropy += sample.entropy;
  sums.oldApproxKl += -sample.logratio;
  sums.approxKl += ratio - 1 - sample.logratio;
  sums.clipFraction += Math.abs(ratio - 1) > clipCoef ? 1 : 0;
  sums.kl += sample.kl;
}

/** The minibatch means and the total loss L = pg - ent_coef H + vf_coef V. */
function meanTerms(sums: TermSums, B: number, config: LossConfig): LossTerms {
  const terms = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / B])) as TermSums;
  return { ...terms, loss: terms.policyLoss - config.entCoef * terms.entropy + config.vfCoef * terms.valueLoss };
}

/** CleanRL's minibatch loss (means over the samples) at parameters theta. */
export function ppoLoss(theta: ArrayLike<number>, agent: AgentLayout, samples: LossSample[], config: LossConfig): LossTerms {
  const B = samples.length;
  const advantages = samples.map((s) => s.advantage);
  const mean = advantages.reduce((a, b) => a + b, 0) / B;
  const std = B > 1 ? Math.sqrt(advantages.reduce((a, b) => a + (b - mean) ** 2, 0) / (B - 1)) : 0;
  const action = agent.architecture.action;
  const sums = emptySums();
  for (const sample of samples) {
    const value = networkForward(theta, agent, 'critic', sample.obs)[0]!;
    const valueLoss = sampleValueLoss(value, sample, config);
    if (config.algo === 'critic') {
      addTerms(sums, { policyLoss: 0, valueLoss, entropy: 0, logratio: 0, kl: 0 }, config.clipCoef);
      continue;
    }
    const head = networkForward(theta, agent, 'actor', sample.obs);
    let newLogprob: number;
    let entropy: number;
    let kl = 0;
    const heads = categoricalHeads(action);
    if (heads) {
      const logp = headsLogSoftmax(maskLogits(head, sample.mask), heads);
      newLogprob = 0;
      headStarts(heads).forEach((start, h) => (newLogprob += logp[start + sample.action[h]!]!));
      entropy = -logp.reduce((s, l) => s + Math.exp(l) * l, 0);
      if (config.algo === 'penalty') {
        const oldLogp = headsLogSoftmax(maskLogits(sample.oldHead!, sample.mask), heads);
        kl = oldLogp.reduce((s, l, a) => s + Math.exp(l) * (l - logp[a]!), 0);
      }
    } else {
      const box = action as BoxSpace;
      const logstd = Array.from({ length: box.size }, (_, d) => theta[agent.logstd!.offset + d]!);
      newLogprob = 0;
      entropy = 0;
      for (let d = 0; d < box.size; d++) {
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
    addTerms(sums, { policyLoss: pg, valueLoss, entropy, logratio, kl }, config.clipCoef);
  }
  return meanTerms(sums, B, config);
}

/** ½ (V - R)², or ½ max((V - R)², (V_old + clip(V - V_old, ±c) - R)²) with clip_vloss. */
function sampleValueLoss(value: number, sample: LossSample, config: LossConfig): number {
  const unclipped = (value - sample.ret) ** 2;
  const clippedValue = sample.oldValue + Math.min(Math.max(value - sample.oldValue, -config.clipCoef), config.clipCoef);
  return config.clipVloss ? 0.5 * Math.max(unclipped, (clippedValue - sample.ret) ** 2) : 0.5 * unclipped;
}

/**
 * CleanRL's minibatch loss (the same terms as ppoLoss) and its gradient in every parameter, by the chain rule:
 *
 *   dL/d log pi:  clip: -A r where the unclipped surrogate is the max, else 0;  penalty: -A r
 *   categorical:  d log pi(a)/dz_j = [j = a] - p_j;   dH/dz_j = -p_j (log p_j + H);   dKL/dz_j = p_j - p_old,j
 *   Gaussian:     d log pi/d mu = (a - mu) / sigma²;  d log pi/d s = u² - 1 (u = (a - mu) / sigma);  dH/ds = 1;
 *                 dKL/d mu = (mu - mu_old) / sigma²;  dKL/ds = 1 - (sigma_old² + (mu_old - mu)²) / sigma²
 *   value:        V - R, or through the clipped branch (V_clip - R) where |V - V_old| <= clip_coef, when it is the max
 *
 * each divided by the minibatch size, then backpropagated through the actor and the critic (their encoders too:
 * reference/conv.ts networkBackward).
 * The advantages' mean and std are the minibatch's data, constants of theta.
 */
export function ppoLossGradient(theta: ArrayLike<number>, agent: AgentLayout, samples: LossSample[], config: LossConfig): { terms: LossTerms; gradient: Float64Array } {
  const B = samples.length;
  const gradient = new Float64Array(theta.length);
  const advantages = samples.map((s) => s.advantage);
  const mean = advantages.reduce((a, b) => a + b, 0) / B;
  const std = B > 1 ? Math.sqrt(advantages.reduce((a, b) => a + (b - mean) ** 2, 0) / (B - 1)) : 0;
  const action = agent.architecture.action;
  if (config.algo === 'critic') throw new RangeError("ppoLossGradient: algo 'critic' is not covered here; expected 'clip' or 'penalty' (ppoLoss covers 'critic')");
  if (action.type === 'multiDiscrete' || samples.some((s) => s.mask)) {
    throw new RangeError('ppoLossGradient: multi-discrete actions and masks are not covered here; ppoLoss covers them (finite differences give the gradient)');
  }
  const penalty = config.algo === 'penalty';
  const beta = penalty ? config.beta : 0;
  const sums = emptySums();
  for (const sample of samples) {
    const actorActs = networkActivations(theta, agent, 'actor', sample.obs);
    const criticActs = networkActivations(theta, agent, 'critic', sample.obs);
    const head = actorActs.mlp.at(-1)!;
    const value = criticActs.mlp.at(-1)![0]!;
    const A = config.normAdv ? (sample.advantage - mean) / (std + 1e-8) : sample.advantage;
    // Per head output (and per log-std): d log pi, d H, d KL.
    const dLogprobHead = new Array<number>(head.length).fill(0);
    const dEntropyHead = new Array<number>(head.length).fill(0);
    const dKlHead = new Array<number>(head.length).fill(0);
    const dLogprobLogstd: number[] = [];
    const dEntropyLogstd: number[] = [];
    const dKlLogstd: number[] = [];
    let newLogprob = 0;
    let entropy = 0;
    let kl = 0;
    if (action.type === 'discrete') {
      const logp = logSoftmax(head);
      const p = logp.map(Math.exp);
      const a = sample.action[0]!;
      newLogprob = logp[a]!;
      entropy = -logp.reduce((s, l, j) => s + p[j]! * l, 0);
      const oldLogp = penalty ? logSoftmax(sample.oldHead!) : undefined;
      for (let j = 0; j < head.length; j++) {
        dLogprobHead[j] = (j === a ? 1 : 0) - p[j]!;
        dEntropyHead[j] = -p[j]! * (logp[j]! + entropy);
        if (oldLogp) {
          const pOld = Math.exp(oldLogp[j]!);
          kl += pOld * (oldLogp[j]! - logp[j]!);
          dKlHead[j] = p[j]! - pOld;
        }
      }
    } else {
      for (let d = 0; d < action.size; d++) {
        const s = theta[agent.logstd!.offset + d]!;
        const invVar = Math.exp(-2 * s);
        const diff = sample.action[d]! - head[d]!;
        newLogprob += -0.5 * diff * diff * invVar - s - HALF_LOG_TWO_PI;
        entropy += s + 0.5 + HALF_LOG_TWO_PI;
        dLogprobHead[d] = diff * invVar;
        dLogprobLogstd.push(diff * diff * invVar - 1);
        dEntropyLogstd.push(1);
        if (penalty) {
          const oldMean = sample.oldHead![d]!;
          const oldLogstd = config.oldLogstd![d]!;
          const spread = Math.exp(2 * oldLogstd) + (oldMean - head[d]!) ** 2;
          kl += s - oldLogstd + 0.5 * spread * invVar - 0.5;
          dKlHead[d] = (head[d]! - oldMean) * invVar;
          dKlLogstd.push(1 - spread * invVar);
        } else {
          dKlLogstd.push(0);
        }
      }
    }
    const logratio = newLogprob - sample.oldLogprob;
    const ratio = Math.exp(logratio);
    let pg: number;
    let dPgLogprob: number;
    if (penalty) {
      pg = -A * ratio + beta * kl;
      dPgLogprob = -A * ratio;
    } else {
      const unclipped = -A * ratio;
      const clipped = -A * Math.min(Math.max(ratio, 1 - config.clipCoef), 1 + config.clipCoef);
      pg = Math.max(unclipped, clipped);
      dPgLogprob = unclipped >= clipped ? unclipped : 0;
    }
    const unclippedV = (value - sample.ret) ** 2;
    let valueLoss = 0.5 * unclippedV;
    let dValue = value - sample.ret;
    if (config.clipVloss) {
      const delta = value - sample.oldValue;
      const clippedValue = sample.oldValue + Math.min(Math.max(delta, -config.clipCoef), config.clipCoef);
      const clippedV = (clippedValue - sample.ret) ** 2;
      valueLoss = 0.5 * Math.max(unclippedV, clippedV);
      if (clippedV > unclippedV) dValue = Math.abs(delta) <= config.clipCoef ? clippedValue - sample.ret : 0;
    }
    const dHead = head.map((_, j) => (dPgLogprob * dLogprobHead[j]! - config.entCoef * dEntropyHead[j]! + beta * dKlHead[j]!) / B);
    dLogprobLogstd.forEach((dLogprob, d) => {
      gradient[agent.logstd!.offset + d]! += (dPgLogprob * dLogprob - config.entCoef * dEntropyLogstd[d]! + beta * dKlLogstd[d]!) / B;
    });
    networkBackward(theta, agent, 'actor', actorActs, dHead, gradient);
    networkBackward(theta, agent, 'critic', criticActs, [(config.vfCoef * dValue) / B], gradient);
    addTerms(sums, { policyLoss: pg, valueLoss, entropy, logratio, kl }, config.clipCoef);
  }
  return { terms: meanTerms(sums, B, config), gradient };
}

/** GAE(lambda), reset at episode ends, bootstrapped from V(s_T) and from V(final obs) on truncation; time-major [t][n]. */
/** A rollout's tail as GAE (and REINFORCE's ψ) read it: time-major [T][N] arrays, V(s_T) per environment. */
export interface ScanInput {
  rewards: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  finalValues: ArrayLike<number>;
  lastValues: ArrayLike<number>;
  numEnvs: number;
  gamma: number;
  lambda: number;
}

export function gaeReference(input: ScanInput): { advantages: Float64Array; returns: Float64Array } {
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

/** The masked logits as the kernels make them: MASKED_LOGIT where the mask is 0. */
export function maskLogits(head: number[], mask: number[] | undefined): number[] {
  return mask ? head.map((z, j) => (mask[j]! > 0.5 ? z : MASKED_LOGIT)) : head;
}

/** log-softmax over each head's slice of the concatenated logits. */
export function headsLogSoftmax(z: number[], heads: readonly number[]): number[] {
  const out: number[] = [];
  headStarts(heads).forEach((start, h) => out.push(...logSoftmax(z.slice(start, start + heads[h]!))));
  return out;
}
