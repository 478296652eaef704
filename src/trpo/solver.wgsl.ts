/**
 * TRPO's vector kernels (owner: update.ts): everything between the per-sample passes, on vectors in the flat
 * parameter layout restricted to the actor's N entries (its layers' block [0, ACTOR_END), padding included, which
 * stays zero, then actor_logstd), with every scalar in TrpoState (state.ts). All but the last run as ONE
 * workgroup: a lane handles entries k = lane, lane + WG, ... in every loop, so it only reads back what it wrote
 * itself, and the dot products are workgroup reductions; nothing is read by the host.
 *
 *   begin        the batch's advantage mean and unbiased std (A normalisation); every other state field zeroed
 *   cg_init      x = 0, r = g, p = g, rr = r·r; stop at once when sqrt(rr) < tol (control.skip set or cleared)
 *   cg_step      one CG iteration, given fv = F p (the Fisher pass, or any matrix-vector product):
 *                  Ap = fv + λ p;  α = rr / pᵀAp;  x += α p;  r -= α Ap;  rr' = r·r;  β = rr'/rr;  p = r + β p
 *                stops (cg_done, and control.skip so the following Fisher passes return at once) when
 *                sqrt(rr') < tol or pᵀAp is not positive; a stopped CG leaves x as it is
 *   step_size    given fv = F x: xAx = xᵀ(fv + λ x), step_scale = sqrt(2 max_kl / xAx); starts the line search
 *                (fraction 1, coef = step_scale), or ends it at once when the scale is not finite
 *   search_decide  adds up the candidate kernel's partial sums: KL = sum kl / M, improvement = sum gain / M;
 *                accepts when KL <= max_kl and improvement > 0, else fraction *= shrink (up to max_tries)
 *   apply_step   (many workgroups) θ = θ_old + coef x on the actor's entries when a candidate was accepted
 */
import { linearIndexWgsl } from '../../shaders/common.js';
import { reduceOpWgsl, workgroupReduceWgsl } from '../../shaders/reductions.js';
import { ControlBlock, nonFiniteWgsl } from '../nn/adam.wgsl.js';
import { rolloutStoreBinding } from '../ppo/storage.wgsl.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';
import { TrpoState, trpoHyperBinding, trpoStateWriteBinding } from './state.js';

export const SOLVER_WORKGROUP = 256;

export interface SolverSpec {
  /** Floats between the sections of the `cg` buffer (trpoVectorStride). */
  vectorStride: number;
  /** End of the actor's layers in the flat layout (they start at 0). */
  actorEnd: number;
  /** actor_logstd's offset and size (size 0: none). */
  logstdOffset: number;
  logstdSize: number;
  /** Workgroup size of the candidate kernel times its samples per invocation (for its partial count). */
  candidateSamples: number;
  /** Index of L(θ_old) in the surrogate pass's record. */
  surrogateRecord: number;
}

/** One table for every entry point (explicit layout: one bind group serves them all). */
export const solverBindings = bindingTable({
  hyper: trpoHyperBinding,
  state: trpoStateWriteBinding,
  /** CG's control block: skip, read by the Fisher passes on p, set when CG stops. */
  control: storage(ControlBlock),
  rollout: readOnlyStorage('array<f32>'),
  /** The surrogate pass's record: L(θ_old). */
  records: readOnlyStorage('array<f32>'),
  /** The candidate kernel's (KL, gain) sums per workgroup. */
  partials: readOnlyStorage('array<f32>'),
  /**
   * The CG vectors in one buffer (a kernel may bind at most 8 storage buffers): g = ∇L(θ_old), x, r, p, and F p
   * (during CG) or F x (for the step size), undamped, each a section of TRPO_VECTOR_STRIDE floats (TRPO_VECTORS).
   */
  cg: storage('array<f32>'),
  params: storage('array<f32>'),
  store: rolloutStoreBinding,
});

/** The CG vectors' sections of the `cg` buffer, in order. */
export const TRPO_VECTORS = ['g', 'x', 'r', 'p', 'fv'] as const;

/** Floats between sections: the flat parameter count rounded up to 64 (256 bytes, the storage offset alignment). */
export function trpoVectorStride(parameterCount: number): number {
  return Math.ceil(parameterCount / 64) * 64;
}

/** Actor entries of the vectors: N = actorEnd + logstdSize. */
export function solverEntries(spec: Pick<SolverSpec, 'actorEnd' | 'logstdSize'>): number {
  return spec.actorEnd + spec.logstdSize;
}

export function solverWgsl(spec: SolverSpec): string {
  const WG = SOLVER_WORKGROUP;
  const N = solverEntries(spec);
  const zero = (field: (typeof TrpoState.layout)[number]) => `  state.${field.name} = ${field.scalar === 'u32' ? '0u' : '0.0'};`;
  const reset = TrpoState.layout.filter((f) => f.name !== 'adv_mean' && f.name !== 'adv_std').map(zero).join('\n');
  return /* wgsl */ `
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${nonFiniteWgsl}
${linearIndexWgsl}
${solverBindings.wgsl}
${TRPO_VECTORS.map((name, k) => `const ${name.toUpperCase()}_AT: u32 = ${k * spec.vectorStride}u;`).join('\n')}
const N: u32 = ${N}u;
const ACTOR_END: u32 = ${spec.actorEnd}u;
const LOGSTD_OFFSET: u32 = ${spec.logstdOffset}u;

// The flat index of actor entry k < N.
fn flat(k: u32) -> u32 {
  return select(LOGSTD_OFFSET + k - ACTOR_END, k, k < ACTOR_END);
}

var<workgroup> shared_flag: u32;
var<workgroup> shared_value: f32;

@compute @workgroup_size(${WG})
fn begin(@builtin(local_invocation_index) lane: u32) {
  let M = store.m;
  var sum = 0.0;
  for (var s = lane; s < M; s += ${WG}u) { sum += rollout[store.advantages + s]; }
  let mean = workgroup_reduce(lane, sum) / f32(M);
  var squares = 0.0;
  for (var s = lane; s < M; s += ${WG}u) {
    let d = rollout[store.advantages + s] - mean;
    squares += d * d;
  }
  let total = workgroup_reduce(lane, squares);
  if (lane != 0u) { return; }
  state.adv_mean = mean;
  state.adv_std = select(0.0, sqrt(total / f32(M - 1u)), M > 1u);
${reset}
}

@compute @workgroup_size(${WG})
fn cg_init(@builtin(local_invocation_index) lane: u32) {
  var acc = 0.0;
  for (var k = lane; k < N; k += ${WG}u) {
    let i = flat(k);
    let gi = cg[G_AT + i];
    cg[X_AT + i] = 0.0;
    cg[R_AT + i] = gi;
    cg[P_AT + i] = gi;
    acc += gi * gi;
  }
  let rr = workgroup_reduce(lane, acc);
  if (lane != 0u) { return; }
  let done = sqrt(rr) < hyper.cg_tolerance;
  state.rr = rr;
  state.cg_iterations = 0u;
  state.cg_done = select(0u, 1u, done);
  control.skip = select(0u, 1u, done);
}

@compute @workgroup_size(${WG})
fn cg_step(@builtin(local_invocation_index) lane: u32) {
  if (lane == 0u) {
    shared_flag = state.cg_done;
    shared_value = state.rr;
  }
  // The flag through workgroup memory is uniform: a stopped CG returns before any barrier.
  if (workgroupUniformLoad(&shared_flag) != 0u) { return; }
  let rr = shared_value;
  let damping = hyper.damping;
  var acc = 0.0;
  for (var k = lane; k < N; k += ${WG}u) {
    let i = flat(k);
    acc += cg[P_AT + i] * (cg[FV_AT + i] + damping * cg[P_AT + i]);
  }
  let pap = workgroup_reduce(lane, acc);
  let ratio = rr / pap;
  let ok = pap > 0.0 && !is_non_finite(ratio);
  let alpha = select(0.0, ratio, ok);
  var squares = 0.0;
  for (var k = lane; k < N; k += ${WG}u) {
    let i = flat(k);
    cg[X_AT + i] = cg[X_AT + i] + alpha * cg[P_AT + i];
    let ri = cg[R_AT + i] - alpha * (cg[FV_AT + i] + damping * cg[P_AT + i]);
    cg[R_AT + i] = ri;
    squares += ri * ri;
  }
  let next = workgroup_reduce(lane, squares);
  let beta = next / rr;
  for (var k = lane; k < N; k += ${WG}u) {
    let i = flat(k);
    cg[P_AT + i] = cg[R_AT + i] + beta * cg[P_AT + i];
  }
  if (lane != 0u) { return; }
  state.rr = next;
  state.alpha = alpha;
  state.beta = beta;
  state.cg_iterations += 1u;
  if (!ok || sqrt(next) < hyper.cg_tolerance) {
    state.cg_done = 1u;
    control.skip = 1u;
  }
}

@compute @workgroup_size(${WG})
fn step_size(@builtin(local_invocation_index) lane: u32) {
  var acc = 0.0;
  for (var k = lane; k < N; k += ${WG}u) {
    let i = flat(k);
    acc += cg[X_AT + i] * (cg[FV_AT + i] + hyper.damping * cg[X_AT + i]);
  }
  let xax = workgroup_reduce(lane, acc);
  if (lane != 0u) { return; }
  let scale = sqrt(2.0 * hyper.max_kl / xax);
  let ok = xax > 0.0 && !is_non_finite(scale);
  state.xax = xax;
  state.step_scale = select(0.0, scale, ok);
  state.coef = state.step_scale;
  state.fraction = 1.0;
  state.tries = 0u;
  state.accepted = 0u;
  state.search_done = select(1u, 0u, ok);
  state.kl = 0.0;
  state.improvement = 0.0;
  state.surrogate_old = records[${spec.surrogateRecord}u];
}

@compute @workgroup_size(${WG})
fn search_decide(@builtin(local_invocation_index) lane: u32) {
  let count = (store.m + ${spec.candidateSamples - 1}u) / ${spec.candidateSamples}u;
  var kl = 0.0;
  var gain = 0.0;
  for (var w = lane; w < count; w += ${WG}u) {
    kl += partials[2u * w];
    gain += partials[2u * w + 1u];
  }
  let kl_total = workgroup_reduce(lane, kl);
  let gain_total = workgroup_reduce(lane, gain);
  if (lane != 0u || state.search_done != 0u) { return; }
  let mean_kl = kl_total / f32(store.m);
  let improvement = gain_total / f32(store.m);
  state.tries += 1u;
  state.kl = mean_kl;
  state.improvement = improvement;
  if (mean_kl <= hyper.max_kl && improvement > 0.0) {
    state.accepted = 1u;
    state.search_done = 1u;
  } else if (state.tries >= hyper.max_tries) {
    state.search_done = 1u;
  } else {
    state.fraction = state.fraction * hyper.shrink;
    state.coef = state.step_scale * state.fraction;
  }
}

@compute @workgroup_size(${WG})
fn apply_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let k = linear_index(gid, nwg, ${WG}u);
  if (k >= N || state.accepted == 0u) { return; }
  let i = flat(k);
  params[i] = params[i] + state.coef * cg[X_AT + i];
}
`;
}
