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

export function mlpInlineWgsl(net: string, layers: InlineLayer[], reader: ParamReader | string = storageParams): string {
  // A string names an array variable to index: 'ws' reads ws[index].
  const read: ParamReader = typeof reader === 'string' ? (index) => `${reader}[${index}]` : reader;
  return layers.map((layer, l) => forwardLayer(net, l, layer, read) + backwardLayer(net, l, layer, read)).join('\n');
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
export function mlpRunWgsl(net: string, layers: InlineLayer[]): string {
  const last = layers.length - 1;
  const body = layers
    .map((layer, l) => {
      const input = l === 0 ? 'x' : `&h${l - 1}`;
      if (l === last) return `  ${net}_forward_${l}(${input}, out);`;
      return `  var h${l}: array<f32, ${layer.outputs}>;\n  ${net}_forward_${l}(${input}, &h${l});`;
    })
    .join('\n');
  return /* wgsl */ `
fn ${net}_run(x: ptr<function, array<f32, ${layers[0]!.inputs}>>, out: ptr<function, array<f32, ${layers[last]!.outputs}>>) {
${body}
}
`;
}
