/**
 * Float64 references of the MLP: the forward pass, the forward keeping every layer's output, and backpropagation,
 * in the flat parameter layout of src/nn/mlp.ts (W_l [inputs, outputs] row-major, then b_l).
 */
import type { MlpLayer } from '../src/nn/mlp.js';
import { activate, activationGrad, type Act } from './nn.js';

export function mlpForward(theta: ArrayLike<number>, layers: MlpLayer[], x: ArrayLike<number>): number[] {
  let a = Array.from(x);
  for (const layer of layers) {
    const { inputs: K, outputs: J, activation } = layer.shape;
    const out = new Array<number>(J);
    for (let j = 0; j < J; j++) {
      let z = theta[layer.bias.offset + j]!;
      for (let k = 0; k < K; k++) z += theta[layer.weight.offset + k * J + j]! * a[k]!;
      out[j] = activate(activation as Act, z);
    }
    a = out;
  }
  return a;
}

/** Forward keeping every layer's output: ys[0] = x, ys[l + 1] = f_l(ys[l] W_l + b_l). */
export function mlpActivations(theta: ArrayLike<number>, layers: MlpLayer[], x: ArrayLike<number>): number[][] {
  const ys = [Array.from(x)];
  for (const layer of layers) ys.push(mlpForward(theta, [layer], ys[ys.length - 1]!));
  return ys;
}

/**
 * Backpropagation of dL/d output through the MLP whose activations are `ys` (mlpActivations): adds
 * dL/dW_l[k][j] = ys[l][k] dz_l[j] and dL/db_l[j] = dz_l[j] into `gradient` (the flat parameter layout), where
 * dz_l = dL/dys[l + 1] ⊙ f_l'(ys[l + 1]) and dL/dys[l] = W_l dz_l; returns dL/dys[0] (the input's gradient).
 */
export function mlpBackward(theta: ArrayLike<number>, layers: MlpLayer[], ys: number[][], dOutput: number[], gradient: Float64Array): number[] {
  let dy = dOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const { inputs: K, outputs: J, activation } = layer.shape;
    const input = ys[l]!;
    const output = ys[l + 1]!;
    const dz = output.map((y, j) => dy[j]! * activationGrad(activation as Act, y));
    const dInput = new Array<number>(K).fill(0);
    for (let j = 0; j < J; j++) {
      gradient[layer.bias.offset + j]! += dz[j]!;
      for (let k = 0; k < K; k++) {
        gradient[layer.weight.offset + k * J + j]! += input[k]! * dz[j]!;
        dInput[k]! += theta[layer.weight.offset + k * J + j]! * dz[j]!;
      }
    }
    dy = dInput;
  }
  return dy;
}
