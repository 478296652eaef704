/**
 * The convolutional encoder fused into the first dense layer, per sample (a library: the kernels that run the
 * agent include it through src/agent/agent.wgsl.ts and src/ppo/loss.wgsl.ts). For a network `net` whose
 * convolution (src/nn/conv.ts: valid padding, stride 1, (y, x, c) layout, weight [k, k, Cin, Cout]) feeds dense
 * layer 0 (inputs P·Cout for P = outHeight·outWidth positions, J outputs, activation f):
 *
 *   fn net_encode(x: ptr<function, array<f32, H·W·Cin>>, y: ptr<function, array<f32, J>>)
 *       a[p][c] = relu(bc[c] + sum_{ky, kx, ci} x[(oy + ky)·W·Cin + (ox + kx)·Cin + ci] wc[ky][kx][ci][c])
 *       y[j]    = f(b[j] + sum_{p, c} a[p][c] W[p·Cout + c][j])
 *
 * The positions are walked one at a time: a position's Cout channels are computed CONV_TILE at a time in
 * registers, rectified and accumulated straight into the J pre-activations, so the convolution's output never
 * sits in a private array (only x and the J accumulators do). Loop bounds are constants. convEncodeTiledWgsl
 * below is the update's version: several samples per invocation, each activation also stored to the scratch rows
 * that the backward and the gradient kernels read.
 */
import type { ParamReader } from './mlp.js';
import { storageParams } from './mlp.js';
import type { Activation } from './activations.js';

/** One convolution layer's sizes (valid padding, stride 1; src/nn/conv.ts lays its parameters out). */
export interface ConvShape {
  /** Input grid [height, width, channels]. */
  height: number;
  width: number;
  inputChannels: number;
  kernel: number;
  outputChannels: number;
  /** Output grid: height - kernel + 1, width - kernel + 1. */
  outHeight: number;
  outWidth: number;
}

/** A convolution as kernels inline it: its shape and its parameters' offsets in floats. */
export interface InlineConv extends ConvShape {
  weightOffset: number;
  biasOffset: number;
}

/** The first dense layer after the convolution, as the encoder needs it. */
export interface EncoderDense {
  outputs: number;
  activation: Activation;
  weightOffset: number;
  biasOffset: number;
}

/** Output channels per register tile. */
export const CONV_TILE = 4;

export function convEncodeWgsl(net: string, conv: InlineConv, dense: EncoderDense, reader: ParamReader = storageParams, name = `${net}_encode`): string {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo, weightOffset: CW, biasOffset: CB } = conv;
  const { outputs: J, activation, weightOffset: DW, biasOffset: DB } = dense;
  const P = Ho * Wo;
  const T = Math.min(CONV_TILE, Co);
  const full = Math.floor(Co / T) * T;
  const tile = (count: number, start: string) => {
    const t = Array.from({ length: count }, (_, i) => i);
    return `    {
${t.map((i) => `      var c${i} = ${reader(`${CB}u + ${start} + ${i}u`)};`).join('\n')}
      for (var ky = 0u; ky < ${K}u; ky++) {
        for (var kx = 0u; kx < ${K}u; kx++) {
          let at = ((oy + ky) * ${W}u + ox + kx) * ${C}u;
          let wrow = ${CW}u + (ky * ${K}u + kx) * ${C * Co}u + ${start};
          for (var ci = 0u; ci < ${C}u; ci++) {
            let xv = (*x)[at + ci];
${t.map((i) => `            c${i} = fma(xv, ${reader(`wrow + ci * ${Co}u + ${i}u`)}, c${i});`).join('\n')}
          }
        }
      }
${t.map((i) => `      c${i} = max(c${i}, 0.0);`).join('\n')}
      let drow = ${DW}u + (p * ${Co}u + ${start}) * ${J}u;
      for (var j = 0u; j < ${J}u; j++) {
${t.map((i) => `        z[j] = fma(c${i}, ${reader(`drow + ${i * J}u + j`)}, z[j]);`).join('\n')}
      }
    }`;
  };
  return /* wgsl */ `
fn ${name}(x: ptr<function, array<f32, ${conv.height * W * C}>>, y: ptr<function, array<f32, ${J}>>) {
  var z: array<f32, ${J}>;
  for (var j = 0u; j < ${J}u; j++) { z[j] = ${reader(`${DB}u + j`)}; }
  for (var p = 0u; p < ${P}u; p++) {
    let oy = p / ${Wo}u;
    let ox = p % ${Wo}u;
    for (var t0 = 0u; t0 < ${full}u; t0 += ${T}u) {
${tile(T, 't0')}
    }
${full < Co ? tile(Co - full, `${full}u`) : ''}
  }
  for (var j = 0u; j < ${J}u; j++) { (*y)[j] = act_${activation}(z[j]); }
}
`;
}

/**
 * The same fused encoder for S samples per invocation (the update's loss kernel): x and y are
 * array<array<f32, ·>, S>, each weight load feeds S FMAs, and `store(index, value, sample)` writes sample s's
 * activation (the function takes `block`, the first sample's column, for it):
 *
 *   fn name(x: ptr<function, array<array<f32, H·W·Cin>, S>>, y: ptr<function, array<array<f32, J>, S>>, block: u32)
 */
export function convEncodeTiledWgsl(
  net: string,
  conv: InlineConv,
  dense: EncoderDense,
  samples: number,
  store: (index: string, value: string, sample: number) => string,
  reader: ParamReader = storageParams,
  name = `${net}_encode_s`,
): string {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo, weightOffset: CW, biasOffset: CB } = conv;
  const { outputs: J, activation, weightOffset: DW, biasOffset: DB } = dense;
  const P = Ho * Wo;
  const T = Math.min(CONV_TILE, Co);
  const full = Math.floor(Co / T) * T;
  const S = Array.from({ length: samples }, (_, s) => s);
  const tile = (count: number, start: string) => {
    const t = Array.from({ length: count }, (_, i) => i);
    const each = (f: (i: number, s: number) => string) => t.flatMap((i) => S.map((s) => f(i, s))).join('\n');
    return `    {
${t.map((i) => `      let b${i} = ${reader(`${CB}u + ${start} + ${i}u`)};`).join('\n')}
${each((i, s) => `      var c${i}_${s} = b${i};`)}
      for (var ky = 0u; ky < ${K}u; ky++) {
        for (var kx = 0u; kx < ${K}u; kx++) {
          let at = ((oy + ky) * ${W}u + ox + kx) * ${C}u;
          let wrow = ${CW}u + (ky * ${K}u + kx) * ${C * Co}u + ${start};
          for (var ci = 0u; ci < ${C}u; ci++) {
${S.map((s) => `            let x${s} = (*x)[${s}][at + ci];`).join('\n')}
${t.map((i) => `            { let w = ${reader(`wrow + ci * ${Co}u + ${i}u`)};${S.map((s) => ` c${i}_${s} = fma(x${s}, w, c${i}_${s});`).join('')} }`).join('\n')}
          }
        }
      }
${each((i, s) => `      c${i}_${s} = max(c${i}_${s}, 0.0);`)}
${each((i, s) => `      ${store(`p * ${Co}u + ${start} + ${i}u`, `c${i}_${s}`, s)}`)}
      let drow = ${DW}u + (p * ${Co}u + ${start}) * ${J}u;
      for (var j = 0u; j < ${J}u; j++) {
${t.map((i) => `        { let w = ${reader(`drow + ${i * J}u + j`)};${S.map((s) => ` z[${s}][j] = fma(c${i}_${s}, w, z[${s}][j]);`).join('')} }`).join('\n')}
      }
    }`;
  };
  return /* wgsl */ `
fn ${name}(x: ptr<function, array<array<f32, ${conv.height * W * C}>, ${samples}>>, y: ptr<function, array<array<f32, ${J}>, ${samples}>>, block: u32) {
  var z: array<array<f32, ${J}>, ${samples}>;
  for (var j = 0u; j < ${J}u; j++) {
    let b = ${reader(`${DB}u + j`)};
${S.map((s) => `    z[${s}][j] = b;`).join('\n')}
  }
  for (var p = 0u; p < ${P}u; p++) {
    let oy = p / ${Wo}u;
    let ox = p % ${Wo}u;
    for (var t0 = 0u; t0 < ${full}u; t0 += ${T}u) {
${tile(T, 't0')}
    }
${full < Co ? tile(Co - full, `${full}u`) : ''}
  }
  for (var s = 0u; s < ${samples}u; s++) {
    for (var j = 0u; j < ${J}u; j++) { (*y)[s][j] = act_${activation}(z[s][j]); }
  }
}
`;
}
