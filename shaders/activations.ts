/**
 * Activation functions and their derivatives, as a WGSL library (included by the matmul, fused MLP and loss
 * kernels) and as one elementwise kernel module (owner: src/nn/activation.ts).
 *
 * Derivatives are written in terms of the activation's OUTPUT y = f(z), which is what the forward pass stores:
 *   tanh:     f'(z) = 1 - y²
 *   relu:     f'(z) = 1 if y > 0 else 0
 *   identity: f'(z) = 1
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { linearIndexWgsl } from './common.js';

export type Activation = 'tanh' | 'relu' | 'identity';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'identity'];

/**
 * `activate(z)` and `activation_grad(y)` for one activation, chosen at compile time.
 * tanh uses exp(-2|z|) so that it never overflows (1 - t) / (1 + t) for large |z|.
 */
export function activationWgsl(activation: Activation): string {
  return wgsl/* wgsl */ `
fn activate(z: f32) -> f32 {
#if ${activation === 'tanh'}
  let t = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - t) / (1.0 + t);
#elif ${activation === 'relu'}
  return max(z, 0.0);
#else
  return z;
#endif
}

fn activation_grad(y: f32) -> f32 {
#if ${activation === 'tanh'}
  return 1.0 - y * y;
#elif ${activation === 'relu'}
  return select(0.0, 1.0, y > 0.0);
#else
  return 1.0;
#endif
}
`;
}

export const ELEMENTWISE_WORKGROUP = 256;

/**
 * Elementwise kernels over `count` values:
 *   forward:  out[i] = f(z[i])
 *   backward: out[i] = dy[i] * f'(y[i])   (dL/dz from dL/dy and the stored output y)
 */
export function elementwiseWgsl(activation: Activation): string {
  return wgsl/* wgsl */ `
${activationWgsl(activation)}
${linearIndexWgsl}
struct Dims { count: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> upstream: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(${ELEMENTWISE_WORKGROUP})
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, ${ELEMENTWISE_WORKGROUP}u);
  if (i >= dims.count) { return; }
  output[i] = activate(input[i]);
}

// input = y (the forward output), upstream = dL/dy.
@compute @workgroup_size(${ELEMENTWISE_WORKGROUP})
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = linear_index(gid, nwg, ${ELEMENTWISE_WORKGROUP}u);
  if (i >= dims.count) { return; }
  output[i] = upstream[i] * activation_grad(input[i]);
}
`;
}

/**
 * Every activation under its own name, for kernels that mix them (a fused MLP has tanh hidden layers and an
 * identity head): `act_<name>(z)` and `act_<name>_grad(y)`, y = act_<name>(z).
 */
export const activationLibraryWgsl = /* wgsl */ `
fn act_tanh(z: f32) -> f32 {
  let t = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - t) / (1.0 + t);
}
fn act_tanh_grad(y: f32) -> f32 { return 1.0 - y * y; }
fn act_relu(z: f32) -> f32 { return max(z, 0.0); }
fn act_relu_grad(y: f32) -> f32 { return select(0.0, 1.0, y > 0.0); }
fn act_identity(z: f32) -> f32 { return z; }
fn act_identity_grad(y: f32) -> f32 { return 1.0; }
`;
