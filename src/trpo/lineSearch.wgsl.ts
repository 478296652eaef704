/**
 * The line search's candidate kernel (owner: update.ts): the mean KL and the surrogate improvement of
 * θ_c = θ_old + c x over the whole batch, c = TrpoState.coef (step scale x fraction), x = the CG solution. The
 * parameters are never written here: the network reads each weight as params[i] + c x[i] (shaders/mlp.ts's
 * parameter reader), so the candidate costs one forward pass per sample and θ_old stays in place until the
 * solver's apply kernel writes the accepted candidate.
 *
 *   kl_s   = KL[π_old(·|s) ‖ π_c(·|s)]        π_old from old_dist (written by the surrogate pass), and for box
 *                                             actions the log-std of θ_old (params) and of θ_c
 *   gain_s = A_s (exp(log π_c(a_s|s) - log π_stored) - exp(log π_old(a_s|s) - log π_stored))
 *
 * so sum_s gain_s / M = L(θ_c) - L(θ_old), summed per sample rather than as a difference of two sums. Workgroup w
 * of P = ceil(M / (WG S)) writes its sums to partials[2w] (KL) and partials[2w + 1] (gain); the solver's decide
 * kernel adds them up. Once the search has ended (TrpoState.search_done) every later candidate returns at once.
 * Categorical heads: log π sums over the heads and the KL over every head's entries; the stored mask sets π_c's
 * masked logits to MASKED_LOGIT as π_old's were (both are then exactly 0 there).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { categoricalKlWgsl, categoricalWgsl, gaussianKlWgsl, gaussianWgsl } from '../../shaders/distributions.js';
import { mlpTiledWgsl, type InlineLayer } from '../../shaders/mlp.js';
import { reduceOpWgsl, workgroupReduceWgsl } from '../../shaders/reductions.js';
import { batchOf, forwardCode, LOSS_TILE, LOSS_WORKGROUP } from '../ppo/loss.wgsl.js';
import { rolloutStoreBinding } from '../ppo/storage.wgsl.js';
import { categoricalHeads, type ActionSpace } from '../envs/spec.js';
import { categoricalSampleWgsl, headSize } from './samples.wgsl.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';
import { trpoHyperBinding, trpoStateReadBinding } from './state.js';

export const CANDIDATE_WORKGROUP = LOSS_WORKGROUP;

export interface CandidateKernelSpec {
  action: ActionSpace;
  obsSize: number;
  actor: InlineLayer[];
  logstdOffset: number;
  /** Samples per invocation. */
  samples: number;
  /** The rollout holds action masks. */
  masked: boolean;
}

export const candidateBindings = bindingTable({
  hyper: trpoHyperBinding,
  params: readOnlyStorage('array<f32>'),
  /** x, the CG solution (the step direction), in the parameter layout. */
  direction: readOnlyStorage('array<f32>'),
  rollout: readOnlyStorage('array<f32>'),
  old_dist: readOnlyStorage('array<f32>'),
  /** coef, search_done, adv_mean, adv_std. */
  state: trpoStateReadBinding,
  /** Per workgroup: KL sum, gain sum. */
  partials: storage('array<f32>'),
  store: rolloutStoreBinding,
});

/** Workgroups (partial sums) of one candidate dispatch for a batch of M samples. */
export function candidatePartials(samples: number, perInvocation: number): number {
  return Math.ceil(samples / (CANDIDATE_WORKGROUP * perInvocation));
}

export function candidateWgsl(spec: CandidateKernelSpec): string {
  const heads = categoricalHeads(spec.action);
  const discrete = heads !== undefined;
  const A = headSize(spec.action);
  const O = spec.obsSize;
  const S = spec.samples;
  const WG = CANDIDATE_WORKGROUP;
  const L = spec.actor.length;
  const LS = spec.logstdOffset;
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${mlpTiledWgsl('candidate', spec.actor, S, LOSS_TILE, (index) => `(params[${index}] + coef * direction[${index}])`)}
${discrete ? `${categoricalWgsl(heads)}
${categoricalKlWgsl(A)}` : `${gaussianWgsl(A)}
${gaussianKlWgsl(A)}`}
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${candidateBindings.wgsl}
var<private> coef: f32;

// (kl_s, gain_s) of rollout sample s from the candidate's head.
fn sample_terms(s: u32, head: ptr<function, array<f32, ${A}>>) -> vec2f {
  let M = store.m;
  var advantage = rollout[store.advantages + s];
  if (hyper.norm_adv != 0u) {
    advantage = (advantage - state.adv_mean) / (state.adv_std + 1e-8);
  }
  let stored = rollout[store.logprobs + s];
#if ${discrete}
  var old_logp: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { old_logp[j] = old_dist[j * M + s]; }
${discrete ? categoricalSampleWgsl(spec.action, spec.masked, 'head') : ''}
  let kl = categorical_kl(&old_logp, &logp);
  let old_logprob = ${(heads ?? []).map((_, h) => `old_logp[action_${h}]`).join(' + ')};
#else
  var old_mean: array<f32, ${A}>;
  var old_logstd: array<f32, ${A}>;
  var logstd: array<f32, ${A}>;
  var sample: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) {
    old_mean[d] = old_dist[d * M + s];
    old_logstd[d] = params[${LS}u + d];
    logstd[d] = params[${LS}u + d] + coef * direction[${LS}u + d];
    sample[d] = rollout[store.actions + d * M + s];
  }
  let kl = gaussian_kl(&old_mean, &old_logstd, head, &logstd);
  let logprob = gaussian_log_prob(&sample, head, &logstd);
  let old_logprob = gaussian_log_prob(&sample, &old_mean, &old_logstd);
#endif
  return vec2f(kl, advantage * (exp(logprob - stored) - exp(old_logprob - stored)));
}

@compute @workgroup_size(${WG})
fn candidate_main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // state is a read-only binding: the flag is uniform, so this return keeps the reductions' barriers valid.
  if (state.search_done != 0u) { return; }
  coef = state.coef;
  let group = wid.x + wid.y * nwg.x;
  let block = group * ${WG * S}u + lane;
  var x: ${batchOf(O, S)};
  var samples: array<u32, ${S}>;
  for (var k = 0u; k < ${S}u; k++) {
    // Samples past the batch repeat its last one (computed, not counted).
    samples[k] = min(block + k * ${WG}u, store.m - 1u);
    for (var f = 0u; f < ${O}u; f++) { x[k][f] = rollout[store.obs + f * store.m + samples[k]]; }
  }
${forwardCode('candidate', spec.actor, S)}
  var sums = vec2f(0.0);
  for (var k = 0u; k < ${S}u; k++) {
    if (block + k * ${WG}u < store.m) { sums += sample_terms(samples[k], &candidate_y${L - 1}[k]); }
  }
  let kl = workgroup_reduce(lane, sums.x);
  let gain = workgroup_reduce(lane, sums.y);
  if (lane == 0u && group < (store.m + ${WG * S - 1}u) / ${WG * S}u) {
    partials[2u * group] = kl;
    partials[2u * group + 1u] = gain;
  }
}
`;
}
