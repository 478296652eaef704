/**
 * Owner of shaders/matmul.ts: the three dense-layer pipelines for one layer shape (forward with fused activation,
 * backward to the input, backward to the weights and bias), and the encoding of their dispatches.
 */
import type { AdapterDescription, Gpu } from '../gpu/device.js';
import { bindBuffers, type BufferResource } from '../gpu/bind.js';
import type { BindingKind } from '../gpu/pipelines.js';
import { gridFor, type Recorder, type Workgroups } from '../gpu/recorder.js';
import {
  DEFAULT_TILING,
  SWIFTSHADER_TILING,
  denseWorkgroups,
  denseWgsl,
  packDenseDims,
  type DenseDims,
  type DenseEntryPoint,
  type DenseShape,
  type DenseTiling,
} from '../../shaders/matmul.js';

const BINDINGS: readonly BindingKind[] = ['uniform', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'];

export interface DenseBuffers {
  params: BufferResource;
  /** Layer input X (feature-major). */
  input: BufferResource;
  /** Layer output Y (feature-major): written by forward, read by the backward kernels for f'(Y). */
  output: BufferResource;
  /** dL/dY (feature-major). */
  outputGrad: BufferResource;
  /** dL/dX (feature-major), written by backward_input. */
  inputGrad: BufferResource;
  /** Gradient buffer in the parameter layout, written by backward_weights. */
  grads: BufferResource;
}

/** The bind groups and uniform of one layer at one set of buffers. */
export interface DenseBinding {
  dims: GPUBuffer;
  forward: GPUBindGroup;
  backwardInput: GPUBindGroup;
  backwardWeights: GPUBindGroup;
  batch: number;
}

export class DenseKernels {
  private constructor(
    private readonly gpu: Gpu,
    readonly shape: DenseShape,
    readonly tiling: DenseTiling,
    private readonly forwardPipeline: GPUComputePipeline,
    private readonly backwardInputPipeline: GPUComputePipeline,
    private readonly backwardWeightsPipeline: GPUComputePipeline,
  ) {}

  static async create(gpu: Gpu, shape: DenseShape, tiling: DenseTiling = defaultTiling(gpu.adapter)): Promise<DenseKernels> {
    const key = `Dense:${JSON.stringify(shape)}:${JSON.stringify(tiling)}`;
    const request = (entryPoint: string) =>
      gpu.pipelines.pipeline({
        label: `Dense.${entryPoint}`,
        key,
        entryPoint,
        bindings: BINDINGS,
        build: () => denseWgsl(shape, tiling),
      });
    const [forward, backwardInput, backwardWeights] = await Promise.all([
      request('forward'),
      request('backward_input'),
      request('backward_weights'),
    ]);
    return new DenseKernels(gpu, shape, tiling, forward, backwardInput, backwardWeights);
  }

  /** Makes the uniform and bind groups for one layer; `dims.batch` can be changed later with setBatch. */
  bind(label: string, dims: DenseDims, buffers: DenseBuffers): DenseBinding {
    const uniform = this.gpu.buffer({
      label: `${label}.dims`,
      size: 32,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      data: packDenseDims(dims),
    });
    const layout = this.forwardPipeline.getBindGroupLayout(0);
    const group = (role: string, out: BufferResource, y: BufferResource, dy: BufferResource) =>
      bindBuffers(this.gpu.device, `${label}.${role}`, layout, [uniform, buffers.params, buffers.input, y, dy, out]);
    // forward writes Y, so Y cannot also be bound read-only there: its unused read slots get a placeholder.
    const unused = this.gpu.placeholder;
    return {
      dims: uniform,
      forward: group('forwardGroup', buffers.output, unused, unused),
      backwardInput: group('backwardInputGroup', buffers.inputGrad, buffers.output, buffers.outputGrad),
      backwardWeights: group('backwardWeightsGroup', buffers.grads, buffers.output, buffers.outputGrad),
      batch: dims.batch,
    };
  }

  /** Changes the batch size of a binding (queued before the next submit). */
  setBatch(binding: DenseBinding, dims: DenseDims): void {
    binding.batch = dims.batch;
    this.gpu.write(binding.dims, 0, packDenseDims(dims));
  }

  encodeForward(recorder: Recorder, binding: DenseBinding): void {
    recorder.dispatch(this.forwardPipeline, binding.forward, this.grid('forward', binding.batch));
  }

  encodeBackwardInput(recorder: Recorder, binding: DenseBinding): void {
    recorder.dispatch(this.backwardInputPipeline, binding.backwardInput, this.grid('backward_input', binding.batch));
  }

  encodeBackwardWeights(recorder: Recorder, binding: DenseBinding): void {
    recorder.dispatch(this.backwardWeightsPipeline, binding.backwardWeights, this.grid('backward_weights', binding.batch));
  }

  private grid(entryPoint: DenseEntryPoint, batch: number): Workgroups {
    return denseGrid(this.shape, this.tiling, entryPoint, batch, this.gpu.limits.maxComputeWorkgroupsPerDimension);
  }
}

/** The tiling measured best on an adapter (bench/cases/mlp.ts): SwiftShader's, or DEFAULT_TILING. */
export function defaultTiling(adapter: AdapterDescription): DenseTiling {
  return adapter.architecture === 'swiftshader' || /swiftshader/i.test(adapter.description) ? SWIFTSHADER_TILING : DEFAULT_TILING;
}

/** The dispatch size of an entry point of shaders/matmul.ts at a batch (split over x and y past the per-dimension limit). */
export function denseGrid(shape: DenseShape, tiling: DenseTiling, entryPoint: DenseEntryPoint, batch: number, maxPerDimension = 65535): Workgroups {
  return gridFor(denseWorkgroups(shape, tiling, entryPoint, batch), 1, maxPerDimension);
}
