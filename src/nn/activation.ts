/**
 * Owner of the elementwise kernels of shaders/activations.ts: an activation over a buffer, and the product of an
 * upstream gradient with its derivative (dL/dz = dL/dy · f'(y), from the stored output y). The dense kernels fuse
 * both into the matmul; these stand alone for networks built from separate pieces and for tests.
 */
import type { Gpu } from '../gpu/device.js';
import { bindBuffers } from '../gpu/bind.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import { ELEMENTWISE_WORKGROUP, elementwiseWgsl, type Activation } from '../../shaders/activations.js';

export class ActivationKernels {
  private constructor(
    private readonly gpu: Gpu,
    readonly activation: Activation,
    private readonly forwardPipeline: GPUComputePipeline,
    private readonly backwardPipeline: GPUComputePipeline,
  ) {}

  static async create(gpu: Gpu, activation: Activation): Promise<ActivationKernels> {
    const request = (entryPoint: string) =>
      gpu.pipelines.pipeline({
        label: `Activation.${activation}.${entryPoint}`,
        key: `Activation:${activation}`,
        entryPoint,
        bindings: ['uniform', 'read-only-storage', 'read-only-storage', 'storage'],
        build: () => elementwiseWgsl(activation),
      });
    const [forward, backward] = await Promise.all([request('forward'), request('backward')]);
    return new ActivationKernels(gpu, activation, forward, backward);
  }

  /** Records output[i] = f(input[i]) for i < count. */
  encodeForward(recorder: Recorder, input: GPUBuffer, output: GPUBuffer, count: number): void {
    this.encode(recorder, this.forwardPipeline, 'forward', input, this.gpu.placeholder, output, count);
  }

  /** Records output[i] = upstream[i] · f'(y[i]) for i < count, y the forward output. */
  encodeBackward(recorder: Recorder, y: GPUBuffer, upstream: GPUBuffer, output: GPUBuffer, count: number): void {
    this.encode(recorder, this.backwardPipeline, 'backward', y, upstream, output, count);
  }

  private encode(recorder: Recorder, pipeline: GPUComputePipeline, role: string, input: GPUBuffer, upstream: GPUBuffer, output: GPUBuffer, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`Activation.${role} count is ${count}; expected a non-negative integer`);
    const dims = this.gpu.buffer({
      label: `Activation.${this.activation}.${role}Dims`,
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      data: new Uint32Array([count, 0, 0, 0]),
    });
    const group = bindBuffers(this.gpu.device, `Activation.${this.activation}.${role}Group`, pipeline.getBindGroupLayout(0), [dims, input, upstream, output]);
    recorder.dispatch(pipeline, group, gridFor(count, ELEMENTWISE_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension));
  }
}
