/**
 * Float64 references of TRPO's actor step (Schulman et al. 2015, as SB3-contrib's TRPO runs it), written from the
 * formulas that src/trpo/ implements on the GPU. Vectors are in the agent's flat parameter layout (length
 * table.size); only the actor's entries (its layers and, for box actions, actor_logstd: `actorIndices`) are ever
 * nonzero, and dot products run over them.
 *
 *   A_s      = (adv_s - mean) / (std + 1e-8)   (normAdv; std unbiased, over the whole batch)
 *   L(θ)     = (1/M) sum_s A_s exp(log π_θ(a_s|s) - log π_stored(a_s|s))          the surrogate, maximised
 *   KL(θ)    = (1/M) sum_s KL[π_old(·|s) ‖ π_θ(·|s)],   π_old = π at θ_old
 *   F v      = ∇²_θ KL · v at θ_old = (1/M) sum_s J_sᵀ M_s J_s v  (+ 2 v on each log-std entry, box)
 *              J_s = d head / d θ (logits or means), M_s = diag(p) - p pᵀ (categorical) or diag(1/σ²) (Gaussian);
 *              for several categorical heads (multi-discrete) M_s is block diagonal, one such block per head
 *   masks    an action mask sets the masked logits to MASKED_LOGIT before every softmax (π_old's and π_θ's):
 *            their probability is 0, so they add nothing to log π, the KL, M_s or any gradient
 *   x        = conjugate gradient on (F + λ I) x = g,  g = ∇L(θ_old)
 *   s        = sqrt(2 max_kl / xᵀ (F + λ I) x) x       (the damped product, as SB3-contrib and the original code)
 *   θ        = θ_old + f s for the first f in 1, shrink, shrink², ... with KL ≤ max_kl and L(θ) - L(θ_old) > 0,
 *              else θ_old
 */
import type { AgentLayout } from '../src/agent/agent.js';
import type { MlpLayer } from '../src/nn/mlp.js';
import { activationGrad, type Act } from './nn.js';
import { headsLogSoftmax, maskLogits, mlpActivations, mlpBackward, mlpForward } from './ppo.js';
import { categoricalHeads } from '../src/envs/spec.js';
import { headStarts } from '../shaders/distributions.js';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface TrpoSample {
  obs: number[];
  /** Categorical: one index per head; box: the raw sample. */
  action: number[];
  /** The action mask stored with the observation (1 allowed, 0 masked), over the concatenated logits. */
  mask?: number[];
  /** log π(a|s) stored by the rollout. */
  oldLogprob: number;
  advantage: number;
}

export interface TrpoReferenceConfig {
  maxKl: number;
  damping: number;
  cgIterations: number;
  /** CG stops once the residual norm is below this (SB3-contrib's residual_tol). */
  cgTolerance: number;
  lineSearchTries: number;
  lineSearchShrink: number;
  normAdv: boolean;
}

/** Flat indices of the actor's parameters: every actor layer's weight and bias, then actor_logstd (box). */
export function actorIndices(agent: AgentLayout): number[] {
  const views = agent.actor.flatMap((layer) => [layer.weight, layer.bias]);
  if (agent.logstd) views.push(agent.logstd);
  return views.flatMap((view) => Array.from({ length: view.size }, (_, i) => view.offset + i));
}

export function actorDot(agent: AgentLayout, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (const i of actorIndices(agent)) sum += a[i]! * b[i]!;
  return sum;
}

/** The batch's advantages as the step uses them (normalised over the whole batch when normAdv). */
export function stepAdvantages(samples: TrpoSample[], normAdv: boolean): number[] {
  const M = samples.length;
  const advantages = samples.map((s) => s.advantage);
  if (!normAdv) return advantages;
  const mean = advantages.reduce((a, b) => a + b, 0) / M;
  const std = M > 1 ? Math.sqrt(advantages.reduce((a, b) => a + (b - mean) ** 2, 0) / (M - 1)) : 0;
  return advantages.map((a) => (a - mean) / (std + 1e-8));
}

function logstdOf(theta: ArrayLike<number>, agent: AgentLayout): number[] {
  const view = agent.logstd!;
  return Array.from({ length: view.size }, (_, d) => theta[view.offset + d]!);
}

/** Head sizes of a categorical action space (one for discrete), or undefined for box. */
const headsOf = (agent: AgentLayout): number[] | undefined => categoricalHeads(agent.architecture.action);

/** Per-head log-probabilities of the (masked) logits. */
function categoricalLogp(agent: AgentLayout, head: number[], mask: number[] | undefined): number[] {
  return headsLogSoftmax(maskLogits(head, mask), headsOf(agent)!);
}

/** log π(a|s) from the head (logits or means) and, for box actions, the log-std; Σ over categorical heads. */
function logProb(agent: AgentLayout, head: number[], logstd: number[] | undefined, action: number[], mask?: number[]): number {
  const heads = headsOf(agent);
  if (heads) {
    const logp = categoricalLogp(agent, head, mask);
    return headStarts(heads).reduce((sum, start, h) => sum + logp[start + action[h]!]!, 0);
  }
  let lp = 0;
  head.forEach((mean, d) => {
    const u = (action[d]! - mean) / Math.exp(logstd![d]!);
    lp += -0.5 * u * u - logstd![d]! - HALF_LOG_TWO_PI;
  });
  return lp;
}

/** KL[old ‖ new] of one sample from both heads (and log-stds). */
function sampleKl(agent: AgentLayout, oldHead: number[], oldLogstd: number[] | undefined, head: number[], logstd: number[] | undefined, mask?: number[]): number {
  if (headsOf(agent)) {
    const oldLogp = categoricalLogp(agent, oldHead, mask);
    const logp = categoricalLogp(agent, head, mask);
    return oldLogp.reduce((sum, l, a) => sum + Math.exp(l) * (l - logp[a]!), 0);
  }
  let kl = 0;
  head.forEach((mean, d) => {
    const spread = Math.exp(2 * oldLogstd![d]!) + (oldHead[d]! - mean) ** 2;
    kl += logstd![d]! - oldLogstd![d]! + (0.5 * spread) / Math.exp(2 * logstd![d]!) - 0.5;
  });
  return kl;
}

/** L(θ) = mean_s A_s exp(log π_θ(a_s|s) - oldLogprob_s). */
export function surrogate(theta: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[], normAdv: boolean): number {
  const A = stepAdvantages(samples, normAdv);
  const logstd = agent.logstd ? logstdOf(theta, agent) : undefined;
  let sum = 0;
  samples.forEach((sample, s) => {
    const head = mlpForward(theta, agent.actor, sample.obs);
    sum += A[s]! * Math.exp(logProb(agent, head, logstd, sample.action, sample.mask) - sample.oldLogprob);
  });
  return sum / samples.length;
}

/**
 * ∇L(θ) by backpropagation: per sample, dL/d log π = A r / M, then
 *   categorical  d log π(a)/dz_j = [j = a_h] - p_j   (j in head h)
 *   Gaussian     d log π/dμ_d = (a_d - μ_d)/σ_d²,   d log π/ds_d = u_d² - 1   (u = (a - μ)/σ)
 */
export function surrogateGradient(theta: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[], normAdv: boolean): Float64Array {
  const M = samples.length;
  const A = stepAdvantages(samples, normAdv);
  const gradient = new Float64Array(theta.length);
  const logstd = agent.logstd ? logstdOf(theta, agent) : undefined;
  samples.forEach((sample, s) => {
    const ys = mlpActivations(theta, agent.actor, sample.obs);
    const head = ys[ys.length - 1]!;
    const weight = (A[s]! * Math.exp(logProb(agent, head, logstd, sample.action, sample.mask) - sample.oldLogprob)) / M;
    let dHead: number[];
    const heads = headsOf(agent);
    if (heads) {
      const p = categoricalLogp(agent, head, sample.mask).map(Math.exp);
      const chosen = new Set(headStarts(heads).map((start, h) => start + sample.action[h]!));
      dHead = p.map((pj, j) => weight * ((chosen.has(j) ? 1 : 0) - pj));
    } else {
      dHead = head.map((mean, d) => (weight * (sample.action[d]! - mean)) / Math.exp(2 * logstd![d]!));
      head.forEach((mean, d) => {
        const u = (sample.action[d]! - mean) / Math.exp(logstd![d]!);
        gradient[agent.logstd!.offset + d]! += weight * (u * u - 1);
      });
    }
    mlpBackward(theta, agent.actor, ys, dHead, gradient);
  });
  return gradient;
}

/** Mean KL[π_θold(·|s) ‖ π_θ(·|s)] over the samples. */
export function meanKl(thetaOld: ArrayLike<number>, theta: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[]): number {
  const oldLogstd = agent.logstd ? logstdOf(thetaOld, agent) : undefined;
  const logstd = agent.logstd ? logstdOf(theta, agent) : undefined;
  let sum = 0;
  for (const sample of samples) {
    sum += sampleKl(agent, mlpForward(thetaOld, agent.actor, sample.obs), oldLogstd, mlpForward(theta, agent.actor, sample.obs), logstd, sample.mask);
  }
  return sum / samples.length;
}

/**
 * ∇_θ of meanKl(θ_old, θ), by backpropagation:
 *   categorical  dKL/dz_j = p_j - p_old,j
 *   Gaussian     dKL/dμ_d = (μ_d - μ_old,d)/σ_d²,   dKL/ds_d = 1 - (σ_old,d² + (μ_old,d - μ_d)²)/σ_d²
 */
export function klGradient(thetaOld: ArrayLike<number>, theta: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[]): Float64Array {
  const M = samples.length;
  const gradient = new Float64Array(theta.length);
  const oldLogstd = agent.logstd ? logstdOf(thetaOld, agent) : undefined;
  const logstd = agent.logstd ? logstdOf(theta, agent) : undefined;
  for (const sample of samples) {
    const oldHead = mlpForward(thetaOld, agent.actor, sample.obs);
    const ys = mlpActivations(theta, agent.actor, sample.obs);
    const head = ys[ys.length - 1]!;
    let dHead: number[];
    if (headsOf(agent)) {
      const pOld = categoricalLogp(agent, oldHead, sample.mask).map(Math.exp);
      dHead = categoricalLogp(agent, head, sample.mask).map((l, j) => (Math.exp(l) - pOld[j]!) / M);
    } else {
      dHead = head.map((mean, d) => (mean - oldHead[d]!) / Math.exp(2 * logstd![d]!) / M);
      head.forEach((mean, d) => {
        const spread = Math.exp(2 * oldLogstd![d]!) + (oldHead[d]! - mean) ** 2;
        gradient[agent.logstd!.offset + d]! += (1 - spread / Math.exp(2 * logstd![d]!)) / M;
      });
    }
    mlpBackward(theta, agent.actor, ys, dHead, gradient);
  }
  return gradient;
}

/**
 * J v: the head's directional derivative along v (forward mode). With a_{-1} = x (tangent 0) and, per layer,
 * z_l = W_lᵀ a_{l-1} + b_l, a_l = f_l(z_l):   ż_l = V_Wlᵀ a_{l-1} + v_bl + W_lᵀ ȧ_{l-1},   ȧ_l = f_l'(z_l) ż_l.
 */
export function headTangent(theta: ArrayLike<number>, layers: MlpLayer[], ys: number[][], v: ArrayLike<number>): number[] {
  let tangent = new Array<number>(ys[0]!.length).fill(0);
  layers.forEach((layer, l) => {
    const { inputs: K, outputs: J, activation } = layer.shape;
    const input = ys[l]!;
    const output = ys[l + 1]!;
    const next = new Array<number>(J);
    for (let j = 0; j < J; j++) {
      let z = v[layer.bias.offset + j]!;
      for (let k = 0; k < K; k++) {
        const at = layer.weight.offset + k * J + j;
        z += v[at]! * input[k]! + theta[at]! * tangent[k]!;
      }
      next[j] = activationGrad(activation as Act, output[j]!) * z;
    }
    tangent = next;
  });
  return tangent;
}

/** F v (undamped) at θ, analytically: (1/M) sum_s J_sᵀ M_s J_s v, plus 2 v on the log-std entries (box). */
export function fisherVectorProduct(theta: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[], v: ArrayLike<number>): Float64Array {
  const M = samples.length;
  const out = new Float64Array(theta.length);
  const logstd = agent.logstd ? logstdOf(theta, agent) : undefined;
  for (const sample of samples) {
    const ys = mlpActivations(theta, agent.actor, sample.obs);
    const head = ys[ys.length - 1]!;
    const t = headTangent(theta, agent.actor, ys, v);
    let u: number[];
    const heads = headsOf(agent);
    if (heads) {
      // One block diag(p_h) - p_h p_hᵀ per head.
      const p = categoricalLogp(agent, head, sample.mask).map(Math.exp);
      u = new Array<number>(p.length);
      headStarts(heads).forEach((start, h) => {
        let pt = 0;
        for (let j = start; j < start + heads[h]!; j++) pt += p[j]! * t[j]!;
        for (let j = start; j < start + heads[h]!; j++) u[j] = (p[j]! * (t[j]! - pt)) / M;
      });
    } else {
      u = t.map((tj, d) => tj / Math.exp(2 * logstd![d]!) / M);
    }
    mlpBackward(theta, agent.actor, ys, u, out);
  }
  if (agent.logstd) {
    for (let d = 0; d < agent.logstd.size; d++) out[agent.logstd.offset + d] = 2 * v[agent.logstd.offset + d]!;
  }
  return out;
}

export interface ConjugateGradientResult {
  x: Float64Array;
  /** Iterations that ran (each with one matrix-vector product). */
  iterations: number;
  /** r·r after each iteration. */
  residuals: number[];
}

/**
 * Conjugate gradient from x = 0 on A x = b over the `indices` entries, as SB3-contrib's solver: stops after
 * `iterations` products, or once sqrt(r·r) < tolerance (before any product, or after an update).
 */
export function conjugateGradient(
  matvec: (v: Float64Array) => Float64Array,
  b: ArrayLike<number>,
  indices: number[],
  iterations: number,
  tolerance: number,
): ConjugateGradientResult {
  const n = b.length;
  const dot = (a: Float64Array, c: Float64Array) => indices.reduce((sum, i) => sum + a[i]! * c[i]!, 0);
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  const residuals: number[] = [];
  if (Math.sqrt(rr) < tolerance) return { x, iterations: 0, residuals };
  let done = 0;
  for (let it = 0; it < iterations; it++) {
    const ap = matvec(p);
    const alpha = rr / dot(p, ap);
    for (const i of indices) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    const next = dot(r, r);
    residuals.push(next);
    done = it + 1;
    if (Math.sqrt(next) < tolerance) break;
    const beta = next / rr;
    rr = next;
    for (const i of indices) p[i] = r[i]! + beta * p[i]!;
  }
  return { x, iterations: done, residuals };
}

export interface LineSearchResult {
  theta: Float64Array;
  accepted: boolean;
  /** The accepted fraction f (or the last one tried). */
  fraction: number;
  /** Candidates evaluated. */
  tries: number;
  /** Mean KL and surrogate improvement L(θ) - L(θ_old) of the last candidate evaluated. */
  kl: number;
  improvement: number;
}

/**
 * Backtracking from θ_old along `direction` scaled by `stepScale`: candidate c is θ_old + f_c stepScale direction
 * (actor entries), f_c = shrink^c; the first with mean KL ≤ max_kl and improvement > 0 is taken, else θ_old.
 */
export function lineSearch(
  thetaOld: ArrayLike<number>,
  direction: ArrayLike<number>,
  stepScale: number,
  agent: AgentLayout,
  samples: TrpoSample[],
  config: Pick<TrpoReferenceConfig, 'maxKl' | 'lineSearchTries' | 'lineSearchShrink' | 'normAdv'>,
): LineSearchResult {
  const indices = actorIndices(agent);
  const before = surrogate(thetaOld, agent, samples, config.normAdv);
  let fraction = 1;
  let kl = 0;
  let improvement = 0;
  for (let c = 0; c < config.lineSearchTries; c++) {
    const theta = Float64Array.from(thetaOld);
    for (const i of indices) theta[i]! += fraction * stepScale * direction[i]!;
    kl = meanKl(thetaOld, theta, agent, samples);
    improvement = surrogate(theta, agent, samples, config.normAdv) - before;
    if (kl <= config.maxKl && improvement > 0) return { theta, accepted: true, fraction, tries: c + 1, kl, improvement };
    if (c + 1 < config.lineSearchTries) fraction *= config.lineSearchShrink;
  }
  return { theta: Float64Array.from(thetaOld), accepted: false, fraction, tries: config.lineSearchTries, kl, improvement };
}

export interface TrpoStepResult {
  /** The parameters after the step (the critic's and the padding unchanged). */
  theta: Float64Array;
  g: Float64Array;
  x: Float64Array;
  cg: ConjugateGradientResult;
  /** xᵀ (F + λ I) x and sqrt(2 max_kl / that). */
  xAx: number;
  stepScale: number;
  surrogateOld: number;
  search: LineSearchResult;
}

/** One TRPO actor step from theta0 (see the header). */
export function trpoStep(theta0: ArrayLike<number>, agent: AgentLayout, samples: TrpoSample[], config: TrpoReferenceConfig): TrpoStepResult {
  const indices = actorIndices(agent);
  const g = surrogateGradient(theta0, agent, samples, config.normAdv);
  const damped = (v: Float64Array) => {
    const out = fisherVectorProduct(theta0, agent, samples, v);
    for (const i of indices) out[i]! += config.damping * v[i]!;
    return out;
  };
  const cg = conjugateGradient(damped, g, indices, config.cgIterations, config.cgTolerance);
  const xAx = actorDot(agent, cg.x, damped(cg.x));
  const surrogateOld = surrogate(theta0, agent, samples, config.normAdv);
  const stepScale = xAx > 0 ? Math.sqrt((2 * config.maxKl) / xAx) : 0;
  const search: LineSearchResult =
    xAx > 0
      ? lineSearch(theta0, cg.x, stepScale, agent, samples, config)
      : { theta: Float64Array.from(theta0), accepted: false, fraction: 1, tries: 0, kl: 0, improvement: 0 };
  return { theta: search.theta, g, x: cg.x, cg, xAx, stepScale, surrogateOld, search };
}

/** Solves the dense SPD system A x = b (Cholesky), for exact solutions in tests; A is n x n row-major. */
export function solveSpd(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError(`solveSpd: the matrix is not positive definite (pivot ${i} is ${sum})`);
        L[i * n + i] = Math.sqrt(sum);
      } else {
        L[i * n + j] = sum / L[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= L[i * n + k]! * y[k]!;
    y[i] = sum / L[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= L[k * n + i]! * x[k]!;
    x[i] = sum / L[i * n + i]!;
  }
  return x;
}
