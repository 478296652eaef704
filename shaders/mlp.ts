/**
 * Per-sample MLP code for fused kernels (a library: included by the rollout, update and policy kernels, whose
 * owners create the pipelines). One invocation runs one sample through a whole small network with its
 * activations in private arrays; weights are read from the flat parameter buffer at offsets fixed at compile time
 * (the parameter table is part of the pipeline key), so every lane of a workgroup reads the same weight address.
 *
 * For a network named `net` with layers l = 0..L-1 (K_l inputs, J_l outputs, activation f_l) this emits:
 *
 *   fn net_forward_l(x: ptr<function, array<f32, K_l>>, y: ptr<function, array<f32, J_l>>)
 *       y[j] = f_l( b[j] + sum_k W[k][j] x[k] )
 *   fn net_output_grad_l(dy: ptr<function, array<f32, J_l>>, y: ptr<function, array<f32, J_l>>)
 *       dy[j] *= f_l'(y[j])        (dL/dy becomes dL/dz, the pre-activation gradient the weight gradient needs)
 *   fn net_input_grad_l(dz: ptr<function, array<f32, J_l>>, dx: ptr<function, array<f32, K_l>>)
 *       dx[k] = sum_j W[k][j] dz[j]
 *
 * Outputs are computed OUTPUT_TILE at a time, each with its accumulators in registers, reading x[k] once per tile.
 * mlpTiledWgsl is the same network with several samples per invocation (the update kernels), and
 * mlpTangentTiledWgsl its forward-mode derivative along a parameter direction (TRPO's Fisher-vector product).
 */
import type { Activation } from './activations.js';

export interface InlineLayer {
  inputs: number;
  outputs: number;
  activation: Activation;
  /** Offsets in floats in the parameter buffer. */
  weightOffset: number;
  biasOffset: number;
}

/** Outputs per register tile in the generated forward code. */
export const OUTPUT_TILE = 4;

/** How generated code reads parameter `index` (a WGSL u32 expression): by default `params[index]`. */
export type ParamReader = (index: string) => string;
export const storageParams: ParamReader = (index) => `params[${index}]`;

/** `from`: the first layer emitted (1 when a convolutional encoder computes layer 0, shaders/conv.ts). */
export function mlpInlineWgsl(net: string, layers: InlineLayer[], reader: ParamReader | string = storageParams, from = 0): string {
  // A string names an array variable to index: 'ws' reads ws[index].
  const read: ParamReader = typeof reader === 'string' ? (index) => `${reader}[${index}]` : reader;
  return layers.map((layer, l) => (l < from ? '' : forwardLayer(net, l, layer, read) + backwardLayer(net, l, layer, read))).join('\n');
}

function forwardLayer(net: string, l: number, layer: InlineLayer, read: ParamReader): string {
  const { inputs: K, outputs: J, activation, weightOffset: W, biasOffset: B } = layer;
  const T = Math.min(OUTPUT_TILE, J);
  const full = Math.floor(J / T) * T;
  const tile = (count: number, start: string) => {
    const acc = Array.from({ length: count }, (_, t) => `    var acc${t} = ${read(`${B}u + ${start} + ${t}u`)};`).join('\n');
    const fmas = Array.from({ length: count }, (_, t) => `      acc${t} = fma(${read(`row + ${start} + ${t}u`)}, xk, acc${t});`).join('\n');
    const stores = Array.from({ length: count }, (_, t) => `    (*y)[${start} + ${t}u] = act_${activation}(acc${t});`).join('\n');
    return `${acc}
    for (var k = 0u; k < ${K}u; k++) {
      let xk = (*x)[k];
      let row = ${W}u + k * ${J}u;
${fmas}
    }
${stores}`;
  };
  const rest = J - full;
  return /* wgsl */ `
fn ${net}_forward_${l}(x: ptr<function, array<f32, ${K}>>, y: ptr<function, array<f32, ${J}>>) {
  for (var j0 = 0u; j0 < ${full}u; j0 += ${T}u) {
${tile(T, 'j0')}
  }
${rest > 0 ? `  {\n${tile(rest, `${full}u`)}\n  }` : ''}
}
`;
}

function backwardLayer(net: string, l: number, layer: InlineLayer, read: ParamReader): string {
  const { inputs: K, outputs: J, activation, weightOffset: W } = layer;
  return /* wgsl */ `
fn ${net}_output_grad_${l}(dy: ptr<function, array<f32, ${J}>>, y: ptr<function, array<f32, ${J}>>) {
  for (var j = 0u; j < ${J}u; j++) {
    (*dy)[j] = (*dy)[j] * act_${activation}_grad((*y)[j]);
  }
}
fn ${net}_input_grad_${l}(dz: ptr<function, array<f32, ${J}>>, dx: ptr<function, array<f32, ${K}>>) {
  for (var k = 0u; k < ${K}u; k++) {
    let row = ${W}u + k * ${J}u;
    var acc = 0.0;
    for (var j = 0u; j < ${J}u; j++) {
      acc = fma(${read('row + j')}, (*dz)[j], acc);
    }
    (*dx)[k] = acc;
  }
}
`;
}

/**
 * `fn net_run(x: ptr<function, array<f32, K_0>>, out: ptr<function, array<f32, J_last>>)`: the whole forward pass
 * for inference, hidden activations in locals (needs mlpInlineWgsl of the same net in the module).
 */
export function mlpRunWgsl(net: string, layers: InlineLayer[], encoded?: { inputs: number }): string {
  // encoded: layer 0 is `${net}_encode` (shaders/conv.ts), from the observation of `inputs` floats.
  const last = layers.length - 1;
  const body = layers
    .map((layer, l) => {
      const input = l === 0 ? 'x' : `&h${l - 1}`;
      const fn = l === 0 && encoded ? `${net}_encode` : `${net}_forward_${l}`;
      if (l === last) return `  ${fn}(${input}, out);`;
      return `  var h${l}: array<f32, ${layer.outputs}>;\n  ${fn}(${input}, &h${l});`;
    })
    .join('\n');
  return /* wgsl */ `
fn ${net}_run(x: ptr<function, array<f32, ${encoded?.inputs ?? layers[0]!.inputs}>>, out: ptr<function, array<f32, ${layers[last]!.outputs}>>) {
${body}
}
`;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** `ptr<function, array<array<f32, width>, samples>>`: the S samples' values of one layer. */
const batchPointer = (samples: number) => (width: number) => `ptr<function, array<array<f32, ${width}>, ${samples}>>`;

/**
 * A loop over `width` outputs `tile` at a time (start index a loop variable t0), then the remainder: the body gets
 * the tile's first index (a WGSL expression) and its width (a constant).
 */
function registerTiles(tile: number): (width: number, body: (start: string, count: number) => string) => string {
  return (width, body) => {
    const T = Math.min(tile, width);
    const full = Math.floor(width / T) * T;
    const parts = [`  for (var t0 = 0u; t0 < ${full}u; t0 += ${T}u) {\n${body('t0', T)}\n  }`];
    if (full < width) parts.push(`  {\n${body(`${full}u`, width - full)}\n  }`);
    return parts.join('\n');
  };
}

/**
 * Multi-sample register tiles (what the fused update kernel uses: several times the FLOP rate of one sample per
 * invocation on lavapipe). One invocation carries S samples, stored as 2-D private
 * arrays [S][width]; each weight load feeds S FMAs and each activation load T, with T x S accumulators as named
 * registers (sample and tile indices are constants in the generated code; the reduction index stays a loop, so
 * the code stays small). For layer l of `net`:
 *
 *   fn net_forward_s_l(x: ptr<function, array<array<f32, K>, S>>, y: ptr<function, array<array<f32, J>, S>>)
 *       y[s][j] = f(b[j] + sum_k W[k][j] x[s][k])
 *   fn net_input_grad_s_l(dz: ptr<function, array<array<f32, J>, S>>, dx: ptr<function, array<array<f32, K>, S>>)
 *       dx[s][k] = sum_j W[k][j] dz[s][j]
 *   fn net_output_grad_s_l(dy: ptr<function, array<array<f32, J>, S>>, y: ptr<function, array<array<f32, J>, S>>)
 *       dy[s][j] *= f'(y[s][j])
 */
export function mlpTiledWgsl(net: string, layers: InlineLayer[], samples: number, tile: number, reader: ParamReader = storageParams, from = 0): string {
  // from: layers below it get their output_grad alone (a convolutional encoder computes their forward).
  const S = range(samples);
  const tiles = registerTiles(tile);
  const batch = batchPointer(samples);
  return layers
    .map((layer, l) => {
      const { inputs: K, outputs: J, weightOffset: W, biasOffset: B, activation } = layer;
      const outputGrad = `
fn ${net}_output_grad_s_${l}(dy: ${batch(J)}, y: ${batch(J)}) {
  for (var s = 0u; s < ${samples}u; s++) {
    for (var j = 0u; j < ${J}u; j++) { (*dy)[s][j] = (*dy)[s][j] * act_${activation}_grad((*y)[s][j]); }
  }
}
`;
      if (l < from) return outputGrad;
      const forward = tiles(J, (j0, T) => {
        const acc = range(T).flatMap((t) => S.map((s) => `    var a${t}_${s} = ${reader(`${B}u + ${j0} + ${t}u`)};`));
        const fmas = range(T).map((t) => `      { let w = ${reader(`row + ${t}u`)};${S.map((s) => ` a${t}_${s} = fma(w, in_${s}, a${t}_${s});`).join('')} }`);
        const stores = range(T).flatMap((t) => S.map((s) => `    (*y)[${s}][${j0} + ${t}u] = act_${activation}(a${t}_${s});`));
        return `${acc.join('\n')}
    for (var k = 0u; k < ${K}u; k++) {
${S.map((s) => `      let in_${s} = (*x)[${s}][k];`).join('\n')}
      let row = ${W}u + k * ${J}u + ${j0};
${fmas.join('\n')}
    }
${stores.join('\n')}`;
      });
      const backward = tiles(K, (k0, T) => {
        const acc = range(T).flatMap((t) => S.map((s) => `    var a${t}_${s} = 0.0;`));
        const fmas = range(T).map((t) => `      { let w = ${reader(`${W}u + (${k0} + ${t}u) * ${J}u + j`)};${S.map((s) => ` a${t}_${s} = fma(w, g_${s}, a${t}_${s});`).join('')} }`);
        const stores = range(T).flatMap((t) => S.map((s) => `    (*dx)[${s}][${k0} + ${t}u] = a${t}_${s};`));
        return `${acc.join('\n')}
    for (var j = 0u; j < ${J}u; j++) {
${S.map((s) => `      let g_${s} = (*dz)[${s}][j];`).join('\n')}
${fmas.join('\n')}
    }
${stores.join('\n')}`;
      });
      return `
fn ${net}_forward_s_${l}(x: ${batch(K)}, y: ${batch(J)}) {
${forward}
}
fn ${net}_input_grad_s_${l}(dz: ${batch(J)}, dx: ${batch(K)}) {
${backward}
}
${outputGrad}`;
    })
    .join('\n');
}

/**
 * Forward mode (Jacobian-vector products) through the same network, with the register tiles of mlpTiledWgsl: the
 * derivative of every layer's output along a direction v of the parameters, read by `tangent` in the parameter
 * layout (v's weights V_W and biases v_b at the network's offsets). With a_{-1} = x fixed (zero tangent) and
 * z_l = W_lᵀ a_{l-1} + b_l, a_l = f_l(z_l):
 *
 *   ż_l = V_Wlᵀ a_{l-1} + v_bl + W_lᵀ ȧ_{l-1},   ȧ_l = f_l'(z_l) ż_l   (f' from the kept output a_l)
 *
 *   fn net_tangent_s_0(x, y, dy)             dy[s][j] = f'(y[s][j]) (v_b[j] + sum_k V[k][j] x[s][k])
 *   fn net_tangent_s_l(x, dx, y, dy)  l > 0  dy[s][j] = f'(y[s][j]) (v_b[j] + sum_k V[k][j] x[s][k] + W[k][j] dx[s][k])
 *
 * x / dx: the layer's input and its tangent; y: its output (from net_forward_s_l); dy receives the output's tangent.
 * Needs the activation library in the module; `reader` reads W as in mlpTiledWgsl.
 */
export function mlpTangentTiledWgsl(net: string, layers: InlineLayer[], samples: number, tile: number, tangent: ParamReader, reader: ParamReader = storageParams): string {
  const S = range(samples);
  const tiles = registerTiles(tile);
  const batch = batchPointer(samples);
  return layers
    .map((layer, l) => {
      const { inputs: K, outputs: J, weightOffset: W, biasOffset: B, activation } = layer;
      const first = l === 0;
      const body = tiles(J, (j0, T) => {
        const acc = range(T).flatMap((t) => S.map((s) => `    var a${t}_${s} = ${tangent(`${B}u + ${j0} + ${t}u`)};`));
        const loads = S.map((s) => `      let in_${s} = (*x)[${s}][k];${first ? '' : ` let din_${s} = (*dx)[${s}][k];`}`);
        const fmas = range(T).map(
          (t) =>
            `      { let v = ${tangent(`row + ${t}u`)};${first ? '' : ` let w = ${reader(`row + ${t}u`)};`}` +
            S.map((s) => ` a${t}_${s} = fma(v, in_${s}, a${t}_${s});${first ? '' : ` a${t}_${s} = fma(w, din_${s}, a${t}_${s});`}`).join('') +
            ' }',
        );
        const stores = range(T).flatMap((t) => S.map((s) => `    (*dy)[${s}][${j0} + ${t}u] = act_${activation}_grad((*y)[${s}][${j0} + ${t}u]) * a${t}_${s};`));
        return `${acc.join('\n')}
    for (var k = 0u; k < ${K}u; k++) {
${loads.join('\n')}
      let row = ${W}u + k * ${J}u + ${j0};
${fmas.join('\n')}
    }
${stores.join('\n')}`;
      });
      const params = first ? `x: ${batch(K)}, y: ${batch(J)}, dy: ${batch(J)}` : `x: ${batch(K)}, dx: ${batch(K)}, y: ${batch(J)}, dy: ${batch(J)}`;
      return `
fn ${net}_tangent_s_${l}(${params}) {
${body}
}
`;
    })
    .join('\n');
}
