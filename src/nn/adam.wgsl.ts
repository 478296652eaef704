/**
 * The optimizer (owner: src/nn/adam.ts): global gradient norm with clipping, then Adam, over the whole flat
 * parameter buffer in two kernels. Everything the step depends on at run time lives in GPU memory, in the
 * control block below, so that a schedule or an early stop decided on the GPU needs no readback:
 *
 *   prepare (one workgroup):  norm = sqrt(sum_i g_i²)  (from the gradients, or from sum-of-squares partials)
 *                             clip_scale = min(1, max_grad_norm / (norm + 1e-6))   (1 when max_grad_norm <= 0)
 *                             step += 1, unless skip != 0 or the norm is not finite (then nonfinite = 1)
 *   update (one lane per parameter), as torch.optim.Adam:
 *                             g = clip_scale * grad
 *                             m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g²
 *                             p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * A non-finite gradient never reaches the parameters: `nonfinite` stays set (the host reads it with the stats)
 * and later updates are skipped, so the last good parameters are kept.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { reduceOpWgsl, workgroupReduceWgsl } from '../../shaders/reductions.js';
import { linearIndexWgsl } from '../../shaders/common.js';
import { uniformStruct } from '../gpu/uniforms.js';
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';

export const ADAM_WORKGROUP = 256;

/**
 * The control block (a storage buffer, read_write by prepare): the learning rate, the step count t, the last
 * gradient norm and clip factor, and two flags. Bound by name (`storage(ControlBlock)` or `readOnlyStorage`) by
 * every kernel that reads the skip flag.
 */
export const ControlBlock = uniformStruct('Control', {
  lr: 'f32',
  step: 'f32',
  grad_norm: 'f32',
  clip_scale: 'f32',
  /** Nonzero skips prepare and update (PPO's early stop at target_kl). */
  skip: 'u32',
  /** Set by prepare when the gradient norm is NaN or infinite; sticky. */
  nonfinite: 'u32',
});

const wordOf = (field: keyof typeof ControlBlock.fields) => ControlBlock.layout.find((f) => f.name === field)!.offset / 4;

/** The control block's fields as 32-bit word indices (for partial writes and readbacks), and its size in words. */
export const Control = {
  lr: wordOf('lr'),
  step: wordOf('step'),
  gradNorm: wordOf('grad_norm'),
  clipScale: wordOf('clip_scale'),
  /** u32: nonzero skips prepare and update (PPO's early stop at target_kl). */
  skip: wordOf('skip'),
  /** u32: set by prepare when the gradient norm is NaN or infinite; sticky. */
  nonfinite: wordOf('nonfinite'),
  words: ControlBlock.byteSize / 4,
} as const;

/** Adam's constants: the betas, eps, the clipping norm (<= 0: none), the parameter count and the norm's input. */
export const AdamHyper = uniformStruct('AdamHyper', {
  beta1: 'f32',
  beta2: 'f32',
  eps: 'f32',
  max_grad_norm: 'f32',
  count: 'u32',
  /** Floats in norm_input for prepare: the gradients (count) or the sum-of-squares partials. */
  norm_count: 'u32',
  /** 1 when norm_input holds sum-of-squares partials, 0 when it holds the gradients. */
  norm_is_partial: 'u32',
});

/** f32 is NaN or infinite (WGSL has no isnan; compilers may fold x != x). */
export const nonFiniteWgsl = /* wgsl */ `
fn is_non_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}
`;

/** One table for both entry points: prepare reads the norm's input, update the gradients, as norm_input. */
export const adamBindings = bindingTable({
  hyper: uniform(AdamHyper),
  /** The gradients, or (prepare on large models) the sum-of-squares partials. */
  norm_input: readOnlyStorage('array<f32>'),
  control: storage(ControlBlock),
  params: storage('array<f32>'),
  /** m then v, 2 x count floats. */
  moments: storage('array<f32>'),
});

export function adamWgsl(): string {
  const WG = ADAM_WORKGROUP;
  return wgsl/* wgsl */ `
${reduceOpWgsl('sum')}
${workgroupReduceWgsl(WG)}
${nonFiniteWgsl}
${linearIndexWgsl}
${adamBindings.wgsl}
@compute @workgroup_size(${WG})
fn prepare(@builtin(local_invocation_index) lane: u32) {
  var acc = 0.0;
  for (var i = lane; i < hyper.norm_count; i += ${WG}u) {
    let v = norm_input[i];
    acc += select(v * v, v, hyper.norm_is_partial != 0u);
  }
  let total = workgroup_reduce(lane, acc);
  if (lane != 0u || control.skip != 0u) { return; }
  let norm = sqrt(total);
  control.grad_norm = norm;
  if (is_non_finite(norm)) {
    control.nonfinite = 1u;
    return;
  }
  control.clip_scale = select(1.0, min(1.0, hyper.max_grad_norm / (norm + 1e-6)), hyper.max_grad_norm > 0.0);
  control.step += 1.0;
}

@compute @workgroup_size(${WG})
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, ${WG}u);
  if (i >= hyper.count || control.skip != 0u || control.nonfinite != 0u) { return; }
  let g = control.clip_scale * norm_input[i];
  let m = hyper.beta1 * moments[i] + (1.0 - hyper.beta1) * g;
  let v = hyper.beta2 * moments[hyper.count + i] + (1.0 - hyper.beta2) * g * g;
  moments[i] = m;
  moments[hyper.count + i] = v;
  let t = control.step;
  let step_size = control.lr / (1.0 - pow(hyper.beta1, t));
  let denom = sqrt(v) / sqrt(1.0 - pow(hyper.beta2, t)) + hyper.eps;
  params[i] -= step_size * m / denom;
}
`;
}
