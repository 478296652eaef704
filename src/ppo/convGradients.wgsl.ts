/**
 * The convolution's gradient kernel of the PPO update (owner: src/ppo/update.ts), dispatched after the gradient
 * kernel for each chunk when the networks have convolutional encoders. From the scratch rows of the loss kernel
 * (src/ppo/scratch.ts: the observation x and the convolution's dL/dz, both [row][chunk column]) it forms, for a
 * convolution of kernel k on an [H, W, Cin] grid with P = outHeight·outWidth output positions (oy, ox):
 *
 *   dw[ky][kx][ci][c] = sum_b sum_p x[(oy + ky)·W·Cin + (ox + kx)·Cin + ci][b] dz[p·Cout + c][b]
 *   db[c]             = sum_b sum_p dz[p·Cout + c][b]
 *
 * One invocation per entry of [w; b] (weight entry q·Cout + c for q = (ky·k + kx)·Cin + ci, then the Cout biases),
 * the actor's entries first, then the critic's; the sums run over the chunk's samples (consecutive in memory) for
 * each position. Results overwrite the gradient for a minibatch's first chunk and are added for the next ones.
 */
import { ControlBlock } from '../nn/adam.wgsl.js';
import { slotBinding } from './hyper.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';
import type { InlineConv } from '../../shaders/conv.js';

export const CONV_GRADIENT_WORKGROUP = 64;

/** One encoder's convolution and where its rows are. */
export interface ConvGradientNet {
  conv: InlineConv;
  /** First scratch row of the network's input x (the observation). */
  inputRow: number;
  /** First scratch row of the convolution's dL/dz. */
  deltaRow: number;
}

export const convGradientBindings = bindingTable({
  slot: slotBinding,
  scratch: readOnlyStorage('array<f32>'),
  control: readOnlyStorage(ControlBlock),
  grads: storage('array<f32>'),
});

/** Entries of [w; b] of one convolution: (k·k·Cin + 1)·Cout. */
export function convGradientEntries(conv: InlineConv): number {
  return (conv.kernel * conv.kernel * conv.inputChannels + 1) * conv.outputChannels;
}

function netFunction(name: string, net: ConvGradientNet): string {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo, weightOffset, biasOffset } = net.conv;
  const Q = K * K * C;
  const P = Ho * Wo;
  return /* wgsl */ `
fn ${name}(e: u32, CHUNK: u32) {
  let c = e % ${Co}u;
  let q = e / ${Co}u;
  let ky = q / ${K * C}u;
  let kx = (q / ${C}u) % ${K}u;
  let ci = q % ${C}u;
  let bias = q >= ${Q}u;
  var acc = 0.0;
  for (var p = 0u; p < ${P}u; p++) {
    let oy = p / ${Wo}u;
    let ox = p % ${Wo}u;
    let d_row = (${net.deltaRow}u + p * ${Co}u + c) * CHUNK;
    // The bias reads its dz row twice (input 1): no branch inside the sum.
    let x_row = select((${net.inputRow}u + ((oy + ky) * ${W}u + ox + kx) * ${C}u + ci) * CHUNK, d_row, bias);
    var part = 0.0;
    for (var b = 0u; b < slot.chunk_size; b++) {
      let dz = scratch[d_row + b];
      part = fma(select(scratch[x_row + b], 1.0, bias), dz, part);
    }
    acc += part;
  }
  let at = select(${weightOffset}u + q * ${Co}u + c, ${biasOffset}u + c, bias);
  grads[at] = select(0.0, grads[at], slot.accumulate != 0u) + acc;
}
`;
}

export function convGradientWgsl(nets: ConvGradientNet[]): string {
  let start = 0;
  const calls = nets.map((net, n) => {
    const count = convGradientEntries(net.conv);
    const call = `  if (e >= ${start}u && e < ${start + count}u) { conv_gradient_${n}(e - ${start}u, CHUNK); }`;
    start += count;
    return call;
  });
  return /* wgsl */ `
${convGradientBindings.wgsl}
${nets.map((net, n) => netFunction(`conv_gradient_${n}`, net)).join('\n')}
@compute @workgroup_size(${CONV_GRADIENT_WORKGROUP})
fn conv_gradient_main(@builtin(global_invocation_id) gid: vec3u) {
  if (control.skip != 0u) { return; }
  let e = gid.x;
  let CHUNK = slot.scratch_stride;
${calls.join('\n')}
}
`;
}
