/**
 * The host side of the convolutional encoder (the kernels run it with the WGSL library shaders/conv.ts): layers of
 * K x K convolutions with stride 1, valid padding (no zero padding: an H x W input gives (H-K+1) x (W-K+1)
 * positions) and ReLU, on grid observations in (y, x, channel) order, row-major.
 *
 *   z[oy][ox][co] = b[co] + Σ_{ky, kx < K} Σ_{ci < Cin} W[ky][kx][ci][co] x[oy + ky][ox + kx][ci]
 *   y = relu(z)                                         y [H-K+1, W-K+1, Cout], flattened in (y, x, channel) order
 *
 * W is [K, K, Cin, Cout] row-major, so that row k = (ky K + kx) Cin + ci of the [K K Cin, Cout] matrix is the
 * weight of patch element k: each output position is a dense layer over its patch. Valid padding is MinAtar's
 * network (10 x 10 x 4 → 8 x 8 x 16): every weight sees the same number of real inputs, and the kernels need no
 * boundary branches.
 *
 * - `validateEncoder` checks an encoder description (the config key `encoder`) against the observation shape.
 * - `addConv` lays a network's conv layers out in a ParamTable (`${prefix}.conv${l}.weight` [K, K, Cin, Cout] and
 *   `${prefix}.conv${l}.bias` [Cout]).
 * - `initConv` fills them: orthogonal [K K Cin, Cout] weights with gain √2 (CleanRL's hidden layers), zero biases.
 */
import { initRng, orthogonal } from './init.js';
import type { ParamTable, ParamView } from './params.js';
import type { ConvShape } from '../../shaders/conv.js';

/** One conv layer of the description: output channels and kernel size (K x K). */
export interface ConvSpec {
  channels: number;
  kernel: number;
}

/** The encoder of both networks: conv layers, each followed by ReLU, then the flatten into the MLP. */
export interface EncoderSpec {
  conv: ConvSpec[];
}

export interface ConvLayer {
  weight: ParamView;
  bias: ParamView;
  shape: ConvShape;
}

/** Floats of a layer's output (its shapes are shaders/conv.ts ConvShape, which the kernels inline). */
export { inlineConvOutputs as convOutputs, type ConvShape } from '../../shaders/conv.js';

export class EncoderError extends Error {
  override name = 'EncoderError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${field} is ${JSON.stringify(value)}; expected ${expected}`);
  }
}

/**
 * Checks `encoder` (field name `what`, e.g. "trainer config 'encoder'") for observations of `shape` and returns the
 * layers' shapes; throws an EncoderError naming the field, its value and what was expected.
 */
export function validateEncoder(encoder: unknown, shape: readonly number[] | undefined, what = 'encoder'): ConvShape[] {
  if (typeof encoder !== 'object' || encoder === null || Array.isArray(encoder)) {
    throw new EncoderError(what, encoder, 'null (no encoder) or an object such as { conv: [{ channels: 16, kernel: 3 }] }');
  }
  const extra = Object.keys(encoder).filter((k) => k !== 'conv');
  if (extra.length > 0) throw new EncoderError(`${what}.${extra[0]}`, (encoder as Record<string, unknown>)[extra[0]!], "no such key (an encoder has only 'conv')");
  const conv = (encoder as { conv?: unknown }).conv;
  if (!Array.isArray(conv) || conv.length === 0) throw new EncoderError(`${what}.conv`, conv, 'a non-empty array of layers such as [{ channels: 16, kernel: 3 }]');
  const layers = conv.map((layer: unknown, l): ConvSpec => {
    const field = `${what}.conv[${l}]`;
    if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) throw new EncoderError(field, layer, 'an object such as { channels: 16, kernel: 3 }');
    const unknown = Object.keys(layer).filter((k) => k !== 'channels' && k !== 'kernel');
    if (unknown.length > 0) throw new EncoderError(`${field}.${unknown[0]}`, (layer as Record<string, unknown>)[unknown[0]!], "no such key (a conv layer has 'channels' and 'kernel')");
    const { channels, kernel } = layer as { channels?: unknown; kernel?: unknown };
    if (!Number.isInteger(channels) || (channels as number) < 1 || (channels as number) > 256) throw new EncoderError(`${field}.channels`, channels, 'an integer in 1..256');
    if (!Number.isInteger(kernel) || (kernel as number) < 1) throw new EncoderError(`${field}.kernel`, kernel, 'a positive integer (the K of a K x K kernel)');
    return { channels: channels as number, kernel: kernel as number };
  });
  if (!shape || shape.length !== 3) {
    throw new EncoderError(what, encoder, `null: the environment's observationShape is ${shape ? `[${shape.join(', ')}]` : 'not declared'}, and a conv encoder needs a grid [height, width, channels]`);
  }
  let [height, width, inChannels] = shape as [number, number, number];
  return layers.map(({ channels, kernel: K }, l) => {
    const limit = Math.min(height, width);
    if (K > limit) throw new EncoderError(`${what}.conv[${l}].kernel`, K, `an integer in 1..${limit} (valid padding: the kernel must fit the ${height} x ${width} input of this layer)`);
    const s: ConvShape = { height, width, inChannels, kernel: K, outChannels: channels, outHeight: height - K + 1, outWidth: width - K + 1 };
    [height, width, inChannels] = [s.outHeight, s.outWidth, s.outChannels];
    return s;
  });
}

/** Appends conv layers of the given shapes to `table` under `prefix` (weight then bias). */
export function addConv(table: ParamTable, prefix: string, shapes: ConvShape[]): ConvLayer[] {
  return shapes.map((shape, l) => {
    const weight = table.add(`${prefix}.conv${l}.weight`, [shape.kernel, shape.kernel, shape.inChannels, shape.outChannels]);
    const bias = table.add(`${prefix}.conv${l}.bias`, [shape.outChannels]);
    return { weight, bias, shape };
  });
}

/** Orthogonal [K K Cin, Cout] weights with gain √2, zero biases; `stream` separates the networks. */
export function initConv(flat: Float32Array, layers: ConvLayer[], seed: number, stream: number): void {
  layers.forEach((layer, l) => {
    const { kernel: K, inChannels, outChannels } = layer.shape;
    const rng = initRng(seed, stream * 1024 + 512 + l);
    flat.set(orthogonal(K * K * inChannels, outChannels, Math.SQRT2, rng), layer.weight.offset);
    flat.fill(0, layer.bias.offset, layer.bias.offset + layer.bias.size);
  });
}
