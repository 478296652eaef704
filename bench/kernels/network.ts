/**
 * The network of the MLP micro-benchmark (bench only): 64-64-64, i.e. input 64, one hidden layer of 64 (tanh),
 * output 64 (identity, as a CleanRL head), at one batch size, with its buffers in both layouts, the bind groups of
 * every (role, layer) and a float64 reference to validate any LayerVariant against.
 *
 * FLOPs per sample (2·K·J per layer and kernel, the bias row of dW not counted):
 *   forward            2 layers x 2·64·64                      = 16,384
 *   backward_input     layer 1 only (layer 0's dX is not needed) =  8,192
 *   backward_weights   2 layers x 2·64·64                      = 16,384
 *   backward (all)     dW of both layers + dX of layer 1       = 24,576  (1.5x forward; 2x if dX of layer 0 were needed)
 *
 * Inputs repeat with a period P = min(batch, 4096) samples, so the reference costs P samples and the weight
 * gradients of a batch are (batch / P) times those of one period; every sample is still computed by the GPU
 * and every output is checked.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import { bindGroupLayout, type BindingKind } from '../../src/gpu/pipelines.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { addMlp, initMlp, type MlpLayer } from '../../src/nn/mlp.js';
import { ParamTable } from '../../src/nn/params.js';
import { packDenseDims, type DenseShape } from '../../shaders/matmul.js';
import type { Dispatch } from './timing.js';
import type { Layout, LayerVariant, Role } from './layouts.js';

export const WIDTH = 64;
export const NETWORK = '64-64-64 (tanh hidden, identity output)';
const PER_LAYER = 2 * WIDTH * WIDTH;
export const FLOPS_PER_SAMPLE: Record<Role | 'backward', number> = {
  forward: 2 * PER_LAYER,
  backward_input: PER_LAYER,
  backward_weights: 2 * PER_LAYER,
  backward: 3 * PER_LAYER,
};

/** Which layers a role runs, in the order MlpRunner records them. */
export const ROLE_LAYERS: Record<Role, number[]> = { forward: [0, 1], backward_input: [1], backward_weights: [1, 0] };

const BINDINGS: readonly BindingKind[] = ['uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'];

/** Seeded xorshift in [-1, 1). */
function fill(array: Float32Array, seed: number, scale = 1): void {
  let s = (seed * 0x9e3779b9 + 0x7f4a7c15) >>> 0 || 1;
  for (let i = 0; i < array.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    array[i] = scale * (2 * (s / 4294967296) - 1);
  }
}

interface Reference {
  period: number;
  /** Sample-major [period][64] each. */
  h: Float64Array;
  y: Float64Array;
  dh: Float64Array;
  /** Gradients of one period in the parameter layout. */
  grads: Float64Array;
}

export class Network {
  readonly table = new ParamTable();
  readonly layers: MlpLayer[];
  readonly shapes: DenseShape[];
  readonly paramsData: Float32Array;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly layout: GPUBindGroupLayout;
  /** Sample-major [batch][64] host copies of the inputs. */
  readonly x: Float32Array;
  readonly dy: Float32Array;
  private readonly buffers: Record<string, GPUBuffer> = {};
  private readonly dims: GPUBuffer[];
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private reference: Reference | undefined;

  constructor(
    private readonly gpu: Gpu,
    readonly batch: number,
  ) {
    this.layers = addMlp(this.table, 'mlp', { inputs: WIDTH, hidden: [WIDTH], outputs: WIDTH });
    this.shapes = this.layers.map((l) => l.shape);
    this.paramsData = new Float32Array(this.table.size);
    initMlp(this.paramsData, this.layers, { seed: 1, outputGain: 1 });
    for (const [l, layer] of this.layers.entries()) {
      const bias = new Float32Array(layer.bias.size);
      fill(bias, 100 + l, 0.3);
      this.paramsData.set(bias, layer.bias.offset);
    }
    this.params = gpu.buffer({ label: 'MlpBench.params', size: this.table.byteSize, data: this.paramsData });
    this.grads = gpu.buffer({ label: 'MlpBench.grads', size: this.table.byteSize });
    const period = Math.min(batch, 4096);
    const px = new Float32Array(period * WIDTH);
    const pdy = new Float32Array(period * WIDTH);
    fill(px, 7);
    fill(pdy, 8);
    this.x = new Float32Array(batch * WIDTH);
    this.dy = new Float32Array(batch * WIDTH);
    for (let b = 0; b < batch; b += period) {
      this.x.set(px, b * WIDTH);
      this.dy.set(pdy, b * WIDTH);
    }
    const size = batch * WIDTH * 4;
    const make = (role: string, data?: Float32Array) =>
      (this.buffers[role] = gpu.buffer({ label: `MlpBench.${role}`, size, ...(data ? { data } : {}) }));
    make('x.sample-major', this.x);
    make('dy.sample-major', this.dy);
    make('x.feature-major', transpose(this.x, batch, WIDTH));
    make('dy.feature-major', transpose(this.dy, batch, WIDTH));
    for (const role of ['h', 'y', 'dh']) make(role);
    this.dims = this.layers.map((layer, l) =>
      gpu.buffer({
        label: `MlpBench.dims${l}`,
        size: 32,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        data: packDenseDims({
          batch,
          strideIn: batch,
          strideOut: batch,
          weightOffset: layer.weight.offset,
          biasOffset: layer.bias.offset,
          inputOffset: 0,
          outputOffset: 0,
        }),
      }),
    );
    this.layout = bindGroupLayout(gpu.device, 'MlpBench', BINDINGS);
  }

  /** The bind group of one role at one layer, for data in `layout` (same bindings as shaders/matmul.ts). */
  group(role: Role, layer: number, layout: Layout): GPUBindGroup {
    const key = `${role}:${layer}:${layout}`;
    let group = this.groups.get(key);
    if (!group) {
      const b = this.buffers;
      const input = layer === 0 ? b[`x.${layout}`]! : b.h!;
      const output = layer === 0 ? b.h! : b.y!;
      const outputGrad = layer === 0 ? b.dh! : b[`dy.${layout}`]!;
      const unused = this.gpu.placeholder;
      const entries =
        role === 'forward'
          ? [input, unused, unused, output]
          : role === 'backward_input'
            ? [input, output, outputGrad, b.dh!]
            : [input, output, outputGrad, this.grads];
      group = bindBuffers(this.gpu.device, `MlpBench.${key}`, this.layout, [this.dims[layer]!, this.params, ...entries]);
      this.groups.set(key, group);
    }
    return group;
  }

  async pipeline(variant: LayerVariant, role: Role, layer: number): Promise<GPUComputePipeline> {
    const shape = this.shapes[layer]!;
    const key = variant.key(role, shape);
    let pipeline = this.pipelines.get(`${key}:${role}`);
    if (!pipeline) {
      pipeline = await this.gpu.pipelines.pipeline({
        label: `MlpBench.${variant.family}.${role}`,
        key,
        entryPoint: role,
        bindings: BINDINGS,
        build: () => variant.wgsl(role, shape),
      });
      this.pipelines.set(`${key}:${role}`, pipeline);
    }
    return pipeline;
  }

  /** The dispatches of one role over the network, as MlpRunner orders them. */
  async sequence(variant: LayerVariant, role: Role): Promise<Dispatch[]> {
    return Promise.all(
      ROLE_LAYERS[role].map(async (layer) => ({
        pipeline: await this.pipeline(variant, role, layer),
        group: this.group(role, layer, variant.layout),
        workgroups: variant.grid(role, this.shapes[layer]!, this.batch, this.gpu.limits.maxComputeWorkgroupsPerDimension),
      })),
    );
  }

  /** The whole backward pass as MlpRunner records it: dW of layer 1, dX of layer 1, dW of layer 0. */
  async backwardSequence(inputVariant: LayerVariant, weightsVariant: LayerVariant): Promise<Dispatch[]> {
    if (inputVariant.layout !== weightsVariant.layout) throw new Error('backward variants of different layouts');
    const [w1, w0] = await this.sequence(weightsVariant, 'backward_weights');
    const [i1] = await this.sequence(inputVariant, 'backward_input');
    return [w1!, i1!, w0!];
  }

  private run(dispatches: readonly Dispatch[]): void {
    const recorder = new Recorder(this.gpu, 'MlpBench.validate');
    for (const d of dispatches) recorder.dispatch(d.pipeline, d.group, d.workgroups);
    recorder.submit();
  }

  private ref(): Reference {
    this.reference ??= computeReference(this);
    return this.reference;
  }

  /** Reads a [batch][64] activation in `layout` as sample-major. */
  private async readActivation(role: 'h' | 'y' | 'dh', layout: Layout): Promise<Float32Array> {
    const data = await readFloat32(this.gpu, this.buffers[role]!, this.batch * WIDTH);
    return layout === 'sample-major' ? data : transpose(data, WIDTH, this.batch);
  }

  /** Runs the forward kernels of `variant` once and checks h and y; throws with the worst element otherwise. */
  async validateForward(variant: LayerVariant): Promise<void> {
    this.run(await this.sequence(variant, 'forward'));
    const ref = this.ref();
    compare(await this.readActivation('h', variant.layout), ref.h, ref.period, { atol: 2e-6 * (WIDTH + 1), rtol: 1e-5 }, `${variant.label}: forward h`);
    compare(await this.readActivation('y', variant.layout), ref.y, ref.period, { atol: 4e-6 * (WIDTH + 1), rtol: 1e-5 }, `${variant.label}: forward y`);
  }

  /**
   * Runs `forward` (any variant of the same layout, to fill h and y), then the backward pass, and checks dX of
   * layer 1 and the gradients of both layers.
   */
  async validateBackward(forward: LayerVariant, inputVariant: LayerVariant, weightsVariant: LayerVariant): Promise<void> {
    this.gpu.write(this.grads, 0, new Float32Array(this.table.size));
    this.run([...(await this.sequence(forward, 'forward')), ...(await this.backwardSequence(inputVariant, weightsVariant))]);
    const ref = this.ref();
    const what = `${inputVariant.label} / ${weightsVariant.label}`;
    compare(await this.readActivation('dh', inputVariant.layout), ref.dh, ref.period, { atol: 4e-6 * WIDTH, rtol: 1e-5 }, `${what}: dX`);
    const grads = await readFloat32(this.gpu, this.grads, this.table.size);
    const scale = this.batch / ref.period;
    for (const view of this.table.views) {
      const got = grads.subarray(view.offset, view.offset + view.size);
      const want = ref.grads.subarray(view.offset, view.offset + view.size).map((v) => v * scale);
      compare(got, want, want.length, { atol: 4e-6 * this.batch, rtol: 2e-5 }, `${what}: ${view.name} gradient`);
    }
  }

  destroy(): void {
    for (const b of [...Object.values(this.buffers), ...this.dims, this.params, this.grads]) b.destroy();
  }
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** Element i of `got` against want[i % period] (the inputs repeat with that period). */
function compare(got: ArrayLike<number>, want: ArrayLike<number>, period: number, tol: { atol: number; rtol: number }, what: string): void {
  const stride = want.length / period;
  for (let i = 0; i < got.length; i++) {
    const r = want[i % (period * stride)]!;
    const g = got[i]!;
    if (!(Math.abs(g - r) <= tol.atol + tol.rtol * Math.abs(r))) {
      throw new Error(`${what}: element ${i} is ${g}, reference ${r} (tolerance ${tol.atol} + ${tol.rtol}·|ref|)`);
    }
  }
}

/** Float64 forward and backward over one period of the inputs (sample-major loops, for speed). */
function computeReference(net: Network): Reference {
  const period = Math.min(net.batch, 4096);
  const W = WIDTH;
  const p = net.paramsData;
  const [l0, l1] = net.layers as [MlpLayer, MlpLayer];
  const h = new Float64Array(period * W);
  const y = new Float64Array(period * W);
  const dh = new Float64Array(period * W);
  const grads = new Float64Array(net.table.size);
  const acc = new Float64Array(W);
  for (let b = 0; b < period; b++) {
    // h = tanh(x W0 + b0), y = h W1 + b1
    for (let j = 0; j < W; j++) acc[j] = p[l0.bias.offset + j]!;
    for (let k = 0; k < W; k++) {
      const xk = net.x[b * W + k]!;
      const row = l0.weight.offset + k * W;
      for (let j = 0; j < W; j++) acc[j] += p[row + j]! * xk;
    }
    for (let j = 0; j < W; j++) h[b * W + j] = Math.tanh(acc[j]!);
    for (let j = 0; j < W; j++) acc[j] = p[l1.bias.offset + j]!;
    for (let k = 0; k < W; k++) {
      const hk = h[b * W + k]!;
      const row = l1.weight.offset + k * W;
      for (let j = 0; j < W; j++) acc[j] += p[row + j]! * hk;
    }
    for (let j = 0; j < W; j++) y[b * W + j] = acc[j]!;
    // identity output: dz1 = dy; dh = dz1 W1ᵀ; dz0 = dh (1 - h²)
    for (let k = 0; k < W; k++) {
      let s = 0;
      const row = l1.weight.offset + k * W;
      for (let j = 0; j < W; j++) s += p[row + j]! * net.dy[b * W + j]!;
      dh[b * W + k] = s;
    }
    for (let j = 0; j < W; j++) {
      const dz1 = net.dy[b * W + j]!;
      grads[l1.bias.offset + j] += dz1;
      const hj = h[b * W + j]!;
      const dz0 = dh[b * W + j]! * (1 - hj * hj);
      grads[l0.bias.offset + j] += dz0;
      acc[j] = dz0;
    }
    for (let k = 0; k < W; k++) {
      const hk = h[b * W + k]!;
      const xk = net.x[b * W + k]!;
      const r1 = l1.weight.offset + k * W;
      const r0 = l0.weight.offset + k * W;
      for (let j = 0; j < W; j++) {
        grads[r1 + j] += hk * net.dy[b * W + j]!;
        grads[r0 + j] += xk * acc[j]!;
      }
    }
  }
  return { period, h, y, dh, grads };
}
