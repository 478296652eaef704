/**
 * The host side of the convolutional encoder of grid observations (the kernels run it with shaders/conv.ts):
 *
 *   input  x [H, W, Cin]            the observation, row-major in (y, x, channel) order (MinAtar's layout)
 *   conv   z[oy, ox, c] = b[c] + sum_{ky, kx, ci} x[oy + ky, ox + kx, ci] w[ky, kx, ci, c]
 *          valid padding, stride 1: output [H - k + 1, W - k + 1, Cout], then ReLU
 *   flatten in (y, x, channel) order: the input of the first dense layer of the MLP that follows
 *
 * The weight is stored [k, k, Cin, Cout] row-major (`${prefix}.conv${i}.weight`) and the bias [Cout]
 * (`${prefix}.conv${i}.bias`), in the same flat parameter buffer as the MLP. Initialised as CleanRL initialises
 * its Conv2d layers: orthogonal with gain √2 over the [k·k·Cin, Cout] matrix, zero bias.
 */
import { initRng, orthogonal } from './init.js';
import type { ParamTable, ParamView } from './params.js';
import type { ConvShape } from '../../shaders/conv.js';

/** One convolution of the encoder: output channels and the (square) kernel size. */
export interface ConvSpec {
  channels: number;
  kernel: number;
}

/** The encoder of a grid observation: its shape [H, W, C] and its convolutions, in order. */
export interface EncoderArchitecture {
  inputShape: [number, number, number];
  conv: ConvSpec[];
}

export type { ConvShape };

export interface ConvLayer {
  weight: ParamView;
  bias: ParamView;
  shape: ConvShape;
}

/** The shapes of the encoder's layers, each one's output grid the next one's input. */
export function convShapes(encoder: EncoderArchitecture): ConvShape[] {
  let [height, width, inputChannels] = encoder.inputShape;
  return encoder.conv.map(({ channels, kernel }) => {
    const shape = { height, width, inputChannels, kernel, outputChannels: channels, outHeight: height - kernel + 1, outWidth: width - kernel + 1 };
    [height, width, inputChannels] = [shape.outHeight, shape.outWidth, channels];
    return shape;
  });
}

/** Floats of the flattened output of the encoder's last layer (the first dense layer's inputs). */
export function encoderOutputSize(encoder: EncoderArchitecture): number {
  const last = convShapes(encoder).at(-1)!;
  return last.outHeight * last.outWidth * last.outputChannels;
}

/** Appends the encoder's layers to `table` under `prefix`. */
export function addConv(table: ParamTable, prefix: string, encoder: EncoderArchitecture): ConvLayer[] {
  return convShapes(encoder).map((shape, i) => ({
    weight: table.add(`${prefix}.conv${i}.weight`, [shape.kernel, shape.kernel, shape.inputChannels, shape.outputChannels]),
    bias: table.add(`${prefix}.conv${i}.bias`, [shape.outputChannels]),
    shape,
  }));
}

/** Orthogonal weights (gain √2 over [k·k·Cin, Cout]) and zero biases; `stream` distinguishes the networks. */
export function initConv(flat: Float32Array, layers: ConvLayer[], seed: number, stream: number): void {
  layers.forEach((layer, i) => {
    const { kernel, inputChannels, outputChannels } = layer.shape;
    const rng = initRng(seed, stream * 1024 + 512 + i);
    flat.set(orthogonal(kernel * kernel * inputChannels, outputChannels, Math.SQRT2, rng), layer.weight.offset);
    flat.fill(0, layer.bias.offset, layer.bias.offset + layer.bias.size);
  });
}
