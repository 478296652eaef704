/**
 * The policy in plain JavaScript, for one agent per frame in a game where a GPU round trip would cost a frame:
 * the actor MLP (weights row-major [inputs][outputs], as on the GPU), after its convolutional encoder where it has
 * one (valid padding, stride 1, ReLU, (y, x, c) layout, flattened into the MLP's input), and the same action choice as the GPU's
 * policy kernel — argmax / mean when deterministic, otherwise a sample drawn with the same counter-based generator
 * (seed, stream action, row, call counter). Synchronous; no allocation per call beyond the returned array.
 */
import { RngStream, rngHost } from '../shaders/rng.js';
import type { Activation } from '../shaders/activations.js';
import { categoricalHeads, type BoxSpace, type EnvSpec } from './envs/spec.js';
import { checkActOptions, validateActMask, validateObservations, type ActOptions, type Actions } from './policy.js';
import { DestroyedError } from './destroyed.js';
import type { ConvShape } from './nn/conv.js';

/** The actor's convolutional encoder (grid observations): weight [k, k, Cin, Cout], bias [Cout]. */
export interface CpuConvLayer extends ConvShape {
  weight: Float32Array;
  bias: Float32Array;
}

export interface CpuLayer {
  inputs: number;
  outputs: number;
  activation: Activation;
  weight: Float32Array;
  bias: Float32Array;
}

export class CpuPolicy {
  private calls = 0;
  private readonly buffers: Float64Array[];
  private destroyed = false;

  constructor(
    readonly spec: EnvSpec,
    readonly layers: CpuLayer[],
    /** actor_logstd (box action spaces). */
    readonly logstd: Float32Array | undefined,
    private readonly seed = 0,
    /** Observation normalisation as in training: clip((x - mean) / sqrt(var + 1e-8), ±clipObs). */
    readonly normalization?: { mean: Float32Array; variance: Float32Array; clipObs: number },
    /** The actor's encoder, whose flattened output is layers[0]'s input. */
    readonly conv?: CpuConvLayer,
  ) {
    this.buffers = [new Float64Array(layers[0]!.inputs), ...layers.map((l) => new Float64Array(l.outputs))];
    this.observation = new Float64Array(spec.observationSize);
  }

  private readonly observation: Float64Array;

  /** The actor's output (logits or means) for one observation. */
  head(obs: ArrayLike<number>, offset = 0): Float64Array {
    this.assertAlive('CpuPolicy.head');
    const input = this.conv ? this.observation : this.buffers[0]!;
    const norm = this.normalization;
    for (let i = 0; i < input.length; i++) {
      const x = obs[offset + i]!;
      input[i] = norm ? Math.min(Math.max((x - norm.mean[i]!) / Math.sqrt(norm.variance[i]! + 1e-8), -norm.clipObs), norm.clipObs) : x;
    }
    if (this.conv) convolve(this.conv, input, this.buffers[0]!);
    this.layers.forEach((layer, l) => {
      const x = this.buffers[l]!;
      const y = this.buffers[l + 1]!;
      const { inputs: K, outputs: J, weight, bias } = layer;
      for (let j = 0; j < J; j++) {
        let z = bias[j]!;
        for (let k = 0; k < K; k++) z += weight[k * J + j]! * x[k]!;
        y[j] = layer.activation === 'tanh' ? Math.tanh(z) : layer.activation === 'relu' ? Math.max(z, 0) : z;
      }
    });
    return this.buffers[this.layers.length]!;
  }

  /** Actions for one observation or a row-major batch, as GpuPolicy.act but synchronous. */
  actSync(obs: Float32Array | number[], options: ActOptions = {}): Actions {
    this.assertAlive('CpuPolicy.actSync');
    const deterministic = checkActOptions('CpuPolicy.actSync', options);
    const values = validateObservations(this.spec, obs);
    const size = this.spec.observationSize;
    const rows = values.length / size;
    const mask = validateActMask('CpuPolicy.actSync', this.spec, rows, options.mask);
    const counter = this.calls++ >>> 0;
    const action = this.spec.action;
    const heads = categoricalHeads(action);
    if (heads) {
      const width = heads.reduce((a, b) => a + b, 0);
      const out = new Int32Array(rows * heads.length);
      for (let b = 0; b < rows; b++) {
        const head = this.head(values, b * size);
        const rng = rngHost.create(this.seed, RngStream.action, b, counter);
        let draws: number[] = [];
        let start = 0;
        heads.forEach((n, h) => {
          // The same uniforms as the GPU's policy_sample: four per draw of the generator, head h takes number h % 4.
          if (h % 4 === 0 && !deterministic) draws = Array.from(rng.next4());
          const allowed = (a: number) => !mask || mask[b * width + start + a] === 1;
          out[b * heads.length + h] = deterministic ? argmaxAllowed(head, start, n, allowed) : sampleAllowed(head, start, n, allowed, rngHost.unit(draws[h % 4]!));
          start += n;
        });
      }
      return out;
    }
    const box = action as BoxSpace;
    const out = new Float32Array(rows * box.size);
    for (let b = 0; b < rows; b++) {
      const head = this.head(values, b * size);
      const rng = rngHost.create(this.seed, RngStream.action, b, counter);
      for (let d = 0; d < box.size; d++) {
        let a = head[d]!;
        if (!deterministic) a += Math.exp(this.logstd![d]!) * rng.normal();
        out[b * box.size + d] = Math.min(Math.max(a, box.low[d]!), box.high[d]!);
      }
    }
    return out;
  }

  /** The same as actSync, as a promise (so CPU and GPU policies can be used alike). */
  act(obs: Float32Array | number[], options: ActOptions = {}): Promise<Actions> {
    try {
      this.assertAlive('CpuPolicy.act');
      return Promise.resolve(this.actSync(obs, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Later calls throw DestroyedError (as a GpuPolicy's do, so both kinds behave alike); twice is safe. */
  destroy(): void {
    this.destroyed = true;
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new DestroyedError(method, 'the policy was destroyed');
  }
}

/** The first largest logit of z[start .. start + n) among the allowed choices (as categorical_head_argmax). */
function argmaxAllowed(z: ArrayLike<number>, start: number, n: number, allowed: (a: number) => boolean): number {
  let best = -1;
  for (let a = 0; a < n; a++) if (allowed(a) && (best < 0 || z[start + a]! > z[start + best]!)) best = a;
  return best;
}

/** Inverse CDF of the softmax over the allowed choices for one uniform u (as categorical_head_sample). */
function sampleAllowed(z: ArrayLike<number>, start: number, n: number, allowed: (a: number) => boolean, u: number): number {
  let max = -Infinity;
  for (let a = 0; a < n; a++) if (allowed(a)) max = Math.max(max, z[start + a]!);
  let total = 0;
  for (let a = 0; a < n; a++) if (allowed(a)) total += Math.exp(z[start + a]! - max);
  let cumulative = 0;
  let last = 0;
  for (let a = 0; a < n; a++) {
    if (!allowed(a)) continue;
    last = a;
    cumulative += Math.exp(z[start + a]! - max) / total;
    if (u < cumulative) return a;
  }
  return last;
}

/** a[oy, ox, c] = relu(b[c] + sum_{ky, kx, ci} x[oy + ky, ox + kx, ci] w[ky, kx, ci, c]), written flat into `out`. */
function convolve(conv: CpuConvLayer, x: Float64Array, out: Float64Array): void {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo, weight, bias } = conv;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      for (let c = 0; c < Co; c++) {
        let z = bias[c]!;
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            const at = ((oy + ky) * W + ox + kx) * C;
            const row = (ky * K + kx) * C;
            for (let ci = 0; ci < C; ci++) z += x[at + ci]! * weight[(row + ci) * Co + c]!;
          }
        }
        out[(oy * Wo + ox) * Co + c] = Math.max(z, 0);
      }
    }
  }
}
