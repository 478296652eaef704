/**
 * Multi-layer perceptrons on the GPU.
 *
 * - `addMlp` lays an MLP's weights and biases out in a ParamTable (layer l: `${prefix}.${l}.weight` [in, out]
 *   and `${prefix}.${l}.bias` [out]), so several networks (actor, critic) share one flat buffer.
 * - `initMlp` fills them as CleanRL does: orthogonal weights (gain √2 for hidden layers, a configurable gain for
 *   the output layer), zero biases.
 * - `MlpRunner` runs the forward and backward passes of one MLP over a batch with the dense kernels, one dispatch
 *   per layer forward and at most two per layer backward. Activations are feature-major [width][capacity].
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import type { Activation } from '../../shaders/activations.js';
import type { DenseDims, DenseShape, DenseTiling } from '../../shaders/matmul.js';
import { DenseKernels, type DenseBinding } from './dense.js';
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

export interface MlpLayer {
  weight: ParamView;
  bias: ParamView;
  shape: DenseShape;
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

/**
 * Forward and backward passes of one MLP over a batch of up to `capacity` samples. Owns its activation and
 * activation-gradient buffers; reads parameters from and writes gradients to the shared flat buffers.
 *
 *   input:       [inputs][capacity]     written by the caller
 *   activations: a[l+1] = f_l(a[l] W_l + b_l), the last one is `output` [outputs][capacity]
 *   outputGrad:  dL/d output [outputs][capacity], written by the caller's loss before encodeBackward
 *   grads:       dL/dW_l, dL/db_l in the parameter layout (overwritten, not accumulated)
 */
export class MlpRunner {
  readonly input: GPUBuffer;
  readonly activations: GPUBuffer[];
  readonly outputGrad: GPUBuffer;
  private readonly activationGrads: GPUBuffer[];
  private readonly bindings: DenseBinding[];
  private readonly dims: DenseDims[];
  private batchSize: number;

  private constructor(
    private readonly gpu: Gpu,
    readonly label: string,
    readonly layers: MlpLayer[],
    readonly capacity: number,
    private readonly kernels: DenseKernels[],
    params: GPUBuffer,
    grads: GPUBuffer,
  ) {
    const widths = [layers[0]!.shape.inputs, ...layers.map((layer) => layer.shape.outputs)];
    const activation = (l: number, role: string) =>
      gpu.buffer({ label: `${label}.${role}${l}`, size: widths[l]! * capacity * 4 });
    this.input = activation(0, 'activation');
    this.activations = [this.input, ...layers.map((_, l) => activation(l + 1, 'activation'))];
    // dL/da[l] for l = 1..L; dL/da[0] (the input) is never needed.
    this.activationGrads = [gpu.placeholder, ...layers.map((_, l) => activation(l + 1, 'activationGrad'))];
    this.outputGrad = this.activationGrads[layers.length]!;
    this.batchSize = capacity;
    this.dims = layers.map((layer, l) => ({
      batch: capacity,
      strideIn: capacity,
      strideOut: capacity,
      weightOffset: layer.weight.offset,
      biasOffset: layer.bias.offset,
      inputOffset: 0,
      outputOffset: 0,
    }));
    this.bindings = layers.map((_, l) =>
      kernels[l]!.bind(`${label}.layer${l}`, this.dims[l]!, {
        params,
        input: this.activations[l]!,
        output: this.activations[l + 1]!,
        outputGrad: this.activationGrads[l + 1]!,
        // Layer 0's input gradient is not computed; its slot must still differ from every other binding.
        inputGrad: l === 0 ? gpu.placeholder : this.activationGrads[l]!,
        grads,
      }),
    );
  }

  static async create(
    gpu: Gpu,
    label: string,
    layers: MlpLayer[],
    params: GPUBuffer,
    grads: GPUBuffer,
    capacity: number,
    tiling?: DenseTiling,
  ): Promise<MlpRunner> {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`${label} capacity is ${capacity}; expected a positive integer`);
    const kernels = await Promise.all(layers.map((layer) => DenseKernels.create(gpu, layer.shape, tiling)));
    return new MlpRunner(gpu, label, layers, capacity, kernels, params, grads);
  }

  get output(): GPUBuffer {
    return this.activations[this.layers.length]!;
  }

  get batch(): number {
    return this.batchSize;
  }

  /** Runs the next passes over the first `batch` samples (1..capacity); strides stay the capacity. */
  setBatch(batch: number): void {
    if (!Number.isInteger(batch) || batch <= 0 || batch > this.capacity) {
      throw new RangeError(`${this.label} batch is ${batch}; expected an integer in 1..${this.capacity} (the capacity)`);
    }
    if (batch === this.batchSize) return;
    this.batchSize = batch;
    this.layers.forEach((_, l) => {
      this.dims[l]!.batch = batch;
      this.kernels[l]!.setBatch(this.bindings[l]!, this.dims[l]!);
    });
  }

  encodeForward(recorder: Recorder): void {
    this.layers.forEach((_, l) => this.kernels[l]!.encodeForward(recorder, this.bindings[l]!));
  }

  /** Gradients of all layers from `outputGrad`; the input gradient of layer 0 is skipped. */
  encodeBackward(recorder: Recorder): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      this.kernels[l]!.encodeBackwardWeights(recorder, this.bindings[l]!);
      if (l > 0) this.kernels[l]!.encodeBackwardInput(recorder, this.bindings[l]!);
    }
  }

  destroy(): void {
    for (const buffer of [...this.activations, ...this.activationGrads.slice(1)]) this.gpu.destroyBuffer(buffer);
    for (const binding of this.bindings) this.gpu.destroyBuffer(binding.dims);
  }
}

/** Row-major [batch][width] to feature-major [width][stride] (stride >= batch). */
export function toFeatureMajor(rows: Float32Array, batch: number, width: number, stride = batch): Float32Array {
  const out = new Float32Array(width * stride);
  for (let b = 0; b < batch; b++) for (let f = 0; f < width; f++) out[f * stride + b] = rows[b * width + f]!;
  return out;
}

/** Feature-major [width][stride] to row-major [batch][width]. */
export function fromFeatureMajor(columns: Float32Array, batch: number, width: number, stride = batch): Float32Array {
  const out = new Float32Array(batch * width);
  for (let b = 0; b < batch; b++) for (let f = 0; f < width; f++) out[b * width + f] = columns[f * stride + b]!;
  return out;
}
