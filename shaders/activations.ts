/**
 * Activation functions and their derivatives as a WGSL library (included by the kernels that run the MLP: the
 * rollout, the loss kernel, inference, the KL pass).
 *
 * Derivatives are written in terms of the activation's OUTPUT y = f(z), which is what the forward pass keeps:
 *   tanh:     f'(z) = 1 - y²          (tanh(z) via exp(-2|z|), so it never overflows)
 *   relu:     f'(z) = 1 if y > 0 else 0
 *   identity: f'(z) = 1
 */

export type Activation = 'tanh' | 'relu' | 'identity';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'identity'];

/**
 * Every activation under its own name, for kernels that mix them (tanh hidden layers and an identity head):
 * `act_<name>(z)` and `act_<name>_grad(y)`, y = act_<name>(z).
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
