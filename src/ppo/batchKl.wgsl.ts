/**
 * The policy's move in one iteration, measured over the whole batch after the update (owner: src/ppo/batchKl.ts),
 * and PPO-Penalty's adaptive coefficient (Schulman et al. 2017, section 4). With θ the parameters the update left
 * and π_old the rollout's policy:
 *
 *   d = (1/M) sum_s KL[π_old(·|s) ‖ π_θ(·|s)]      over the whole batch of M samples (every algorithm's statistic)
 *   H = (1/M) sum_s H[π_θ(·|s)]                    the new policy's mean entropy (TRPO's statistic)
 *   PPO-Penalty only (adapt_beta):
 *     β ← 2β   if d > 1.5 kl_target
 *     β ← β/2  if d < kl_target / 1.5
 *     β ← β    otherwise
 *
 * Two kernels:
 *   kl_partial  P = min(ceil(M / KL_WORKGROUP), maxPartials) workgroups; invocation (w, lane) runs the actor on
 *               samples s = w·WG + lane + k·WG·P and sums their exact KL (shaders/distributions.ts): categorical
 *               from the stored old logits, diagonal Gaussian from the stored old means and old log-std, and
 *               their entropy; partials[w] and partials[P + w] = the workgroup's two sums
 *   kl_finish   one workgroup: d and H into ppo_state (PpoState.kl, PpoState.entropy), and the β rule on
 *               ppo_state[PpoState.beta] when adapt_beta
 *
 * The observations in the rollout are already the networks' inputs (normalised when norm_obs), as the loss
 * kernel reads them. The target-KL early stop does not apply here: d is measured with whatever θ the update left.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { categoricalKlWgsl, categoricalWgsl, gaussianKlWgsl, gaussianWgsl } from '../../shaders/distributions.js';
import type { InlineLayer } from '../../shaders/mlp.js';
import type { InlineConv } from '../../shaders/conv.js';
import { networkWgsl } from '../agent/agent.wgsl.js';
import { hyperBinding } from './hyper.js';
import { PpoState } from './ppoState.js';
import { reduceOpWgsl, REDUCE_WORKGROUP, workgroupReduceWgsl } from '../../shaders/reductions.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { categoricalHeads, type ActionSpace, type BoxSpace } from '../envs/spec.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';

export const KL_WORKGROUP = 64;
/** Default bound on kl_partial's workgroups (and so on the partial sums kl_finish adds up). */
export const KL_MAX_PARTIALS = 1024;

/** Workgroups of kl_partial for a batch of `samples`: min(ceil(samples / KL_WORKGROUP), maxPartials). */
export function klPartialCount(samples: number, maxPartials: number): number {
  return Math.min(Math.ceil(samples / KL_WORKGROUP), maxPartials);
}

/** The same count in WGSL, from the storage's layout (store.m). */
function partialCountWgsl(maxPartials: number): string {
  return /* wgsl */ `
fn partial_count() -> u32 {
  return min((store.m + ${KL_WORKGROUP - 1}u) / ${KL_WORKGROUP}u, ${maxPartials}u);
}
`;
}

export interface KlPartialSpec {
  action: ActionSpace;
  obsSize: number;
  actor: InlineLayer[];
  /** The actor's convolutional encoder (grid observations). */
  actorConv?: InlineConv;
  logstdOffset: number;
  maxPartials: number;
  /** The rollout holds action masks. */
  masked: boolean;
}

export const klPartialBindings = bindingTable({
  params: readOnlyStorage('array<f32>'),
  rollout: readOnlyStorage('array<f32>'),
  /** Two sums per workgroup: the KL's [P], then the entropy's [P]. */
  partials: storage('array<f32>'),
  store: rolloutStoreBinding,
});

export const klFinishBindings = bindingTable({
  /** kl_target. */
  hyper: hyperBinding,
  partials: readOnlyStorage('array<f32>'),
  /** PPO's state (PpoState): β, adapted in place when adapt_beta; d and H written. */
  ppo_state: storage('array<f32>'),
  store: rolloutStoreBinding,
});

export function klPartialWgsl(spec: KlPartialSpec): string {
  const heads = categoricalHeads(spec.action);
  const discrete = heads !== undefined;
  const A = heads ? heads.reduce((a, b) => a + b, 0) : (spec.action as BoxSpace).size;
  const O = spec.obsSize;
  const WG = KL_WORKGROUP;
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${networkWgsl('actor', spec.actor, spec.actorConv, spec.obsSize)}
#if ${discrete}
${categoricalWgsl(heads ?? [])}
${categoricalKlWgsl(A)}
#else
${gaussianWgsl(A)}
${gaussianKlWgsl(A)}
#endif
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${partialCountWgsl(spec.maxPartials)}
${klPartialBindings.wgsl}
// KL[π_old(·|s) ‖ π_θ(·|s)] and H[π_θ(·|s)] of rollout sample s.
fn sample_kl_entropy(s: u32) -> vec2f {
  var x: array<f32, ${O}>;
  for (var f = 0u; f < ${O}u; f++) { x[f] = rollout[store.obs + f * store.m + s]; }
  var head: array<f32, ${A}>;
  actor_run(&x, &head);
  var old_head: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { old_head[j] = rollout[store.old_dist + j * store.m + s]; }
#if ${discrete}
#if ${spec.masked}
  // π_old's stored logits are already masked; π_θ's get the same mask.
  var mask: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { mask[j] = rollout[store.masks + j * store.m + s]; }
  categorical_apply_mask(&head, &mask);
#endif
  var logp: array<f32, ${A}>;
  var old_logp: array<f32, ${A}>;
  categorical_log_softmax(&head, &logp);
  categorical_log_softmax(&old_head, &old_logp);
  return vec2f(categorical_kl(&old_logp, &logp), categorical_entropy(&logp));
#else
  var logstd: array<f32, ${A}>;
  var old_logstd: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) {
    logstd[d] = params[${spec.logstdOffset}u + d];
    old_logstd[d] = rollout[store.old_dist + ${A}u * store.m + d];
  }
  return vec2f(gaussian_kl(&old_head, &old_logstd, &head, &logstd), gaussian_entropy(&logstd));
#endif
}

@compute @workgroup_size(${WG})
fn kl_partial(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u) {
  let count = partial_count();
  let stride = ${WG}u * count;
  var sum = vec2f(0.0);
  for (var s = wid.x * ${WG}u + lane; s < store.m; s += stride) { sum += sample_kl_entropy(s); }
  let kl = workgroup_reduce(lane, sum.x);
  let entropy = workgroup_reduce(lane, sum.y);
  if (lane == 0u) {
    partials[wid.x] = kl;
    partials[count + wid.x] = entropy;
  }
}
`;
}

/** kl_finish for at most `maxPartials` partial sums; `adaptBeta`: PPO-Penalty's β rule. */
export function klFinishWgsl(maxPartials: number, adaptBeta: boolean): string {
  const WG = REDUCE_WORKGROUP;
  return wgsl/* wgsl */ `
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${partialCountWgsl(maxPartials)}
${klFinishBindings.wgsl}
@compute @workgroup_size(${WG})
fn kl_finish(@builtin(local_invocation_index) lane: u32) {
  let count = partial_count();
  var kl_sum = 0.0;
  var entropy_sum = 0.0;
  for (var i = lane; i < count; i += ${WG}u) {
    kl_sum += partials[i];
    entropy_sum += partials[count + i];
  }
  let kl_total = workgroup_reduce(lane, kl_sum);
  let entropy_total = workgroup_reduce(lane, entropy_sum);
  if (lane == 0u) {
    let d = kl_total / f32(store.m);
#if ${adaptBeta}
    var beta = ppo_state[${PpoState.beta}];
    if (d > 1.5 * hyper.kl_target) {
      beta = beta * 2.0;
    } else if (d < hyper.kl_target / 1.5) {
      beta = beta * 0.5;
    }
    ppo_state[${PpoState.beta}] = beta;
#endif
    ppo_state[${PpoState.kl}] = d;
    ppo_state[${PpoState.entropy}] = entropy_total / f32(store.m);
  }
}
`;
}
