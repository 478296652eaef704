/**
 * The conv encoder as WGSL (a library, like shaders/mlp.ts: included by every kernel that runs the networks).
 * Layer l of network `net` (src/nn/conv.ts: K x K, stride 1, valid padding, ReLU; input [H, W, Cin] and output
 * [OH, OW, Cout] flattened in (y, x, channel) order; weight [K, K, Cin, Cout] at a compile-time offset). With
 * p = (oy, ox) an output position, base(p) = (oy W + ox) Cin its patch's first input, and patch element
 * k = (ky K + kx) Cin + ci at input base(p) + ky W Cin + kx Cin + ci (kx and ci are contiguous in the input
 * and in the weight, so the inner loop runs over K Cin of them):
 *
 *   fn net_conv_forward_s_l(x, y)        y[s][p Cout + c] = relu(b[c] + Σ_k W[k][c] x[s][base(p) + off(k)])
 *   fn net_conv_output_grad_s_l(dy, y)   dy[s][j] *= relu'(y[s][j])              (dL/dy → dL/dz)
 *   fn net_conv_input_grad_s_l(dz, dx)   dx[s][i] = Σ_{p, k: base(p) + off(k) = i} Σ_c W[k][c] dz[s][p Cout + c]
 *   fn net_conv_weight_grad_s_l(x, dz, first, block)
 *                                        per sample: dW[k][c] = Σ_p x[s][base(p) + off(k)] dz[s][p Cout + c] and
 *                                        db[c] = Σ_p dz[s][p Cout + c], handed to the kernel's
 *                                        `fn conv_store(row, s, block, value)` with rows first + k Cout + c, then
 *                                        first + K K Cin Cout + c
 *
 * `samples` S > 0: the functions take S samples as array<array<f32, width>, S> (the update's register tiles: each
 * weight load feeds S samples and OUTPUT_TILE output channels); `samples` undefined: one sample as
 * array<f32, width> (the acting kernels), forward only.
 */
import { OUTPUT_TILE, registerTiles, storageParams, type ParamReader } from './tiles.js';

/**
 * One conv layer's shapes: input [height, width, inChannels], K x K kernel, output [outHeight, outWidth,
 * outChannels] (valid padding: outHeight = height - K + 1, outWidth = width - K + 1).
 */
export interface ConvShape {
  height: number;
  width: number;
  inChannels: number;
  kernel: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
}

/** One conv layer as kernels inline it: its shapes and its offsets in floats in the parameter buffer. */
export interface InlineConv extends ConvShape {
  weightOffset: number;
  biasOffset: number;
}

export const inlineConvInputs = (c: ConvShape): number => c.height * c.width * c.inChannels;
export const inlineConvOutputs = (c: ConvShape): number => c.outHeight * c.outWidth * c.outChannels;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The pointer type of a layer's values and how a sample's element is read, for S samples or one. */
function access(samples: number | undefined) {
  const S = samples ?? 1;
  return {
    S: range(S),
    type: (width: number) => (samples === undefined ? `ptr<function, array<f32, ${width}>>` : `ptr<function, array<array<f32, ${width}>, ${samples}>>`),
    at: (array: string, s: number, index: string) => (samples === undefined ? `(*${array})[${index}]` : `(*${array})[${s}][${index}]`),
  };
}

/** The forward of every conv layer of `net` (and, with `samples`, the backward functions of the header). */
export function convWgsl(net: string, layers: InlineConv[], samples: number | undefined, reader: ParamReader = storageParams): string {
  return layers.map((layer, l) => convForward(net, l, layer, samples, reader) + (samples === undefined ? '' : convBackward(net, l, layer, samples, reader))).join('\n');
}

function convForward(net: string, l: number, c: InlineConv, samples: number | undefined, read: ParamReader): string {
  const { S, type, at } = access(samples);
  const rowLength = c.kernel * c.inChannels;
  const body = registerTiles(OUTPUT_TILE)(c.outChannels, (c0, T) => {
    const acc = range(T).flatMap((t) => S.map((s) => `      var a${t}_${s} = ${read(`${c.biasOffset}u + ${c0} + ${t}u`)};`));
    const fmas = range(T).map((t) => `          { let w = ${read(`row + ${t}u`)};${S.map((s) => ` a${t}_${s} = fma(w, in_${s}, a${t}_${s});`).join('')} }`);
    const stores = range(T).flatMap((t) => S.map((s) => `      ${at('y', s, `out + ${c0} + ${t}u`)} = max(a${t}_${s}, 0.0);`));
    return `${acc.join('\n')}
      for (var ky = 0u; ky < ${c.kernel}u; ky++) {
        let input = base + ky * ${c.width * c.inChannels}u;
        let weights = ${c.weightOffset}u + ky * ${rowLength * c.outChannels}u + ${c0};
        for (var q = 0u; q < ${rowLength}u; q++) {
${S.map((s) => `          let in_${s} = ${at('x', s, 'input + q')};`).join('\n')}
          let row = weights + q * ${c.outChannels}u;
${fmas.join('\n')}
        }
      }
${stores.join('\n')}`;
  });
  return /* wgsl */ `
fn ${net}_conv_forward${samples === undefined ? '' : '_s'}_${l}(x: ${type(inlineConvInputs(c))}, y: ${type(inlineConvOutputs(c))}) {
  for (var p = 0u; p < ${c.outHeight * c.outWidth}u; p++) {
    let base = ((p / ${c.outWidth}u) * ${c.width}u + p % ${c.outWidth}u) * ${c.inChannels}u;
    let out = p * ${c.outChannels}u;
${body.replace(/^/gm, '  ')}
  }
}
`;
}

function convBackward(net: string, l: number, c: InlineConv, samples: number, read: ParamReader): string {
  const { S, type, at } = access(samples);
  const In = inlineConvInputs(c);
  const Out = inlineConvOutputs(c);
  const rowLength = c.kernel * c.inChannels;
  const patch = c.kernel * rowLength;
  const positions = c.outHeight * c.outWidth;
  const C = c.outChannels;
  const position = `    let base = ((p / ${c.outWidth}u) * ${c.width}u + p % ${c.outWidth}u) * ${c.inChannels}u;`;
  // dW rows of patch element k: a tile of T output channels, summed over the positions with S x T accumulators.
  const weightTiles = registerTiles(OUTPUT_TILE)(C, (c0, T) => {
    const acc = range(T).flatMap((t) => S.map((s) => `    var a${t}_${s} = 0.0;`));
    const fmas = range(T).map((t) => `      ${S.map((s) => `a${t}_${s} = fma(in_${s}, ${at('dz', s, `out + ${c0} + ${t}u`)}, a${t}_${s});`).join(' ')}`);
    const stores = range(T).flatMap((t) => S.map((s) => `    conv_store(first + k * ${C}u + ${c0} + ${t}u, ${s}u, block, a${t}_${s});`));
    return `${acc.join('\n')}
    for (var p = 0u; p < ${positions}u; p++) {
      let base = ((p / ${c.outWidth}u) * ${c.width}u + p % ${c.outWidth}u) * ${c.inChannels}u;
      let out = p * ${C}u;
${S.map((s) => `      let in_${s} = ${at('x', s, 'base + offset')};`).join('\n')}
${fmas.join('\n')}
    }
${stores.join('\n')}`;
  });
  return /* wgsl */ `
fn ${net}_conv_output_grad_s_${l}(dy: ${type(Out)}, y: ${type(Out)}) {
  for (var s = 0u; s < ${samples}u; s++) {
    for (var j = 0u; j < ${Out}u; j++) { (*dy)[s][j] = select(0.0, (*dy)[s][j], (*y)[s][j] > 0.0); }
  }
}
fn ${net}_conv_input_grad_s_${l}(dz: ${type(Out)}, dx: ${type(In)}) {
  for (var s = 0u; s < ${samples}u; s++) {
    for (var i = 0u; i < ${In}u; i++) { (*dx)[s][i] = 0.0; }
  }
  for (var p = 0u; p < ${positions}u; p++) {
${position}
    let out = p * ${C}u;
    for (var ky = 0u; ky < ${c.kernel}u; ky++) {
      for (var q = 0u; q < ${rowLength}u; q++) {
        let row = ${c.weightOffset}u + (ky * ${rowLength}u + q) * ${C}u;
${S.map((s) => `        var g_${s} = 0.0;`).join('\n')}
        for (var co = 0u; co < ${C}u; co++) {
          let w = ${read('row + co')};
${S.map((s) => `          g_${s} = fma(w, ${at('dz', s, 'out + co')}, g_${s});`).join('\n')}
        }
        let i = base + ky * ${c.width * c.inChannels}u + q;
${S.map((s) => `        ${at('dx', s, 'i')} += g_${s};`).join('\n')}
      }
    }
  }
}
fn ${net}_conv_weight_grad_s_${l}(x: ${type(In)}, dz: ${type(Out)}, first: u32, block: u32) {
  for (var k = 0u; k < ${patch}u; k++) {
    let offset = (k / ${rowLength}u) * ${c.width * c.inChannels}u + k % ${rowLength}u;
${weightTiles}
  }
  for (var co = 0u; co < ${C}u; co++) {
${S.map((s) => `    var b_${s} = 0.0;`).join('\n')}
    for (var p = 0u; p < ${positions}u; p++) {
${S.map((s) => `      b_${s} += ${at('dz', s, `p * ${C}u + co`)};`).join('\n')}
    }
${S.map((s) => `    conv_store(first + ${patch * C}u + co, ${s}u, block, b_${s});`).join('\n')}
  }
}
`;
}
