/**
 * Owner of shaders/reductions.ts: sum, sum of squares or max of `count` floats of a buffer, into one float of
 * another, in one pass (one workgroup) for short inputs and two passes (partials, then finish) for long ones.
 */
import type { Gpu } from '../gpu/device.js';
import { bindBuffers } from '../gpu/bind.js';
import type { BindingKind } from '../gpu/pipelines.js';
import type { Recorder } from '../gpu/recorder.js';
import { REDUCE_WORKGROUP, reductionWgsl, type ReduceOp } from '../../shaders/reductions.js';

const BINDINGS: readonly BindingKind[] = ['uniform', 'read-only-storage', 'storage'];
/** Inputs up to this length are reduced by one workgroup in one pass. */
export const SINGLE_PASS_LIMIT = 256 * REDUCE_WORKGROUP;
/** Workgroups of the first pass of a two-pass reduction (partials). */
export const PARTIAL_WORKGROUPS = 64;

export interface ReductionPlan {
  count: number;
  encode(recorder: Recorder): void;
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
        bindings: BINDINGS,
        build: () => reductionWgsl(op),
      });
    const [partial, finish] = await Promise.all([request('partial'), request('finish')]);
    return new Reduction(gpu, op, partial, finish);
  }

  /** Only the first pass: PARTIAL_WORKGROUPS mapped partial results into partials[0..PARTIAL_WORKGROUPS). */
  partialsOnly(label: string, input: GPUBuffer, inputOffset: number, count: number, partials: GPUBuffer): ReductionPlan {
    const group = bindBuffers(this.gpu.device, `${label}.partialGroup`, this.partial.getBindGroupLayout(0), [
      this.gpu.buffer({
        label: `${label}.partialDims`,
        size: 16,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        data: new Uint32Array([count, inputOffset, 0, 1]),
      }),
      input,
      partials,
    ]);
    return { count, encode: (recorder) => recorder.dispatch(this.partial, group, [PARTIAL_WORKGROUPS]) };
  }

  /**
   * Prepares the reduction of input[inputOffset .. inputOffset + count) into output[outputOffset]; encode() then
   * records its one or two dispatches.
   */
  plan(label: string, input: GPUBuffer, inputOffset: number, count: number, output: GPUBuffer, outputOffset: number): ReductionPlan {
    const layout = this.finish.getBindGroupLayout(0);
    const uniform = (role: string, words: number[]) =>
      this.gpu.buffer({
        label: `${label}.${role}`,
        size: 16,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        data: new Uint32Array(words),
      });
    if (count <= SINGLE_PASS_LIMIT) {
      const group = bindBuffers(this.gpu.device, `${label}.finalGroup`, layout, [
        uniform('dims', [count, inputOffset, outputOffset, 1]),
        input,
        output,
      ]);
      return { count, encode: (recorder) => recorder.dispatch(this.finish, group, [1]) };
    }
    const partials = this.gpu.buffer({ label: `${label}.partials`, size: PARTIAL_WORKGROUPS * 4 });
    const partialGroup = bindBuffers(this.gpu.device, `${label}.partialGroup`, layout, [
      uniform('partialDims', [count, inputOffset, 0, 1]),
      input,
      partials,
    ]);
    const finalGroup = bindBuffers(this.gpu.device, `${label}.finalGroup`, layout, [
      uniform('finalDims', [PARTIAL_WORKGROUPS, 0, outputOffset, 0]),
      partials,
      output,
    ]);
    return {
      count,
      encode: (recorder) => {
        recorder.dispatch(this.partial, partialGroup, [PARTIAL_WORKGROUPS]);
        recorder.dispatch(this.finish, finalGroup, [1]);
      },
    };
  }
}
