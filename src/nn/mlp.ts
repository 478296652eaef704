/**
 * The host side of the MLPs (the kernels run them with the WGSL library shaders/mlp.ts):
 *
 * - `addMlp` lays an MLP's weights and biases out in a ParamTable (layer l: `${prefix}.${l}.weight` [in, out]
 *   and `${prefix}.${l}.bias` [out]), so several networks (actor, critic) share one flat buffer.
 * - `initMlp` fills them as CleanRL does: orthogonal weights (gain √2 for hidden layers, a configurable gain for
 *   the output layer), zero biases.
 */
import type { Activation } from '../../shaders/activations.js';
import { initRng, orthogonal } from './init.js';
import type { ParamTable, ParamView } from './params.js';

export interface MlpConfig {
  inputs: number;
  /** Widths of the hidden layers, e.g. [64, 64]. */
  hidden: number[];
  outputs: number;
  /** Hidden activation; default tanh. */
  activation?: Activation;
  /** Output activation; default identity. */
  outputActivation?: Activation;
}

/** One dense layer y = f(x W + b): W [inputs, outputs] row-major, then b [outputs], in the flat buffer. */
export interface LayerShape {
  inputs: number;
  outputs: number;
  activation: Activation;
}

export interface MlpLayer {
  weight: ParamView;
  bias: ParamView;
  shape: LayerShape;
}

export function validateMlpConfig(config: MlpConfig, what = 'network'): void {
  const positive = (name: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) <= 0) {
      throw new RangeError(`${what}.${name} is ${JSON.stringify(value)}; expected a positive integer`);
    }
  };
  positive('inputs', config.inputs);
  positive('outputs', config.outputs);
  if (!Array.isArray(config.hidden)) throw new TypeError(`${what}.hidden is ${JSON.stringify(config.hidden)}; expected an array of layer widths such as [64, 64]`);
  config.hidden.forEach((width, i) => positive(`hidden[${i}]`, width));
  for (const name of ['activation', 'outputActivation'] as const) {
    const value = config[name];
    if (value !== undefined && !['tanh', 'relu', 'identity'].includes(value)) {
      throw new RangeError(`${what}.${name} is ${JSON.stringify(value)}; expected 'tanh', 'relu' or 'identity'`);
    }
  }
}

/** Appends the layers of an MLP to `table` under `prefix`. */
export function addMlp(table: ParamTable, prefix: string, config: MlpConfig): MlpLayer[] {
  validateMlpConfig(config, prefix);
  const widths = [config.inputs, ...config.hidden, config.outputs];
  return widths.slice(1).map((outputs, l) => {
    const inputs = widths[l]!;
    const last = l === widths.length - 2;
    return {
      weight: table.add(`${prefix}.${l}.weight`, [inputs, outputs]),
      bias: table.add(`${prefix}.${l}.bias`, [outputs]),
      shape: { inputs, outputs, activation: last ? (config.outputActivation ?? 'identity') : (config.activation ?? 'tanh') },
    };
  });
}

export interface MlpInit {
  seed: number;
  /** Gain of the hidden layers' orthogonal init; CleanRL: √2. */
  hiddenGain?: number;
  /** Gain of the output layer; CleanRL: 0.01 for the policy head, 1 for the value head. */
  outputGain?: number;
  /** Distinguishes networks initialised from the same seed (e.g. actor 0, critic 1). */
  stream?: number;
}

/** Writes CleanRL's initialisation of `layers` into the flat parameter array. */
export function initMlp(flat: Float32Array, layers: MlpLayer[], init: MlpInit): void {
  const hiddenGain = init.hiddenGain ?? Math.SQRT2;
  const outputGain = init.outputGain ?? 1;
  layers.forEach((layer, l) => {
    const gain = l === layers.length - 1 ? outputGain : hiddenGain;
    const rng = initRng(init.seed, (init.stream ?? 0) * 1024 + l);
    flat.set(orthogonal(layer.shape.inputs, layer.shape.outputs, gain, rng), layer.weight.offset);
    flat.fill(0, layer.bias.offset, layer.bias.offset + layer.bias.size);
  });
}
