/**
 * Float64 references of the conv encoder (src/nn/conv.ts: K x K, stride 1, valid padding, ReLU; values in
 * (y, x, channel) order, weight [K][K][Cin][Cout] in the flat parameter layout), written from the definition:
 *
 *   z[oy][ox][co] = b[co] + Σ_{ky, kx, ci} W[ky][kx][ci][co] x[oy + ky][ox + kx][ci],   y = relu(z)
 *
 * and its backward: dz = dy ⊙ [y > 0]; dW[ky][kx][ci][co] = Σ_{oy, ox} x[oy + ky][ox + kx][ci] dz[oy][ox][co];
 * db[co] = Σ_{oy, ox} dz[oy][ox][co]; dx[iy][ix][ci] = Σ W[ky][kx][ci][co] dz[iy - ky][ix - kx][co] over the
 * positions that exist.
 */
import type { ConvLayer } from '../src/nn/conv.js';

const weightIndex = (layer: ConvLayer, ky: number, kx: number, ci: number, co: number) => {
  const { kernel: K, inChannels: C, outChannels: D } = layer.shape;
  return layer.weight.offset + ((ky * K + kx) * C + ci) * D + co;
};

/** One conv layer's output y (after ReLU) for input x. */
export function convForward(theta: ArrayLike<number>, layer: ConvLayer, x: ArrayLike<number>): number[] {
  const { width: W, inChannels: C, kernel: K, outChannels: D, outHeight: OH, outWidth: OW } = layer.shape;
  const y = new Array<number>(OH * OW * D);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let co = 0; co < D; co++) {
        let z = theta[layer.bias.offset + co]!;
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            for (let ci = 0; ci < C; ci++) z += theta[weightIndex(layer, ky, kx, ci, co)]! * x[((oy + ky) * W + ox + kx) * C + ci]!;
          }
        }
        y[(oy * OW + ox) * D + co] = Math.max(z, 0);
      }
    }
  }
  return y;
}

/** Every layer's output: ys[0] = x, ys[l + 1] = conv_l(ys[l]). */
export function convActivations(theta: ArrayLike<number>, layers: ConvLayer[], x: ArrayLike<number>): number[][] {
  const ys = [Array.from(x)];
  for (const layer of layers) ys.push(convForward(theta, layer, ys[ys.length - 1]!));
  return ys;
}

/**
 * Backpropagation of dL/d(last output) through the conv layers whose activations are `ys` (convActivations):
 * adds dW and db into `gradient` (the flat layout) and returns dL/dx.
 */
export function convBackward(theta: ArrayLike<number>, layers: ConvLayer[], ys: number[][], dOutput: number[], gradient: Float64Array): number[] {
  let dy = dOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const { width: W, inChannels: C, kernel: K, outChannels: D, outHeight: OH, outWidth: OW } = layer.shape;
    const x = ys[l]!;
    const dz = ys[l + 1]!.map((y, i) => (y > 0 ? dy[i]! : 0));
    const dx = new Array<number>(x.length).fill(0);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let co = 0; co < D; co++) {
          const g = dz[(oy * OW + ox) * D + co]!;
          gradient[layer.bias.offset + co]! += g;
          for (let ky = 0; ky < K; ky++) {
            for (let kx = 0; kx < K; kx++) {
              for (let ci = 0; ci < C; ci++) {
                const i = ((oy + ky) * W + ox + kx) * C + ci;
                const w = weightIndex(layer, ky, kx, ci, co);
                gradient[w]! += x[i]! * g;
                dx[i]! += theta[w]! * g;
              }
            }
          }
        }
      }
    }
    dy = dx;
  }
  return dy;
}
