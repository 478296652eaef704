/**
 * Sum, sum of squares or max of `count` floats of a buffer, into one float of another: one pass (one workgroup)
 * for short inputs, two passes (partials, then finish) for long ones. Kernels: reduction.wgsl.ts.
 */
import type { Gpu } from '../gpu/device.js';
import type { Recorder } from '../gpu/recorder.js';
import { REDUCE_WORKGROUP, type ReduceOp } from '../../shaders/reductions.js';
import { reductionBindings, ReductionDims, reductionWgsl } from './reduction.wgsl.js';

type Dims = Parameters<typeof ReductionDims.createBuffer>[2];
/** Inputs up to this length are reduced by one workgroup in one pass. */
export const SINGLE_PASS_LIMIT = 256 * REDUCE_WORKGROUP;
/** Workgroups of the first pass of a two-pass reduction (partials). */
export const PARTIAL_WORKGROUPS = 64;

/** A prepared reduction: its dispatches, and the buffers it made (freed by destroy). */
export interface ReductionPlan {
  count: number;
  encode(recorder: Recorder): void;
  destroy(): void;
}

export class Reduction {
  private constructor(
    private readonly gpu: Gpu,
    readonly op: ReduceOp,
    private readonly partial: GPUComputePipeline,
    private readonly finish: GPUComputePipeline,
  ) {}

  static async create(gpu: Gpu, op: ReduceOp): Promise<Reduction> {
    const request = (entryPoint: string) =>
      gpu.pipelines.pipeline({
        label: `Reduction.${op}.${entryPoint}`,
        key: `Reduction:${op}`,
        entryPoint,
        bindings: reductionBindings,
        build: () => reductionWgsl(op),
      });
    const [partial, finish] = await Promise.all([request('partial'), request('finish')]);
    return new Reduction(gpu, op, partial, finish);
  }

  /** Only the first pass: PARTIAL_WORKGROUPS mapped partial results into partials[0..PARTIAL_WORKGROUPS). */
  partialsOnly(label: string, input: GPUBuffer, inputOffset: number, count: number, partials: GPUBuffer): ReductionPlan {
    const dims = ReductionDims.createBuffer(this.gpu, `${label}.partialDims`, { count, input_offset: inputOffset, output_offset: 0, map_input: 1 });
    const group = reductionBindings.bindGroup(this.gpu.device, `${label}.partialGroup`, this.partial.getBindGroupLayout(0), { dims, input, output: partials });
    return {
      count,
      encode: (recorder) => recorder.dispatch(this.partial, group, [PARTIAL_WORKGROUPS]),
      destroy: () => this.gpu.destroyBuffer(dims),
    };
  }

  /**
   * Prepares the reduction of input[inputOffset .. inputOffset + count) into output[outputOffset]; encode() then
   * records its one or two dispatches.
   */
  plan(label: string, input: GPUBuffer, inputOffset: number, count: number, output: GPUBuffer, outputOffset: number): ReductionPlan {
    const layout = this.finish.getBindGroupLayout(0);
    const made: GPUBuffer[] = [];
    const destroy = () => made.forEach((buffer) => this.gpu.destroyBuffer(buffer));
    const group = (role: string, dims: Dims, input: GPUBuffer, output: GPUBuffer) => {
      const uniform = ReductionDims.createBuffer(this.gpu, `${label}.${role}Dims`, dims);
      made.push(uniform);
      return reductionBindings.bindGroup(this.gpu.device, `${label}.${role}Group`, layout, { dims: uniform, input, output });
    };
    if (count <= SINGLE_PASS_LIMIT) {
      const single = group('final', { count, input_offset: inputOffset, output_offset: outputOffset, map_input: 1 }, input, output);
      return { count, encode: (recorder) => recorder.dispatch(this.finish, single, [1]), destroy };
    }
    const partials = this.gpu.buffer({ label: `${label}.partials`, size: PARTIAL_WORKGROUPS * 4 });
    made.push(partials);
    const partialGroup = group('partial', { count, input_offset: inputOffset, output_offset: 0, map_input: 1 }, input, partials);
    const finalGroup = group('final', { count: PARTIAL_WORKGROUPS, input_offset: 0, output_offset: outputOffset, map_input: 0 }, partials, output);
    return {
      count,
      encode: (recorder) => {
        recorder.dispatch(this.partial, partialGroup, [PARTIAL_WORKGROUPS]);
        recorder.dispatch(this.finish, finalGroup, [1]);
      },
      destroy,
    };
  }
}
