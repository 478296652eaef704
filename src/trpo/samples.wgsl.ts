/**
 * TRPO's two per-sample kernels (owner: update.ts). Each has the PPO loss kernel's shape (LOSS_WORKGROUP
 * invocations of `samples` samples each over one chunk of the batch, with src/ppo/loss.wgsl.ts's forward and
 * backward code): it runs the actor forward at θ_old, sets dL/d head for its samples, backpropagates to every
 * layer's pre-activation gradient and writes the layer inputs and gradients to the scratch rows (src/ppo/scratch.ts,
 * actor only), from which the PPO gradient kernel forms sum_s input ⊗ dz (src/ppo/gradients.wgsl.ts).
 * Sample s of chunk column i is slot.chunk_start + i (the whole batch, in rollout order).
 *
 * surrogate_main: the gradient g of L(θ) = (1/M) sum_s A_s r_s, r_s = exp(log π_θ(a_s|s) - log π_stored(a_s|s)),
 *   A_s normalised with the batch's mean and std (TrpoState) when norm_adv:
 *     categorical  d/dz_j = (A r / M) ([j = a_h] - p_j)   for j in head h (log π = Σ_h log p(a_h), multi-discrete)
 *     Gaussian     d/dμ_d = (A r / M) (a_d - μ_d) / σ_d²,   d/ds_d = (A r / M) (u_d² - 1)   (log-std rows)
 *   The stat row gets A r / M (sums to L(θ_old)); old_dist gets π_old for the line search: the log-softmax
 *   (categorical) or the means (Gaussian), [A][M].
 *
 * fisher_main: F v = (1/M) sum_s J_sᵀ M_s J_s v at θ_old for the direction v in `direction` (parameter layout):
 *   J_s v = the head's tangent along v, by forward mode (shaders/mlp.ts mlpTangentTiledWgsl); then
 *     categorical  M_s t = p ⊙ t - p (pᵀ t)   per head        (the Hessian of KL[p_old ‖ softmax(z)] at z_old)
 *     Gaussian     M_s t = t / σ²,  and 2 v_s on each log-std entry (log-std rows: 2 v_s / M per sample)
 *   divided by M, is dL/d head; the backward pass applies J_sᵀ. No damping here (the CG kernel adds λ v).
 *   At θ_old the KL's gradient is zero, so this Gauss-Newton form is the KL's exact Hessian.
 *   The forward pass at θ_old is the same for every product of a step. With `cachedForward` the kernel does not
 *   recompute it: the surrogate pass of the same chunk left the inputs and hidden activations in the scratch rows
 *   and π_old's log-softmax in old_dist, which the kernel reads instead (and does not store the activation rows
 *   again). That needs the batch in one chunk, the surrogate pass run first, and an identity head.
 *
 * Action masks: each sample's stored mask sets its masked logits to MASKED_LOGIT before the softmax, as in the
 * rollout, so their p is exactly 0 and every term above (and π_old in old_dist) is over the allowed actions.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { categoricalWgsl, gaussianWgsl, headStarts } from '../../shaders/distributions.js';
import { mlpTangentTiledWgsl, mlpTiledWgsl, type InlineLayer } from '../../shaders/mlp.js';
import { ControlBlock } from '../nn/adam.wgsl.js';
import { slotBinding } from '../ppo/hyper.js';
import { backwardCode, batchOf, forwardCode, LOSS_TILE, LOSS_WORKGROUP, sampleEntryHead } from '../ppo/loss.wgsl.js';
import { rolloutStoreBinding } from '../ppo/storage.wgsl.js';
import { categoricalHeads, type ActionSpace } from '../envs/spec.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';
import { trpoHyperBinding, trpoStateReadBinding } from './state.js';

export interface SampleKernelSpec {
  action: ActionSpace;
  obsSize: number;
  actor: InlineLayer[];
  logstdOffset: number;
  /** Samples per invocation (src/ppo/loss.wgsl.ts lossSamplesFor). */
  samples: number;
  rows: {
    x: number;
    actorActivations: number[];
    actorDeltas: number[];
    stats: number;
    logstd: number;
  };
  surrogateStat: number;
  /** Fisher kernel: read θ_old's forward pass from the scratch rows and old_dist (see the header). */
  cachedForward?: boolean;
  /** The rollout holds action masks (applied to the logits before the softmax). */
  masked: boolean;
}

export const surrogateBindings = bindingTable({
  slot: slotBinding,
  hyper: trpoHyperBinding,
  params: readOnlyStorage('array<f32>'),
  rollout: readOnlyStorage('array<f32>'),
  control: readOnlyStorage(ControlBlock),
  /** adv_mean, adv_std. */
  state: trpoStateReadBinding,
  scratch: storage('array<f32>'),
  /** π_old per sample, [A][M]: log-softmax (categorical) or means (Gaussian). */
  old_dist: storage('array<f32>'),
  store: rolloutStoreBinding,
});

export const fisherBindings = bindingTable({
  slot: slotBinding,
  params: readOnlyStorage('array<f32>'),
  rollout: readOnlyStorage('array<f32>'),
  /** The direction v, in the parameter layout. */
  direction: readOnlyStorage('array<f32>'),
  /** skip: set once CG has stopped. */
  control: readOnlyStorage(ControlBlock),
  scratch: storage('array<f32>'),
  /** π_old's log-softmax, [A][M] (the surrogate pass's; read with cachedForward). */
  old_dist: readOnlyStorage('array<f32>'),
  store: rolloutStoreBinding,
});

/** Logits (every categorical head's, concatenated) or means (box). */
export function headSize(action: ActionSpace): number {
  return action.type === 'discrete' ? action.n : action.type === 'box' ? action.size : action.nvec.reduce((a, b) => a + b, 0);
}

/**
 * WGSL lines of a categorical sample s: its stored mask applied to the logits `head` (when masked), their
 * log-softmax `logp`, each head's stored action as an index into the concatenated logits (`action_<h>`) and
 * `logprob` = Σ_h logp[action_h]. `logits` false: `logp` is filled by the caller's line `fill` instead of from head.
 */
export function categoricalSampleWgsl(action: ActionSpace, masked: boolean, head: string, fill?: string): string {
  const heads = categoricalHeads(action)!;
  const A = headSize(action);
  const starts = headStarts(heads);
  const mask = masked
    ? `  var mask: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { mask[j] = rollout[store.masks + j * store.m + s]; }
  categorical_apply_mask(${head}, &mask);\n`
    : '';
  return `  var logp: array<f32, ${A}>;
${fill ?? `${mask}  categorical_log_softmax(${head}, &logp);`}
${heads.map((_, h) => `  let action_${h} = ${starts[h]}u + u32(rollout[store.actions + ${h}u * store.m + s]);`).join('\n')}
  let logprob = ${heads.map((_, h) => `logp[action_${h}]`).join(' + ')};`;
}

/**
 * The kernel's entry up to the forward pass: its samples (columns block + k·WG of the chunk; columns past the
 * chunk repeat its last sample, computed and never stored), their inputs `x` (stored to the x rows) and every
 * actor layer's output `actor_y<l>`.
 */
function entryCode(spec: SampleKernelSpec, entryPoint: string): string {
  const S = spec.samples;
  const O = spec.obsSize;
  return `
${sampleEntryHead(entryPoint, S)}
  var x: ${batchOf(O, S)};
  var samples: array<u32, ${S}>;
  for (var k = 0u; k < ${S}u; k++) {
    let i = block + k * ${LOSS_WORKGROUP}u;
    samples[k] = slot.chunk_start + min(i, slot.chunk_size - 1u);
    for (var f = 0u; f < ${O}u; f++) {
      x[k][f] = rollout[store.obs + f * store.m + samples[k]];
      if (i < slot.chunk_size) { scratch[(${spec.rows.x}u + f) * CHUNK + i] = x[k][f]; }
    }
  }
${forwardCode('actor', spec.actor, S)}`;
}

/**
 * The Fisher kernel's entry with a cached forward pass: the inputs `x` and hidden outputs `actor_y<l>` (l < L-1)
 * read back from the scratch rows (columns past the chunk repeat its last one); the head's outputs are not needed
 * (`actor_y<L-1>` stays zero: the identity head's derivative ignores it).
 */
function cachedEntryCode(spec: SampleKernelSpec, entryPoint: string): string {
  const S = spec.samples;
  const O = spec.obsSize;
  const L = spec.actor.length;
  const load = (array: string, width: number, row: number) =>
    `    for (var j = 0u; j < ${width}u; j++) { ${array}[k][j] = scratch[(${row}u + j) * CHUNK + column]; }`;
  const declarations = spec.actor.map((layer, l) => `  var actor_y${l}: ${batchOf(layer.outputs, S)};`).join('\n');
  const loads = spec.actor
    .slice(0, L - 1)
    .map((layer, l) => load(`actor_y${l}`, layer.outputs, spec.rows.actorActivations[l]!))
    .join('\n');
  return `
${sampleEntryHead(entryPoint, S)}
  var x: ${batchOf(O, S)};
  var samples: array<u32, ${S}>;
${declarations}
  for (var k = 0u; k < ${S}u; k++) {
    let column = min(block + k * ${LOSS_WORKGROUP}u, slot.chunk_size - 1u);
    samples[k] = slot.chunk_start + column;
${load('x', O, spec.rows.x)}
${loads}
  }`;
}

/** dL/d head of the invocation's samples from `call(k)` (columns past the chunk keep zeros), then backward. */
function headAndBackward(spec: SampleKernelSpec, call: (k: string) => string, storeActivations = true): string {
  const S = spec.samples;
  const L = spec.actor.length;
  return `
  var actor_d${L - 1}: ${batchOf(headSize(spec.action), S)};
  for (var k = 0u; k < ${S}u; k++) {
    let i = block + k * ${LOSS_WORKGROUP}u;
    if (i < slot.chunk_size) {
      ${call('k')};
    }
  }
${backwardCode('actor', spec.actor, storeActivations ? spec.rows.actorActivations : undefined, spec.rows.actorDeltas, S)}
}
`;
}

export function surrogateWgsl(spec: SampleKernelSpec): string {
  const heads = categoricalHeads(spec.action);
  const discrete = heads !== undefined;
  const A = headSize(spec.action);
  const L = spec.actor.length;
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${mlpTiledWgsl('actor', spec.actor, spec.samples, LOSS_TILE)}
${discrete ? categoricalWgsl(heads) : gaussianWgsl(A)}
${surrogateBindings.wgsl}
// Sample s (chunk column i): dL/d head into d_head, its log-std row, its stat row and π_old.
fn sample_surrogate(i: u32, s: u32, head: ptr<function, array<f32, ${A}>>, d_head: ptr<function, array<f32, ${A}>>) {
  let CHUNK = slot.scratch_stride;
  let M = store.m;
  var advantage = rollout[store.advantages + s];
  if (hyper.norm_adv != 0u) {
    advantage = (advantage - state.adv_mean) / (state.adv_std + 1e-8);
  }
#if ${discrete}
${discrete ? categoricalSampleWgsl(spec.action, spec.masked, 'head') : ''}
  let weight = advantage * exp(logprob - rollout[store.logprobs + s]) / f32(M);
  for (var j = 0u; j < ${A}u; j++) {
    (*d_head)[j] = -weight * exp(logp[j]);
    old_dist[j * M + s] = logp[j];
  }
${(heads ?? []).map((_, h) => `  (*d_head)[action_${h}] += weight;`).join('\n')}
#else
  var logstd: array<f32, ${A}>;
  var sample: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) {
    logstd[d] = params[${spec.logstdOffset}u + d];
    sample[d] = rollout[store.actions + d * M + s];
  }
  let weight = advantage * exp(gaussian_log_prob(&sample, head, &logstd) - rollout[store.logprobs + s]) / f32(M);
  for (var d = 0u; d < ${A}u; d++) {
    let inv_var = exp(-2.0 * logstd[d]);
    let u = sample[d] - (*head)[d];
    (*d_head)[d] = weight * u * inv_var;
    scratch[(${spec.rows.logstd}u + d) * CHUNK + i] = weight * (u * u * inv_var - 1.0);
    old_dist[d * M + s] = (*head)[d];
  }
#endif
  scratch[(${spec.rows.stats + spec.surrogateStat}u) * CHUNK + i] = weight;
}
${entryCode(spec, 'surrogate_main')}
${headAndBackward(spec, (k) => `sample_surrogate(i, samples[${k}], &actor_y${L - 1}[${k}], &actor_d${L - 1}[${k}])`)}
`;
}

export function fisherWgsl(spec: SampleKernelSpec): string {
  const heads = categoricalHeads(spec.action);
  const discrete = heads !== undefined;
  const A = headSize(spec.action);
  const L = spec.actor.length;
  const S = spec.samples;
  const cached = spec.cachedForward === true;
  if (cached && spec.actor[L - 1]!.activation !== 'identity') {
    throw new Error(`fisherWgsl: cachedForward needs an identity head; the actor's last layer is ${spec.actor[L - 1]!.activation}`);
  }
  const tangents = spec.actor
    .map((layer, l) => {
      const args = l === 0 ? `&x, &actor_y0, &actor_t0` : `&actor_y${l - 1}, &actor_t${l - 1}, &actor_y${l}, &actor_t${l}`;
      return `  var actor_t${l}: ${batchOf(layer.outputs, S)};\n  actor_tangent_s_${l}(${args});`;
    })
    .join('\n');
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${mlpTiledWgsl('actor', spec.actor, S, LOSS_TILE)}
${mlpTangentTiledWgsl('actor', spec.actor, S, LOSS_TILE, (index) => `direction[${index}]`)}
${discrete ? categoricalWgsl(heads) : ''}
${fisherBindings.wgsl}
// Sample s (chunk column i): dL/d head = M_s t / M from its head at θ_old and the head's tangent t = J_s v.
fn sample_fisher(i: u32, s: u32, head: ptr<function, array<f32, ${A}>>, tangent: ptr<function, array<f32, ${A}>>, d_head: ptr<function, array<f32, ${A}>>) {
  let inv_m = 1.0 / f32(store.m);
#if ${discrete}
  var logp: array<f32, ${A}>;
#if ${cached}
  // π_old's log-softmax as the surrogate pass stored it (masked logits included).
  for (var j = 0u; j < ${A}u; j++) { logp[j] = old_dist[j * store.m + s]; }
#else
#if ${spec.masked}
  var mask: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { mask[j] = rollout[store.masks + j * store.m + s]; }
  categorical_apply_mask(head, &mask);
#endif
  categorical_log_softmax(head, &logp);
#endif
  // One block diag(p_h) - p_h p_hᵀ per head h.
${(heads ?? [])
  .map((n, h) => {
    const start = headStarts(heads!)[h]!;
    return `  {
    var pt = 0.0;
    for (var j = ${start}u; j < ${start + n}u; j++) { pt += exp(logp[j]) * (*tangent)[j]; }
    for (var j = ${start}u; j < ${start + n}u; j++) { (*d_head)[j] = inv_m * exp(logp[j]) * ((*tangent)[j] - pt); }
  }`;
  })
  .join('\n')}
#else
  let CHUNK = slot.scratch_stride;
  for (var d = 0u; d < ${A}u; d++) {
    (*d_head)[d] = inv_m * (*tangent)[d] * exp(-2.0 * params[${spec.logstdOffset}u + d]);
    scratch[(${spec.rows.logstd}u + d) * CHUNK + i] = inv_m * 2.0 * direction[${spec.logstdOffset}u + d];
  }
#endif
}
${cached ? cachedEntryCode(spec, 'fisher_main') : entryCode(spec, 'fisher_main')}
${tangents}
${headAndBackward(spec, (k) => `sample_fisher(i, samples[${k}], &actor_y${L - 1}[${k}], &actor_t${L - 1}[${k}], &actor_d${L - 1}[${k}])`, !cached)}
`;
}
