/**
 * Float64 references for the nn kernels. Layouts as on the GPU: activations feature-major [width][batch],
 * weights row-major [inputs][outputs].
 */
export type Act = 'tanh' | 'relu' | 'identity';

export function activate(act: Act, z: number): number {
  return act === 'tanh' ? Math.tanh(z) : act === 'relu' ? Math.max(z, 0) : z;
}

/** f'(z) from y = f(z). */
export function activationGrad(act: Act, y: number): number {
  return act === 'tanh' ? 1 - y * y : act === 'relu' ? (y > 0 ? 1 : 0) : 1;
}

/** Y[j][b] = f(sum_k W[k][j] X[k][b] + bias[j]). */
export function denseForward(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, K: number, J: number, B: number, act: Act): Float64Array {
  const y = new Float64Array(J * B);
  for (let j = 0; j < J; j++) {
    for (let b = 0; b < B; b++) {
      let z = bias[j]!;
      for (let k = 0; k < K; k++) z += w[k * J + j]! * x[k * B + b]!;
      y[j * B + b] = activate(act, z);
    }
  }
  return y;
}

/** dZ = dY ⊙ f'(Y); dX = W dZ; dW = X dZᵀ; db = sum_b dZ. */
export function denseBackward(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  y: ArrayLike<number>,
  dy: ArrayLike<number>,
  K: number,
  J: number,
  B: number,
  act: Act,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dz = new Float64Array(J * B);
  for (let i = 0; i < J * B; i++) dz[i] = dy[i]! * activationGrad(act, y[i]!);
  const dx = new Float64Array(K * B);
  const dw = new Float64Array(K * J);
  const db = new Float64Array(J);
  for (let k = 0; k < K; k++) {
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < J; j++) s += w[k * J + j]! * dz[j * B + b]!;
      dx[k * B + b] = s;
    }
    for (let j = 0; j < J; j++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += x[k * B + b]! * dz[j * B + b]!;
      dw[k * J + j] = s;
    }
  }
  for (let j = 0; j < J; j++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += dz[j * B + b]!;
    db[j] = s;
  }
  return { dx, dw, db };
}

export interface AdamReferenceState {
  m: Float64Array;
  v: Float64Array;
  step: number;
}

/** One torch.optim.Adam step (with global-norm clipping as torch.nn.utils.clip_grad_norm_) in float64. */
export function adamStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: AdamReferenceState,
  config: { lr: number; beta1: number; beta2: number; eps: number; maxGradNorm: number },
): { norm: number; scale: number } {
  let sumsq = 0;
  for (let i = 0; i < params.length; i++) sumsq += grads[i]! * grads[i]!;
  const norm = Math.sqrt(sumsq);
  const scale = config.maxGradNorm > 0 ? Math.min(1, config.maxGradNorm / (norm + 1e-6)) : 1;
  state.step += 1;
  const bc1 = 1 - config.beta1 ** state.step;
  const bc2 = 1 - config.beta2 ** state.step;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]! * scale;
    state.m[i] = config.beta1 * state.m[i]! + (1 - config.beta1) * g;
    state.v[i] = config.beta2 * state.v[i]! + (1 - config.beta2) * g * g;
    params[i]! -= (config.lr / bc1) * state.m[i]! / (Math.sqrt(state.v[i]!) / Math.sqrt(bc2) + config.eps);
  }
  return { norm, scale };
}
