/**
 * CleanRL's initialisation: orthogonal weights scaled by a gain, zero biases (`layer_init(layer, std, bias_const)`
 * in ppo.py): gain √2 for hidden layers, 0.01 for the policy head, 1 for the value head.
 *
 * Orthogonal as PyTorch's `nn.init.orthogonal_`: draw a rows x cols standard normal matrix (rows = outputs,
 * cols = inputs for a PyTorch weight; transposed when rows < cols), take Q of its QR decomposition with the signs of
 * R's diagonal, and scale by the gain. Our weights are stored [inputs][outputs] (the transpose of PyTorch's), which
 * keeps them orthogonal. Computed in float64 on the CPU with the counter-based host generator, once per model.
 */
import { RngStream, HostRng, rngHost } from '../../shaders/rng.js';

/**
 * A [inputs][outputs] row-major orthogonal matrix times `gain`: orthonormal columns when inputs >= outputs,
 * orthonormal rows otherwise.
 */
export function orthogonal(inputs: number, outputs: number, gain: number, rng: HostRng): Float64Array {
  // PyTorch's weight is W_t[out][in]; it orthogonalises the flat (rows = out) x (cols = in) matrix, transposed
  // to tall form when out < in. Our W[in][out] = W_t transposed.
  const rows = Math.max(inputs, outputs);
  const cols = Math.min(inputs, outputs);
  // Tall rows x cols normal matrix, column-major for Gram-Schmidt.
  const q = Array.from({ length: cols }, () => {
    const column = new Float64Array(rows);
    for (let i = 0; i < rows; i++) column[i] = rng.normal();
    return column;
  });
  // Modified Gram-Schmidt: Q with positive diag(R), which is what the sign correction of orthogonal_ yields.
  for (let c = 0; c < cols; c++) {
    const v = q[c]!;
    for (let p = 0; p < c; p++) {
      const u = q[p]!;
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += u[i]! * v[i]!;
      for (let i = 0; i < rows; i++) v[i]! -= dot * u[i]!;
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) v[i]! /= norm;
  }
  const w = new Float64Array(inputs * outputs);
  for (let k = 0; k < inputs; k++) {
    for (let j = 0; j < outputs; j++) {
      // Tall matrix T[rows][cols]: when inputs >= outputs, W[k][j] = T[k][j]; else W[k][j] = T[j][k].
      w[k * outputs + j] = gain * (inputs >= outputs ? q[j]![k]! : q[k]![j]!);
    }
  }
  return w;
}

/** The generator for initialising parameter number `index` of a model seeded with `seed`. */
export function initRng(seed: number, index: number): HostRng {
  return rngHost.create(seed, RngStream.init, index, 0);
}
