/**
 * An MLP trained by regression on the GPU: forward, MSE loss and its gradient, backward, Adam, in one submit per
 * step with no readback inside it; the loss comes back through the asynchronous readback ring when asked for.
 * Owner of shaders/regression.ts. Used by `npm start`'s fitting job before training exists, by tests (the MLP
 * fits a function) and as the smallest complete example of the engine's GPU loop.
 */
import type { Gpu } from '../gpu/device.js';
import { bindBuffers } from '../gpu/bind.js';
import type { BindingKind } from '../gpu/pipelines.js';
import { ReadbackRing, readFloat32 } from '../gpu/readback.js';
import { gridFor, Recorder } from '../gpu/recorder.js';
import { mseWgsl, REGRESSION_WORKGROUP } from '../../shaders/regression.js';
import { Adam, type AdamConfig } from './adam.js';
import { addMlp, initMlp, MlpRunner, toFeatureMajor, type MlpConfig, type MlpLayer } from './mlp.js';
import { ParamTable } from './params.js';
import { Reduction, type ReductionPlan } from './reduction.js';

const BINDINGS: readonly BindingKind[] = ['uniform', 'read-only-storage', 'read-only-storage', 'storage', 'storage'];

export interface RegressorOptions extends AdamConfig {
  seed: number;
  /** Largest batch. */
  capacity: number;
}

export class Regressor {
  readonly table = new ParamTable();
  readonly layers: MlpLayer[];
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  private runner!: MlpRunner;
  private adam!: Adam;
  private target!: GPUBuffer;
  private terms!: GPUBuffer;
  private loss!: GPUBuffer;
  private dims!: GPUBuffer;
  private lossGroup!: GPUBindGroup;
  private lossPipeline!: GPUComputePipeline;
  private sum!: Reduction;
  private lossSum!: ReductionPlan;
  private ring!: ReadbackRing;
  private batch = 0;

  private constructor(
    private readonly gpu: Gpu,
    readonly config: MlpConfig,
    readonly options: RegressorOptions,
  ) {
    this.layers = addMlp(this.table, 'mlp', config);
    const initial = new Float32Array(this.table.size);
    initMlp(initial, this.layers, { seed: options.seed, outputGain: 1 });
    this.params = gpu.buffer({ label: 'Regressor.params', size: this.table.byteSize, data: initial });
    this.grads = gpu.buffer({ label: 'Regressor.grads', size: this.table.byteSize });
  }

  static async create(gpu: Gpu, config: MlpConfig, options: RegressorOptions): Promise<Regressor> {
    const self = new Regressor(gpu, config, options);
    const { capacity } = options;
    self.runner = await MlpRunner.create(gpu, 'Regressor.mlp', self.layers, self.params, self.grads, capacity);
    self.adam = await Adam.create(gpu, 'Regressor.adam', self.params, self.grads, self.table.size, options);
    self.lossPipeline = await gpu.pipelines.pipeline({ label: 'Regressor.mse', key: 'Regression', entryPoint: 'mse', bindings: BINDINGS, build: mseWgsl });
    self.target = gpu.buffer({ label: 'Regressor.target', size: config.outputs * capacity * 4 });
    self.terms = gpu.buffer({ label: 'Regressor.lossTerms', size: config.outputs * capacity * 4 });
    self.loss = gpu.buffer({ label: 'Regressor.loss', size: 16 });
    self.dims = gpu.buffer({ label: 'Regressor.lossDims', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    self.lossGroup = bindBuffers(gpu.device, 'Regressor.lossGroup', self.lossPipeline.getBindGroupLayout(0), [
      self.dims,
      self.runner.output,
      self.target,
      self.runner.outputGrad,
      self.terms,
    ]);
    self.sum = await Reduction.create(gpu, 'sum');
    self.ring = new ReadbackRing(gpu, 'Regressor.lossReadback', 16);
    return self;
  }

  /** Uploads a batch: inputs row-major [batch][inputs], targets row-major [batch][outputs]. */
  setData(inputs: Float32Array, targets: Float32Array, batch: number): void {
    const { capacity } = this.options;
    if (inputs.length !== batch * this.config.inputs) {
      throw new RangeError(`Regressor.setData inputs has length ${inputs.length}; expected batch x inputs = ${batch * this.config.inputs}`);
    }
    if (targets.length !== batch * this.config.outputs) {
      throw new RangeError(`Regressor.setData targets has length ${targets.length}; expected batch x outputs = ${batch * this.config.outputs}`);
    }
    this.runner.setBatch(batch);
    this.gpu.write(this.runner.input, 0, toFeatureMajor(inputs, batch, this.config.inputs, capacity));
    this.gpu.write(this.target, 0, toFeatureMajor(targets, batch, this.config.outputs, capacity));
    this.gpu.write(this.dims, 0, new Uint32Array([batch, capacity, this.config.outputs, 0]));
    if (batch !== this.batch) {
      this.batch = batch;
      this.lossSum = this.sum.plan('Regressor.lossSum', this.terms, 0, batch * this.config.outputs, this.loss, 0);
    }
  }

  /** Records forward, loss and backward: `loss` and `grads` hold the current batch's loss and gradient. */
  encodeGradient(recorder: Recorder): void {
    if (this.batch === 0) throw new Error('Regressor: call setData before training');
    this.runner.encodeForward(recorder);
    const [x, y] = gridFor(this.batch * this.config.outputs, REGRESSION_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    recorder.dispatch(this.lossPipeline, this.lossGroup, [x, y]);
    this.lossSum.encode(recorder);
    this.runner.encodeBackward(recorder);
  }

  /** Records one full optimizer step: gradient, then Adam. */
  encodeStep(recorder: Recorder): void {
    this.encodeGradient(recorder);
    this.adam.encodeStep(recorder);
  }

  /** The loss and gradient at the current parameters (readbacks: tests). */
  async gradient(): Promise<{ loss: number; grads: Float32Array }> {
    const recorder = new Recorder(this.gpu, 'Regressor.gradient');
    this.encodeGradient(recorder);
    recorder.submit();
    const [loss, grads] = await Promise.all([readFloat32(this.gpu, this.loss, 1), readFloat32(this.gpu, this.grads, this.table.size)]);
    return { loss: loss[0]!, grads };
  }

  /** Replaces the parameters (flat, in the table's layout). */
  writeParameters(flat: Float32Array): void {
    if (flat.length !== this.table.size) throw new RangeError(`Regressor.writeParameters: got ${flat.length} floats; expected ${this.table.size}`);
    this.gpu.write(this.params, 0, flat);
  }

  /**
   * Submits `steps` optimizer steps in one command buffer and resolves to the loss of the last one's forward pass
   * (read through the ring, without stalling the GPU).
   */
  async train(steps: number): Promise<number> {
    const recorder = new Recorder(this.gpu, 'Regressor.train');
    for (let i = 0; i < steps; i++) this.encodeStep(recorder);
    const read = await this.ring.enqueue(recorder, this.loss, 0, 16);
    recorder.submit();
    return new Float32Array(await read())[0]!;
  }

  /** Predictions for the current batch, row-major [batch][outputs] (a readback: tests and plots). */
  async predict(): Promise<Float32Array> {
    const recorder = new Recorder(this.gpu, 'Regressor.predict');
    this.runner.encodeForward(recorder);
    recorder.submit();
    const columns = await readFloat32(this.gpu, this.runner.output);
    const out = new Float32Array(this.batch * this.config.outputs);
    for (let b = 0; b < this.batch; b++) for (let j = 0; j < this.config.outputs; j++) out[b * this.config.outputs + j] = columns[j * this.options.capacity + b]!;
    return out;
  }

  readParameters(): Promise<Float32Array> {
    return readFloat32(this.gpu, this.params, this.table.size);
  }

  destroy(): void {
    this.runner.destroy();
    this.adam.destroy();
    this.ring.destroy();
    for (const b of [this.params, this.grads, this.target, this.terms, this.loss, this.dims]) this.gpu.destroyBuffer(b);
  }
}
