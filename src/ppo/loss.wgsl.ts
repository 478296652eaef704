/**
 * The fused minibatch kernel of the PPO update (owner: src/ppo/update.ts): one invocation per sample of a
 * minibatch chunk runs the actor and critic forward, the PPO loss, and the backward pass down to each layer's
 * pre-activation gradient, and writes the layer inputs and gradients to the scratch rows (src/ppo/scratch.ts),
 * from which the gradient kernel forms dW = sum_b input ⊗ dz and db = sum_b dz. Everything is divided by the
 * minibatch size here, so the sums are the gradients of CleanRL's minibatch means:
 *
 *   A      = (adv - mean_mb) / (std_mb + 1e-8)                   (when norm_adv)
 *   r      = exp(log pi(a|s) - log pi_old(a|s))
 *   clip:    L_pg = max(-A r, -A clip(r, 1 - c, 1 + c));  dL_pg/dlog pi = -A r where the unclipped term is the
 *            max, else 0
 *   penalty: L_pg = -A r + beta KL(pi_old || pi);           dL_pg/dlog pi = -A r, plus beta dKL
 *   L_v    = ½ max((V - R)², (V_old + clip(V - V_old, -c, c) - R)²)   (clip_vloss; else ½ (V - R)²)
 *   L      = L_pg - ent_coef H + vf_coef L_v
 *   critic:  L = vf_coef L_v alone (TRPO's critic regression: no actor forward or backward, policy rows 0)
 *
 * with the distribution derivatives of shaders/distributions.ts: for several categorical heads log π and H are sums
 * over the heads and dH/dz_j uses H_h of j's head; masked logits (the stored mask) are MASKED_LOGIT, where p, the
 * loss and its gradient are 0. Per-sample statistics (pg loss, value loss, entropy, both approx-KL estimators,
 * clipped indicator, exact KL) go to the stat rows, also divided by MB.
 *
 * With convolutional encoders (grid observations) layer 0 of each network is the convolution fused into the first
 * dense layer (shaders/conv.ts), whose output goes to the scratch rows as layer 0's input; after the backward the
 * convolution's dL/dz goes to its own rows, from which src/ppo/convGradients.wgsl.ts forms the convolution's gradient.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { categoricalWgsl, gaussianWgsl, headStarts } from '../../shaders/distributions.js';
import { mlpInlineWgsl, mlpTiledWgsl, type InlineLayer } from '../../shaders/mlp.js';
import { convEncodeTiledWgsl, type InlineConv } from '../../shaders/conv.js';
import { ControlBlock } from '../nn/adam.wgsl.js';
import { hyperBinding, slotBinding } from './hyper.js';
import { categoricalHeads, type ActionSpace, type BoxSpace } from '../envs/spec.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';

export const LOSS_WORKGROUP = 64;
/** Outputs per register tile of the network code in TRPO's per-sample kernels. */
export const LOSS_TILE = 4;

/**
 * Samples per invocation (a workgroup apart; compile-time) of TRPO's per-sample kernels and of the loss kernel at
 * small chunks: each weight load then feeds that many FMAs. Four beat one and two on lavapipe even when it leaves
 * a small minibatch to one workgroup.
 */
export function lossSamplesFor(chunk: number): number {
  return chunk > 0 ? 4 : 1;
}

/**
 * Floats per private array of the loss kernel (S samples x the widest layer) above which a layout is not used: a
 * software adapter can lose the device on large private arrays (SwiftShader did at 1,024 floats), and a lost
 * device would end the run. 512 admits S = 8 on 64-wide layers.
 */
export const LOSS_PRIVATE_FLOATS_MAX = 512;

/** The widest layer input or output of the networks (what the private arrays' size is S times). */
export function widestLayer(...networks: readonly InlineLayer[][]): number {
  return Math.max(...networks.flat().flatMap((layer) => [layer.inputs, layer.outputs]));
}

/**
 * The loss kernel's default layout: S samples per invocation (each weight load feeds S FMAs) and T outputs per
 * register tile (each activation load feeds T FMAs; S x T accumulators). From chunks of 512 samples, 8 x 8 beat
 * 4 x 4 on lavapipe and on SwiftShader in the kernel lab (`npm run bench:kernels -- gradients`) where the private
 * arrays allow it; smaller chunks keep 4 x 4, which builds faster (the tuner tries the others on the adapter).
 */
export function lossLayoutFor(chunk: number, widest: number): { samples: number; tile: number } {
  if (chunk >= 512 && 8 * widest <= LOSS_PRIVATE_FLOATS_MAX) return { samples: 8, tile: 8 };
  return { samples: lossSamplesFor(chunk), tile: 4 };
}

export interface LossKernelSpec {
  action: ActionSpace;
  obsSize: number;
  actor: InlineLayer[];
  critic: InlineLayer[];
  /** The networks' convolutional encoders (grid observations): they compute layer 0 from x. */
  actorConv?: InlineConv;
  criticConv?: InlineConv;
  logstdOffset: number;
  /** 'critic': TRPO's critic regression (the value loss alone; the actor's parts are left out). */
  algo: 'clip' | 'penalty' | 'critic';
  /** Samples per invocation (lossLayoutFor). */
  samples: number;
  /** Outputs per register tile (lossLayoutFor). */
  tile: number;
  /** The rollout holds action masks (applied to the logits before the loss). */
  masked: boolean;
  rows: {
    x: number;
    actorActivations: number[];
    criticActivations: number[];
    actorDeltas: number[];
    criticDeltas: number[];
    stats: number;
    logstd: number;
    /** First rows of the encoders' outputs and of their dL/dz (with the encoders). */
    actorConv?: number;
    criticConv?: number;
    actorConvDelta?: number;
    criticConvDelta?: number;
  };
  stat: { policyLoss: number; valueLoss: number; entropy: number; oldApproxKl: number; approxKl: number; clipFraction: number; kl: number };
}

/** The invocation's samples as 2-D arrays: `${net}_y<l>` is array<array<f32, width>, samples>. */
export function batchOf(width: number, samples: number): string {
  return `array<array<f32, ${width}>, ${samples}>`;
}

/**
 * The head of a per-sample kernel over one chunk (the loss kernel's and TRPO's): the entry point, the skip flag
 * (target-KL stop or line search done), and `block`, this invocation's first chunk column. Its samples are
 * block + k·LOSS_WORKGROUP for k < S, so neighbouring lanes use neighbouring columns; CHUNK is the scratch stride.
 */
export function sampleEntryHead(entryPoint: string, S: number): string {
  return `@compute @workgroup_size(${LOSS_WORKGROUP})
fn ${entryPoint}(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (control.skip != 0u) { return; }
  let CHUNK = slot.scratch_stride;
  let block = (wid.x + wid.y * nwg.x) * ${LOSS_WORKGROUP * S}u + lane;
  if (block >= slot.chunk_size) { return; }`;
}

/**
 * Forward through every layer for the invocation's samples (input `x`), keeping each layer's output in
 * `${net}_y<l>`. Also used by TRPO's kernels (src/trpo/), which follow the same conventions.
 */
export function forwardCode(net: string, layers: InlineLayer[], samples: number): string {
  return layers
    .map((layer, l) => `  var ${net}_y${l}: ${batchOf(layer.outputs, samples)};\n  ${net}_forward_s_${l}(&${l === 0 ? 'x' : `${net}_y${l - 1}`}, &${net}_y${l});`)
    .join('\n');
}

/**
 * The same through a network with a convolutional encoder: `${net}_encode_s` (shaders/conv.ts) computes layer 0 for
 * the invocation's samples, storing the convolution's output to its scratch rows, then the tiled layers 1..L-1.
 */
function encodedForwardCode(net: string, layers: InlineLayer[], samples: number): string {
  const first = `  var ${net}_y0: ${batchOf(layers[0]!.outputs, samples)};
  ${net}_encode_s(&x, &${net}_y0, block);`;
  const rest = layers
    .slice(1)
    .map((layer, i) => `  var ${net}_y${i + 1}: ${batchOf(layer.outputs, samples)};\n  ${net}_forward_s_${i + 1}(&${net}_y${i}, &${net}_y${i + 1});`);
  return [first, ...rest].join('\n');
}

/**
 * After backwardCode: dL/dz of the convolution per sample, dz[q] = [a[q] > 0] sum_j W_0[q][j] dz_0[j] for the
 * flat output q = p·Cout + c (a read back from its scratch rows), stored to the encoder's delta rows.
 */
function encoderBackwardCode(net: string, conv: InlineConv, dense: InlineLayer, rows: { output: number; delta: number }, samples: number): string {
  const Q = conv.outHeight * conv.outWidth * conv.outputChannels;
  const J = dense.outputs;
  // The invocation's samples together: each weight load feeds one FMA per sample (columns past the chunk are
  // computed on the last column and not stored).
  const S = Array.from({ length: samples }, (_, k) => k);
  return `  for (var q = 0u; q < ${Q}u; q++) {
    let row = ${dense.weightOffset}u + q * ${J}u;
${S.map((k) => `    var g${k} = 0.0;`).join('\n')}
    for (var j = 0u; j < ${J}u; j++) {
      let w = params[row + j];
${S.map((k) => `      g${k} = fma(w, ${net}_d0[${k}][j], g${k});`).join('\n')}
    }
${S.map(
  (k) => `    {
      let i = block + ${k * LOSS_WORKGROUP}u;
      if (i < slot.chunk_size) { scratch[(${rows.delta}u + q) * CHUNK + i] = select(0.0, g${k}, scratch[(${rows.output}u + q) * CHUNK + i] > 0.0); }
    }`,
).join('\n')}
  }`;
}

/** The network's WGSL for the loss kernel: its tiled layers, and with an encoder the fused layer 0 that stores. */
function lossNetworkWgsl(net: string, layers: InlineLayer[], conv: InlineConv | undefined, outputRow: number | undefined, samples: number, tile: number): string {
  if (!conv) return mlpInlineWgsl(net, layers) + mlpTiledWgsl(net, layers, samples, tile);
  const store = (index: string, value: string, s: number) =>
    `if (block + ${s * LOSS_WORKGROUP}u < slot.chunk_size) { scratch[(${outputRow}u + ${index}) * slot.scratch_stride + block + ${s * LOSS_WORKGROUP}u] = ${value}; }`;
  return convEncodeTiledWgsl(net, conv, layers[0]!, samples, store) + mlpTiledWgsl(net, layers, samples, tile, undefined, 1);
}

/**
 * Backward from `${net}_d<L-1>` (dL/d output, set by the loss): each layer's dL/dz is stored to its delta rows and,
 * above the first layer, propagated to the layer below; the hidden activations (inputs of layers >= 1) are stored
 * too (unless `activationRows` is undefined: a kernel whose rows already hold them). Columns of samples past the
 * chunk are not written. The kernel defines `block` (its first column), `CHUNK`
 * (the row stride) and binds `slot` (chunk_size) and `scratch`; TRPO's kernels (src/trpo/) do the same.
 */
export function backwardCode(net: string, layers: InlineLayer[], activationRows: number[] | undefined, deltaRows: number[], samples: number): string {
  const lines: string[] = [];
  const store = (row: number, width: number, array: string) =>
    `  for (var k = 0u; k < ${samples}u; k++) {
    let i = block + k * ${LOSS_WORKGROUP}u;
    if (i < slot.chunk_size) { for (var j = 0u; j < ${width}u; j++) { scratch[(${row}u + j) * CHUNK + i] = ${array}[k][j]; } }
  }`;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    lines.push(`  ${net}_output_grad_s_${l}(&${net}_d${l}, &${net}_y${l});`);
    lines.push(store(deltaRows[l]!, layer.outputs, `${net}_d${l}`));
    if (l > 0) {
      lines.push(`  var ${net}_d${l - 1}: ${batchOf(layer.inputs, samples)};`);
      lines.push(`  ${net}_input_grad_s_${l}(&${net}_d${l}, &${net}_d${l - 1});`);
      if (activationRows) lines.push(store(activationRows[l - 1]!, layer.inputs, `${net}_y${l - 1}`));
    }
  }
  return lines.join('\n');
}

export const lossBindings = bindingTable({
  slot: slotBinding,
  hyper: hyperBinding,
  params: readOnlyStorage('array<f32>'),
  rollout: readOnlyStorage('array<f32>'),
  perm: readOnlyStorage('array<u32>'),
  mb_adv: readOnlyStorage('array<f32>'),
  control: readOnlyStorage(ControlBlock),
  /** Rows of the chunk's samples; the row stride is slot.scratch_stride. */
  scratch: storage('array<f32>'),
  /** [0] = beta. */
  ppo_state: readOnlyStorage('array<f32>'),
  store: rolloutStoreBinding,
});

export function ppoLossWgsl(spec: LossKernelSpec): string {
  const heads = categoricalHeads(spec.action) ?? [];
  const discrete = heads.length > 0;
  const starts = headStarts(heads);
  const A = discrete ? heads.reduce((a, b) => a + b, 0) : (spec.action as BoxSpace).size;
  const O = spec.obsSize;
  const L = spec.actor.length;
  const Lc = spec.critic.length;
  const penalty = spec.algo === 'penalty';
  /** 'critic': TRPO's critic regression, no actor at all. */
  const actor = spec.algo !== 'critic';
  const S = spec.samples;
  const st = spec.stat;
  const statRow = (index: number) => `scratch[(${spec.rows.stats + index}u) * CHUNK + i]`;
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${lossNetworkWgsl('critic', spec.critic, spec.criticConv, spec.rows.criticConv, S, spec.tile)}
#if ${actor}
${actor ? lossNetworkWgsl('actor', spec.actor, spec.actorConv, spec.rows.actorConv, S, spec.tile) : ''}
#if ${discrete}
${categoricalWgsl(heads)}
#else
${gaussianWgsl(A)}
#endif
#endif
${lossBindings.wgsl}
// The value loss of one sample (rollout sample s) at the critic's output value; writes dL/d value (already / MB).
fn sample_value_loss(s: u32, value: f32, d_value: ptr<function, array<f32, 1>>) -> f32 {
  let value_target = rollout[store.returns + s];
  let old_value = rollout[store.values + s];
  let unclipped = (value - value_target) * (value - value_target);
  var value_loss = 0.5 * unclipped;
  var value_grad = value - value_target;
  if (hyper.clip_vloss != 0u) {
    let delta = value - old_value;
    let clipped_value = old_value + clamp(delta, -hyper.clip_coef, hyper.clip_coef);
    let clipped = (clipped_value - value_target) * (clipped_value - value_target);
    value_loss = 0.5 * max(unclipped, clipped);
    // Through the clipped branch the gradient flows only inside the clip range.
    let clipped_grad = select(0.0, clipped_value - value_target, abs(delta) <= hyper.clip_coef);
    value_grad = select(clipped_grad, value - value_target, unclipped >= clipped);
  }
  (*d_value)[0] = hyper.inv_minibatch * hyper.vf_coef * value_grad;
  return value_loss;
}

#if ${actor}
// The loss of one sample (rollout sample s, scratch column i) from the networks' outputs: writes dL/d head and
// dL/d value (already / MB), the sample's statistic rows and, for Gaussian policies, its log-std gradient row.
fn sample_loss(i: u32, s: u32, head: ptr<function, array<f32, ${A}>>, value: f32, d_head: ptr<function, array<f32, ${A}>>, d_value: ptr<function, array<f32, 1>>) {
  let CHUNK = slot.scratch_stride;
  let inv_mb = hyper.inv_minibatch;
  var advantage = rollout[store.advantages + s];
  if (hyper.norm_adv != 0u) {
    advantage = (advantage - mb_adv[2u * slot.minibatch]) / (mb_adv[2u * slot.minibatch + 1u] + 1e-8);
  }
#if ${discrete}
#if ${spec.masked}
  var mask: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { mask[j] = rollout[store.masks + j * store.m + s]; }
  categorical_apply_mask(head, &mask);
#endif
  var logp: array<f32, ${A}>;
  categorical_log_softmax(head, &logp);
  // Per head h: its action (as an index into the concatenated logits) and its entropy H_h.
${heads.map((_, h) => `  let action_${h} = ${starts[h]}u + u32(rollout[store.actions + ${h}u * store.m + s]);
  let entropy_${h} = categorical_head_entropy_${h}(&logp);`).join('\n')}
  let new_logprob = ${heads.map((_, h) => `logp[action_${h}]`).join(' + ')};
  let entropy = ${heads.map((_, h) => `entropy_${h}`).join(' + ')};
#else
  var logstd: array<f32, ${A}>;
  var sample: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) {
    logstd[d] = params[${spec.logstdOffset}u + d];
    sample[d] = rollout[store.actions + d * store.m + s];
  }
  let new_logprob = gaussian_log_prob(&sample, head, &logstd);
  let entropy = gaussian_entropy(&logstd);
#endif
  let logratio = new_logprob - rollout[store.logprobs + s];
  let ratio = exp(logratio);
#if ${penalty}
  let beta = ppo_state[0];
  var kl = 0.0;
  let pg_loss = -advantage * ratio;
  let grad_logprob = -advantage * ratio;
#else
  let kl = 0.0;
  let pg_unclipped = -advantage * ratio;
  let pg_clipped = -advantage * clamp(ratio, 1.0 - hyper.clip_coef, 1.0 + hyper.clip_coef);
  let pg_loss = max(pg_unclipped, pg_clipped);
  let grad_logprob = select(0.0, pg_unclipped, pg_unclipped >= pg_clipped);
#endif

#if ${discrete}
${heads.map((n, h) => `  for (var j = ${starts[h]}u; j < ${starts[h]! + n}u; j++) {
    let p = exp(logp[j]);
    let dlogp = select(0.0, 1.0, j == action_${h}) - p;
    // -ent_coef dH/dz_j = ent_coef p_j (log p_j + H_h) for j in head h (0 for a masked j: p_j = 0)
    (*d_head)[j] = inv_mb * (grad_logprob * dlogp + hyper.ent_coef * p * (logp[j] + entropy_${h}));
  }`).join('\n')}
#if ${penalty}
  var old_logits: array<f32, ${A}>;
  var old_logp: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) { old_logits[j] = rollout[store.old_dist + j * store.m + s]; }
  categorical_log_softmax(&old_logits, &old_logp);
  for (var j = 0u; j < ${A}u; j++) {
    let p_old = exp(old_logp[j]);
    kl += p_old * (old_logp[j] - logp[j]);
    (*d_head)[j] += inv_mb * beta * (exp(logp[j]) - p_old);
  }
#endif
#else
  for (var d = 0u; d < ${A}u; d++) {
    let inv_var = exp(-2.0 * logstd[d]);
    let u = sample[d] - (*head)[d];
    (*d_head)[d] = inv_mb * grad_logprob * u * inv_var;
    // log-std: dlogp/ds = u² e^{-2s} - 1; dH/ds = 1.
    scratch[(${spec.rows.logstd}u + d) * CHUNK + i] = inv_mb * (grad_logprob * (u * u * inv_var - 1.0) - hyper.ent_coef);
  }
#if ${penalty}
  for (var d = 0u; d < ${A}u; d++) {
    let old_mean = rollout[store.old_dist + d * store.m + s];
    let old_logstd = rollout[store.old_dist + ${A}u * store.m + d];
    let inv_var = exp(-2.0 * logstd[d]);
    let spread = exp(2.0 * old_logstd) + (old_mean - (*head)[d]) * (old_mean - (*head)[d]);
    kl += logstd[d] - old_logstd + 0.5 * spread * inv_var - 0.5;
    (*d_head)[d] += inv_mb * beta * ((*head)[d] - old_mean) * inv_var;
    scratch[(${spec.rows.logstd}u + d) * CHUNK + i] += inv_mb * beta * (1.0 - spread * inv_var);
  }
#endif
#endif

  let value_loss = sample_value_loss(s, value, d_value);
#if ${penalty}
  let total_pg = pg_loss + beta * kl;
#else
  let total_pg = pg_loss;
#endif

  ${statRow(st.policyLoss)} = inv_mb * total_pg;
  ${statRow(st.valueLoss)} = inv_mb * value_loss;
  ${statRow(st.entropy)} = inv_mb * entropy;
  ${statRow(st.oldApproxKl)} = inv_mb * -logratio;
  ${statRow(st.approxKl)} = inv_mb * ((ratio - 1.0) - logratio);
  ${statRow(st.clipFraction)} = inv_mb * select(0.0, 1.0, abs(ratio - 1.0) > hyper.clip_coef);
  ${statRow(st.kl)} = inv_mb * kl;
}
#else
// The critic regression's sample (TRPO): the value loss alone; the policy's statistic rows are 0.
fn sample_loss(i: u32, s: u32, value: f32, d_value: ptr<function, array<f32, 1>>) {
  let CHUNK = slot.scratch_stride;
  let value_loss = sample_value_loss(s, value, d_value);
  ${statRow(st.policyLoss)} = 0.0;
  ${statRow(st.valueLoss)} = hyper.inv_minibatch * value_loss;
  ${statRow(st.entropy)} = 0.0;
  ${statRow(st.oldApproxKl)} = 0.0;
  ${statRow(st.approxKl)} = 0.0;
  ${statRow(st.clipFraction)} = 0.0;
  ${statRow(st.kl)} = 0.0;
}
#endif

${sampleEntryHead('loss_main', S)}
  var x: ${batchOf(O, S)};
  var samples: array<u32, ${S}>;
  for (var k = 0u; k < ${S}u; k++) {
    let i = block + k * ${LOSS_WORKGROUP}u;
    // Columns past the chunk repeat its last sample (computed, never stored).
    samples[k] = perm[slot.minibatch * hyper.minibatch_size + slot.chunk_start + min(i, slot.chunk_size - 1u)];
    for (var f = 0u; f < ${O}u; f++) {
      x[k][f] = rollout[store.obs + f * store.m + samples[k]];
      if (i < slot.chunk_size) { scratch[(${spec.rows.x}u + f) * CHUNK + i] = x[k][f]; }
    }
  }
#if ${actor}
${spec.actorConv ? encodedForwardCode('actor', spec.actor, S) : forwardCode('actor', spec.actor, S)}
  var actor_d${L - 1}: ${batchOf(A, S)};
#endif
${spec.criticConv ? encodedForwardCode('critic', spec.critic, S) : forwardCode('critic', spec.critic, S)}
  var critic_d${Lc - 1}: ${batchOf(1, S)};
  for (var k = 0u; k < ${S}u; k++) {
    let i = block + k * ${LOSS_WORKGROUP}u;
    if (i < slot.chunk_size) {
#if ${actor}
      sample_loss(i, samples[k], &actor_y${L - 1}[k], critic_y${Lc - 1}[k][0], &actor_d${L - 1}[k], &critic_d${Lc - 1}[k]);
#else
      sample_loss(i, samples[k], critic_y${Lc - 1}[k][0], &critic_d${Lc - 1}[k]);
#endif
    }
  }
#if ${actor}
${backwardCode('actor', spec.actor, spec.rows.actorActivations, spec.rows.actorDeltas, S)}
${actor && spec.actorConv ? encoderBackwardCode('actor', spec.actorConv, spec.actor[0]!, { output: spec.rows.actorConv!, delta: spec.rows.actorConvDelta! }, S) : ''}
#endif
${backwardCode('critic', spec.critic, spec.rows.criticActivations, spec.rows.criticDeltas, S)}
${spec.criticConv ? encoderBackwardCode('critic', spec.criticConv, spec.critic[0]!, { output: spec.rows.criticConv!, delta: spec.rows.criticConvDelta! }, S) : ''}
}
`;
}
